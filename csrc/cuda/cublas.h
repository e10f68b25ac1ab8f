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

// A cuBLAS handle of its own, bound to one stream and kept out of the cache above: the GEMMs of a CUDA graph
// captured through it may use its memory for as long as the graph lives, which the cache's evictions would
// not respect. Made outside any capture (creating a handle allocates). Destroying it synchronises the device.
class OwnedCublasHandle {
 public:
  OwnedCublasHandle(int device, std::uintptr_t stream);
  ~OwnedCublasHandle();
  OwnedCublasHandle(const OwnedCublasHandle&) = delete;
  OwnedCublasHandle& operator=(const OwnedCublasHandle&) = delete;
  // gemm's product, through this handle on its stream (its device must be current).
  template <class T>
  void gemm(int64_t m, int64_t n, int64_t k, const T* a, const T* b, bool trans_b, T* c) const;

 private:
  void* handle_ = nullptr;
  int device_;
};

}  // namespace hb::cuda
