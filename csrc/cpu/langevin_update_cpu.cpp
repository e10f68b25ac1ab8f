// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the Langevin update phases at run time.
#include "cpu/langevin_update_cpu.h"

#include "cpu/isa.h"

namespace hb::cpu {

template <class T, Phase P>
void langevin_update(const UpdateArgs<T>& a) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::langevin_update<T, P>(a);
    case Isa::kAvx2: return avx2::langevin_update<T, P>(a);
    default: break;
  }
#endif
  baseline::langevin_update<T, P>(a);
}

HB_INSTANTIATE_CPU_UPDATE()

}  // namespace hb::cpu
