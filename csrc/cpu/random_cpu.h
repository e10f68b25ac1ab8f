// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/distributions.h"
#include "heatbath/random_fill.h"

namespace hb::cpu {

// Fills items [item_begin, item_end) of the (row, block) grid of a.out; items are row-major.
// Dispatches to the instruction-set variant that isa.h selects.
template <Draw D, class T>
void fill_random(const FillArgs& a, int64_t item_begin, int64_t item_end);

// One variant per instruction set, compiled from random_cpu_kernel.cpp.
#define HB_DECLARE_FILL_VARIANT(ns)                                          \
  namespace ns {                                                             \
  template <Draw D, class T>                                                 \
  void fill_random(const FillArgs& a, int64_t item_begin, int64_t item_end); \
  }
HB_DECLARE_FILL_VARIANT(baseline)
HB_DECLARE_FILL_VARIANT(avx2)
HB_DECLARE_FILL_VARIANT(avx512)
#undef HB_DECLARE_FILL_VARIANT

}  // namespace hb::cpu
