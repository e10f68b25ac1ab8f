// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/ising.h"
#include "heatbath/pt_swap.h"

namespace hb::cpu {

// Runs absolute sweeps [sweep_begin, sweep_end) of every lattice in place; records E and Σ s of
// sweep t at row t − a.sweep0 of the traces. Dispatches on the instruction set (isa.h).
void ising_run(const IsingArgs& a, int64_t sweep_begin, int64_t sweep_end);

// Rounds [round_begin, round_end) of parallel tempering over the lattices of a.spins (rows =
// s.columns · s.replicas, row = column · replicas + slot): n_sweeps sweeps of every lattice at the β of
// its temperature, its energy into `energy`, then the swap pass. a.beta is not read.
void ising_pt_run(const IsingArgs& a, const SwapArgs<double>& s, double* energy, int64_t round_begin,
                  int64_t round_end, int64_t n_sweeps);

// E and Σ s of every lattice of a.spins: energy [lattices], mag [lattices].
void ising_measure(const IsingArgs& a, double* energy, double* mag);

#define HB_DECLARE_ISING_VARIANT(ns)                                                                   \
  namespace ns {                                                                                       \
  void ising_run(const IsingArgs& a, int64_t sweep_begin, int64_t sweep_end);                          \
  void ising_pt_run(const IsingArgs& a, const SwapArgs<double>& s, double* energy, int64_t round_begin, \
                    int64_t round_end, int64_t n_sweeps);                                              \
  }
HB_DECLARE_ISING_VARIANT(baseline)
HB_DECLARE_ISING_VARIANT(avx2)
HB_DECLARE_ISING_VARIANT(avx512)
#undef HB_DECLARE_ISING_VARIANT

}  // namespace hb::cpu
