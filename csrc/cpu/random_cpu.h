// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/distributions.h"
#include "heatbath/random_fill.h"

namespace hb::cpu {

// Fills items [item_begin, item_end) of the (row, block) grid of a.out; items are row-major.
template <Draw D, class T>
void fill_random(const FillArgs& a, int64_t item_begin, int64_t item_end);

}  // namespace hb::cpu
