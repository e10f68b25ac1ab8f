// SPDX-License-Identifier: Apache-2.0
// The products of large RBMs: out[r, j] = Σ_q x[r, q] · w[q, j], each element one chain of fused
// multiply-adds in q order starting from +0 (the bits of small_gemm.h, which small models use), from W
// packed into panels of kPanelWidth columns: the whole of W once per call (panel_gemm), or block by block
// as the product reaches it (panel_gemm_direct); rbm_cpu.cpp (PackedRbm) picks which.
//
// Why not OpenBLAS, which the large models used before: it packs W again in every product, two of them a
// Gibbs step and tile (about 6 % of a 784 × 500 step), and zeroes C in a pass of its own for β = 0; its
// summation order depends on the row count for the column remainders, which forced whole 64-row tiles
// (24 rows of padding in 1,000 chains) and a second kernel for the last columns. Here W is packed at most
// once per call, only the valid rows are multiplied, and a chain's bits depend on nothing but its own row: not
// the tile, the thread count, the batch split or the instruction set.
#pragma once
#include <algorithm>
#include <cstdint>

#include "cpu/cache_line_array.h"

namespace hb::cpu {

// 192 bytes of columns: three AVX-512 vectors, six AVX2 ones.
template <class T>
constexpr int64_t kPanelWidth = 192 / static_cast<int64_t>(sizeof(T));

template <class T>
constexpr int64_t panel_count(int64_t n) {
  return (n + kPanelWidth<T> - 1) / kPanelWidth<T>;
}

// dst[c · dst_stride + r] = src[r · src_stride + c] for r < rows, c < cols, in blocks of 16 × 16: a whole
// block is read row by row into local memory and written column by column, loops of fixed length that
// the compiler vectorises (about 3× faster than element by element, which took 1.1 ns a value). Static,
// as the helpers below: each translation unit, the per-ISA kernels included, keeps its own copy
// (cmake/check_isa_objects.cmake).
template <class T>
static void transpose_blocks(const T* src, int64_t src_stride, int64_t rows, int64_t cols, T* dst,
                             int64_t dst_stride) {
  constexpr int kBlock = 16;
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t nc = std::min<int64_t>(kBlock, cols - c0);
    for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
      const int64_t nr = std::min<int64_t>(kBlock, rows - r0);
      const T* in = src + r0 * src_stride + c0;
      T* out = dst + c0 * dst_stride + r0;
      if (nr == kBlock && nc == kBlock) {
        T block[kBlock][kBlock];
        for (int r = 0; r < kBlock; ++r) {
#pragma omp simd
          for (int c = 0; c < kBlock; ++c) block[r][c] = in[r * src_stride + c];
        }
        for (int c = 0; c < kBlock; ++c) {
#pragma omp simd
          for (int r = 0; r < kBlock; ++r) out[c * dst_stride + r] = block[r][c];
        }
      } else {
        for (int64_t c = 0; c < nc; ++c) {
          for (int64_t r = 0; r < nr; ++r) out[c * dst_stride + r] = in[r * src_stride + c];
        }
      }
    }
  }
}

// Rows q0 .. q0 + kc − 1 of panel p of the right-hand side b [k, n] of a product, into dst [kc, P]: b's
// columns p·P .. p·P + P − 1, zeros past column n. b is w [k, n] (row q of b is row q of w) or, with
// `transposed`, wᵀ for w [n, k] (h·Wᵀ: b[q, i] = W[i, q]).
template <class T>
static void pack_panel_rows(const T* w, bool transposed, int64_t k, int64_t n, int64_t p, int64_t q0, int64_t kc,
                            T* dst) {
  constexpr int64_t P = kPanelWidth<T>;
  const int64_t j0 = p * P, cols = std::min(P, n - j0);
  if (transposed) transpose_blocks(w + j0 * k + q0, k, cols, kc, dst, P);  // w's rows j0 .. j0 + cols − 1
  for (int64_t q = 0; q < kc; ++q) {
    if (!transposed) {
      const T* row = w + (q0 + q) * n + j0;
      for (int64_t c = 0; c < cols; ++c) dst[q * P + c] = row[c];
    }
    for (int64_t c = cols; c < P; ++c) dst[q * P + c] = T(0);
  }
}

// The right-hand sides of both products of W [V, H] as whole panels [k, P], packed once for a call whose
// products run several times on each thread: forward (v·W: b = W, k = V, n = H) and backward (h·Wᵀ:
// b = Wᵀ, k = H, n = V), in storage of elements(V, H) values on a cache line's boundary (kept by the
// caller between calls: rbm_cpu.cpp). The threads of a call pack the panels between them.
template <class T>
struct PanelWeights {
  int64_t V, H;
  T* forward;   // [panel_count(H), V, P]
  T* backward;  // [panel_count(V), H, P]
  static int64_t elements(int64_t v, int64_t h) {
    return (panel_count<T>(h) * v + panel_count<T>(v) * h) * kPanelWidth<T>;
  }
  PanelWeights(int64_t v, int64_t h, T* storage)
      : V(v), H(h), forward(storage), backward(storage + panel_count<T>(h) * v * kPanelWidth<T>) {}
  // Panel p of forward (p < panel_count(H)) or of backward (the panels after those) from w [V, H].
  void pack(const T* w, int64_t p) const {
    constexpr int64_t P = kPanelWidth<T>;
    const int64_t forward_panels = panel_count<T>(H);
    if (p < forward_panels) {
      pack_panel_rows(w, false, V, H, p, 0, V, forward + p * V * P);
    } else {
      pack_panel_rows(w, true, H, V, p - forward_panels, 0, H, backward + (p - forward_panels) * H * P);
    }
  }
  int64_t panels() const { return panel_count<T>(H) + panel_count<T>(V); }
};

// out [rows, n] (rows n apart) = x [rows, k] (rows k apart) · b, with b's panels as PanelWeights lays them out.
template <class T>
void panel_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* panels, T* out);
// The same product, the same bits, from w itself (b = w or wᵀ as in pack_panel_rows): each K block of a
// panel is packed into the thread's cache just before its rows use it, as BLAS does. For a call that
// runs each product once per thread, where packing the whole of W first would read W, write its copy
// and read that again (a 3000 × 3000 model: 20 ms against 9 for a two-row free energy).
template <class T>
void panel_gemm_direct(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, bool transposed, T* out);

#define HB_DECLARE_PANEL_GEMM_VARIANT(ns)                                                          \
  namespace ns {                                                                                   \
  template <class T> void panel_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* panels, T* out); \
  template <class T>                                                                               \
  void panel_gemm_direct(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, bool transposed, T* out); \
  }
HB_DECLARE_PANEL_GEMM_VARIANT(baseline)
HB_DECLARE_PANEL_GEMM_VARIANT(avx2)
HB_DECLARE_PANEL_GEMM_VARIANT(avx512)
#undef HB_DECLARE_PANEL_GEMM_VARIANT

}  // namespace hb::cpu
