// SPDX-License-Identifier: Apache-2.0
// The CUDA launchers of the RBM samplers, for the (pybind11-free) binding code. All work is queued on
// `stream` of `device` without synchronising. workspace: [chains, V + 2H] (activations of both layers
// and AIS hidden states).
#pragma once
#include <cstdint>
#include <memory>

#include "heatbath/pt_swap.h"
#include "heatbath/rbm_args.h"

namespace hb::cuda {

template <class T>
void rbm_gibbs(const GibbsArgs<T>& a, T* workspace, int device, std::uintptr_t stream);
template <class T>
void rbm_ais(const AisArgs<T>& a, T* workspace, int device, std::uintptr_t stream);
template <class T>
void rbm_conditional(const ConditionalArgs<T>& a, T* workspace, int device, std::uintptr_t stream);
template <class T>
void rbm_free_energy(const FreeEnergyArgs<T>& a, T* workspace, int device, std::uintptr_t stream);
// Rounds [round_begin, round_end) of parallel tempering over (v, h) pairs (a.v, a.h: [chains, V], [chains, H],
// chains = replicas × columns): per round β of every row from the swap pass's beta_row (rounded to T into
// `beta`), n_sweeps block-Gibbs steps, the joint energy E(v, h) of every row into `energy` (from the W h
// its last step computed, as on the CPU), the swap pass.
template <class T>
void rbm_pt_run(GibbsArgs<T> a, T* beta, const SwapArgs<double>& s, double* energy, T* workspace,
                int64_t round_begin, int64_t round_end, int64_t n_sweeps, int device, std::uintptr_t stream);

// The Gibbs calls of a PCD loop (heatbath.RBM's session of in-place continuations) on a large model, launched
// as one CUDA graph per call: a step through cuBLAS is four launches, and a short call's time was the host's
// time to make them (two cuBLAS GEMMs alone cost more host time than the GPU took). Once two calls in a row
// did the same work on the same arrays (only the step differs), that work is captured into a graph whose
// layer passes read the step from a counter on the device; each later such call is one graph launch (and a
// one-thread kernel when the step is not where the last replay left it). The products go through a cuBLAS
// handle of the graph's own, so they are those of the plain launches (which one test checks bit for bit).
// Small models (one kernel a call already), calls with a trace and calls made while the caller's stream is
// being captured into a graph of the caller's own are launched as rbm_gibbs launches them. Safe for calls
// from several threads.
class GibbsReplay {
 public:
  GibbsReplay();
  ~GibbsReplay();  // synchronises the device when a graph was made (its cuBLAS handle's destruction)
  GibbsReplay(const GibbsReplay&) = delete;
  GibbsReplay& operator=(const GibbsReplay&) = delete;

  // rbm_gibbs's call, without traces (a.thin == 0).
  template <class T>
  void run(const GibbsArgs<T>& a, T* workspace, int device, std::uintptr_t stream);
  // Calls that launched a graph: for tests.
  int64_t graph_launches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hb::cuda
