// SPDX-License-Identifier: Apache-2.0
// Restricted Boltzmann machines: the per-unit bodies that both launchers run after their GEMM.
//
//   Bernoulli visible: E(v, h) = −b·v − c·h − v·W h
//   Gaussian visible:  E(v, h) = Σ_i (v_i − b_i)² / (2σ²) − c·h − (v/σ)·W h
//
// At inverse temperature β (one per chain) block Gibbs alternates
//   p(h_j = 1 | v) = sigmoid(β (c_j + (v W)_j / σ))                      (σ = 1 for Bernoulli)
//   p(v_i = 1 | h) = sigmoid(β (b_i + (W h)_i))                          Bernoulli
//   v_i | h        ~ N(b_i + σ (W h)_i, σ² / β)                          Gaussian
// AIS (Salakhutdinov & Murray 2008) anneals from a base model with visible biases b_A and no
// couplings: p*_k(v, h) = exp(−(1 − β_k) E_A(v) − β_k E(v, h)), so the visible layer also sees
// (1 − β_k) b_A. Every layer update is thus, per unit, x = a·pre + b·bias + c·base with per-chain
// coefficients (UnitCoef), followed by a Bernoulli draw on sigmoid(x) or x + sd·z.
//
// Randomness (counter.h): the uniforms (Bernoulli) or standard normals (Gaussian) of a layer are the
// float32 values of the Philox blocks (seed, purpose, half-step, chain, unit / 4); the hidden layer of
// step t uses half-step 2t, the visible layer 2t + 1. Gibbs runs use purpose gibbs, AIS runs purpose ais.
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/distributions.h"
#include "heatbath/hd.h"
#include "heatbath/rn_math.h"

namespace hb {

enum class Unit : int { kBernoulli = 0, kGaussian = 1 };

// Borrowed parameters, row-major and contiguous.
template <class T>
struct RbmParams {
  const T* w;  // [V, H]
  const T* b;  // [V] visible biases
  const T* c;  // [H] hidden biases
  int64_t V, H;
  T sigma;     // Gaussian visible units' standard deviation (1 for Bernoulli)
  Unit visible;
};

// x = a·pre + b·bias + c·base; a Gaussian unit then draws x + sd·z.
template <class T>
struct UnitCoef {
  T a, b, c, sd;
};

template <class T>
struct LayerCoefs {
  UnitCoef<T> hidden, visible;
};

// Block Gibbs at inverse temperature beta.
template <class T>
HB_HD LayerCoefs<T> gibbs_coefs(T beta, T sigma, Unit visible) {
  LayerCoefs<T> k;
  if (visible == Unit::kGaussian) {
    k.hidden = UnitCoef<T>{rn::div(beta, sigma), beta, T(0), T(0)};
    k.visible = UnitCoef<T>{sigma, T(1), T(0), rn::div(sigma, rn::sqrt(beta))};
  } else {
    k.hidden = UnitCoef<T>{beta, beta, T(0), T(0)};
    k.visible = UnitCoef<T>{beta, beta, T(0), T(0)};
  }
  return k;
}

// The AIS transition at β_k: the hidden layer as in Gibbs, the visible layer mixed with the base.
template <class T>
HB_HD LayerCoefs<T> ais_coefs(T beta, T sigma, Unit visible) {
  LayerCoefs<T> k = gibbs_coefs(beta, sigma, visible);
  const T rest = rn::sub(T(1), beta);
  if (visible == Unit::kGaussian) {
    k.visible = UnitCoef<T>{rn::mul(beta, sigma), beta, rest, sigma};
  } else {
    k.visible = UnitCoef<T>{beta, beta, rest, T(0)};
  }
  return k;
}

template <class T>
HB_HD T unit_input(const UnitCoef<T>& k, T pre, T bias, T base) {
  return rn::add(rn::add(rn::mul(k.a, pre), rn::mul(k.b, bias)), rn::mul(k.c, base));
}

template <class T>
HB_HD T sigmoid(T x) {
  return rn::div(T(1), rn::add(T(1), rn::exp(-x)));
}

// The Bernoulli decision r < p with p = 1 / d, d = 1 + e^−x, taken as the sign of r·d − 1 from one
// fused multiply-add: exact (a nonzero r·d − 1 cannot round to 0), with no division and no rounding
// of p in between.
template <class T>
HB_HD bool below_reciprocal(float r, T d) { return rn::fma(static_cast<T>(r), d, T(-1)) < T(0); }

// One unit: a draw, or with Probs p(unit = 1) (Bernoulli) or the conditional mean (Gaussian).
// r is the unit's uniform (Bernoulli) or standard normal (Gaussian); unused with Probs.
// Without a base (HasBase false) the c·base term is left out: adding c·0 = +0 changes no sum but −0.
template <class T, Unit U, bool Probs, bool HasBase = true>
HB_HD T sample_unit(const UnitCoef<T>& k, T pre, T bias, T base, float r) {
  const T x = HasBase ? unit_input(k, pre, bias, base) : rn::add(rn::mul(k.a, pre), rn::mul(k.b, bias));
  if constexpr (U == Unit::kGaussian) {
    if constexpr (Probs) return x;
    return rn::add(x, rn::mul(k.sd, static_cast<T>(r)));
  } else {
    if constexpr (Probs) return sigmoid(x);
    return below_reciprocal(r, rn::add(T(1), rn::exp(-x))) ? T(1) : T(0);
  }
}

// The four random values of a Philox block's words: uniforms (Bernoulli units) or normals (Gaussian).
template <Unit U>
HB_HD Quad<float> unit_randoms(Words4 w) {
  return transform_block<U == Unit::kGaussian ? Draw::kNormal : Draw::kUniform, float>(w);
}

// The four random values of units 4·block .. 4·block + 3 of one chain.
template <Unit U>
HB_HD Quad<float> unit_randoms(const StreamKey& key, uint64_t chain, int64_t block) {
  return unit_randoms<U>(random_words(key, static_cast<uint32_t>(chain), static_cast<uint32_t>(block)));
}

HB_HD uint64_t layer_half_step(uint64_t step, bool visible) { return 2 * step + (visible ? 1 : 0); }

// Models of fewer weights than this are "small": both launchers compute their activations row by row,
// each one a chain of fused multiply-adds in unit order from +0 (cpu/small_gemm.h; on CUDA the kernel
// that runs a whole chain, rbm_cuda.cu), so that their Gibbs runs give the same bits on CPU and GPU.
constexpr int64_t kSmallRbmWeights = int64_t{1} << 16;

HB_HD bool small_rbm(int64_t V, int64_t H) { return V * H < kSmallRbmWeights; }

// E(v, h) = −b·v − c·h − v·W h of one pair (Bernoulli visible units), given w_h = W h (the visible
// pre-activation the step that drew v computed anyway), summed in float64 in index order.
template <class T>
HB_HD double joint_energy(const RbmParams<T>& p, const T* v, const T* h, const T* w_h) {
  double e = 0.0;
  for (int64_t i = 0; i < p.V; ++i) {
    const double vi = static_cast<double>(v[i]);
    e = rn::sub(e, rn::mul(vi, rn::add(static_cast<double>(p.b[i]), static_cast<double>(w_h[i]))));
  }
  for (int64_t j = 0; j < p.H; ++j) e = rn::sub(e, rn::mul(static_cast<double>(h[j]), static_cast<double>(p.c[j])));
  return e;
}

// log(1 + e^x), stable for any finite x, from correctly rounded operations only; NaN for NaN (a weight
// edited to NaN must show in the free energy: log_positive would read NaN's bits as a finite number).
HB_HD double softplus(double x) {
  const double ax = x < 0 ? -x : x;
  const double y = rn::add(x > 0 ? x : 0.0, rn::log_positive(rn::add(1.0, rn::exp(-ax))));
  return x == x ? y : x;
}

// The visible part of −β E, i.e. what multiplies the visible state in log p*(v):
//   Bernoulli: β b·v                    Gaussian: −β Σ (v − b)² / (2σ²)
// For one unit (summed by the caller), in float64.
HB_HD double visible_log_factor(double v, double bias, double inv_two_var, Unit u) {
  if (u == Unit::kGaussian) {
    const double d = rn::sub(v, bias);
    return -rn::mul(rn::mul(d, d), inv_two_var);
  }
  return rn::mul(bias, v);
}

}  // namespace hb
