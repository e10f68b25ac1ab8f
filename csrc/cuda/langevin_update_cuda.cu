// SPDX-License-Identifier: Apache-2.0
// CUDA launcher of langevin_update.h: one thread per chain (L = 1), on the caller's stream.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/langevin_update_cuda.h"

namespace hb::cuda {
namespace {

constexpr int kThreads = 128;

template <class T, Phase P>
__global__ void langevin_update_kernel(UpdateArgs<T> a) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < a.chains; row += stride) {
    langevin_update_tile<T, 1, P>(a, row);
  }
}

}  // namespace

template <class T, Phase P>
void langevin_update(const UpdateArgs<T>& a, int device, std::uintptr_t stream) {
  if (a.chains == 0 || a.dim == 0) return;
  DeviceGuard guard(device);
  const auto blocks = static_cast<unsigned>(
      std::max<int64_t>(1, std::min<int64_t>((a.chains + kThreads - 1) / kThreads, 1 << 20)));
  langevin_update_kernel<T, P><<<blocks, kThreads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(a);
  check(cudaGetLastError(), "langevin_update launch");
}

#define HB_INSTANTIATE(T, P) template void langevin_update<T, P>(const UpdateArgs<T>&, int, std::uintptr_t);
HB_FOR_EACH_PHASE(HB_INSTANTIATE, float)
HB_FOR_EACH_PHASE(HB_INSTANTIATE, double)
#undef HB_INSTANTIATE

}  // namespace hb::cuda
