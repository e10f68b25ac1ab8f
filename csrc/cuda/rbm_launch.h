// SPDX-License-Identifier: Apache-2.0
// The CUDA launchers of the RBM samplers, for the (pybind11-free) binding code. All work is queued on
// `stream` of `device` without synchronising. workspace: [chains, V + 2H] (activations of both layers
// and AIS hidden states).
#pragma once
#include <cstdint>

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

}  // namespace hb::cuda
