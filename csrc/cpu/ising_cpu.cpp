// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the Ising launcher at run time; measures lattices.
#include "cpu/ising_cpu.h"

#include "cpu/isa.h"
#include "cpu/threads.h"

namespace hb::cpu {

void ising_run(const IsingArgs& a, int64_t sweep_begin, int64_t sweep_end) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::ising_run(a, sweep_begin, sweep_end);
    case Isa::kAvx2: return avx2::ising_run(a, sweep_begin, sweep_end);
    default: break;
  }
#endif
  baseline::ising_run(a, sweep_begin, sweep_end);
}

void ising_pt_run(const IsingArgs& a, const SwapArgs<double>& s, double* energy, int64_t round_begin,
                  int64_t round_end, int64_t n_sweeps) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::ising_pt_run(a, s, energy, round_begin, round_end, n_sweeps);
    case Isa::kAvx2: return avx2::ising_pt_run(a, s, energy, round_begin, round_end, n_sweeps);
    default: break;
  }
#endif
  baseline::ising_pt_run(a, s, energy, round_begin, round_end, n_sweeps);
}

void ising_measure(const IsingArgs& a, double* energy, double* mag) {
  const int64_t sites = ising_sites(a);
#pragma omp parallel for schedule(static) num_threads(num_threads())
  for (int64_t l = 0; l < a.lattices; ++l) {
    int64_t m = 0;
    ising_lattice_energy(a, a.spins + l * sites, energy[l], m);
    mag[l] = static_cast<double>(m);
  }
}

}  // namespace hb::cpu
