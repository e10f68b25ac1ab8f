// SPDX-License-Identifier: Apache-2.0
// CUDA launcher of langevin.h: one thread per chain, the same tile body with one lane. Positions and
// momenta stay in the caller's rows; the gradient and proposal scratch is [dim, chains] so that a warp
// reads consecutive addresses.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/launch.h"
#include "heatbath/langevin_instances.h"

namespace hb::cuda {
namespace {

constexpr int kThreads = 128;

template <class T, Method M, class Pot>
__global__ void langevin_kernel(LangevinArgs<T> a, Pot pot, T* ws, int64_t t_begin, int64_t t_end) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t plane = a.dim * a.chains;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < a.chains; row += stride) {
    LangevinScratch<T> s{{a.x + row * a.dim, 1},
                         {a.p != nullptr ? a.p + row * a.dim : nullptr, 1},
                         {ws + row, a.chains},
                         {ws + plane + row, a.chains},
                         {ws + 2 * plane + row, a.chains}};
    langevin_tile<T, 1, M, Pot>(a, pot, row, 1, s, t_begin, t_end);
  }
}

template <class T, class Pot>
__global__ void evaluate_kernel(EvaluateArgs<T> a, Pot pot) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < a.chains; row += stride) {
    pot.template energy_grad<1, true>(a.dim, a.x + row * a.dim, 1, a.grad + row * a.dim, 1, a.energy + row);
  }
}

unsigned grid_for(int64_t chains) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((chains + kThreads - 1) / kThreads, 1 << 20)));
}

}  // namespace

template <class T, Method M, class Pot>
void langevin_run(const LangevinArgs<T>& a, const Pot& pot, T* workspace, int64_t t_begin, int64_t t_end,
                  int device, std::uintptr_t stream) {
  if (a.chains == 0 || a.dim == 0) return;
  DeviceGuard guard(device);
  langevin_kernel<T, M, Pot><<<grid_for(a.chains), kThreads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(
      a, pot, workspace, t_begin, t_end);
  check(cudaGetLastError(), "langevin launch");
}

template <class T, class Pot>
void evaluate_run(const EvaluateArgs<T>& a, const Pot& pot, int device, std::uintptr_t stream) {
  if (a.chains == 0) return;
  DeviceGuard guard(device);
  evaluate_kernel<T, Pot><<<grid_for(a.chains), kThreads, 0, reinterpret_cast<cudaStream_t>(stream)>>>(a, pot);
  check(cudaGetLastError(), "evaluate launch");
}

#define HB_INSTANTIATE(T, M, P)                                                                         \
  template void langevin_run<T, M, P>(const LangevinArgs<T>&, const P&, T*, int64_t, int64_t, int, \
                                      std::uintptr_t);
HB_FOR_EACH_LANGEVIN(HB_INSTANTIATE)
#undef HB_INSTANTIATE
// Parallel tempering's local move (pt_cuda.cu): the same launcher on the tempered potentials.
#define HB_INSTANTIATE(T, M, P)                                                                             \
  template void langevin_run<T, M, Tempered<P>>(const LangevinArgs<T>&, const Tempered<P>&, T*, int64_t, int64_t, \
                                                int, std::uintptr_t);
HB_FOR_EACH_LANGEVIN(HB_INSTANTIATE)
#undef HB_INSTANTIATE
#define HB_INSTANTIATE(T, M, P) \
  template void evaluate_run<T, P>(const EvaluateArgs<T>&, const P&, int, std::uintptr_t);
HB_FOR_EACH_POTENTIAL(HB_INSTANTIATE, float, _)
HB_FOR_EACH_POTENTIAL(HB_INSTANTIATE, double, _)
#undef HB_INSTANTIATE

}  // namespace hb::cuda
