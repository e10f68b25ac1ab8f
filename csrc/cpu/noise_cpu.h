// SPDX-License-Identifier: Apache-2.0
// The Langevin noise and MALA's log-uniforms of a tile of chains and a block of steps (langevin_noise.h),
// with C entry points for Numba kernels: extern "C" functions whose addresses the Python layer
// registers with LLVM (heatbath._numba.core_noise), so cached Numba code links to them by name.
#pragma once
#include <cstdint>

namespace hb::cpu {

#define HB_DECLARE_NOISE(ns)                                                                                     \
  namespace ns {                                                                                                 \
  template <class T>                                                                                             \
  void langevin_noise(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t, T* out, \
                      int64_t step_stride);                                                                         \
  template <class T>                                                                                             \
  void metropolis_log_uniforms(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t, T* out);  \
  }
HB_DECLARE_NOISE(baseline)
HB_DECLARE_NOISE(avx2)
HB_DECLARE_NOISE(avx512)
#undef HB_DECLARE_NOISE

// out [n_t, chains, dim] (C-contiguous) of heatbath.TorchPotential's CPU loop: the noise of S steps in
// one call, split over threads by chains when the batch is large (each value depends on its chain,
// step and coordinate alone, so the split changes nothing).
template <class T>
void langevin_noise_fill(uint64_t seed, uint64_t chain_start, int64_t chains, int64_t d, int64_t t_begin,
                         int64_t n_t, T* out);

}  // namespace hb::cpu

// No checks here (a C call from compiled code cannot raise): the Numba launcher validates every
// argument before its kernel runs.
extern "C" {
void heatbath_langevin_noise_f32(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                                 float* out);
void heatbath_langevin_noise_f64(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                                 double* out);
void heatbath_metropolis_log_uniforms_f32(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                          float* out);
void heatbath_metropolis_log_uniforms_f64(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                          double* out);
}
