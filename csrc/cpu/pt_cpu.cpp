// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the parallel-tempering launchers (pt_cpu_kernel.cpp).
#include "cpu/pt_cpu.h"

#include "cpu/isa.h"

namespace hb::cpu {

template <class T, Method M, class Pot>
void pt_run(const LangevinArgs<T>& a, const Tempered<Pot>& pot, const SwapArgs<T>& s, T* energy,
            int64_t round_begin, int64_t round_end, int64_t n_local) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::pt_run<T, M, Pot>(a, pot, s, energy, round_begin, round_end, n_local);
    case Isa::kAvx2: return avx2::pt_run<T, M, Pot>(a, pot, s, energy, round_begin, round_end, n_local);
    default: break;
  }
#endif
  baseline::pt_run<T, M, Pot>(a, pot, s, energy, round_begin, round_end, n_local);
}

HB_FOR_EACH_PT(HB_INSTANTIATE_PT_RUN)

template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::swap_run<T>(a, round);
    case Isa::kAvx2: return avx2::swap_run<T>(a, round);
    default: break;
  }
#endif
  baseline::swap_run<T>(a, round);
}

template void swap_run<float>(const SwapArgs<float>&, int64_t);
template void swap_run<double>(const SwapArgs<double>&, int64_t);

template <class T>
void swap_columns_run(const SwapArgs<T>& a, int64_t c0, int64_t c1, int64_t round) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::swap_columns_run<T>(a, c0, c1, round);
    case Isa::kAvx2: return avx2::swap_columns_run<T>(a, c0, c1, round);
    default: break;
  }
#endif
  baseline::swap_columns_run<T>(a, c0, c1, round);
}

template void swap_columns_run<float>(const SwapArgs<float>&, int64_t, int64_t, int64_t);
template void swap_columns_run<double>(const SwapArgs<double>&, int64_t, int64_t, int64_t);

}  // namespace hb::cpu
