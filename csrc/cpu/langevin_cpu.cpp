// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the Langevin launcher at run time.
#include "cpu/langevin_cpu.h"

#include "cpu/isa.h"
#include "heatbath/langevin_instances.h"

namespace hb::cpu {

template <class T, Method M, class Pot>
void langevin_run(const LangevinArgs<T>& a, const Pot& pot, int64_t t_begin, int64_t t_end) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::langevin_run<T, M, Pot>(a, pot, t_begin, t_end);
    case Isa::kAvx2: return avx2::langevin_run<T, M, Pot>(a, pot, t_begin, t_end);
    default: break;
  }
#endif
  baseline::langevin_run<T, M, Pot>(a, pot, t_begin, t_end);
}

template <class T, class Pot>
void evaluate_run(const EvaluateArgs<T>& a, const Pot& pot) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::evaluate_run<T, Pot>(a, pot);
    case Isa::kAvx2: return avx2::evaluate_run<T, Pot>(a, pot);
    default: break;
  }
#endif
  baseline::evaluate_run<T, Pot>(a, pot);
}

HB_INSTANTIATE_CPU_LANGEVIN()

}  // namespace hb::cpu
