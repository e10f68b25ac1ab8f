// SPDX-License-Identifier: Apache-2.0
// The products of small RBMs: out[r, j] = Σ_k x[r, k] · w[k, j], each element one chain of fused
// multiply-adds in k order starting from +0. OpenBLAS reaches about half the FMA peak on shapes such
// as 128 x 64 x 32 (per-call packing, small-matrix kernels); this register-blocked loop reaches about
// 90 %, and because every row is summed on its own in a fixed order, the bits depend neither on the
// tile's row count nor on the thread count nor on the instruction set.
#pragma once
#include <algorithm>
#include <cstdint>

#include "cpu/cache_line_array.h"

namespace hb::cpu {

// w is [k, n_pad] with n_pad = padded_columns<T>(n) and zeros past column n (PaddedWeights builds it);
// out's rows are out_stride elements apart.
template <class T>
void small_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, T* out, int64_t out_stride);

// Columns of one register block: two vectors of the widest instruction set (16 floats, 8 doubles).
template <class T>
constexpr int64_t kSmallGemmBlock = 128 / static_cast<int64_t>(sizeof(T));

template <class T>
constexpr int64_t padded_columns(int64_t n) {
  return (n + kSmallGemmBlock<T> - 1) / kSmallGemmBlock<T> * kSmallGemmBlock<T>;
}

// A small model's W [V, H] as the right-hand sides of both products, zero-padded: forward [V, pad(H)] for
// v·W and backward [H, pad(V)] (= Wᵀ) for h·Wᵀ.
template <class T>
struct PaddedWeights {
  CacheLineArray<T> forward, backward;
  PaddedWeights(const T* w, int64_t V, int64_t H)
      : forward(cache_line_array<T>(V * padded_columns<T>(H))),
        backward(cache_line_array<T>(H * padded_columns<T>(V))) {
    const int64_t hp = padded_columns<T>(H), vp = padded_columns<T>(V);
    std::fill(forward.get(), forward.get() + V * hp, T(0));
    std::fill(backward.get(), backward.get() + H * vp, T(0));
    for (int64_t i = 0; i < V; ++i) {
      for (int64_t j = 0; j < H; ++j) {
        forward[i * hp + j] = w[i * H + j];
        backward[j * vp + i] = w[i * H + j];
      }
    }
  }
};

#define HB_DECLARE_SMALL_GEMM_VARIANT(ns)                                                          \
  namespace ns {                                                                                   \
  template <class T> void small_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, T* out, int64_t out_stride); \
  }
HB_DECLARE_SMALL_GEMM_VARIANT(baseline)
HB_DECLARE_SMALL_GEMM_VARIANT(avx2)
HB_DECLARE_SMALL_GEMM_VARIANT(avx512)
#undef HB_DECLARE_SMALL_GEMM_VARIANT

}  // namespace hb::cpu
