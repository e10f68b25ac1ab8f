// SPDX-License-Identifier: Apache-2.0
// Elementary functions built only from correctly rounded +, -, *, /, sqrt and fma, so that the C++ core,
// the CUDA kernels and the Numba kernels produce the same bits. libm, libmvec, CUDA's logf/sincosf and
// LLVM's intrinsics all differ in the last place; these do not, and they vectorise with `omp simd`
// because they are plain arithmetic. On the device every operation is an explicit round-to-nearest
// intrinsic so that nvcc cannot contract a*b+c into an FMA; the host build uses -ffp-contract=off.
//
// The series are the classical ones (atanh for log, Taylor for sin/cos) on reduced ranges; the number
// of terms makes the truncation error far below half an ulp, and tests/test_random_transforms.py
// checks the end result against numpy's float64 functions.
#pragma once
#include <cstdint>
#include <cstring>

#include "heatbath/hd.h"

namespace hb {
namespace rn {

#if defined(__CUDA_ARCH__)
HB_HD float add(float a, float b) { return __fadd_rn(a, b); }
HB_HD float sub(float a, float b) { return __fsub_rn(a, b); }
HB_HD float mul(float a, float b) { return __fmul_rn(a, b); }
HB_HD float div(float a, float b) { return __fdiv_rn(a, b); }
HB_HD float sqrt(float a) { return __fsqrt_rn(a); }
HB_HD double add(double a, double b) { return __dadd_rn(a, b); }
HB_HD double sub(double a, double b) { return __dsub_rn(a, b); }
HB_HD double mul(double a, double b) { return __dmul_rn(a, b); }
HB_HD double div(double a, double b) { return __ddiv_rn(a, b); }
HB_HD double sqrt(double a) { return __dsqrt_rn(a); }
HB_HD float fma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
HB_HD double fma(double a, double b, double c) { return __fma_rn(a, b, c); }
HB_HD uint32_t bits(float x) { return __float_as_uint(x); }
HB_HD float from_bits(uint32_t b) { return __uint_as_float(b); }
HB_HD uint64_t bits(double x) { return static_cast<uint64_t>(__double_as_longlong(x)); }
HB_HD double from_bits(uint64_t b) { return __longlong_as_double(static_cast<long long>(b)); }
#else
HB_HD float add(float a, float b) { return a + b; }
HB_HD float sub(float a, float b) { return a - b; }
HB_HD float mul(float a, float b) { return a * b; }
HB_HD float div(float a, float b) { return a / b; }
HB_HD float sqrt(float a) { return __builtin_sqrtf(a); }
HB_HD double add(double a, double b) { return a + b; }
HB_HD double sub(double a, double b) { return a - b; }
HB_HD double mul(double a, double b) { return a * b; }
HB_HD double div(double a, double b) { return a / b; }
HB_HD double sqrt(double a) { return __builtin_sqrt(a); }
HB_HD uint32_t bits(float x) { uint32_t b; std::memcpy(&b, &x, sizeof b); return b; }
HB_HD float from_bits(uint32_t b) { float x; std::memcpy(&x, &b, sizeof x); return x; }
HB_HD uint64_t bits(double x) { uint64_t b; std::memcpy(&b, &x, sizeof b); return b; }
HB_HD double from_bits(uint64_t b) { double x; std::memcpy(&x, &b, sizeof x); return x; }
// a·b + c rounded once (IEEE 754 fusedMultiplyAdd), the same bits everywhere.
#if defined(__x86_64__) && !defined(__FMA__)
// The baseline x86-64 build has no FMA instruction, and libm's fmaf is a call that switches rounding
// modes, tens of ns a value: the sigmoid's exp would cost more than the GEMMs. float is emulated
// exactly instead: a·b is exact in double, a·b + c rounded to odd (TwoSum's error e says which way the
// exact sum lies from s = a·b + c), and that double (53 bits ≥ 2·24 + 2) rounds to the correctly
// rounded float. Non-finite s passes through unchanged. The round-to-odd step is integer arithmetic on
// the bits, without compares or selects: SSE2 has no 64-bit compare, and with them GCC left every loop
// that calls this scalar (the baseline build's float32 normals: 18 M/s, against 51 vectorised).
HB_HD float fma(float a, float b, float c) {
  const double p = static_cast<double>(a) * static_cast<double>(b);
  const double cd = static_cast<double>(c);
  const double s = p + cd;
  const double t = s - p;
  const double e = (p - (s - t)) + (cd - t);
  const uint64_t sb = bits(s), eb = bits(e);
  constexpr uint64_t kMagnitude = 0x7FFFFFFFFFFFFFFFull, kExponent = 0x7FF0000000000000ull;
  const uint64_t inexact = ((eb & kMagnitude) + kMagnitude) >> 63;                    // e != 0
  const uint64_t finite = (((sb & kExponent) + 0x0010000000000000ull) >> 63) ^ 1u;  // s not inf or NaN
  const uint64_t adjust = inexact & finite & ~sb & 1u;                              // and s's last bit 0
  const uint64_t away = ((eb ^ sb) >> 63) ^ 1u;  // e and s of one sign: the exact sum lies further out
  return static_cast<float>(from_bits(sb - adjust + ((adjust & away) << 1)));  // one ulp towards it
}
#else
HB_HD float fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
#endif
HB_HD double fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
#endif

// Coefficients are written as quotients of exactly representable doubles: every IEEE implementation
// (the C++ compiler's constant folding, Python's float division) rounds them to the same double,
// which the float32 variants then round once more to float.
constexpr double factorial(int n) { return n <= 1 ? 1.0 : n * factorial(n - 1); }

// c_K + z (c_{K+1} + z (... + z c_Last)), with the coefficients folded at compile time. Fused: each
// step c + z·(...) is one FMA (half the operations, one rounding per step, no less accurate); every
// series here is fused (log, sin and cos too, which the Numba kernels reproduce with LLVM's fma: the
// Box–Muller normals took a third fewer operations, about 8 % more ULA steps a second).
template <class T, class Coef, int K, int Last, bool Fused = false>
HB_HD T horner(T z) {
  constexpr T c = Coef::template get<T, K>();
  if constexpr (K == Last) {
    return c;
  } else if constexpr (Fused) {
    return fma(z, horner<T, Coef, K + 1, Last, true>(z), c);
  } else {
    return add(c, mul(z, horner<T, Coef, K + 1, Last>(z)));
  }
}

struct OddInverse {  // 1 / (2k + 1): the atanh series of log
  template <class T, int K> static constexpr T get() { return static_cast<T>(1.0 / (2 * K + 1)); }
};
struct SinCoefficient {  // (-1)^k / (2k + 1)!
  template <class T, int K> static constexpr T get() {
    return static_cast<T>((K % 2 ? -1.0 : 1.0) / factorial(2 * K + 1));
  }
};
struct CosCoefficient {  // (-1)^k / (2k)!
  template <class T, int K> static constexpr T get() {
    return static_cast<T>((K % 2 ? -1.0 : 1.0) / factorial(2 * K));
  }
};

template <class T> struct Series;
template <> struct Series<float> {
  // log(m) = 2s (1 + s²/3 + s⁴/5 + ...), s = (m-1)/(m+1), |s| ≤ 0.1716: terms to s⁸/9 suffice.
  static constexpr int kLogTerms = 4;
  static constexpr int kSinTerms = 4;  // to t^9/9! on |t| ≤ π/4
  static constexpr int kCosTerms = 5;  // to t^10/10!
  static constexpr float kSqrt2 = static_cast<float>(1.4142135623730951);
  static constexpr float kLn2Hi = 0.693359375f;  // 355/512: e * kLn2Hi is exact
  static constexpr float kLn2Lo = static_cast<float>(-2.1219444005469058e-04);
};
template <> struct Series<double> {
  static constexpr int kLogTerms = 10;  // to s^20/21
  static constexpr int kSinTerms = 8;   // to t^17/17!
  static constexpr int kCosTerms = 8;   // to t^16/16!
  static constexpr double kSqrt2 = 1.4142135623730951;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 significant bits
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
};

template <class T> struct FloatLayout;
template <> struct FloatLayout<float> {
  using Bits = uint32_t;
  using Int = int32_t;
  static constexpr int kMantissaBits = 23;
  static constexpr Int kBias = 127;
  static constexpr Bits kMantissaMask = 0x007FFFFFu;
  static constexpr Bits kOneBits = 0x3F800000u;
  static constexpr Bits kInfBits = 0x7F800000u;
};
template <> struct FloatLayout<double> {
  using Bits = uint64_t;
  using Int = int64_t;
  static constexpr int kMantissaBits = 52;
  static constexpr Int kBias = 1023;
  static constexpr Bits kMantissaMask = 0x000FFFFFFFFFFFFFull;
  static constexpr Bits kOneBits = 0x3FF0000000000000ull;
  static constexpr Bits kInfBits = 0x7FF0000000000000ull;
};

// Integers to double, exactly, without the int64 → double conversion that AVX2 lacks (GCC then runs the
// whole loop as scalar code): the integer is added into the mantissa of a power of two whose ulp is 1,
// and the power subtracted. u52: 0 ≤ v < 2^52; i51: |v| < 2^51. The same bits as static_cast<double>.
HB_HD double exact_double_u52(uint64_t v) {
  return sub(from_bits(static_cast<uint64_t>(v | 0x4330000000000000ull)), 4503599627370496.0);  // 2^52
}
HB_HD double exact_double_i51(int64_t v) {
  return sub(from_bits(static_cast<uint64_t>(0x4338000000000000ull + static_cast<uint64_t>(v))), 6755399441055744.0);  // 1.5 · 2^52
}
HB_HD float exact_float_of(int32_t v) { return static_cast<float>(v); }  // int32 → float is in every SIMD set
HB_HD double exact_float_of(int64_t v) { return exact_double_i51(v); }

// Natural logarithm of a positive, normal, finite x (the only arguments heatbath passes).
template <class T>
HB_HD T log_positive(T x) {
  using L = FloatLayout<T>;
  using S = Series<T>;
  const typename L::Bits b = bits(x);
  typename L::Int e = static_cast<typename L::Int>(b >> L::kMantissaBits) - L::kBias;
  T m = from_bits(static_cast<typename L::Bits>((b & L::kMantissaMask) | L::kOneBits));  // [1, 2)
  // Centre the mantissa on 1, in [sqrt(1/2), sqrt(2)), so that the series argument stays small.
  const bool high = m > S::kSqrt2;
  m = mul(m, high ? T(0.5) : T(1));  // exact either way; a select, not a branch
  e += static_cast<typename L::Int>(high);
  const T s = div(sub(m, T(1)), add(m, T(1)));
  const T z = mul(s, s);
  const T p = horner<T, OddInverse, 1, S::kLogTerms, true>(z);
  const T s2 = add(s, s);
  const T log_m = fma(mul(s2, z), p, s2);
  const T ef = exact_float_of(e);  // |e| ≤ 1075
  return fma(ef, S::kLn2Hi, fma(ef, S::kLn2Lo, log_m));
}

// sin and cos of t for |t| ≤ π/4.
template <class T>
HB_HD void sincos_reduced(T t, T& sin_t, T& cos_t) {
  using S = Series<T>;
  const T z = mul(t, t);
  sin_t = fma(mul(t, z), horner<T, SinCoefficient, 1, S::kSinTerms, true>(z), t);
  cos_t = fma(z, horner<T, CosCoefficient, 1, S::kCosTerms, true>(z), T(1));
}

struct InverseFactorial {  // 1 / k!
  template <class T, int K> static constexpr T get() { return static_cast<T>(1.0 / factorial(K)); }
};

template <class T> struct ExpConstants;
template <> struct ExpConstants<float> {
  static constexpr int kTerms = 7;  // to r^7/7! on |r| ≤ ln2/2
  static constexpr float kInvLn2 = static_cast<float>(1.4426950408889634);
  static constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  static constexpr float kMin = -87.0f;              // exp below underflows past the normal range
  static constexpr float kMax = 88.0f;
  static constexpr int kMinExponent = -126;
};
template <> struct ExpConstants<double> {
  static constexpr int kTerms = 13;  // to r^13/13!
  static constexpr double kInvLn2 = 1.4426950408889634;
  static constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52
  static constexpr double kMin = -708.0;
  static constexpr double kMax = 709.0;
  static constexpr int kMinExponent = -1022;
};

// exp(x): x = n ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), a Taylor series for exp(r), and
// 2^n put into the exponent bits, in FMAs (the sigmoid of the RBM and Ising passes is bound by it).
// Below kMin it returns 0, above kMax +inf, and NaN for NaN.
template <class T>
HB_HD T exp(T x) {
  using L = FloatLayout<T>;
  using S = Series<T>;
  using E = ExpConstants<T>;
  // Clamped by two selects in a row: one select of three values made GCC compute the whole polynomial
  // twice, for x and for the clamp, and blend (AVX2: 62 instructions a vector of floats, now 37).
  const T x_lo = x < E::kMin ? E::kMin : x;  // NaN passes through
  const T xc = x_lo > E::kMax ? E::kMax : x_lo;
  const T shifted = fma(xc, E::kInvLn2, E::kRoundMagic);  // kRoundMagic + n, n = round(xc / ln2)
  const T nf = sub(shifted, E::kRoundMagic);
  const T r = fma(nf, -S::kLn2Lo, fma(nf, -S::kLn2Hi, xc));
  const T poly = fma(r, horner<T, InverseFactorial, 1, E::kTerms, true>(r), T(1));
  // n read from the bits of `shifted` (its ulp is 1, so they are kRoundMagic's plus n), not converted
  // from nf: AVX2 has no vector conversion of doubles to 64-bit integers, and the exps of the swap pass
  // ran as scalar code. For NaN these bits are garbage, and so is the scale, but NaN times any scale is NaN.
  typename L::Int n = static_cast<typename L::Int>(bits(shifted) - bits(E::kRoundMagic));
  n = n < E::kMinExponent ? E::kMinExponent : n;
  const T scale = from_bits(static_cast<typename L::Bits>(n + L::kBias) << L::kMantissaBits);
  const T result = mul(poly, scale);
  return x < E::kMin ? T(0) : (x > E::kMax ? from_bits(L::kInfBits) : result);
}

}  // namespace rn
}  // namespace hb
