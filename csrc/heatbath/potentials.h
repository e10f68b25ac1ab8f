// SPDX-License-Identifier: Apache-2.0
// Built-in potentials E(x) and their gradients, written once for both launchers.
//
// Every potential works on a tile of L chains ("lanes") at once: coordinate i of lane k of x lives at
// x[i * xs + k], likewise for the gradient g (stride gs), and e[k] receives the energy when kEnergy.
// The CPU launcher passes a structure-of-arrays tile (L = 16 or 8, stride L) so the lane loops
// vectorise; the CUDA launcher passes one chain per thread (L = 1) with strides that keep memory
// accesses coalesced. Parameters are raw pointers on the device the launcher runs on.
#pragma once
#include <cstdint>

#include "heatbath/hd.h"
#include "heatbath/rn_math.h"

namespace hb {

enum class PotentialKind : int { kDoubleWell = 0, kGaussian = 1, kGaussianMixture = 2, kRosenbrock = 3 };

// E = Σ_i x_i⁴ − 4 x_i² + x_i: two wells per coordinate, the left one (x ≈ −1.47) deeper.
template <class T>
struct DoubleWell {
  template <int L, bool kEnergy>
  HB_HD void energy_grad(int64_t d, const T* x, int64_t xs, T* g, int64_t gs, T* e) const {
    T acc[L];
    HB_SIMD
    for (int k = 0; k < L; ++k) acc[k] = T(0);
    for (int64_t i = 0; i < d; ++i) {
      HB_SIMD
      for (int k = 0; k < L; ++k) {
        const T v = x[i * xs + k], v2 = v * v;
        g[i * gs + k] = T(4) * v2 * v - T(8) * v + T(1);
        if (kEnergy) acc[k] += v2 * v2 - T(4) * v2 + v;
      }
    }
    if (kEnergy) {
      HB_SIMD
      for (int k = 0; k < L; ++k) e[k] = acc[k];
    }
  }
};

// E = ½ (x − μ)ᵀ P (x − μ) with a symmetric positive-definite precision P [d, d] (row-major).
template <class T>
struct Gaussian {
  const T* mean;       // [d]
  const T* precision;  // [d, d]

  template <int L, bool kEnergy>
  HB_HD void energy_grad(int64_t d, const T* x, int64_t xs, T* g, int64_t gs, T* e) const {
    for (int64_t i = 0; i < d; ++i) {
      HB_SIMD
      for (int k = 0; k < L; ++k) g[i * gs + k] = T(0);
      for (int64_t j = 0; j < d; ++j) {
        const T pij = precision[i * d + j], mj = mean[j];
        HB_SIMD
        for (int k = 0; k < L; ++k) g[i * gs + k] += pij * (x[j * xs + k] - mj);
      }
    }
    if (kEnergy) {
      T acc[L];
      HB_SIMD
      for (int k = 0; k < L; ++k) acc[k] = T(0);
      for (int64_t i = 0; i < d; ++i) {
        const T mi = mean[i];
        HB_SIMD
        for (int k = 0; k < L; ++k) acc[k] += (x[i * xs + k] - mi) * g[i * gs + k];
      }
      HB_SIMD
      for (int k = 0; k < L; ++k) e[k] = T(0.5) * acc[k];
    }
  }
};

// E = −log Σ_c w_c N(x; μ_c, diag σ_c²), evaluated in one pass over the components with a running
// log-sum-exp (the gradient accumulator is rescaled whenever the running maximum moves), so no
// per-component buffer is needed. log_norm_c = log w_c − Σ_i log σ_ci − (d/2) log 2π, inv_var = 1/σ².
template <class T>
struct GaussianMixture {
  const T* means;     // [K, d]
  const T* inv_var;   // [K, d]
  const T* log_norm;  // [K]
  int64_t components;

  template <int L, bool kEnergy>
  HB_HD void energy_grad(int64_t d, const T* x, int64_t xs, T* g, int64_t gs, T* e) const {
    T m[L], s[L], a[L], w[L], rescale[L];
    HB_SIMD
    for (int k = 0; k < L; ++k) { m[k] = T(0); s[k] = T(0); }  // set by component 0
    for (int64_t c = 0; c < components; ++c) {
      const T* mu = means + c * d;
      const T* iv = inv_var + c * d;
      HB_SIMD
      for (int k = 0; k < L; ++k) a[k] = log_norm[c];
      for (int64_t i = 0; i < d; ++i) {
        const T mi = mu[i], vi = iv[i];
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          const T diff = x[i * xs + k] - mi;
          a[k] -= T(0.5) * vi * diff * diff;
        }
      }
      HB_SIMD
      for (int k = 0; k < L; ++k) {
        // The first component sets the running maximum; later ones rescale what came before.
        const T m_new = (c == 0 || a[k] > m[k]) ? a[k] : m[k];
        rescale[k] = c == 0 ? T(0) : rn::exp(m[k] - m_new);
        w[k] = rn::exp(a[k] - m_new);
        s[k] = s[k] * rescale[k] + w[k];
        m[k] = m_new;
      }
      for (int64_t i = 0; i < d; ++i) {
        const T mi = mu[i], vi = iv[i];
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          const T prev = c == 0 ? T(0) : g[i * gs + k] * rescale[k];
          g[i * gs + k] = prev + w[k] * vi * (x[i * xs + k] - mi);
        }
      }
    }
    for (int64_t i = 0; i < d; ++i) {
      HB_SIMD
      for (int k = 0; k < L; ++k) g[i * gs + k] /= s[k];
    }
    if (kEnergy) {
      HB_SIMD
      for (int k = 0; k < L; ++k) e[k] = -(m[k] + rn::log_positive(s[k]));
    }
  }
};

// E = Σ_{i<d−1} b (x_{i+1} − x_i²)² + (a − x_i)², the banana-shaped valley (d ≥ 2).
template <class T>
struct Rosenbrock {
  T a, b;

  template <int L, bool kEnergy>
  HB_HD void energy_grad(int64_t d, const T* x, int64_t xs, T* g, int64_t gs, T* e) const {
    T acc[L];
    HB_SIMD
    for (int k = 0; k < L; ++k) acc[k] = T(0);
    for (int64_t i = 0; i < d; ++i) {
      const bool has_next = i + 1 < d, has_prev = i > 0;
      HB_SIMD
      for (int k = 0; k < L; ++k) {
        const T xi = x[i * xs + k];
        T gi = T(0);
        if (has_next) {
          const T r = x[(i + 1) * xs + k] - xi * xi, q = a - xi;
          gi += T(-4) * b * xi * r - T(2) * q;
          if (kEnergy) acc[k] += b * r * r + q * q;
        }
        if (has_prev) {
          const T xp = x[(i - 1) * xs + k];
          gi += T(2) * b * (xi - xp * xp);
        }
        g[i * gs + k] = gi;
      }
    }
    if (kEnergy) {
      HB_SIMD
      for (int k = 0; k < L; ++k) e[k] = acc[k];
    }
  }
};

}  // namespace hb
