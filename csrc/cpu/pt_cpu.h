// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/langevin.h"
#include "heatbath/pt_instances.h"
#include "heatbath/pt_swap.h"

namespace hb::cpu {

// Rounds [round_begin, round_end) of parallel tempering with tempered Langevin local moves: n_local
// steps of every row, E(x) of every row into `energy`, then the swap pass. Dispatches on the
// instruction set (isa.h).
template <class T, Method M, class Pot>
void pt_run(const LangevinArgs<T>& a, const Tempered<Pot>& pot, const SwapArgs<T>& s, T* energy,
            int64_t round_begin, int64_t round_end, int64_t n_local);

// The swap pass alone for every column (the plug-in path, where a model computed the energies).
// Dispatches on the instruction set too: its exps are FMA chains, which the baseline build calls out for.
template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round);

// The swap pass of columns [c0, c1) on the calling thread (a caller's thread of its own: the whole rounds
// of Numba potentials, heatbath/_numba/pt_rounds.py). Same dispatch, same bits as swap_run's.
template <class T>
void swap_columns_run(const SwapArgs<T>& a, int64_t c0, int64_t c1, int64_t round);

#define HB_DECLARE_PT_VARIANT(ns)                                                                   \
  namespace ns {                                                                                    \
  template <class T, Method M, class Pot>                                                           \
  void pt_run(const LangevinArgs<T>& a, const Tempered<Pot>& pot, const SwapArgs<T>& s, T* energy, \
              int64_t round_begin, int64_t round_end, int64_t n_local);                             \
  template <class T>                                                                                \
  void swap_run(const SwapArgs<T>& a, int64_t round);                                               \
  template <class T>                                                                                \
  void swap_columns_run(const SwapArgs<T>& a, int64_t c0, int64_t c1, int64_t round);               \
  }
HB_DECLARE_PT_VARIANT(baseline)
HB_DECLARE_PT_VARIANT(avx2)
HB_DECLARE_PT_VARIANT(avx512)
#undef HB_DECLARE_PT_VARIANT

#define HB_INSTANTIATE_PT_RUN(T, M, P)                                                                    \
  template void pt_run<T, M, P>(const LangevinArgs<T>&, const Tempered<P>&, const SwapArgs<T>&, T*, int64_t, \
                                int64_t, int64_t);

}  // namespace hb::cpu
