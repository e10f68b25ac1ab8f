// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "heatbath/ising.h"

namespace hb::cpu {

// Runs absolute sweeps [sweep_begin, sweep_end) of every lattice in place; records E and Σ s of
// sweep t at row t − a.sweep0 of the traces. Dispatches on the instruction set (isa.h).
void ising_run(const IsingArgs& a, int64_t sweep_begin, int64_t sweep_end);

// E and Σ s of every lattice of a.spins: energy [lattices], mag [lattices].
void ising_measure(const IsingArgs& a, double* energy, double* mag);

#define HB_DECLARE_ISING_VARIANT(ns)                                          \
  namespace ns {                                                              \
  void ising_run(const IsingArgs& a, int64_t sweep_begin, int64_t sweep_end); \
  }
HB_DECLARE_ISING_VARIANT(baseline)
HB_DECLARE_ISING_VARIANT(avx2)
HB_DECLARE_ISING_VARIANT(avx512)
#undef HB_DECLARE_ISING_VARIANT

}  // namespace hb::cpu
