// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the random fill at run time.
#include "cpu/random_cpu.h"

#include "cpu/isa.h"

namespace hb::cpu {

template <Draw D, class T>
void fill_random(const FillArgs& a, int64_t item_begin, int64_t item_end) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::fill_random<D, T>(a, item_begin, item_end);
    case Isa::kAvx2: return avx2::fill_random<D, T>(a, item_begin, item_end);
    default: break;
  }
#endif
  baseline::fill_random<D, T>(a, item_begin, item_end);
}

template void fill_random<Draw::kBits, uint32_t>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kUniform, float>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kUniform, double>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kNormal, float>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kNormal, double>(const FillArgs&, int64_t, int64_t);

}  // namespace hb::cpu
