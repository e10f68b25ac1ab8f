// SPDX-License-Identifier: Apache-2.0
// The register-blocked small GEMM (small_gemm.h), compiled once per instruction set (HB_ISA_NS).
// A block of kRows rows × kSmallGemmBlock columns keeps its accumulators in registers while k runs
// (two zmm or four ymm a row); each x[r, k] is broadcast once per block. Fixed trip counts let GCC unroll the row and
// column loops completely, so the accumulators never touch memory.
#include <algorithm>

#include "cpu/small_gemm.h"
#include "heatbath/rn_math.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {
namespace {
// Rows per block: the accumulators (rows × 128 bytes) fill about half the vector registers.
#if defined(__AVX512F__)
constexpr int kRows = 8;  // 16 of 32 zmm
#elif defined(__AVX2__)
constexpr int kRows = 3;  // 12 of 16 ymm
#else
constexpr int kRows = 1;  // 8 of 16 xmm
#endif

template <class T, int Rows>
inline void block(const T* __restrict x, int64_t k, const T* __restrict w, int64_t w_stride, T* __restrict out,
                  int64_t out_stride, int64_t cols) {
  constexpr int64_t B = kSmallGemmBlock<T>;
  T acc[Rows][B] = {};
  for (int64_t q = 0; q < k; ++q) {
    const T* __restrict wq = w + q * w_stride;
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r) {
      const T xr = x[r * k + q];
#pragma omp simd
      for (int64_t j = 0; j < B; ++j) acc[r][j] = rn::fma(xr, wq[j], acc[r][j]);
    }
  }
  for (int r = 0; r < Rows; ++r) {
    for (int64_t j = 0; j < cols; ++j) out[r * out_stride + j] = acc[r][j];
  }
}
}  // namespace

template <class T>
void small_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, T* out, int64_t out_stride) {
  constexpr int64_t B = kSmallGemmBlock<T>;
  const int64_t w_stride = padded_columns<T>(n);
  for (int64_t j0 = 0; j0 < n; j0 += B) {
    const int64_t cols = std::min(B, n - j0);
    int64_t r = 0;
    for (; r + kRows <= rows; r += kRows) {
      block<T, kRows>(x + r * k, k, w + j0, w_stride, out + r * out_stride + j0, out_stride, cols);
    }
    for (; r < rows; ++r) block<T, 1>(x + r * k, k, w + j0, w_stride, out + r * out_stride + j0, out_stride, cols);
  }
}

template void small_gemm<float>(int64_t, int64_t, int64_t, const float*, const float*, float*, int64_t);
template void small_gemm<double>(int64_t, int64_t, int64_t, const double*, const double*, double*, int64_t);

}  // namespace hb::cpu::HB_ISA_NS
