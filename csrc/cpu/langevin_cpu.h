// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/evaluate.h"
#include "heatbath/langevin.h"

namespace hb::cpu {

// Runs absolute steps [t_begin, t_end) of every chain; dispatches on the instruction set (isa.h).
template <class T, Method M, class Pot>
void langevin_run(const LangevinArgs<T>& a, const Pot& pot, int64_t t_begin, int64_t t_end);

// E(x) and ∇E(x) of every row of a.x.
template <class T, class Pot>
void evaluate_run(const EvaluateArgs<T>& a, const Pot& pot);

#define HB_DECLARE_LANGEVIN_VARIANT(ns)                                                       \
  namespace ns {                                                                              \
  template <class T, Method M, class Pot>                                                     \
  void langevin_run(const LangevinArgs<T>& a, const Pot& pot, int64_t t_begin, int64_t t_end); \
  template <class T, class Pot>                                                               \
  void evaluate_run(const EvaluateArgs<T>& a, const Pot& pot);                                \
  }
HB_DECLARE_LANGEVIN_VARIANT(baseline)
HB_DECLARE_LANGEVIN_VARIANT(avx2)
HB_DECLARE_LANGEVIN_VARIANT(avx512)
#undef HB_DECLARE_LANGEVIN_VARIANT

}  // namespace hb::cpu
