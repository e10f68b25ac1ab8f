// SPDX-License-Identifier: Apache-2.0
// The CUDA launchers of the RBM samplers, for the (pybind11-free) binding code. All work is queued on
// `stream` of `device` without synchronising. workspace: [chains, V + 2H] (activations of both layers
// and AIS hidden states).
#pragma once
#include <cstdint>

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

}  // namespace hb::cuda
