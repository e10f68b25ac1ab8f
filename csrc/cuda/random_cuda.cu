// SPDX-License-Identifier: Apache-2.0
// CUDA launcher of heatbath.random: one thread per (row, block) item, grid-stride, over the same
// body (random_fill.h) that the OpenMP launcher runs.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/launch.h"

namespace hb::cuda {
namespace {

template <Draw D, class T>
__global__ void fill_kernel(FillArgs a, StreamKey key, int64_t nblk, int64_t items) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items; i += stride) {
    const int64_t row = i / nblk, block = i - row * nblk;
    store_block<T>(a, row, block, block_values<D, T>(key, a.chain_start + row, block));
  }
}

}  // namespace

template <Draw D, class T>
void fill_random(const FillArgs& a, int device, std::uintptr_t stream) {
  const int64_t nblk = blocks_per_chain<T>(a.n);
  const int64_t items = a.chains * nblk;
  if (items == 0) return;
  DeviceGuard guard(device);
  constexpr int kThreads = 256;
  const int64_t blocks = std::min<int64_t>((items + kThreads - 1) / kThreads, int64_t{1} << 20);
  fill_kernel<D, T><<<static_cast<unsigned>(blocks), kThreads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(
      a, make_stream_key(a.seed, a.purpose, a.step), nblk, items);
  check(cudaGetLastError(), "fill_random launch");
}

template void fill_random<Draw::kBits, uint32_t>(const FillArgs&, int, std::uintptr_t);
template void fill_random<Draw::kUniform, float>(const FillArgs&, int, std::uintptr_t);
template void fill_random<Draw::kUniform, double>(const FillArgs&, int, std::uintptr_t);
template void fill_random<Draw::kNormal, float>(const FillArgs&, int, std::uintptr_t);
template void fill_random<Draw::kNormal, double>(const FillArgs&, int, std::uintptr_t);

}  // namespace hb::cuda
