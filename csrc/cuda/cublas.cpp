// SPDX-License-Identifier: Apache-2.0
// The function types come from the nvidia-cublas wheel's headers (decltype of the declarations: no
// symbol is referenced, so nothing is linked); the functions from dlsym on the library.
#include "cuda/cublas.h"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "cuda/check.h"

namespace hb::cuda {
namespace {

struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasDgemm_v2) dgemm;
};

struct CachedHandle {
  cublasHandle_t handle;
  uint64_t last_use;
};

// Handles kept at most: a program that makes a new stream for every call (cupy.cuda.Stream() in a loop)
// would otherwise gather one handle, and its workspace of a few MiB, per stream for good.
constexpr size_t kMaxHandles = 32;

std::mutex g_mutex;  // guards everything below; a handle serves one call at a time
std::string g_path;
const CublasApi* g_api = nullptr;
// Keyed by (device, stream, thread): the thread only for cudaStreamPerThread, a handle value that names a
// different stream in each thread (cupy's per-thread default stream), whose GEMMs may run at once.
using HandleKey = std::tuple<int, std::uintptr_t, std::thread::id>;
std::map<HandleKey, CachedHandle> g_handles;
uint64_t g_uses = 0;

template <class F>
F symbol(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (p == nullptr) throw std::runtime_error(std::string("heatbath: libcublas has no symbol ") + name);
  return reinterpret_cast<F>(p);
}

const CublasApi& api_locked() {
  if (g_api != nullptr) return *g_api;
  void* lib = g_path.empty() ? nullptr : dlopen(g_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) lib = dlopen("libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    throw std::runtime_error(std::string("heatbath's RBM sampler on CUDA needs cuBLAS 13 (pip install nvidia-cublas): ") +
                             (why != nullptr ? why : "libcublas.so.13 not found"));
  }
  static const CublasApi api{symbol<decltype(&cublasCreate_v2)>(lib, "cublasCreate_v2"),
                             symbol<decltype(&cublasDestroy_v2)>(lib, "cublasDestroy_v2"),
                             symbol<decltype(&cublasSetStream_v2)>(lib, "cublasSetStream_v2"),
                             symbol<decltype(&cublasSgemm_v2)>(lib, "cublasSgemm_v2"),
                             symbol<decltype(&cublasDgemm_v2)>(lib, "cublasDgemm_v2")};
  g_api = &api;
  return api;
}

void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("heatbath cuBLAS error in ") + what + ": status " +
                             std::to_string(static_cast<int>(status)));
  }
}

// The least recently used handle goes when the cache is full. cublasDestroy synchronises the device, so
// no GEMM of the handle is still running; its own device is made current for it. That wait happens under
// the global lock, but only once a program uses more than kMaxHandles streams. Its status is ignored: the
// handle has left the cache either way, and a failure to free it must not fail the GEMM that asked for a
// new one (a sticky device error surfaces at that GEMM's own check).
void evict_one_locked(const CublasApi& api) {
  auto oldest = g_handles.begin();
  for (auto it = g_handles.begin(); it != g_handles.end(); ++it) {
    if (it->second.last_use < oldest->second.last_use) oldest = it;
  }
  const int device = std::get<0>(oldest->first);
  const cublasHandle_t h = oldest->second.handle;
  g_handles.erase(oldest);
  DeviceGuard guard(device);
  static_cast<void>(api.destroy(h));
}

// A new handle on the current device, bound to `stream`.
cublasHandle_t new_handle(const CublasApi& api, std::uintptr_t stream) {
  cublasHandle_t h = nullptr;
  check_cublas(api.create(&h), "cublasCreate");
  const cublasStatus_t bound = api.set_stream(h, reinterpret_cast<cudaStream_t>(stream));
  if (bound != CUBLAS_STATUS_SUCCESS) {
    api.destroy(h);
    check_cublas(bound, "cublasSetStream");
  }
  return h;
}

// One handle per (device, stream), created once (creation costs milliseconds) and kept while it is in
// use: a handle's default workspace would be shared by GEMMs running at once on two streams. The caller
// has made `device` current.
cublasHandle_t handle_locked(const CublasApi& api, int device, std::uintptr_t stream) {
  const bool per_thread = stream == reinterpret_cast<std::uintptr_t>(cudaStreamPerThread);
  const HandleKey key{device, stream, per_thread ? std::this_thread::get_id() : std::thread::id()};
  auto it = g_handles.find(key);
  if (it != g_handles.end()) {
    it->second.last_use = ++g_uses;
    return it->second.handle;
  }
  if (g_handles.size() >= kMaxHandles) evict_one_locked(api);  // its guard gives `device` back
  const cublasHandle_t h = new_handle(api, stream);
  g_handles[key] = CachedHandle{h, ++g_uses};
  return h;
}

// Refuses sizes that cublas<t>gemm's int arguments would wrap, rather than multiply the wrong matrices.
void check_sizes(int64_t m, int64_t n, int64_t k) {
  constexpr int64_t kMaxInt = std::numeric_limits<int>::max();
  if (m > kMaxInt || n > kMaxInt || k > kMaxInt) {
    throw std::invalid_argument("heatbath CUDA RBM: a matrix dimension (chains " + std::to_string(m) + ", units " +
                                std::to_string(std::max(n, k)) + ") exceeds cuBLAS's limit of 2^31 - 1; split "
                                "the chains into batches");
  }
}

template <class T>
void gemm_through(const CublasApi& api, cublasHandle_t h, int64_t m, int64_t n, int64_t k, const T* a, const T* b,
                  bool trans_b, T* c) {
  // Row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ: swap the operands, keep the buffers.
  const T one = T(1), zero = T(0);
  const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int ldb = static_cast<int>(trans_b ? k : n);
  if constexpr (sizeof(T) == 4) {
    check_cublas(api.sgemm(h, op_b, CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &one,
                           b, ldb, a, static_cast<int>(k), &zero, c, static_cast<int>(n)), "cublasSgemm");
  } else {
    check_cublas(api.dgemm(h, op_b, CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &one,
                           b, ldb, a, static_cast<int>(k), &zero, c, static_cast<int>(n)), "cublasDgemm");
  }
}

}  // namespace

void set_cublas_path(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_path = path;
}

bool cublas_loaded() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_api != nullptr;
}

size_t cublas_handle_count() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_handles.size();
}

size_t cublas_max_handles() { return kMaxHandles; }

template <class T>
void gemm(int device, std::uintptr_t stream, int64_t m, int64_t n, int64_t k, const T* a, const T* b, bool trans_b,
          T* c) {
  if (m == 0 || n == 0) return;
  check_sizes(m, n, k);
  std::lock_guard<std::mutex> lock(g_mutex);
  const CublasApi& api = api_locked();
  DeviceGuard guard(device);
  gemm_through(api, handle_locked(api, device, stream), m, n, k, a, b, trans_b, c);
}

OwnedCublasHandle::OwnedCublasHandle(int device, std::uintptr_t stream) : device_(device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const CublasApi& api = api_locked();
  DeviceGuard guard(device);
  handle_ = new_handle(api, stream);
}

// Nothing here may throw (a destructor): the device is switched by hand, and the statuses are ignored (a
// sticky device error surfaces at the next check).
OwnedCublasHandle::~OwnedCublasHandle() {
  std::lock_guard<std::mutex> lock(g_mutex);
  int current = device_;
  if (cudaGetDevice(&current) != cudaSuccess || cudaSetDevice(device_) != cudaSuccess) {
    cudaGetLastError();
    return;  // no usable runtime left to destroy it with: left to the process's end
  }
  static_cast<void>(g_api->destroy(static_cast<cublasHandle_t>(handle_)));
  cudaSetDevice(current);
  cudaGetLastError();
}

template <class T>
void OwnedCublasHandle::gemm(int64_t m, int64_t n, int64_t k, const T* a, const T* b, bool trans_b, T* c) const {
  if (m == 0 || n == 0) return;
  check_sizes(m, n, k);
  std::lock_guard<std::mutex> lock(g_mutex);
  gemm_through(*g_api, static_cast<cublasHandle_t>(handle_), m, n, k, a, b, trans_b, c);
}

template void OwnedCublasHandle::gemm<float>(int64_t, int64_t, int64_t, const float*, const float*, bool,
                                             float*) const;
template void OwnedCublasHandle::gemm<double>(int64_t, int64_t, int64_t, const double*, const double*, bool,
                                              double*) const;
template void gemm<float>(int, std::uintptr_t, int64_t, int64_t, int64_t, const float*, const float*, bool, float*);
template void gemm<double>(int, std::uintptr_t, int64_t, int64_t, int64_t, const double*, const double*, bool,
                           double*);

}  // namespace hb::cuda
