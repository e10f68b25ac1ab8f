// SPDX-License-Identifier: Apache-2.0
// What the CUDA launchers export to the (pybind11-free) binding code. No CUDA headers here, so the
// bindings compile with the host compiler alone.
#pragma once
#include <cstdint>
#include <string>

#include "heatbath/distributions.h"
#include "heatbath/random_fill.h"

namespace hb::cuda {

int device_count();  // 0 when there is no driver or no device
std::string device_name(int device);
int runtime_version();

// Queues the fill on `stream` (0 = legacy default) of `device`; returns without synchronising.
template <Draw D, class T>
void fill_random(const FillArgs& a, int device, std::uintptr_t stream);

}  // namespace hb::cuda
