// SPDX-License-Identifier: Apache-2.0
// CUDA launchers of parallel tempering: per round, the tempered Langevin tile with one row per thread
// (langevin_cuda.cu's launcher on Tempered<Pot>), the target's E per row, and the swap pass with one
// column per thread. Three asynchronous launches a round on the caller's stream.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/launch.h"
#include "heatbath/pt_instances.h"

namespace hb::cuda {
namespace {

constexpr int kThreads = 128;

unsigned grid_for(int64_t n) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, 1 << 20)));
}

// The target's E of every row; the gradient goes to the workspace's first plane (free between steps).
template <class T, class Pot>
__global__ void energy_kernel(int64_t rows, int64_t dim, const T* x, Pot pot, T* ws, T* energy) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < rows; row += stride) {
    pot.template energy_grad<1, true>(dim, x + row * dim, 1, ws + row, rows, energy + row);
  }
}

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
  swap_kernel<T><<<grid_for(a.columns), kThreads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(a, round);
  check(cudaGetLastError(), "swap launch");
}

template <class T, Method M, class Pot>
void pt_run(const LangevinArgs<T>& a, const Tempered<Pot>& pot, const SwapArgs<T>& s, T* energy, T* workspace,
            int64_t round_begin, int64_t round_end, int64_t n_local, int device, std::uintptr_t stream) {
  if (a.chains == 0 || a.dim == 0) return;
  DeviceGuard guard(device);
  const auto st = reinterpret_cast<cudaStream_t>(stream);
  for (int64_t round = round_begin; round < round_end; ++round) {
    langevin_run<T, M, Tempered<Pot>>(a, pot, workspace, round * n_local, (round + 1) * n_local, device, stream);
    energy_kernel<T, Pot><<<grid_for(a.chains), kThreads, 0, st>>>(a.chains, a.dim, a.x, pot.base, workspace, energy);
    swap_kernel<T><<<grid_for(s.columns), kThreads, 0, st>>>(s, round);
    check(cudaGetLastError(), "parallel tempering launch");
  }
}

template void swap_run<float>(const SwapArgs<float>&, int64_t, int, std::uintptr_t);
template void swap_run<double>(const SwapArgs<double>&, int64_t, int, std::uintptr_t);
#define HB_INSTANTIATE(T, M, P)                                                                           \
  template void pt_run<T, M, P>(const LangevinArgs<T>&, const Tempered<P>&, const SwapArgs<T>&, T*, T*, int64_t, \
                                int64_t, int64_t, int, std::uintptr_t);
HB_FOR_EACH_PT(HB_INSTANTIATE)
#undef HB_INSTANTIATE

}  // namespace hb::cuda
