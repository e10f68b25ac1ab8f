// SPDX-License-Identifier: Apache-2.0
// CPU launchers of the RBM samplers: products on tiles of chains (tile_rows; small_gemm.h for small
// models, panel_gemm.h for the others), each followed by one fused, vectorised pass over the activations
// (rbm_cpu_kernel.cpp, one variant per instruction set).
#pragma once
#include <cstdint>
#include <memory>

#include "heatbath/rbm_args.h"

namespace hb::cpu {

// Rows of a tile through one layer: out[r, j] = sample_unit(coef[r], pre[r, j], bias[j], base[j], r_rj).
template <class T>
struct LayerRows {
  const T* pre;               // [rows, n]
  int64_t n;
  const T* bias;              // [n]
  const T* base;              // [n] or null (then 0)
  const UnitCoef<T>* coef;    // [rows] (coef_stride 1) or one (coef_stride 0)
  int64_t coef_stride;
  StreamKey key;
  uint64_t chain0;            // global chain index of row 0
  int64_t rows;
  T* out;                     // [rows, n]
  bool probs;
};

// out[r, j] = softplus(beta_hi[r] · a) − softplus(beta_lo[r] · a) (or only the first term when
// beta_lo is null), a = c_j + pre[r, j] · inv_sigma, in float64; sums[r] = Σ_j of that, summed in j order.
template <class T>
struct SoftplusRows {
  const T* pre;               // [rows, H]
  int64_t n;
  const T* c;                 // [H]
  double inv_sigma;
  const double* beta_hi;      // [rows] (stride) ...
  const double* beta_lo;      // ... or null
  int64_t beta_stride;        // 1: per row, 0: one for all rows
  int64_t rows;
  double* scratch;            // [n]
  double* sums;               // [rows]
};

// The instruction-set dispatchers (isa.h) of the fused passes.
template <class T, Unit U>
void layer_rows(const LayerRows<T>& a);
template <class T>
void softplus_rows(const SoftplusRows<T>& a);

#define HB_DECLARE_RBM_VARIANT(ns)                        \
  namespace ns {                                          \
  template <class T, Unit U> void layer_rows(const LayerRows<T>& a); \
  template <class T> void softplus_rows(const SoftplusRows<T>& a);   \
  }
HB_DECLARE_RBM_VARIANT(baseline)
HB_DECLARE_RBM_VARIANT(avx2)
HB_DECLARE_RBM_VARIANT(avx512)
#undef HB_DECLARE_RBM_VARIANT

#define HB_INSTANTIATE_RBM_PASSES()                                             \
  template void layer_rows<float, Unit::kBernoulli>(const LayerRows<float>&);   \
  template void layer_rows<float, Unit::kGaussian>(const LayerRows<float>&);    \
  template void layer_rows<double, Unit::kBernoulli>(const LayerRows<double>&); \
  template void layer_rows<double, Unit::kGaussian>(const LayerRows<double>&);  \
  template void softplus_rows<float>(const SoftplusRows<float>&);               \
  template void softplus_rows<double>(const SoftplusRows<double>&);

// Chains per tile of a call on `chains` chains of a V x H model with `threads` threads (see the
// rbm_cpu.cpp notes: the results do not depend on it).
int64_t tile_rows(int64_t chains, int64_t V, int64_t H, int64_t threads);

// The copies of W that the products read (small_gemm.h's padded ones, or panel_gemm.h's panels), packed by
// all threads when made. One per call, for all its chunks: the weights are borrowed, and the caller may
// change them between calls. `passes`: how many times the call runs each product on each chain (steps,
// rounds × sweeps, AIS temperatures; 1 for a conditional or a free energy). A larger model gets panels of
// the whole of W only when W fits the caches and a thread runs each product three times or more;
// otherwise its products pack W block by block as they go (rbm_cpu.cpp).
template <class T>
class PackedRbm {
 public:
  PackedRbm(const RbmParams<T>& p, int64_t chains, int64_t passes);
  ~PackedRbm();
  PackedRbm(const PackedRbm&) = delete;
  PackedRbm& operator=(const PackedRbm&) = delete;
  struct Copies;
  const Copies& copies() const { return *copies_; }

 private:
  std::unique_ptr<Copies> copies_;
};

// Whole-batch launchers (OpenMP over tiles of chains), with the call's packed weights (made from a.rbm).
// Steps [t_begin, t_end) of the run.
template <class T>
void gibbs_run(const GibbsArgs<T>& a, const PackedRbm<T>& w, int64_t t_begin, int64_t t_end);
// AIS transitions k in [k_begin, k_end) (k = 0 draws the base states).
template <class T>
void ais_run(const AisArgs<T>& a, const PackedRbm<T>& w, int64_t k_begin, int64_t k_end);
template <class T>
void conditional_run(const ConditionalArgs<T>& a, const PackedRbm<T>& w);
template <class T>
void free_energy_run(const FreeEnergyArgs<T>& a, const PackedRbm<T>& w);

// Exact log Z_β by enumerating the smaller layer (the hidden one for Gaussian visible units), in float64
// (rbm_log_z_cpu.cpp), in fixed chunks of the enumeration so that a long
// one can be run piece by piece (and interrupted between pieces) with the bits of one call:
// parts = exact_log_z_chunks(p) slots; exact_log_z_range fills parts [k_begin, k_end); the merge combines
// them in chunk order.
struct LogSumExpPart {
  double max;
  double sum;  // Σ exp(x − max); 0 for an empty part
};
int64_t exact_log_z_chunks(const RbmParams<double>& p);
void exact_log_z_range(const RbmParams<double>& p, double beta, int64_t k_begin, int64_t k_end, LogSumExpPart* parts);
double exact_log_z_merge(const LogSumExpPart* parts, int64_t n_parts);

}  // namespace hb::cpu
