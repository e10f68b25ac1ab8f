// SPDX-License-Identifier: Apache-2.0
// The arguments of the RBM launchers, shared by the CPU and CUDA backends. Pointers borrow the
// caller's arrays (row-major, contiguous), on the launcher's device.
#pragma once
#include <cstdint>

#include "heatbath/rbm.h"

namespace hb {

template <class T>
struct GibbsArgs {
  RbmParams<T> rbm;
  int64_t chains;
  T* v;                  // [chains, V] visible states, updated in place
  T* h;                  // [chains, H] hidden states of the last step
  const T* beta;         // [chains] inverse temperatures
  T* trace_v;            // [samples, chains, V] or null
  T* trace_h;            // [samples, chains, H] or null
  int64_t thin;          // record after every thin-th step of this call (0: no trace)
  uint64_t seed;
  uint64_t chain_start;  // global index of row 0
  int64_t step0;         // absolute step of this call's first step
  int64_t n_steps;
  double* energy;        // [chains] E(v, h) of the final pair (Bernoulli units), or null; CPU launcher only
};

// Annealed importance sampling over the schedule betas[0] = 0 < ... < betas[n_betas − 1] = 1.
template <class T>
struct AisArgs {
  RbmParams<T> rbm;
  const T* base;         // [V] visible biases (Bernoulli) or means (Gaussian) of the base model
  int64_t chains;
  T* v;                  // [chains, V] current states
  double* log_w;         // [chains] accumulated log importance weights
  const double* betas;   // [n_betas] on the host
  int64_t n_betas;
  uint64_t seed;
  uint64_t chain_start;
};

// p(h = 1 | v) [chains, H] (to_hidden) or p(v = 1 | h) / E[v | h] [chains, V], at β per chain.
template <class T>
struct ConditionalArgs {
  RbmParams<T> rbm;
  int64_t chains;
  const T* x;            // [chains, V] (to_hidden) or [chains, H]
  const T* beta;         // [chains]
  T* out;
  bool to_hidden;
};

// F_β(v) = −log Σ_h exp(−β E(v, h)) per chain, so that p_β(v) = exp(−F_β(v)) / Z_β.
template <class T>
struct FreeEnergyArgs {
  RbmParams<T> rbm;
  int64_t chains;
  const T* v;            // [chains, V]
  const T* beta;         // [chains]
  T* out;                // [chains]
};

}  // namespace hb
