// SPDX-License-Identifier: Apache-2.0
// The tempered path of parallel tempering, as a potential the Langevin tile runs unchanged:
//   π_β(x) ∝ π_ref(x)^(1−β) π(x)^β,  π ∝ exp(−E),  π_ref = N(m, diag s²)
// so the local move at inverse temperature β is Langevin at unit temperature on
//   E_β(x) = (1 − β) E_ref(x) + β E(x),  E_ref(x) = ½ Σ_i (x_i − m_i)² / s_i².
// The reference makes β = 0 a proper, normalised distribution (Syed et al. 2022, §2), so that log Z(1)
// − log Z(0) is the target's log normaliser. Every chain (row) has its own β: replicas × chains run in
// one batched Langevin call, and a swap only rewrites the β of the rows it exchanges.
#pragma once
#include <cstdint>

#include "heatbath/hd.h"
#include "heatbath/potentials.h"

namespace hb {

template <class Pot> struct Tempered;

// Written as a specialisation on the base's scalar type so that Tempered<Gaussian<T>> names one type
// without a comma (the instantiation lists are macros).
template <template <class> class P, class T>
struct Tempered<P<T>> {
  using Scalar = T;
  P<T> base;
  const T* ref_mean;     // [dim]
  const T* ref_inv_var;  // [dim] 1 / s²
  const T* beta;         // [rows] β of each row of the Langevin call
};

// What one tile of L lanes sees: the base potential, the reference and the lanes' β (padding lanes
// get β = 1 and are discarded by the tile anyway).
template <class Pot, int L>
struct TemperedTile {
  using T = typename Tempered<Pot>::Scalar;
  const Pot& base;
  const T* ref_mean;
  const T* ref_inv_var;
  T beta[L];

  template <int L2, bool kEnergy>
  HB_HD void energy_grad(int64_t d, const T* x, int64_t xs, T* g, int64_t gs, T* e) const {
    static_assert(L2 == L, "a tempered tile is evaluated at its own width");
    base.template energy_grad<L, kEnergy>(d, x, xs, g, gs, e);  // g = ∇E, e = E
    temper<kEnergy>(d, x, xs, g, gs, e);
  }

  // g and e hold the target's own ∇E and E at x on entry, ∇E_β and E_β on return.
  template <bool kEnergy>
  HB_HD void temper(int64_t d, const T* x, int64_t xs, T* g, int64_t gs, T* e) const {
    T acc[L];
    HB_SIMD
    for (int k = 0; k < L; ++k) acc[k] = T(0);
    for (int64_t i = 0; i < d; ++i) {
      const T mi = ref_mean[i], vi = ref_inv_var[i];
      HB_SIMD
      for (int k = 0; k < L; ++k) {
        const T r = x[i * xs + k] - mi, gr = vi * r;
        g[i * gs + k] = beta[k] * g[i * gs + k] + (T(1) - beta[k]) * gr;
        if (kEnergy) acc[k] += gr * r;
      }
    }
    if (kEnergy) {
      HB_SIMD
      for (int k = 0; k < L; ++k) e[k] = beta[k] * e[k] + (T(1) - beta[k]) * (T(0.5) * acc[k]);
    }
  }
};

// ∇E_β (and E_β when kEnergy) of a tile from the target's own ∇E ([d, L] rows) and E ([L]) at the same x,
// made elsewhere (the swap's energies of the last round): what energy_grad gives, bit for bit, without
// evaluating E. The built-in potentials' gradients do not depend on kEnergy, so one kept set serves both.
template <int L, bool kEnergy, class Pot, class T>
HB_HD void energy_grad_from_target(const TemperedTile<Pot, L>& tp, int64_t d, const T* x, int64_t xs,
                                   const T* target, T* g, int64_t gs, T* e) {
  for (int64_t i = 0; i < d; ++i) {
    HB_SIMD
    for (int k = 0; k < L; ++k) g[i * gs + k] = target[i * L + k];
  }
  if (kEnergy) {
    HB_SIMD
    for (int k = 0; k < L; ++k) e[k] = target[d * L + k];
  }
  tp.template temper<kEnergy>(d, x, xs, g, gs, e);
}

// The tile view of a tempered potential (found by argument-dependent lookup from langevin_tile).
template <int L, class Pot>
HB_HD TemperedTile<Pot, L> tile_potential(const Tempered<Pot>& pot, int64_t row0, int valid) {
  TemperedTile<Pot, L> t{pot.base, pot.ref_mean, pot.ref_inv_var, {}};
  for (int k = 0; k < L; ++k) t.beta[k] = k < valid ? pot.beta[row0 + k] : typename Tempered<Pot>::Scalar(1);
  return t;
}

}  // namespace hb
