// SPDX-License-Identifier: Apache-2.0
// The panel products of panel_gemm.h, compiled once per instruction set (HB_ISA_NS). A micro-tile of
// kRows rows × kGroup vectors keeps its accumulators in registers while q runs: each step loads kGroup
// vectors of the panel's row q and broadcasts one x[r, q] per row (AVX-512: 8 rows × 3 vectors, 24 of the
// 32 registers). Every lane's accumulator is its element's FMA chain in q order, so the grouping of rows
// and columns, and the K blocks (which store and reload the chain's value exactly), leave the bits alone.
#include <algorithm>
#include <memory>
#include <new>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "cpu/panel_gemm.h"
#include "heatbath/rn_math.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {
namespace {

// The vector operations the micro-tile needs; load_n and store_n touch the first n lanes only.
template <class T>
struct Vec;

#if defined(__AVX512F__)
constexpr int kRows = 8;
constexpr int kGroup = 3;
template <>
struct Vec<float> {
  using V = __m512;
  static constexpr int L = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float a) { return _mm512_set1_ps(a); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static V load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(mask(n), p); }
  static void store_n(float* p, V v, int n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
};
template <>
struct Vec<double> {
  using V = __m512d;
  static constexpr int L = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V set1(double a) { return _mm512_set1_pd(a); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static __mmask8 mask(int n) { return static_cast<__mmask8>((1u << n) - 1u); }
  static V load_n(const double* p, int n) { return _mm512_maskz_loadu_pd(mask(n), p); }
  static void store_n(double* p, V v, int n) { _mm512_mask_storeu_pd(p, mask(n), v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
};
#elif defined(__AVX2__)
constexpr int kRows = 4;   // 12 accumulators, 3 panel vectors and a broadcast: the 16 ymm registers
constexpr int kGroup = 3;
template <>
struct Vec<float> {
  using V = __m256;
  static constexpr int L = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float a) { return _mm256_set1_ps(a); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V load_n(const float* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
  static void store_n(float* p, V v, int n) { _mm256_maskstore_ps(p, mask(n), v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
};
template <>
struct Vec<double> {
  using V = __m256d;
  static constexpr int L = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V set1(double a) { return _mm256_set1_pd(a); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static V load_n(const double* p, int n) { return _mm256_maskload_pd(p, mask(n)); }
  static void store_n(double* p, V v, int n) { _mm256_maskstore_pd(p, mask(n), v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
};
#else
// Any other CPU: one lane per "vector", rn::fma (exact emulation where the ISA has no FMA). Slow, the same bits.
constexpr int kRows = 2;
constexpr int kGroup = 4;
template <class T>
struct Vec {
  using V = T;
  static constexpr int L = 1;
  static V zero() { return T(0); }
  static V set1(T a) { return a; }
  static V load(const T* p) { return *p; }
  static void store(T* p, V v) { *p = v; }
  static V load_n(const T* p, int) { return *p; }
  static void store_n(T* p, V v, int) { *p = v; }
  static V fma(V a, V b, V c) { return rn::fma(a, b, c); }
};
#endif

// Rows × NV vectors of out (rows n apart) from x's rows (k apart) over q = q0 .. q0 + kc − 1, w at the
// panel's row q0; the last vector holds `last` valid lanes. `first`: the chains start from +0.
template <class T, int Rows, int NV>
inline void micro_tile(const T* __restrict x, int64_t k, int64_t kc, const T* __restrict w, T* __restrict out,
                       int64_t n, int last, bool first) {
  using Vt = Vec<T>;
  using V = typename Vt::V;
  constexpr int L = Vt::L;
  constexpr int64_t P = kPanelWidth<T>;
  V acc[Rows][NV];
  for (int r = 0; r < Rows; ++r) {
    for (int v = 0; v < NV; ++v) {
      T* const o = out + r * n + v * L;
      acc[r][v] = first ? Vt::zero() : (v + 1 < NV ? Vt::load(o) : Vt::load_n(o, last));
    }
  }
  for (int64_t q = 0; q < kc; ++q) {
    V wv[NV];
    for (int v = 0; v < NV; ++v) wv[v] = Vt::load(w + q * P + v * L);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      const V xr = Vt::set1(x[r * k + q]);
      for (int v = 0; v < NV; ++v) acc[r][v] = Vt::fma(xr, wv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < Rows; ++r) {
    for (int v = 0; v < NV; ++v) {
      T* const o = out + r * n + v * L;
      if (v + 1 < NV) {
        Vt::store(o, acc[r][v]);
      } else {
        Vt::store_n(o, acc[r][v], last);
      }
    }
  }
}

// All rows for one group of NV vectors: blocks of kRows, then of halves of it for the rest.
template <class T, int NV, int Rows = kRows>
inline void group_rows(int64_t rows, const T* x, int64_t k, int64_t kc, const T* w, T* out, int64_t n, int last,
                       bool first) {
  int64_t r = 0;
  for (; r + Rows <= rows; r += Rows) micro_tile<T, Rows, NV>(x + r * k, k, kc, w, out + r * n, n, last, first);
  if constexpr (Rows > 1) {
    if (r < rows) group_rows<T, NV, Rows / 2>(rows - r, x + r * k, k, kc, w, out + r * n, n, last, first);
  }
}

// K blocks of at most kMaxKc: a block's rows of x (8 × 1,024 floats) and of the panel stay in cache.
constexpr int64_t kMaxKc = 1024;

// The product over K blocks and panels; panel_block(p, q0, kc) gives rows q0 .. q0 + kc − 1 of panel p
// ([kc, P], rows P apart). Every element's FMA chain runs in q order across the blocks.
template <class T, class PanelBlock>
void blocked_product(int64_t rows, int64_t n, int64_t k, const T* x, T* out, PanelBlock&& panel_block) {
  constexpr int64_t P = kPanelWidth<T>;
  constexpr int L = Vec<T>::L;
  constexpr int64_t G = static_cast<int64_t>(kGroup) * L;  // columns of a micro-tile
  if (rows <= 0 || n <= 0) return;
  if (k == 0) {
    std::fill(out, out + rows * n, T(0));
    return;
  }
  const int64_t blocks = (k + kMaxKc - 1) / kMaxKc, kc_max = (k + blocks - 1) / blocks;
  for (int64_t q0 = 0; q0 < k; q0 += kc_max) {
    const int64_t kc = std::min(kc_max, k - q0);
    const bool first = q0 == 0;
    for (int64_t p = 0; p * P < n; ++p) {
      const T* const panel = panel_block(p, q0, kc);
      for (int64_t j0 = p * P; j0 < std::min(n, (p + 1) * P); j0 += G) {
        const T* const w = panel + j0 % P;
        const int64_t cols = std::min(G, n - j0);
        const int nv = static_cast<int>((cols + L - 1) / L);
        const int last = static_cast<int>(cols - (nv - 1) * L);
        const T* const xq = x + q0;
        T* const o = out + j0;
        switch (nv) {
          case kGroup: group_rows<T, kGroup>(rows, xq, k, kc, w, o, n, last, first); break;
          case 1: group_rows<T, 1>(rows, xq, k, kc, w, o, n, last, first); break;
          case 2: group_rows<T, 2>(rows, xq, k, kc, w, o, n, last, first); break;
          default: group_rows<T, 3>(rows, xq, k, kc, w, o, n, last, first); break;
        }
      }
    }
  }
}

}  // namespace

template <class T>
void panel_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* panels, T* out) {
  constexpr int64_t P = kPanelWidth<T>;
  blocked_product(rows, n, k, x, out, [&](int64_t p, int64_t q0, int64_t) { return panels + (p * k + q0) * P; });
}

namespace {
struct CacheLineFree {
  void operator()(void* p) const { ::operator delete(p, std::align_val_t(64)); }
};
// The thread's buffer for one K block of one panel (kMaxKc × 192 bytes), on a cache line's boundary.
// Types of this file only: no weak symbol that another variant's copy could stand in for.
template <class T>
T* panel_block_buffer() {
  thread_local std::unique_ptr<T, CacheLineFree> buffer(
      static_cast<T*>(::operator new(kMaxKc * kPanelWidth<T> * sizeof(T), std::align_val_t(64))));
  return buffer.get();
}
}  // namespace

template <class T>
void panel_gemm_direct(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, bool transposed, T* out) {
  T* const dst = panel_block_buffer<T>();
  blocked_product(rows, n, k, x, out, [&](int64_t p, int64_t q0, int64_t kc) {
    pack_panel_rows(w, transposed, k, n, p, q0, kc, dst);
    return static_cast<const T*>(dst);
  });
}

template void panel_gemm<float>(int64_t, int64_t, int64_t, const float*, const float*, float*);
template void panel_gemm<double>(int64_t, int64_t, int64_t, const double*, const double*, double*);
template void panel_gemm_direct<float>(int64_t, int64_t, int64_t, const float*, const float*, bool, float*);
template void panel_gemm_direct<double>(int64_t, int64_t, int64_t, const double*, const double*, bool, double*);

}  // namespace hb::cpu::HB_ISA_NS
