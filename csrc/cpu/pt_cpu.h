// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/pt_swap.h"

namespace hb::cpu {

// The swap pass of one round for every column. Scalar code (K + 1 values per column), so it is built
// once rather than per instruction set.
template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round);

}  // namespace hb::cpu
