// SPDX-License-Identifier: Apache-2.0
// CUDA launcher of the swap pass (pt_swap.h): one thread per column of replicas.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/launch.h"

namespace hb::cuda {
namespace {

constexpr int kThreads = 128;

template <class T>
__global__ void swap_kernel(SwapArgs<T> a, int64_t round) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; c < a.columns; c += stride) {
    swap_column(a, c, round);
  }
}

}  // namespace

template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round, int device, std::uintptr_t stream) {
  if (a.columns == 0) return;
  DeviceGuard guard(device);
  const unsigned grid =
      static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((a.columns + kThreads - 1) / kThreads, 1 << 20)));
  swap_kernel<T><<<grid, kThreads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(a, round);
  check(cudaGetLastError(), "swap launch");
}

template void swap_run<float>(const SwapArgs<float>&, int64_t, int, std::uintptr_t);
template void swap_run<double>(const SwapArgs<double>&, int64_t, int, std::uintptr_t);

}  // namespace hb::cuda
