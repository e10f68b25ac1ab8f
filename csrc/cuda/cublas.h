// SPDX-License-Identifier: Apache-2.0
// cuBLAS, loaded on first use: libcublas is dlopen'ed only when a CUDA tensor reaches an RBM call, so
// heatbath._cuda imports (and the rest of the CUDA backend runs) without it, and it is not DT_NEEDED.
// No CUDA headers here: the bindings include this with the host compiler alone.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace hb::cuda {

// Where to look first (the nvidia-cublas wheel's libcublas.so.13, found by the Python layer); the
// loader's default search path is tried after it.
void set_cublas_path(const std::string& path);
bool cublas_loaded();
// Handles cached now (one per device and stream that ran a GEMM), and the most kept: for tests.
size_t cublas_handle_count();
size_t cublas_max_handles();

// C[m, n] = A[m, k] · B (B [k, n], or [n, k] transposed when trans_b), row-major, on `stream` of `device`.
template <class T>
void gemm(int device, std::uintptr_t stream, int64_t m, int64_t n, int64_t k, const T* a, const T* b, bool trans_b,
          T* c);

}  // namespace hb::cuda
