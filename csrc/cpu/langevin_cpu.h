// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/evaluate.h"
#include "heatbath/langevin.h"
#include "heatbath/langevin_instances.h"

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

// Explicit instantiations of langevin_run and evaluate_run, in the dispatcher and in each variant.
#define HB_INSTANTIATE_LANGEVIN_RUN(T, M, P) \
  template void langevin_run<T, M, P>(const LangevinArgs<T>&, const P&, int64_t, int64_t);
#define HB_INSTANTIATE_EVALUATE_RUN(T, M, P) template void evaluate_run<T, P>(const EvaluateArgs<T>&, const P&);
#define HB_INSTANTIATE_CPU_LANGEVIN()                            \
  HB_FOR_EACH_LANGEVIN(HB_INSTANTIATE_LANGEVIN_RUN)              \
  HB_FOR_EACH_POTENTIAL(HB_INSTANTIATE_EVALUATE_RUN, float, _)   \
  HB_FOR_EACH_POTENTIAL(HB_INSTANTIATE_EVALUATE_RUN, double, _)

}  // namespace hb::cpu
