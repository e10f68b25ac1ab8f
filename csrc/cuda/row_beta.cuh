// SPDX-License-Identifier: Apache-2.0
// The β of every row for a round of parallel tempering on CUDA: the swap pass's float64 β rounded to
// the sampler's type, as the CPU's static_cast (and the plug-in path's array assignment) rounds it.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace hb::cuda {

template <class T>
__global__ void row_beta_kernel(int64_t rows, const double* beta_row, T* beta) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += stride) {
    beta[r] = static_cast<T>(beta_row[r]);
  }
}

}  // namespace hb::cuda
