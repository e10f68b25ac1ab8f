// SPDX-License-Identifier: Apache-2.0
// Transforms from the four 32-bit words of one Philox block to uniforms and standard normals.
// Every step is exact integer work or a correctly rounded operation (rn_math.h), so the same words
// give the same bits on every backend.
//
//   uniform float32: 4 per block, (2k+1)·2^-24 with k the top 23 bits of a word: open (0, 1),
//                    symmetric about 1/2
//   uniform float64: 2 per block, (2k+1)·2^-53 with k the top 52 bits of a 64-bit word (hi:lo)
//   normal:          Box–Muller, r = sqrt(-2 log u), angle θ + qπ/2 with q the top two bits of the
//                    angle word and θ uniform in (-π/4, π/4) from the next bits; float32 uses words
//                    (0,1) and (2,3) as two (radius, angle) pairs, float64 one 64-bit pair.
#pragma once
#include <cstdint>

#include "heatbath/hd.h"
#include "heatbath/philox.h"
#include "heatbath/rn_math.h"

namespace hb {

template <class T> struct BlockWidth;  // values of T that one Philox block yields
template <> struct BlockWidth<float> { static constexpr int value = 4; };
template <> struct BlockWidth<double> { static constexpr int value = 2; };
template <> struct BlockWidth<uint32_t> { static constexpr int value = 4; };

HB_HD float uniform_open_f32(uint32_t w) {
  const int32_t odd = static_cast<int32_t>(((w >> 9) << 1) | 1u);  // < 2^24: exact in float
  return rn::mul(static_cast<float>(odd), 5.9604644775390625e-08f);  // 2^-24
}

// (2w + 1) / 2^33: one word's uniform on (0, 1), in double (the swap pass's acceptance test).
HB_HD double uniform_open_f64_word(uint32_t w) {
  const double odd = rn::add(rn::mul(2.0, rn::exact_double_u52(w)), 1.0);  // < 2^33: exact in double
  return rn::mul(odd, 1.16415321826934814453125e-10);  // 2^-33
}

HB_HD double uniform_open_f64(uint32_t lo, uint32_t hi) {
  const uint64_t w = (static_cast<uint64_t>(hi) << 32) | lo;
  const double odd = rn::add(rn::mul(2.0, rn::exact_double_u52(w >> 12)), 1.0);  // < 2^53: exact in double
  return rn::mul(odd, 1.1102230246251565e-16);  // 2^-53
}

// Rotates (cos θ, sin θ) by q quarter turns.
template <class T>
HB_HD void rotate_quadrant(uint32_t q, T c, T s, T& cos_phi, T& sin_phi) {
  const bool swap = (q & 1u) != 0;
  const T a = swap ? s : c;
  const T b = swap ? c : s;
  cos_phi = ((q == 1u) | (q == 2u)) ? -a : a;
  sin_phi = (q >= 2u) ? -b : b;
}

HB_HD void box_muller_f32(uint32_t w_radius, uint32_t w_angle, float& z0, float& z1) {
  const float u = uniform_open_f32(w_radius);
  const float r = rn::sqrt(rn::mul(-2.0f, rn::log_positive(u)));
  const uint32_t f = (w_angle >> 6) & 0x00FFFFFFu;
  const int32_t d = static_cast<int32_t>((f << 1) | 1u) - (int32_t{1} << 24);  // odd, |d| < 2^24
  const float theta = rn::mul(static_cast<float>(d), static_cast<float>(0.7853981633974483 * 5.9604644775390625e-08));
  float s, c, cos_phi, sin_phi;
  rn::sincos_reduced(theta, s, c);
  rotate_quadrant(w_angle >> 30, c, s, cos_phi, sin_phi);
  z0 = rn::mul(r, cos_phi);
  z1 = rn::mul(r, sin_phi);
}

HB_HD void box_muller_f64(Words4 w, double& z0, double& z1) {
  const double u = uniform_open_f64(w.w0, w.w1);
  const double r = rn::sqrt(rn::mul(-2.0, rn::log_positive(u)));
  const uint64_t a = (static_cast<uint64_t>(w.w3) << 32) | w.w2;
  const uint64_t f = (a >> 10) & 0x000FFFFFFFFFFFFFull;
  // d = 2f + 1 − 2^52: odd, |d| < 2^52, each step exact in double
  const double d = rn::sub(rn::add(rn::mul(2.0, rn::exact_double_u52(f)), 1.0), 4503599627370496.0);
  const double theta = rn::mul(d, 0.7853981633974483 * 2.220446049250313e-16);
  double s, c, cos_phi, sin_phi;
  rn::sincos_reduced(theta, s, c);
  rotate_quadrant(static_cast<uint32_t>(a >> 62), c, s, cos_phi, sin_phi);
  z0 = rn::mul(r, cos_phi);
  z1 = rn::mul(r, sin_phi);
}

enum class Draw : int { kBits = 0, kUniform = 1, kNormal = 2 };

// The values of one block; only the first BlockWidth<T>::value members are used.
template <class T>
struct Quad {
  T v0, v1, v2, v3;
};

template <Draw D, class T>
HB_HD Quad<T> transform_block(Words4 w) {
  Quad<T> q{};
  if constexpr (D == Draw::kBits) {
    static_assert(sizeof(T) == 4, "raw bits are uint32");
    q = Quad<T>{w.w0, w.w1, w.w2, w.w3};
  } else if constexpr (D == Draw::kUniform) {
    if constexpr (sizeof(T) == 4) {
      q = Quad<T>{uniform_open_f32(w.w0), uniform_open_f32(w.w1), uniform_open_f32(w.w2), uniform_open_f32(w.w3)};
    } else {
      q.v0 = uniform_open_f64(w.w0, w.w1);
      q.v1 = uniform_open_f64(w.w2, w.w3);
    }
  } else {
    if constexpr (sizeof(T) == 4) {
      box_muller_f32(w.w0, w.w1, q.v0, q.v1);
      box_muller_f32(w.w2, w.w3, q.v2, q.v3);
    } else {
      box_muller_f64(w, q.v0, q.v1);
    }
  }
  return q;
}

}  // namespace hb
