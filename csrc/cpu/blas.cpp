// SPDX-License-Identifier: Apache-2.0
#include "cpu/blas.h"

#include <cblas.h>

#include <mutex>

namespace hb::cpu {

void blas_single_threaded() {
  static std::once_flag once;
  std::call_once(once, [] { scipy_openblas_set_num_threads(1); });
}

const char* blas_core_name() { return scipy_openblas_get_corename(); }

template <>
void gemm<float>(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, bool trans_b,
                 float* c, int64_t ldc) {
  scipy_cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
                    static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a, static_cast<blasint>(lda), b,
                    static_cast<blasint>(ldb), 0.0f, c, static_cast<blasint>(ldc));
}

template <>
void gemm<double>(int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b, int64_t ldb, bool trans_b,
                 double* c, int64_t ldc) {
  scipy_cblas_dgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
                    static_cast<blasint>(n), static_cast<blasint>(k), 1.0, a, static_cast<blasint>(lda), b,
                    static_cast<blasint>(ldb), 0.0, c, static_cast<blasint>(ldc));
}

}  // namespace hb::cpu
