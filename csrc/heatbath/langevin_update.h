// SPDX-License-Identifier: Apache-2.0
// The phases of one Langevin step for energies evaluated outside the core (heatbath.TorchPotential:
// a torch network whose gradient comes from autograd). The caller computes E and ∇E between phases;
// each phase applies one part of the update rule of langevin.h in place, to every chain of a batch:
//
//   ULA     kUlaMove      x ← x − h g + scale ξ                       (g = ∇E(x))
//   MALA    kMalaPropose  y ← x − h g + scale ξ                       (g = ∇E(x))
//           kMalaAccept   accept y with langevin.h's probability      (gy = ∇E(y), e = E(x), ey = E(y));
//                         on acceptance x ← y, g ← gy, e ← ey
//   BAOAB   kBaoabMove    B A O A: p ← p − (h/2) g; x ← x + (h/2) p; p ← c1 p + scale ξ; x ← x + (h/2) p
//           kBaoabKick    B:       p ← p − (h/2) g                    (g = ∇E(x) at the moved x)
//
// The arithmetic, its order, the random stream (noise value (t mod G)·dim + i of block v / W at counter
// step ⌊t/G⌋; MALA's uniform value t mod W at counter step ⌊t/W⌋) and the divergence bookkeeping are
// those of langevin_tile, so a step taken phase by phase with the built-in's E and ∇E is the built-in
// step bit for bit. langevin_tile keeps its own fused loop (state in registers across steps, no
// round trip through memory); these phases reuse its pieces (BlockCache, steps_per_noise_group, finite).
//
// Layout: the caller's row-major arrays, element i of chain `row` at ptr[row * dim + i]. A tile is L
// consecutive chains, all of them valid: the launchers run full tiles with L > 1 and the rest with L = 1,
// which gives the same bits (every value depends on its chain alone).
#pragma once
#include <cstdint>

#include "heatbath/langevin.h"

namespace hb {

enum class Phase : int { kUlaMove = 0, kMalaPropose = 1, kMalaAccept = 2, kBaoabMove = 3, kBaoabKick = 4 };

// Every phase, for the explicit instantiations of the launchers.
#define HB_FOR_EACH_PHASE(X, T) \
  X(T, Phase::kUlaMove)         \
  X(T, Phase::kMalaPropose)     \
  X(T, Phase::kMalaAccept)      \
  X(T, Phase::kBaoabMove)       \
  X(T, Phase::kBaoabKick)

template <class T>
struct UpdateArgs {
  int64_t chains, dim;
  T* x;                  // [chains, dim] positions
  T* p;                  // [chains, dim] BAOAB momenta
  T* g;                  // [chains, dim] ∇E(x) (MALA: replaced by gy on acceptance)
  T* y;                  // [chains, dim] MALA proposal
  const T* gy;           // [chains, dim] ∇E(y)
  T* e;                  // [chains] E(x) (MALA)
  const T* ey;           // [chains] E(y) (MALA)
  int64_t* accepted;     // [chains] MALA acceptances, accumulated
  int64_t* diverged_at;  // [chains] first step with a non-finite state, −1 while finite
  const T* noise;        // [chains, dim] this step's ξ made beforehand (hb::langevin_noise), or null: drawn here
  T scale;               // this step's sqrt(2h/β) (ULA, MALA) or c2 (BAOAB)
  T beta, h, c1;         // this step's β (MALA); step size; BAOAB's exp(−γh)
  uint64_t seed;
  uint64_t chain_start;  // global index of row 0 (for the random counters)
  int64_t step;          // the absolute step t
};

// Flags chains whose state just became non-finite, as langevin_tile does (first step only).
template <class T, int L, class Flag>
HB_HD void mark_diverged(const UpdateArgs<T>& a, int64_t row0, const Flag* bad) {
  for (int k = 0; k < L; ++k) {
    if (bad[k] != 0 && a.diverged_at[row0 + k] < 0) a.diverged_at[row0 + k] = a.step;
  }
}

// The normals ξ of step a.step for the L chains from row0, one coordinate at a time: value
// (t mod G)·dim + i of block v / W at counter step ⌊t/G⌋, as in langevin_tile.
template <class T, int L>
struct StepNoise {
  static constexpr int W = BlockWidth<T>::value;
  BlockCache<T, L, Draw::kNormal> cache;
  uint64_t seed, chain0;
  int64_t group, first_value;

  HB_HD StepNoise(const UpdateArgs<T>& a, int64_t row0) : seed(a.seed), chain0(a.chain_start + row0) {
    const int64_t G = steps_per_noise_group(a.dim, W);
    group = a.step / G;
    first_value = (a.step % G) * a.dim;
  }

  // ξ_i of every lane.
  HB_HD const T* coordinate(int64_t i) {
    const int64_t v = first_value + i;
    cache.ensure(seed, static_cast<uint32_t>(Purpose::kLangevinNoise), group, v / W, chain0);
    return cache.v[v % W];
  }
};

// out ← x − h g + scale ξ for the L chains from row0: the ULA move (out = x) and MALA's proposal.
template <class T, int L, class Flag>
HB_HD void langevin_move(const UpdateArgs<T>& a, int64_t row0, T* out, Flag* bad) {
  const int64_t d = a.dim;
  const T h = a.h, scale = a.scale;
  const T* x = a.x + row0 * d;
  const T* g = a.g + row0 * d;
  out += row0 * d;
  if (a.noise != nullptr) {
    // The noise made beforehand for several steps (the same values as drawn below), laid out as the
    // states are: one flat pass, which vectorises whatever dim is, then the finiteness of each chain.
    const T* nz = a.noise + row0 * d;
    int64_t n_bad = 0;
    HB_SIMD_SUM(n_bad)
    for (int64_t j = 0; j < L * d; ++j) {
      const T xn = euler_move(x[j], g[j], h, scale, nz[j]);
      out[j] = xn;
      n_bad += finite(xn) ? 0 : 1;
    }
    if (n_bad != 0) {  // rare: find the chains
      for (int k = 0; k < L; ++k) {
        for (int64_t i = 0; i < d; ++i) bad[k] |= finite(out[k * d + i]) ? 0 : 1;
      }
    }
    return;
  }
  StepNoise<T, L> noise(a, row0);
  for (int64_t i = 0; i < d; ++i) {
    const T* nr = noise.coordinate(i);
    HB_SIMD
    for (int k = 0; k < L; ++k) {
      const T xn = euler_move(x[k * d + i], g[k * d + i], h, scale, nr[k]);
      out[k * d + i] = xn;
      bad[k] |= finite(xn) ? 0 : 1;
    }
  }
}

template <class T, int L>
HB_HD void mala_accept(const UpdateArgs<T>& a, int64_t row0) {
  using Flag = typename rn::FloatLayout<T>::Int;
  constexpr int W = BlockWidth<T>::value;
  const int64_t d = a.dim, t = a.step;
  const T h = a.h, beta = a.beta;
  T* x = a.x + row0 * d;
  T* g = a.g + row0 * d;
  const T* y = a.y + row0 * d;
  const T* gy = a.gy + row0 * d;
  T forward[L], reverse[L];
  HB_SIMD
  for (int k = 0; k < L; ++k) forward[k] = reverse[k] = T(0);
  for (int64_t i = 0; i < d; ++i) {
    HB_SIMD
    for (int k = 0; k < L; ++k) {
      const T f = proposal_residual(y[k * d + i], x[k * d + i], g[k * d + i], h);
      const T r = proposal_residual(x[k * d + i], y[k * d + i], gy[k * d + i], h);
      forward[k] += f * f;
      reverse[k] += r * r;
    }
  }
  BlockCache<T, L, Draw::kUniform> uniforms;
  uniforms.ensure(a.seed, static_cast<uint32_t>(Purpose::kMetropolis), t / W, 0, a.chain_start + row0);
  const T* ur = uniforms.v[t % W];
  Flag accept[L], bad[L];
  for (int k = 0; k < L; ++k) {
    const int64_t row = row0 + k;
    const T e = a.e[row], ey = a.ey[row];
    const T log_alpha = mala_log_alpha(beta, e, ey, forward[k], reverse[k], h);
    // NaN or −inf log_alpha (a proposal that left the support) compares false: rejected.
    accept[k] = (a.diverged_at[row] < 0 && rn::log_positive(ur[k]) < log_alpha) ? 1 : 0;
    a.accepted[row] += accept[k];
    const T en = accept[k] ? ey : e;
    a.e[row] = en;
    bad[k] = finite(en) ? 0 : 1;
  }
  for (int64_t i = 0; i < d; ++i) {
    HB_SIMD
    for (int k = 0; k < L; ++k) {
      x[k * d + i] = accept[k] ? y[k * d + i] : x[k * d + i];
      g[k * d + i] = accept[k] ? gy[k * d + i] : g[k * d + i];
    }
  }
  mark_diverged<T, L>(a, row0, bad);
}

template <class T, int L>
HB_HD void baoab_move(const UpdateArgs<T>& a, int64_t row0) {
  const int64_t d = a.dim;
  const T c1 = a.c1, scale = a.scale, half = T(0.5) * a.h;
  T* x = a.x + row0 * d;
  T* p = a.p + row0 * d;
  const T* g = a.g + row0 * d;
  if (a.noise != nullptr) {  // made beforehand: one flat pass, as in langevin_move
    const T* nz = a.noise + row0 * d;
    HB_SIMD
    for (int64_t j = 0; j < L * d; ++j) {
      T pk = momentum_kick(p[j], g[j], half);
      T xk = x[j];
      drift_noise_drift(xk, pk, c1, scale, nz[j], half);
      x[j] = xk;
      p[j] = pk;
    }
    return;
  }
  StepNoise<T, L> noise(a, row0);
  for (int64_t i = 0; i < d; ++i) {
    const T* nr = noise.coordinate(i);
    HB_SIMD
    for (int k = 0; k < L; ++k) {
      T pk = momentum_kick(p[k * d + i], g[k * d + i], half);
      T xk = x[k * d + i];
      drift_noise_drift(xk, pk, c1, scale, nr[k], half);
      x[k * d + i] = xk;
      p[k * d + i] = pk;
    }
  }
}

template <class T, int L>
HB_HD void baoab_kick(const UpdateArgs<T>& a, int64_t row0) {
  using Flag = typename rn::FloatLayout<T>::Int;
  const int64_t d = a.dim;
  const T half = T(0.5) * a.h;
  const T* x = a.x + row0 * d;
  T* p = a.p + row0 * d;
  const T* g = a.g + row0 * d;
  Flag bad[L];
  HB_SIMD
  for (int k = 0; k < L; ++k) bad[k] = 0;
  for (int64_t i = 0; i < d; ++i) {
    HB_SIMD
    for (int k = 0; k < L; ++k) {
      const T pk = momentum_kick(p[k * d + i], g[k * d + i], half);
      p[k * d + i] = pk;
      bad[k] |= (finite(pk) && finite(x[k * d + i])) ? 0 : 1;
    }
  }
  mark_diverged<T, L>(a, row0, bad);
}

// Applies phase P to the L chains row0 .. row0 + L − 1.
template <class T, int L, Phase P>
HB_HD void langevin_update_tile(const UpdateArgs<T>& a, int64_t row0) {
  using Flag = typename rn::FloatLayout<T>::Int;
  if constexpr (P == Phase::kUlaMove || P == Phase::kMalaPropose) {
    Flag bad[L];
    HB_SIMD
    for (int k = 0; k < L; ++k) bad[k] = 0;
    langevin_move<T, L>(a, row0, P == Phase::kUlaMove ? a.x : a.y, bad);
    if (P == Phase::kUlaMove) mark_diverged<T, L>(a, row0, bad);  // a proposal is judged by its energy
  } else if constexpr (P == Phase::kMalaAccept) {
    mala_accept<T, L>(a, row0);
  } else if constexpr (P == Phase::kBaoabMove) {
    baoab_move<T, L>(a, row0);
  } else {
    baoab_kick<T, L>(a, row0);
  }
}

}  // namespace hb
