// SPDX-License-Identifier: Apache-2.0
// The narrow products of narrow_gemm.h, compiled once per instruction set (HB_ISA_NS). A row's x is loaded
// once per 16 values of k for up to four output columns, whose partial sums stay in registers.
#include <algorithm>

#include "cpu/narrow_gemm.h"
#include "heatbath/rn_math.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {
namespace {
constexpr int kColumns = 4;  // output columns per pass over a row

// Columns j0 .. j0 + cols − 1 of one row; columns past cols repeat the last one and are not stored.
template <class T>
inline void row_columns(const T* __restrict x, int64_t k, const T* __restrict w, int64_t w_stride, int cols,
                        T* __restrict out) {
  constexpr int S = kNarrowLanes;
  const T* wc[kColumns];
  for (int c = 0; c < kColumns; ++c) wc[c] = w + std::min(c, cols - 1) * w_stride;
  T acc[kColumns][S] = {};
  const int64_t whole = k / S * S;
  for (int64_t q0 = 0; q0 < whole; q0 += S) {
#pragma GCC unroll 4
    for (int c = 0; c < kColumns; ++c) {
#pragma omp simd
      for (int l = 0; l < S; ++l) acc[c][l] = rn::fma(x[q0 + l], wc[c][q0 + l], acc[c][l]);
    }
  }
  for (int64_t q = whole; q < k; ++q) {
    for (int c = 0; c < kColumns; ++c) acc[c][q - whole] = rn::fma(x[q], wc[c][q], acc[c][q - whole]);
  }
  for (int c = 0; c < cols; ++c) {
    for (int s = S / 2; s >= 1; s /= 2) {
      for (int l = 0; l < s; ++l) acc[c][l] = rn::add(acc[c][l], acc[c][l + s]);
    }
    out[c] = acc[c][0];
  }
}
}  // namespace

template <class T>
void narrow_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, int64_t w_stride, T* out,
                 int64_t out_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j0 = 0; j0 < n; j0 += kColumns) {
      const int cols = static_cast<int>(std::min<int64_t>(kColumns, n - j0));
      row_columns<T>(x + r * k, k, w + j0 * w_stride, w_stride, cols, out + r * out_stride + j0);
    }
  }
}

template void narrow_gemm<float>(int64_t, int64_t, int64_t, const float*, const float*, int64_t, float*, int64_t);
template void narrow_gemm<double>(int64_t, int64_t, int64_t, const double*, const double*, int64_t, double*,
                                  int64_t);

}  // namespace hb::cpu::HB_ISA_NS
