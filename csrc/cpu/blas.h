// SPDX-License-Identifier: Apache-2.0
// The BLAS calls of the CPU backend: OpenBLAS from the scipy-openblas32 wheel (symbols prefixed
// scipy_). Always called single-threaded from inside our OpenMP tiles: heatbath owns the parallelism
// (hb.set_num_threads), so the two thread pools never compete, and each GEMM has the same fixed shape
// whatever the thread count, which keeps results bitwise independent of threads and batch splits.
#pragma once
#include <cstdint>

namespace hb::cpu {

// C[m, n] = A[m, k] · B (B is [k, n], or [n, k] transposed when trans_b), all row-major, rows lda, ldb
// and ldc elements apart (so that B and C may be column ranges of wider matrices).
template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, bool trans_b, T* c,
          int64_t ldc);

// Pins OpenBLAS to one thread (idempotent; called before the first GEMM).
void blas_single_threaded();

const char* blas_core_name();  // OpenBLAS's kernel choice for this CPU, e.g. "SkylakeX"

}  // namespace hb::cpu
