// SPDX-License-Identifier: Apache-2.0
// The products of large RBMs: out[r, j] = Σ_q x[r, q] · w[q, j], each element one chain of fused
// multiply-adds in q order starting from +0 (the bits of small_gemm.h, which small models use), with W
// packed once per call into panels of kPanelWidth columns.
//
// Why not OpenBLAS, which the large models used before: it packs W again in every product, two of them a
// Gibbs step and tile (about 6 % of a 784 × 500 step), and zeroes C in a pass of its own for β = 0; its
// summation order depends on the row count for the column remainders, which forced whole 64-row tiles
// (24 rows of padding in 1,000 chains) and a second kernel for the last columns. Here W is packed once
// per call, only the valid rows are multiplied, and a chain's bits depend on nothing but its own row: not
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

// The right-hand side b [k, n] of a product as panels: panel p holds columns p·P .. p·P + P − 1 as
// [k, P], row q contiguous, zeros past column n. W [V, H] gives forward (v·W: b = W, k = V, n = H) and
// backward (h·Wᵀ: b = Wᵀ, k = H, n = V), in storage of elements(V, H) values on a cache line's boundary
// (kept by the caller between calls: rbm_cpu.cpp). The threads of a call pack the panels between them.
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
  void pack(const T* w, int64_t p) {
    constexpr int64_t P = kPanelWidth<T>;
    const int64_t forward_panels = panel_count<T>(H);
    if (p < forward_panels) {
      T* dst = forward + p * V * P;
      const int64_t j0 = p * P, cols = std::min(P, H - j0);
      for (int64_t q = 0; q < V; ++q) {
        std::copy(w + q * H + j0, w + q * H + j0 + cols, dst + q * P);
        std::fill(dst + q * P + cols, dst + (q + 1) * P, T(0));
      }
      return;
    }
    p -= forward_panels;
    T* dst = backward + p * H * P;
    const int64_t i0 = p * P, cols = std::min(P, V - i0);
    // A transpose of W's rows i0 .. i0 + cols − 1 in blocks of 16 × 16, each read from 16 cache lines and
    // written as 16 runs of 16 values (a short PCD call packs W afresh every time).
    constexpr int64_t kBlock = 16;
    for (int64_t q0 = 0; q0 < H; q0 += kBlock) {
      const int64_t q1 = std::min(H, q0 + kBlock);
      for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
        const int64_t c1 = std::min(cols, c0 + kBlock);
        for (int64_t q = q0; q < q1; ++q) {
          for (int64_t c = c0; c < c1; ++c) dst[q * P + c] = w[(i0 + c) * H + q];
        }
      }
      for (int64_t q = q0; q < q1; ++q) std::fill(dst + q * P + cols, dst + (q + 1) * P, T(0));
    }
  }
  int64_t panels() const { return panel_count<T>(H) + panel_count<T>(V); }
};

// out [rows, n] (rows n apart) = x [rows, k] (rows k apart) · b, with b's panels as PanelWeights lays them out.
template <class T>
void panel_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* panels, T* out);

#define HB_DECLARE_PANEL_GEMM_VARIANT(ns)                                                          \
  namespace ns {                                                                                   \
  template <class T> void panel_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* panels, T* out); \
  }
HB_DECLARE_PANEL_GEMM_VARIANT(baseline)
HB_DECLARE_PANEL_GEMM_VARIANT(avx2)
HB_DECLARE_PANEL_GEMM_VARIANT(avx512)
#undef HB_DECLARE_PANEL_GEMM_VARIANT

}  // namespace hb::cpu
