// SPDX-License-Identifier: Apache-2.0
// What the CUDA launcher of langevin_update.h exports to the (pybind11-free) binding code.
#pragma once
#include <cstdint>

#include "heatbath/langevin_update.h"

namespace hb::cuda {

// Queues one phase of a Langevin step for every chain on `stream` of `device`; does not synchronise.
template <class T, Phase P>
void langevin_update(const UpdateArgs<T>& a, int device, std::uintptr_t stream);

}  // namespace hb::cuda
