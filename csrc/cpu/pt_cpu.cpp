// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the parallel-tempering launcher; the swap pass alone runs
// here (scalar code, K + 1 values per column).
#include "cpu/pt_cpu.h"

#include <algorithm>

#include "cpu/isa.h"
#include "cpu/threads.h"

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
  // Small passes stay on the calling thread: waking the team costs more than K + 1 values a column.
  const bool parallel = a.columns * a.replicas > 16384;
  const int64_t groups = (a.columns + kSwapLanes - 1) / kSwapLanes;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel)
  for (int64_t g = 0; g < groups; ++g) {
    swap_range(a, g * kSwapLanes, std::min(a.columns, (g + 1) * kSwapLanes), round);
  }
}

template void swap_run<float>(const SwapArgs<float>&, int64_t);
template void swap_run<double>(const SwapArgs<double>&, int64_t);

}  // namespace hb::cpu
