// SPDX-License-Identifier: Apache-2.0
// OpenMP launcher of the swap pass (pt_swap.h): columns are independent, one per iteration.
#include "cpu/pt_cpu.h"

#include "cpu/threads.h"

namespace hb::cpu {

template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round) {
  // Small passes stay on the calling thread: waking the team costs more than K + 1 values a column.
  const bool parallel = a.columns * a.replicas * (a.dim + 8) > 16384;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel)
  for (int64_t c = 0; c < a.columns; ++c) swap_column(a, c, round);
}

template void swap_run<float>(const SwapArgs<float>&, int64_t);
template void swap_run<double>(const SwapArgs<double>&, int64_t);

}  // namespace hb::cpu
