// SPDX-License-Identifier: Apache-2.0
// CUDA launchers of the RBM samplers: cuBLAS GEMMs on the whole batch, then the per-unit bodies of
// heatbath/rbm.h with one thread per (chain, block of 4 units), the Philox block those 4 units draw
// from. The float64 sums of AIS and the free energy run one thread per chain, in the CPU's unit order.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/cublas.h"
#include "cuda/launch.h"
#include "cuda/row_beta.cuh"
#include "cuda/rbm_launch.h"
#include "cuda/rbm_steps.h"
#include "heatbath/rbm.h"

namespace hb::cuda {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(int64_t items) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((items + kThreads - 1) / kThreads, 1 << 20)));
}

// Where a layer's per-chain coefficients come from: β per chain (Gibbs, conditionals) or one set (AIS).
template <class T>
struct CoefSource {
  const T* beta;       // [chains], or null to use `fixed`
  UnitCoef<T> fixed;
  T sigma;
  Unit visible;
  bool hidden;         // which layer's coefficients
  __device__ UnitCoef<T> at(int64_t row) const {
    if (beta == nullptr) return fixed;
    const LayerCoefs<T> k = gibbs_coefs<T>(beta[row], sigma, visible);
    return hidden ? k.hidden : k.visible;
  }
};

// Where a layer pass takes its Philox key: fixed at launch, or, in a CUDA graph that replays a PCD loop's
// calls (rbm_graph.cu), from the device's count of the step the replay starts at, which no launch argument
// can follow. Both give step t's key.
struct KeySource {
  StreamKey fixed;
  const int64_t* step0;  // null: `fixed`; else the key of step *step0 + offset
  uint64_t seed;
  uint32_t purpose;
  int64_t offset;
  bool visible;
  __device__ StreamKey get() const {
    if (step0 == nullptr) return fixed;
    return make_stream_key(seed, purpose, layer_half_step(static_cast<uint64_t>(*step0 + offset), visible));
  }
};

KeySource fixed_key(StreamKey k) { return KeySource{k, nullptr, 0, 0, 0, false}; }

template <class T, Unit U, bool Probs>
__global__ void layer_kernel(const T* pre, int64_t n, const T* bias, const T* base, CoefSource<T> coef,
                             KeySource key_source, uint64_t chain_start, int64_t chains, T* out) {
  const StreamKey key = key_source.get();
  const int64_t n_blocks = (n + 3) / 4;
  const int64_t items = chains * n_blocks;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t item = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; item < items; item += stride) {
    const int64_t row = item / n_blocks, block = item - row * n_blocks;
    const UnitCoef<T> k = coef.at(row);
    Quad<float> r{0.0f, 0.0f, 0.0f, 0.0f};
    if (!Probs) r = unit_randoms<U>(key, chain_start + static_cast<uint64_t>(row), block);
    const float rs[4] = {r.v0, r.v1, r.v2, r.v3};
    for (int l = 0; l < 4; ++l) {
      const int64_t j = block * 4 + l;
      if (j < n) {
        const T x = pre[row * n + j];
        out[row * n + j] = base != nullptr ? sample_unit<T, U, Probs, true>(k, x, bias[j], base[j], rs[l])
                                           : sample_unit<T, U, Probs, false>(k, x, bias[j], T(0), rs[l]);
      }
    }
  }
}

// The units 4·blk .. 4·blk + 3 (those below n) of one chain's layer from the other layer's states `in`
// [n_in]: activations summed as small_gemm sums them (one chain of FMAs in index order from +0, so the
// bits are the CPU's), then drawn as layer_kernel draws them. w_unit, w_in: strides of W between units and
// between inputs. pre_out: where the activations go too, or null.
template <class T, Unit U>
__device__ void chain_layer_block(const T* w, int64_t w_unit, int64_t w_in, const T* in, int64_t n_in, const T* bias,
                                  int64_t n, int64_t blk, const UnitCoef<T>& k, const StreamKey& key, uint64_t chain,
                                  T* out, T* pre_out) {
  const Quad<float> r = unit_randoms<U>(key, chain, blk);
  const float rs[4] = {r.v0, r.v1, r.v2, r.v3};
  const int64_t first = 4 * blk;
  const int lanes = n - first < 4 ? static_cast<int>(n - first) : 4;
  T pre[4] = {T(0), T(0), T(0), T(0)};
  for (int64_t i = 0; i < n_in; ++i) {
    const T x = in[i];
    const T* wi = w + i * w_in + first * w_unit;
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      if (l < lanes) pre[l] = rn::fma(x, wi[l * w_unit], pre[l]);
    }
  }
#pragma unroll
  for (int l = 0; l < 4; ++l) {
    if (l < lanes) {
      out[first + l] = sample_unit<T, U, false, false>(k, pre[l], bias[first + l], T(0), rs[l]);
      if (pre_out != nullptr) pre_out[first + l] = pre[l];
    }
  }
}

// Whole Gibbs runs of small models (small_rbm) in one launch: a thread block takes one chain at a time
// through every step, its threads splitting each layer into the 4-unit blocks of the Philox stream, the
// chain's rows of v and h (in the caller's arrays) shared between them through __syncthreads. Through
// cuBLAS a step was six launches (two GEMMs, their split-K reductions, two layer passes) of about 2 µs
// of GPU work each, and a short call's time was the host's time to launch them. last_pre_v [chains, V]:
// the last step's visible activations W h, which parallel tempering's energies read.
template <class T, Unit U>
__global__ void chain_gibbs_kernel(GibbsArgs<T> a, T* last_pre_v) {
  const RbmParams<T>& p = a.rbm;
  const auto purpose = static_cast<uint32_t>(Purpose::kGibbs);
  const int64_t end = a.step0 + a.n_steps;
  for (int64_t row = blockIdx.x; row < a.chains; row += gridDim.x) {
    T* v = a.v + row * p.V;
    T* h = a.h + row * p.H;
    const LayerCoefs<T> k = gibbs_coefs<T>(a.beta[row], p.sigma, p.visible);
    const uint64_t chain = a.chain_start + static_cast<uint64_t>(row);
    for (int64_t t = a.step0; t < end; ++t) {
      const StreamKey hidden_key = make_stream_key(a.seed, purpose, layer_half_step(t, false));
      for (int64_t blk = threadIdx.x; blk < (p.H + 3) / 4; blk += blockDim.x) {
        chain_layer_block<T, Unit::kBernoulli>(p.w, 1, p.H, v, p.V, p.c, p.H, blk, k.hidden, hidden_key, chain, h,
                                               nullptr);
      }
      __syncthreads();  // h complete before the visible layer reads it
      const StreamKey visible_key = make_stream_key(a.seed, purpose, layer_half_step(t, true));
      T* pre_v = t + 1 == end ? last_pre_v + row * p.V : nullptr;
      for (int64_t blk = threadIdx.x; blk < (p.V + 3) / 4; blk += blockDim.x) {
        chain_layer_block<T, U>(p.w, p.H, 1, h, p.H, p.b, p.V, blk, k.visible, visible_key, chain, v, pre_v);
      }
      __syncthreads();  // v complete before the next step (or the trace) reads it
      const int64_t done = t - a.step0 + 1;
      if (a.thin > 0 && done % a.thin == 0) {
        const int64_t sample = done / a.thin - 1;
        T* tv = a.trace_v + (sample * a.chains + row) * p.V;
        for (int64_t i = threadIdx.x; i < p.V; i += blockDim.x) tv[i] = v[i];
        if (a.trace_h != nullptr) {
          T* th = a.trace_h + (sample * a.chains + row) * p.H;
          for (int64_t j = threadIdx.x; j < p.H; j += blockDim.x) th[j] = h[j];
        }
        __syncthreads();  // the copies read h before the next step overwrites it
      }
    }
  }
}

// Σ_j softplus(hi · a_j) − softplus(lo · a_j) (lo < 0: first term only), a_j = c_j + pre_j · inv_sigma.
template <class T>
__device__ double hidden_softplus_sum(const T* pre, const T* c, int64_t H, double inv_sigma, double hi, double lo) {
  double sum = 0.0;
  for (int64_t j = 0; j < H; ++j) {
    const double x = rn::add(static_cast<double>(c[j]), rn::mul(static_cast<double>(pre[j]), inv_sigma));
    double s = softplus(rn::mul(hi, x));
    if (lo >= 0.0) s = rn::sub(s, softplus(rn::mul(lo, x)));
    sum = rn::add(sum, s);
  }
  return sum;
}

template <class T>
__device__ double visible_factor(const T* v, const T* b, const T* base, int64_t V, double sigma, Unit u) {
  const double inv_two_var = rn::div(1.0, rn::mul(rn::mul(2.0, sigma), sigma));
  double sum = 0.0;
  for (int64_t i = 0; i < V; ++i) {
    double f = visible_log_factor(v[i], b[i], inv_two_var, u);
    if (base != nullptr) f = rn::sub(f, visible_log_factor(v[i], base[i], inv_two_var, u));
    sum = rn::add(sum, f);
  }
  return sum;
}

template <class T>
__global__ void ais_weight_kernel(RbmParams<T> p, const T* base, const T* v, const T* pre_h, int64_t chains, double hi,
                                  double lo, double* log_w) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const double sigma = static_cast<double>(p.sigma);
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < chains; row += stride) {
    const double sums = hidden_softplus_sum(pre_h + row * p.H, p.c, p.H, rn::div(1.0, sigma), hi, lo);
    const double vf = visible_factor(v + row * p.V, p.b, base, p.V, sigma, p.visible);
    log_w[row] = rn::add(log_w[row], rn::add(rn::mul(rn::sub(hi, lo), vf), sums));
  }
}

template <class T>
__global__ void free_energy_kernel(RbmParams<T> p, const T* v, const T* pre_h, const T* beta, int64_t chains, T* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const double sigma = static_cast<double>(p.sigma);
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < chains; row += stride) {
    const double b = static_cast<double>(beta[row]);
    const double sums = hidden_softplus_sum(pre_h + row * p.H, p.c, p.H, rn::div(1.0, sigma), b, -1.0);
    const double vf = visible_factor(v + row * p.V, p.b, static_cast<const T*>(nullptr), p.V, sigma, p.visible);
    out[row] = static_cast<T>(rn::sub(-rn::mul(b, vf), sums));
  }
}

// E(v, h) of every row from w_h = W h of its h (the last step's visible activations).
template <class T>
__global__ void joint_energy_kernel(RbmParams<T> p, const T* v, const T* h, const T* w_h, int64_t chains,
                                    double* energy) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < chains; row += stride) {
    energy[row] = joint_energy(p, v + row * p.V, h + row * p.H, w_h + row * p.V);
  }
}

// The scratch of one call, carved from the workspace.
template <class T>
struct Scratch {
  T* pre_h;  // [chains, H]
  T* pre_v;  // [chains, V]
  T* h;      // [chains, H]
  Scratch(T* ws, int64_t chains, const RbmParams<T>& p)
      : pre_h(ws), pre_v(ws + chains * p.H), h(ws + chains * (p.H + p.V)) {}
};

// What every launcher sets up: the caller's device, its stream, the scratch.
template <class T>
struct Call {
  DeviceGuard guard;
  cudaStream_t s;
  Scratch<T> ws;
  Call(int device, std::uintptr_t stream, T* workspace, int64_t chains, const RbmParams<T>& p)
      : guard(device), s(reinterpret_cast<cudaStream_t>(stream)), ws(workspace, chains, p) {}
};

// Runs body(call) unless the batch is empty.
template <class T, class Args, class Body>
void launch(const Args& a, T* workspace, int device, std::uintptr_t stream, Body&& body) {
  if (a.chains == 0) return;
  Call<T> call(device, stream, workspace, a.chains, a.rbm);
  body(call.s, call.ws);
}

template <class T>
void layer(const RbmParams<T>& p, bool hidden, bool probs, const T* pre, const T* base, CoefSource<T> coef,
           KeySource key, uint64_t chain_start, int64_t chains, T* out, cudaStream_t s) {
  const int64_t n = hidden ? p.H : p.V;
  const T* bias = hidden ? p.c : p.b;
  const unsigned grid = grid_for(chains * ((n + 3) / 4));
  coef.hidden = hidden;
  coef.sigma = p.sigma;
  coef.visible = p.visible;
  const bool gauss = !hidden && p.visible == Unit::kGaussian;
  if (gauss && probs) {
    layer_kernel<T, Unit::kGaussian, true><<<grid, kThreads, 0, s>>>(pre, n, bias, base, coef, key, chain_start, chains, out);
  } else if (gauss) {
    layer_kernel<T, Unit::kGaussian, false><<<grid, kThreads, 0, s>>>(pre, n, bias, base, coef, key, chain_start, chains, out);
  } else if (probs) {
    layer_kernel<T, Unit::kBernoulli, true><<<grid, kThreads, 0, s>>>(pre, n, bias, base, coef, key, chain_start, chains, out);
  } else {
    layer_kernel<T, Unit::kBernoulli, false><<<grid, kThreads, 0, s>>>(pre, n, bias, base, coef, key, chain_start, chains, out);
  }
  check(cudaGetLastError(), "RBM layer launch");
}

template <class T>
CoefSource<T> per_chain(const T* beta) {
  return CoefSource<T>{beta, UnitCoef<T>{}, T(1), Unit::kBernoulli, true};
}

template <class T>
CoefSource<T> shared(UnitCoef<T> k) {
  return CoefSource<T>{nullptr, k, T(1), Unit::kBernoulli, true};
}

// One block-Gibbs step of every chain on the cuBLAS path: h ~ p(h | v), then v ~ p(v | h), each a product
// (through `products`, which multiplies by W or Wᵀ) and a layer pass.
template <class T, class Products>
void gibbs_step(const GibbsArgs<T>& a, const Scratch<T>& ws, const Products& products, KeySource hidden_key,
                KeySource visible_key, cudaStream_t s) {
  const RbmParams<T>& p = a.rbm;
  products(a.chains, p.H, p.V, a.v, false, ws.pre_h);
  layer<T>(p, true, false, ws.pre_h, nullptr, per_chain(a.beta), hidden_key, a.chain_start, a.chains, a.h, s);
  products(a.chains, p.V, p.H, a.h, true, ws.pre_v);
  layer<T>(p, false, false, ws.pre_v, nullptr, per_chain(a.beta), visible_key, a.chain_start, a.chains, a.v, s);
}

__global__ void set_step_kernel(int64_t* step0, int64_t value) { *step0 = value; }

__global__ void advance_step_kernel(int64_t* step0, int64_t steps) { *step0 += steps; }

}  // namespace

void queue_set_step(int64_t* step0, int64_t value, cudaStream_t s) {
  set_step_kernel<<<1, 1, 0, s>>>(step0, value);
  check(cudaGetLastError(), "RBM step counter launch");
}

template <class T>
void queue_counted_gibbs(const GibbsArgs<T>& a, T* workspace, int64_t* step0, const OwnedCublasHandle& blas,
                         cudaStream_t s) {
  const Scratch<T> ws(workspace, a.chains, a.rbm);
  const auto purpose = static_cast<uint32_t>(Purpose::kGibbs);
  const auto products = [&](int64_t m, int64_t n, int64_t k, const T* x, bool trans_w, T* out) {
    blas.gemm<T>(m, n, k, x, a.rbm.w, trans_w, out);
  };
  for (int64_t t = 0; t < a.n_steps; ++t) {
    gibbs_step<T>(a, ws, products, KeySource{StreamKey{}, step0, a.seed, purpose, t, false},
                  KeySource{StreamKey{}, step0, a.seed, purpose, t, true}, s);
  }
  advance_step_kernel<<<1, 1, 0, s>>>(step0, a.n_steps);
  check(cudaGetLastError(), "RBM step counter launch");
}

// chain_gibbs_kernel's launch: a block per chain (up to 2^20 blocks, each then taking several), with a
// thread per 4-unit block of the larger layer, in whole warps, at most kThreads.
template <class T>
void chain_gibbs(const GibbsArgs<T>& a, T* last_pre_v, cudaStream_t s) {
  const int64_t unit_blocks = (std::max(a.rbm.V, a.rbm.H) + 3) / 4;
  const unsigned threads = static_cast<unsigned>(std::min<int64_t>(kThreads, (unit_blocks + 31) / 32 * 32));
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(a.chains, 1 << 20));
  if (a.rbm.visible == Unit::kGaussian) {
    chain_gibbs_kernel<T, Unit::kGaussian><<<grid, threads, 0, s>>>(a, last_pre_v);
  } else {
    chain_gibbs_kernel<T, Unit::kBernoulli><<<grid, threads, 0, s>>>(a, last_pre_v);
  }
  check(cudaGetLastError(), "RBM chain launch");
}

template <class T>
void rbm_gibbs(const GibbsArgs<T>& a, T* workspace, int device, std::uintptr_t stream) {
  if (a.n_steps == 0) return;
  const RbmParams<T>& p = a.rbm;
  launch<T>(a, workspace, device, stream, [&](cudaStream_t s, const Scratch<T>& ws) {
    if (small_rbm(p.V, p.H)) {
      chain_gibbs<T>(a, ws.pre_v, s);
      return;
    }
    const auto purpose = static_cast<uint32_t>(Purpose::kGibbs);
    const auto products = [&](int64_t m, int64_t n, int64_t k, const T* x, bool trans_w, T* out) {
      gemm<T>(device, stream, m, n, k, x, p.w, trans_w, out);
    };
    for (int64_t t = a.step0; t < a.step0 + a.n_steps; ++t) {
      gibbs_step<T>(a, ws, products, fixed_key(make_stream_key(a.seed, purpose, layer_half_step(t, false))),
                    fixed_key(make_stream_key(a.seed, purpose, layer_half_step(t, true))), s);
      const int64_t done = t - a.step0 + 1;
      if (a.thin > 0 && done % a.thin == 0) {
        const int64_t k = done / a.thin - 1;
        check(cudaMemcpyAsync(a.trace_v + k * a.chains * p.V, a.v, sizeof(T) * a.chains * p.V, cudaMemcpyDeviceToDevice, s),
              "trace copy");
        if (a.trace_h != nullptr) {
          check(cudaMemcpyAsync(a.trace_h + k * a.chains * p.H, a.h, sizeof(T) * a.chains * p.H,
                                cudaMemcpyDeviceToDevice, s), "trace copy");
        }
      }
    }
  });
}

template <class T>
void rbm_pt_run(GibbsArgs<T> a, T* beta, const SwapArgs<double>& s, double* energy, T* workspace,
                int64_t round_begin, int64_t round_end, int64_t n_sweeps, int device, std::uintptr_t stream) {
  if (a.chains == 0) return;
  a.beta = beta;
  a.chain_start = 0;  // the words of row r are those of chain r: replicas × columns are one batch
  a.trace_v = a.trace_h = nullptr;
  a.thin = 0;
  a.n_steps = n_sweeps;
  DeviceGuard guard(device);
  const cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  const Scratch<T> ws(workspace, a.chains, a.rbm);
  for (int64_t round = round_begin; round < round_end; ++round) {
    row_beta_kernel<T><<<grid_for(a.chains), kThreads, 0, st>>>(a.chains, s.beta_row, beta);
    check(cudaGetLastError(), "RBM parallel tempering launch");
    a.step0 = round * n_sweeps;
    rbm_gibbs<T>(a, workspace, device, stream);
    joint_energy_kernel<T><<<grid_for(a.chains), kThreads, 0, st>>>(a.rbm, a.v, a.h, ws.pre_v, a.chains, energy);
    check(cudaGetLastError(), "RBM energy launch");
    swap_run<double>(s, round, device, stream);
  }
}

template <class T>
void rbm_ais(const AisArgs<T>& a, T* workspace, int device, std::uintptr_t stream) {
  const RbmParams<T>& p = a.rbm;
  launch<T>(a, workspace, device, stream, [&](cudaStream_t s, const Scratch<T>& ws) {
    const auto purpose = static_cast<uint32_t>(Purpose::kAis);
    // k = 0: v ~ the base model (zero activations, β = 0 coefficients), as on the CPU.
    check(cudaMemsetAsync(ws.pre_v, 0, sizeof(T) * a.chains * p.V, s), "memset");
    layer<T>(p, false, false, ws.pre_v, a.base, shared(ais_coefs<T>(T(0), p.sigma, p.visible).visible),
             fixed_key(make_stream_key(a.seed, purpose, layer_half_step(0, true))), a.chain_start, a.chains, a.v, s);
    for (int64_t k = 1; k < a.n_betas; ++k) {
      const double hi = a.betas[k], lo = a.betas[k - 1];
      gemm<T>(device, stream, a.chains, p.H, p.V, a.v, p.w, false, ws.pre_h);
      ais_weight_kernel<T><<<grid_for(a.chains), kThreads, 0, s>>>(p, a.base, a.v, ws.pre_h, a.chains, hi, lo, a.log_w);
      check(cudaGetLastError(), "AIS weight launch");
      if (k + 1 == a.n_betas) break;
      const LayerCoefs<T> coefs = ais_coefs<T>(static_cast<T>(hi), p.sigma, p.visible);
      layer<T>(p, true, false, ws.pre_h, nullptr, shared(coefs.hidden),
               fixed_key(make_stream_key(a.seed, purpose, layer_half_step(k, false))), a.chain_start, a.chains, ws.h,
               s);
      gemm<T>(device, stream, a.chains, p.V, p.H, ws.h, p.w, true, ws.pre_v);
      layer<T>(p, false, false, ws.pre_v, a.base, shared(coefs.visible),
               fixed_key(make_stream_key(a.seed, purpose, layer_half_step(k, true))), a.chain_start, a.chains, a.v, s);
    }
  });
}

template <class T>
void rbm_conditional(const ConditionalArgs<T>& a, T* workspace, int device, std::uintptr_t stream) {
  const RbmParams<T>& p = a.rbm;
  launch<T>(a, workspace, device, stream, [&](cudaStream_t s, const Scratch<T>& ws) {
    T* pre = a.to_hidden ? ws.pre_h : ws.pre_v;
    if (a.to_hidden) {
      gemm<T>(device, stream, a.chains, p.H, p.V, a.x, p.w, false, pre);
    } else {
      gemm<T>(device, stream, a.chains, p.V, p.H, a.x, p.w, true, pre);
    }
    layer<T>(p, a.to_hidden, true, pre, nullptr, per_chain(a.beta), fixed_key(StreamKey{}), 0, a.chains, a.out, s);
  });
}

template <class T>
void rbm_free_energy(const FreeEnergyArgs<T>& a, T* workspace, int device, std::uintptr_t stream) {
  const RbmParams<T>& p = a.rbm;
  launch<T>(a, workspace, device, stream, [&](cudaStream_t s, const Scratch<T>& ws) {
    gemm<T>(device, stream, a.chains, p.H, p.V, a.v, p.w, false, ws.pre_h);
    free_energy_kernel<T><<<grid_for(a.chains), kThreads, 0, s>>>(p, a.v, ws.pre_h, a.beta, a.chains, a.out);
    check(cudaGetLastError(), "free energy launch");
  });
}

#define HB_INSTANTIATE(T)                                                                                   \
  template void rbm_gibbs<T>(const GibbsArgs<T>&, T*, int, std::uintptr_t);                               \
  template void queue_counted_gibbs<T>(const GibbsArgs<T>&, T*, int64_t*, const OwnedCublasHandle&, cudaStream_t); \
  template void rbm_ais<T>(const AisArgs<T>&, T*, int, std::uintptr_t);                                   \
  template void rbm_conditional<T>(const ConditionalArgs<T>&, T*, int, std::uintptr_t);                   \
  template void rbm_free_energy<T>(const FreeEnergyArgs<T>&, T*, int, std::uintptr_t);                    \
  template void rbm_pt_run<T>(GibbsArgs<T>, T*, const SwapArgs<double>&, double*, T*, int64_t, int64_t, int64_t, \
                              int, std::uintptr_t);
HB_INSTANTIATE(float)
HB_INSTANTIATE(double)
#undef HB_INSTANTIATE

}  // namespace hb::cuda
