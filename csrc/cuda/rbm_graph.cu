// SPDX-License-Identifier: Apache-2.0
// GibbsReplay (rbm_launch.h): a PCD loop's Gibbs calls on a large model, one CUDA graph launch each.
#include <cuda_runtime.h>

#include <mutex>
#include <tuple>

#include "cuda/check.h"
#include "cuda/cublas.h"
#include "cuda/rbm_launch.h"
#include "cuda/rbm_steps.h"
#include "heatbath/rbm.h"

namespace hb::cuda {
namespace {

// Everything a captured graph has built in: two calls with equal keys do the same work but for the step.
struct ReplayKey {
  int device = -1;
  std::uintptr_t stream = 0;
  size_t value_size = 0;
  const void *w = nullptr, *b = nullptr, *c = nullptr, *beta = nullptr, *v = nullptr, *h = nullptr, *ws = nullptr;
  int64_t V = 0, H = 0, chains = 0, n_steps = 0;
  double sigma = 0;
  int visible = 0;
  uint64_t seed = 0, chain_start = 0;

  auto tied() const {
    return std::tie(device, stream, value_size, w, b, c, beta, v, h, ws, V, H, chains, n_steps, sigma, visible, seed,
                    chain_start);
  }
  bool operator==(const ReplayKey& o) const { return tied() == o.tied(); }
};

template <class T>
ReplayKey key_of(const GibbsArgs<T>& a, const T* ws, int device, std::uintptr_t stream) {
  ReplayKey k;
  k.device = device;
  k.stream = stream;
  k.value_size = sizeof(T);
  k.w = a.rbm.w;
  k.b = a.rbm.b;
  k.c = a.rbm.c;
  k.beta = a.beta;
  k.v = a.v;
  k.h = a.h;
  k.ws = ws;
  k.V = a.rbm.V;
  k.H = a.rbm.H;
  k.chains = a.chains;
  k.n_steps = a.n_steps;
  k.sigma = static_cast<double>(a.rbm.sigma);
  k.visible = static_cast<int>(a.rbm.visible);
  k.seed = a.seed;
  k.chain_start = a.chain_start;
  return k;
}

}  // namespace

struct GibbsReplay::Impl {
  std::mutex mutex;
  int device = -1;                           // of the resources below
  cudaStream_t capture = nullptr;            // its own: the caller's may be the legacy stream, which cannot capture
  std::unique_ptr<OwnedCublasHandle> blas;   // bound to `capture`
  int64_t* step0 = nullptr;                  // on the device: the step the next replay starts at
  cudaGraphExec_t exec = nullptr;
  ReplayKey graph_key;                       // the work of `exec`
  ReplayKey last;                            // the work of the previous call (device -1: none)
  int64_t next_step = -1;                    // *step0 once the work queued so far has run; -1: not known
  int64_t launches = 0;

  ~Impl() { release(); }

  // Frees everything once no replay can still be running. When the CUDA runtime is already shutting down
  // (an interpreter's exit) everything is left to it: a call would fail, or worse.
  void release() noexcept {
    if (device < 0) return;
    const int had = device;
    device = -1;
    int current = had;
    if (cudaGetDevice(&current) != cudaSuccess || cudaSetDevice(had) != cudaSuccess ||
        cudaDeviceSynchronize() != cudaSuccess) {
      cudaGetLastError();
      static_cast<void>(blas.release());  // destroying the handle could need the runtime: left to the process's end
      return;
    }
    blas.reset();
    if (exec != nullptr) cudaGraphExecDestroy(exec);
    if (step0 != nullptr) cudaFree(step0);
    if (capture != nullptr) cudaStreamDestroy(capture);
    cudaSetDevice(current);
    cudaGetLastError();
    exec = nullptr;
    step0 = nullptr;
    capture = nullptr;
    graph_key = ReplayKey{};
    next_step = -1;
  }

  // The graph of `key`'s work, captured on the replay's own stream through its own cuBLAS handle. The
  // caller has made `device` current.
  template <class T>
  void capture_graph(const GibbsArgs<T>& a, T* ws, int dev, const ReplayKey& key) {
    if (device != dev) release();
    device = dev;
    if (capture == nullptr) check(cudaStreamCreateWithFlags(&capture, cudaStreamNonBlocking), "cudaStreamCreate");
    if (step0 == nullptr) check(cudaMalloc(reinterpret_cast<void**>(&step0), sizeof(int64_t)), "cudaMalloc");
    if (!blas) blas = std::make_unique<OwnedCublasHandle>(dev, reinterpret_cast<std::uintptr_t>(capture));
    if (exec != nullptr) {
      cudaGraphExecDestroy(exec);  // a launch still in flight completes first
      exec = nullptr;
      graph_key = ReplayKey{};
    }
    check(cudaStreamBeginCapture(capture, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    cudaGraph_t graph = nullptr;
    try {
      queue_counted_gibbs<T>(a, ws, step0, *blas, capture);
    } catch (...) {
      cudaStreamEndCapture(capture, &graph);
      if (graph != nullptr) cudaGraphDestroy(graph);
      cudaGetLastError();
      throw;
    }
    check(cudaStreamEndCapture(capture, &graph), "the capture of the Gibbs steps into a CUDA graph");
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    if (made != cudaSuccess) exec = nullptr;
    check(made, "cudaGraphInstantiate");
    graph_key = key;
  }
};

GibbsReplay::GibbsReplay() : impl_(std::make_unique<Impl>()) {}

GibbsReplay::~GibbsReplay() = default;

int64_t GibbsReplay::graph_launches() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->launches;
}

template <class T>
void GibbsReplay::run(const GibbsArgs<T>& a, T* workspace, int device, std::uintptr_t stream) {
  if (a.n_steps == 0 || a.chains == 0) return;
  if (a.thin != 0 || small_rbm(a.rbm.V, a.rbm.H)) {
    rbm_gibbs<T>(a, workspace, device, stream);
    return;
  }
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mutex);
  const ReplayKey key = key_of(a, workspace, device, stream);
  const bool repeated = m.last == key;
  m.last = key;
  DeviceGuard guard(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
  check(cudaStreamIsCapturing(s, &capturing), "cudaStreamIsCapturing");
  const bool have_graph = m.exec != nullptr && m.graph_key == key;
  if (capturing != cudaStreamCaptureStatusNone || (!have_graph && !repeated)) {
    rbm_gibbs<T>(a, workspace, device, stream);
    return;
  }
  if (!have_graph) m.capture_graph<T>(a, workspace, device, key);
  const int64_t expected = m.next_step;
  m.next_step = -1;  // until both launches below are queued
  if (expected != a.step0) queue_set_step(m.step0, a.step0, s);
  check(cudaGraphLaunch(m.exec, s), "cudaGraphLaunch");
  m.next_step = a.step0 + a.n_steps;
  ++m.launches;
}

template void GibbsReplay::run<float>(const GibbsArgs<float>&, float*, int, std::uintptr_t);
template void GibbsReplay::run<double>(const GibbsArgs<double>&, double*, int, std::uintptr_t);

}  // namespace hb::cuda
