// SPDX-License-Identifier: Apache-2.0
// The last output columns of a large RBM's products, those past OpenBLAS's whole blocks of 16 (rbm_cpu.cpp):
// out[r, j] = Σ_q x[r, q] · w[j, q] for j < n (n < 16), with w given by rows of k values. Each element is
// a dot product along k in 16 partial sums (lane l takes the terms q ≡ l mod 16, in q order, as fused
// multiply-adds from +0), added in a fixed tree: the bits depend on neither the row's place in the tile nor
// the instruction set. small_gemm.h, which pads the columns to its register block (32 floats), multiplied
// 8 times the work for the 4 columns a 784 × 500 model leaves, and took 2.7 % of a Gibbs step.
#pragma once

#include <cstdint>
#include <vector>

namespace hb::cpu {

constexpr int kNarrowLanes = 16;

// w_rows: row j of w at w + j · w_stride.
template <class T>
void narrow_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, int64_t w_stride, T* out,
                 int64_t out_stride);

// W [V, H]'s columns h0 .. H − 1 as rows of V values, for v·W's last columns; h·Wᵀ's last columns are W's
// rows v0 .. V − 1, read in place.
template <class T>
struct NarrowWeights {
  int64_t h0 = 0, v0 = 0;
  std::vector<T> hidden;  // [H − h0, V]
  NarrowWeights(const T* w, int64_t V, int64_t H, int64_t first_h, int64_t first_v)
      : h0(first_h), v0(first_v), hidden(static_cast<size_t>((H - first_h) * V)) {
    for (int64_t j = h0; j < H; ++j) {
      for (int64_t i = 0; i < V; ++i) hidden[(j - h0) * V + i] = w[i * H + j];
    }
  }
};

#define HB_DECLARE_NARROW_GEMM_VARIANT(ns)                                                                      \
  namespace ns {                                                                                                \
  template <class T>                                                                                            \
  void narrow_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, int64_t w_stride, T* out,        \
                   int64_t out_stride);                                                                         \
  }
HB_DECLARE_NARROW_GEMM_VARIANT(baseline)
HB_DECLARE_NARROW_GEMM_VARIANT(avx2)
HB_DECLARE_NARROW_GEMM_VARIANT(avx512)
#undef HB_DECLARE_NARROW_GEMM_VARIANT

}  // namespace hb::cpu
