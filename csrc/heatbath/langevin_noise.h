// SPDX-License-Identifier: Apache-2.0
// The random numbers langevin_tile draws, written out for kernels that make them apart from the
// update: the Numba kernels of user potentials call these (csrc/cpu/noise_cpu.cpp) for a tile of
// chains and a block of steps, so a user potential moves with exactly the core's stream, made by the
// core's lane-parallel Philox instead of scalar Philox per chain.
#pragma once
#include <algorithm>
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/langevin.h"
#include "heatbath/rn_math.h"

namespace hb {

// The Gaussian increments of chains [chain0, chain0 + n) at absolute steps [t_begin, t_begin + n_t):
// out[s * step_stride + c * dim + i] the value coordinate i of chain chain0 + c gets at step t_begin + s
// (the noise of ULA and MALA, the O-step of BAOAB); step_stride is n * dim for a whole [n_t, n, dim]
// array, more when the chains are a slice of a larger batch.
template <class T, int L>
HB_HD void langevin_noise(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                          T* out, int64_t step_stride) {
  constexpr int W = BlockWidth<T>::value;
  const int64_t G = steps_per_noise_group(d, W);
  for (int64_t c0 = 0; c0 < n; c0 += L) {
    const int valid = static_cast<int>(std::min<int64_t>(L, n - c0));
    BlockCache<T, L, Draw::kNormal> noise;
    constexpr int kColumns = 16;  // coordinates gathered lane-major, then stored row by row
    T columns[kColumns][L];
    for (int64_t s = 0; s < n_t; ++s) {
      const int64_t t = t_begin + s;
      const int64_t group = t / G, first_value = (t % G) * d;
      T* step_out = out + s * step_stride + c0 * d;  // [valid, dim]
      if (d == 1) {  // one coordinate: the lanes are the row, a contiguous copy
        noise.ensure(seed, static_cast<uint32_t>(Purpose::kLangevinNoise), group, first_value / W, chain0 + c0);
        const T* nr = noise.v[first_value % W];
        HB_SIMD
        for (int k = 0; k < valid; ++k) step_out[k] = nr[k];
        continue;
      }
      for (int64_t i0 = 0; i0 < d; i0 += kColumns) {
        const int width = static_cast<int>(d - i0 < kColumns ? d - i0 : kColumns);
        for (int ii = 0; ii < width; ++ii) {
          const int64_t v = first_value + i0 + ii;
          noise.ensure(seed, static_cast<uint32_t>(Purpose::kLangevinNoise), group, v / W, chain0 + c0);
          const T* nr = noise.v[v % W];
          HB_SIMD
          for (int k = 0; k < L; ++k) columns[ii][k] = nr[k];
        }
        // A transpose through L1: each chain's coordinates i0 .. i0 + width − 1 are contiguous in out.
        for (int k = 0; k < valid; ++k) {
          T* row = step_out + k * d + i0;
          for (int ii = 0; ii < width; ++ii) row[ii] = columns[ii][k];
        }
      }
    }
  }
}

// log u of MALA's accept/reject uniforms u of the same chains and steps: out [n_t, n]. The log (rn's,
// whose bits the Numba layer reproduces) is taken here, in lanes, where the kernels' accept test
// log u < log α would take it one chain at a time.
template <class T, int L>
HB_HD void metropolis_log_uniforms(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                   T* out) {
  constexpr int W = BlockWidth<T>::value;
  for (int64_t c0 = 0; c0 < n; c0 += L) {
    const int valid = static_cast<int>(std::min<int64_t>(L, n - c0));
    BlockCache<T, L, Draw::kUniform> uniforms;
    for (int64_t s = 0; s < n_t; ++s) {
      const int64_t t = t_begin + s;
      uniforms.ensure(seed, static_cast<uint32_t>(Purpose::kMetropolis), t / W, 0, chain0 + c0);
      const T* ur = uniforms.v[t % W];
      T* row = out + s * n + c0;
      HB_SIMD
      for (int k = 0; k < valid; ++k) row[k] = rn::log_positive(ur[k]);
    }
  }
}

}  // namespace hb
