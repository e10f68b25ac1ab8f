// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "heatbath/langevin_update.h"

namespace hb::cpu {

// Applies one phase of a Langevin step (langevin_update.h) to every chain, in place, with OpenMP.
template <class T, Phase P>
void langevin_update(const UpdateArgs<T>& a);

}  // namespace hb::cpu
