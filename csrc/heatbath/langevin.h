// SPDX-License-Identifier: Apache-2.0
// Langevin dynamics for p(x) ∝ exp(−β E(x)), one body for both launchers: the CPU launcher runs it on
// a structure-of-arrays tile of L chains (lane loops vectorise), the CUDA launcher on one chain per
// thread (L = 1). Tile data: coordinate i of lane k of an array at ptr[i * stride + k].
//
//   ULA    x ← x − h ∇E(x) + sqrt(2h/β) ξ
//   MALA   the ULA move as a proposal y, accepted with probability
//          min(1, exp(−β (E(y) − E(x)) − β (|x − y + h∇E(y)|² − |y − x + h∇E(x)|²) / (4h)))
//   BAOAB  unit mass, friction γ (Leimkuhler & Matthews 2013): p ← p − (h/2)∇E; x ← x + (h/2)p;
//          p ← c1 p + c2 ξ with c1 = exp(−γh), c2 = sqrt((1 − c1²)/β); x ← x + (h/2)p; p ← p − (h/2)∇E
//
// Randomness (the counter layout of counter.h): with W values per Philox block (4 in float32, 2 in
// float64) and G = W / gcd(dim, W) steps per group, the noise ξ_i of step t is value
// (t mod G)·dim + i of the normal stream (purpose langevin_noise, counter step ⌊t/G⌋, the chain),
// and MALA's uniform at step t is value t mod W of the uniform stream (purpose metropolis, counter
// step ⌊t/W⌋). Every Philox value is used, so dim = 1 costs one block per W steps, and a run cut at
// any step and resumed draws exactly the same numbers.
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/distributions.h"
#include "heatbath/hd.h"
#include "heatbath/philox_lanes.h"
#include "heatbath/potentials.h"

namespace hb {

enum class Method : int { kULA = 0, kMALA = 1, kBAOAB = 2 };

template <class T>
struct LangevinArgs {
  int64_t chains, dim;
  T* x;                    // [chains, dim] positions, updated in place
  T* p;                    // [chains, dim] BAOAB momenta (else null)
  T* trace;                // [samples, chains, dim] or null
  T* energy_trace;         // [samples, chains] or null
  T* energy;               // [chains] E(x) after the last step
  int64_t* accepted;       // [chains] MALA acceptances, accumulated
  int64_t* diverged_at;    // [chains] first step with a non-finite state, −1 while finite
  const T* noise_scale;    // per step (or one value): sqrt(2h/β) for ULA/MALA, c2 for BAOAB
  const T* beta;           // per step (or one value): β, used by MALA
  int64_t coef_stride;     // 1 for per-step schedules, 0 for a constant β
  T h, c1;                 // step size; BAOAB's exp(−γh)
  int64_t thin;            // record every thin-th step (0: no trace)
  uint64_t seed;
  uint64_t chain_start;    // global index of row 0 (for the random counters)
  int64_t step0;           // absolute step of this call's first step
  int64_t n_steps;         // steps in this call
};

// A lane-batched array: element (i, k) at ptr[i * stride + k].
template <class T>
struct Lanes {
  T* ptr;
  int64_t stride;
  HB_HD T& at(int64_t i, int k) const { return ptr[i * stride + k]; }
};

// The potential as one tile of chains sees it. Built-in potentials are the same for every chain; a
// wrapper with per-chain parameters (tempered.h) overloads this to return a view of the tile's lanes.
template <int L, class Pot>
HB_HD const Pot& tile_potential(const Pot& pot, int64_t /*row0*/, int /*valid*/) {
  return pot;
}

// A tile's ∇E (and E when kEnergy) at its x from values the launcher made earlier at the same x (`target`:
// the target's own ∇E, [d, L], then E, [L]). Only a tempered tile (tempered.h) can use them; any other
// evaluates.
template <int L, bool kEnergy, class TilePot, class T>
HB_HD void energy_grad_from_target(const TilePot& tp, int64_t d, const T* x, int64_t xs, const T* /*target*/,
                                   T* g, int64_t gs, T* e) {
  tp.template energy_grad<L, kEnergy>(d, x, xs, g, gs, e);
}

// The per-tile scratch the launcher provides: x and p are the tile's working copies (the caller's
// memory itself on CUDA), the rest are temporaries.
template <class T>
struct LangevinScratch {
  Lanes<T> x, p, g, y, gy;
};

HB_HD int64_t steps_per_noise_group(int64_t dim, int width) {
  int common = 1;  // gcd(dim, width) for width a power of two
  while (common < width && dim % (2 * common) == 0) common *= 2;
  return width / common;
}

HB_HD bool finite(float v) { return v - v == 0.0f; }
HB_HD bool finite(double v) { return v - v == 0.0; }

// The update rules per coordinate, shared by the fused tile below and by the phases that move chains
// with an externally computed gradient (langevin_update.h): one place for the arithmetic, in the order
// every backend (and the Numba kernels) reproduces.
template <class T>
HB_HD T euler_move(T x, T g, T h, T scale, T noise) {  // ULA's step, MALA's proposal
  return x - h * g + scale * noise;
}

template <class T>
HB_HD T proposal_residual(T to, T from, T g_from, T h) {  // to − (from − h∇E(from)), MALA's q(to | from)
  return to - from + h * g_from;
}

template <class T>
HB_HD T mala_log_alpha(T beta, T e_from, T e_to, T forward, T reverse, T h) {
  return -beta * (e_to - e_from) - beta * (reverse - forward) / (T(4) * h);
}

template <class T>
HB_HD T momentum_kick(T p, T g, T half) {  // BAOAB's B
  return p - half * g;
}

template <class T>
HB_HD void drift_noise_drift(T& x, T& p, T c1, T scale, T noise, T half) {  // BAOAB's A O A
  const T xk = x + half * p;
  p = c1 * p + scale * noise;
  x = xk + half * p;
}

// Caches the current Philox block of one stream for the lanes of a tile: all lanes sit at the same
// (step, coordinate), so which block is needed is the same for the whole tile.
template <class T, int L, Draw D>
struct BlockCache {
  static constexpr int W = BlockWidth<T>::value;
  T v[W][L];
  int64_t group = -1, block = -1;

  HB_HD void ensure(uint64_t seed, uint32_t purpose, int64_t group_, int64_t block_, uint64_t chain0) {
    if (group_ == group && block_ == block) return;
    group = group_;
    block = block_;
    const StreamKey key = make_stream_key(seed, purpose, static_cast<uint64_t>(group_));
    uint32_t blocks[L], chains[L], w[4][L];
    for (int k = 0; k < L; ++k) {
      blocks[k] = static_cast<uint32_t>(block_);
      chains[k] = static_cast<uint32_t>(chain0 + k);
    }
    random_words_lanes<L>(key, blocks, chains, w[0], w[1], w[2], w[3]);
    HB_SIMD
    for (int k = 0; k < L; ++k) {
      const Quad<T> q = transform_block<D, T>(Words4{w[0][k], w[1][k], w[2][k], w[3][k]});
      v[0][k] = q.v0;
      v[1][k] = q.v1;
      if constexpr (W == 4) {
        v[2][k] = q.v2;
        v[3][k] = q.v3;
      }
    }
  }
};

// The two streams' cached blocks of one tile. A launcher that runs the same tile again from the step
// where its last call stopped (the rounds of parallel tempering) keeps them between calls and passes
// them back: a block of W steps that straddles two calls is then drawn once. Drawn afresh per call, a
// float32 round of one step made four values of each stream for the one it used, and rounds of ten
// made a fifth more than they used.
template <class T, int L>
struct TileStreams {
  BlockCache<T, L, Draw::kNormal> noise;
  BlockCache<T, L, Draw::kUniform> uniforms;

  // For another tile (other chains): the cached blocks belong to the old one's.
  HB_HD void forget() { noise.group = noise.block = uniforms.group = uniforms.block = -1; }
};

// Runs absolute steps [t_begin, t_end) of the chains of one tile: rows row0 .. row0 + valid − 1.
// `carried`: the tile's streams from its previous call (see TileStreams), or null to draw afresh;
// `target`: the target's own ∇E and E at the tile's x (energy_grad_from_target), or null to evaluate
// them. The numbers are the same either way.
// Inner loops run over the lanes of one coordinate through local row pointers (and flags as wide as
// T), which is what lets GCC vectorise them; the tile's scalars are hoisted out of the loops.
template <class T, int L, Method M, class Pot>
HB_HD void langevin_tile(const LangevinArgs<T>& a, const Pot& pot, int64_t row0, int valid,
                         const LangevinScratch<T>& s, int64_t t_begin, int64_t t_end,
                         TileStreams<T, L>* carried = nullptr, const T* target = nullptr) {
  using Flag = typename rn::FloatLayout<T>::Int;
  constexpr int W = BlockWidth<T>::value;
  const int64_t d = a.dim;
  const int64_t G = steps_per_noise_group(d, W);
  const uint64_t chain0 = a.chain_start + static_cast<uint64_t>(row0);
  const T h = a.h, c1 = a.c1, half = T(0.5) * a.h;
  T* const x = s.x.ptr;
  T* const g = s.g.ptr;
  T* const y = s.y.ptr;
  T* const gy = s.gy.ptr;
  T* const p = s.p.ptr;
  const int64_t xs = s.x.stride, gs = s.g.stride, ys = s.y.stride, gys = s.gy.stride, ps = s.p.stride;
  TileStreams<T, L> own;
  TileStreams<T, L>& streams = carried != nullptr ? *carried : own;
  BlockCache<T, L, Draw::kNormal>& noise = streams.noise;
  BlockCache<T, L, Draw::kUniform>& uniforms = streams.uniforms;
  const auto& tp = tile_potential<L>(pot, row0, valid);
  T e[L], ey[L];
  Flag dead[L], bad[L];
  int64_t accepted[L];
  for (int k = 0; k < L; ++k) {
    dead[k] = k < valid ? (a.diverged_at[row0 + k] >= 0 ? 1 : 0) : 1;
    accepted[k] = 0;
  }
  // Cached between steps: E and ∇E at x (MALA), the force (BAOAB). Recomputed at every chunk start,
  // which gives the same bits as carrying them over.
  if (M != Method::kULA) {
    if (target != nullptr) {
      energy_grad_from_target<L, true>(tp, d, x, xs, target, g, gs, e);
    } else {
      tp.template energy_grad<L, true>(d, x, xs, g, gs, e);
    }
  }

  for (int64_t t = t_begin; t < t_end; ++t) {
    const int64_t local = t - a.step0;
    const T scale = a.noise_scale[local * a.coef_stride];
    const int64_t group = t / G, first_value = (t % G) * d;
    HB_SIMD
    for (int k = 0; k < L; ++k) bad[k] = 0;

    if (M == Method::kULA) {
      // ULA keeps nothing between steps, but its first step may start from the launcher's values.
      if (t == t_begin && target != nullptr) {
        energy_grad_from_target<L, false>(tp, d, x, xs, target, g, gs, e);
      } else {
        tp.template energy_grad<L, false>(d, x, xs, g, gs, e);
      }
      for (int64_t i = 0; i < d; ++i) {
        const int64_t v = first_value + i;
        noise.ensure(a.seed, static_cast<uint32_t>(Purpose::kLangevinNoise), group, v / W, chain0);
        T* xr = x + i * xs;
        const T* gr = g + i * gs;
        const T* nr = noise.v[v % W];
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          const T xn = euler_move(xr[k], gr[k], h, scale, nr[k]);
          xr[k] = xn;
          bad[k] |= finite(xn) ? 0 : 1;
        }
      }
    } else if (M == Method::kMALA) {
      const T beta = a.beta[local * a.coef_stride];
      for (int64_t i = 0; i < d; ++i) {
        const int64_t v = first_value + i;
        noise.ensure(a.seed, static_cast<uint32_t>(Purpose::kLangevinNoise), group, v / W, chain0);
        const T* xr = x + i * xs;
        const T* gr = g + i * gs;
        T* yr = y + i * ys;
        const T* nr = noise.v[v % W];
        HB_SIMD
        for (int k = 0; k < L; ++k) yr[k] = euler_move(xr[k], gr[k], h, scale, nr[k]);
      }
      tp.template energy_grad<L, true>(d, y, ys, gy, gys, ey);
      T forward[L], reverse[L];
      HB_SIMD
      for (int k = 0; k < L; ++k) forward[k] = reverse[k] = T(0);
      for (int64_t i = 0; i < d; ++i) {
        const T* xr = x + i * xs;
        const T* gr = g + i * gs;
        const T* yr = y + i * ys;
        const T* gyr = gy + i * gys;
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          const T f = proposal_residual(yr[k], xr[k], gr[k], h);
          const T r = proposal_residual(xr[k], yr[k], gyr[k], h);
          forward[k] += f * f;
          reverse[k] += r * r;
        }
      }
      uniforms.ensure(a.seed, static_cast<uint32_t>(Purpose::kMetropolis), t / W, 0, chain0);
      const T* ur = uniforms.v[t % W];
      Flag accept[L];
      HB_SIMD
      for (int k = 0; k < L; ++k) {
        const T log_alpha = mala_log_alpha(beta, e[k], ey[k], forward[k], reverse[k], h);
        // NaN or −inf log_alpha (a proposal that left the support) compares false: rejected.
        accept[k] = (dead[k] == 0 && rn::log_positive(ur[k]) < log_alpha) ? 1 : 0;
        accepted[k] += accept[k];
        e[k] = accept[k] ? ey[k] : e[k];
        bad[k] = finite(e[k]) ? 0 : 1;
      }
      for (int64_t i = 0; i < d; ++i) {
        T* xr = x + i * xs;
        T* gr = g + i * gs;
        const T* yr = y + i * ys;
        const T* gyr = gy + i * gys;
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          xr[k] = accept[k] ? yr[k] : xr[k];
          gr[k] = accept[k] ? gyr[k] : gr[k];
        }
      }
    } else {  // BAOAB; g holds ∇E(x)
      for (int64_t i = 0; i < d; ++i) {
        const int64_t v = first_value + i;
        noise.ensure(a.seed, static_cast<uint32_t>(Purpose::kLangevinNoise), group, v / W, chain0);
        T* xr = x + i * xs;
        T* pr = p + i * ps;
        const T* gr = g + i * gs;
        const T* nr = noise.v[v % W];
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          T pk = momentum_kick(pr[k], gr[k], half);
          T xk = xr[k];
          drift_noise_drift(xk, pk, c1, scale, nr[k], half);
          xr[k] = xk;
          pr[k] = pk;
        }
      }
      tp.template energy_grad<L, false>(d, x, xs, g, gs, e);
      for (int64_t i = 0; i < d; ++i) {
        const T* xr = x + i * xs;
        T* pr = p + i * ps;
        const T* gr = g + i * gs;
        HB_SIMD
        for (int k = 0; k < L; ++k) {
          const T pk = momentum_kick(pr[k], gr[k], half);
          pr[k] = pk;
          bad[k] |= (finite(pk) && finite(xr[k])) ? 0 : 1;
        }
      }
    }

    Flag newly_bad = 0;  // a reduction the compiler vectorises; the scalar loop runs only on news
    for (int k = 0; k < L; ++k) newly_bad |= bad[k] & (1 - dead[k]);
    if (newly_bad != 0) {
      for (int k = 0; k < valid; ++k) {
        if (bad[k] != 0 && dead[k] == 0) {
          dead[k] = 1;
          a.diverged_at[row0 + k] = t;
        }
      }
    }

    if (a.thin > 0 && (local + 1) % a.thin == 0) {
      const int64_t sample = (local + 1) / a.thin - 1;
      if (M != Method::kMALA) {
        // ULA and BAOAB carry no energy; evaluate it into gy, which they leave unused.
        tp.template energy_grad<L, true>(d, x, xs, gy, gys, e);
      }
      for (int k = 0; k < valid; ++k) {
        const int64_t row = row0 + k;
        T* out = a.trace + (sample * a.chains + row) * d;
        for (int64_t i = 0; i < d; ++i) out[i] = x[i * xs + k];
        a.energy_trace[sample * a.chains + row] = e[k];
      }
    }
  }

  if (t_end == a.step0 + a.n_steps) {
    if (M != Method::kMALA) tp.template energy_grad<L, true>(d, x, xs, gy, gys, e);
    for (int k = 0; k < valid; ++k) a.energy[row0 + k] = e[k];
  }
  if (M == Method::kMALA) {
    for (int k = 0; k < valid; ++k) a.accepted[row0 + k] += accepted[k];
  }
}

}  // namespace hb
