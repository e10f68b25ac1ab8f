// SPDX-License-Identifier: Apache-2.0
// OpenMP launcher of parallel tempering over Ising lattices, compiled once per instruction set
// (HB_ISA_NS, see isa.h): whole rounds without returning to Python. A round is n_sweeps checkerboard
// sweeps of every lattice at its current temperature, the lattice's energy while it is still in
// cache, then the swap pass (pt_swap.h) of every column.
//
// Rows are lattices, row = column · (K + 1) + slot, as in pt_swap.h. The sweeps split the rows between
// threads and the swap pass splits the columns, with a barrier between the two: unlike the Langevin
// rounds (pt_cpu_kernel.cpp), a thread does not keep whole columns, because one column of a few large
// lattices must still keep every thread busy, and a round of sweeps is long beside a barrier. A
// lattice's words and decisions depend on (seed, sweep, row) and its β only, and the swap pass's on
// (seed, round, column), so no number depends on the split or the thread count; the sweeps and the
// energies are those of hb.gibbs and Ising.energy on the same rows, bit for bit. The uniform model's
// energy comes from Σ bonds and Σ s, counted once per call and then followed through the flips (exact
// integers, as hb.gibbs's energy trace); other models sum each lattice's energy after its sweeps.
#include <algorithm>
#include <chrono>
#include <vector>

#include "cpu/ising_cpu.h"
#include "cpu/ising_rows_kernel.h"
#include "cpu/threads.h"

namespace hb::cpu::HB_ISA_NS {

void ising_pt_run(const IsingArgs& a, const SwapArgs<double>& s, double* energy, int64_t round_begin,
                  int64_t round_end, int64_t n_sweeps) {
  const int64_t R = s.replicas, C = s.columns, rows = R * C, sites = ising_sites(a);
  if (rows == 0 || round_end <= round_begin) return;
  const bool uniform = ising_uniform(a);
  // Each temperature's β rounded to float32, as hb.gibbs passes it, and its thresholds (uniform model).
  std::vector<float> beta(static_cast<size_t>(R));
  std::vector<uint32_t> tables(uniform ? static_cast<size_t>(R * kIsingTableSize) : 0);
  for (int64_t k = 0; k < R; ++k) {
    beta[k] = static_cast<float>(s.betas[k]);
    for (int i = 0; uniform && i < 2 * (2 * a.ndim + 1); ++i) tables[k * kIsingTableSize + i] = ising_table_entry(a, beta[k], i);
  }
  // The temperature of every row; the swap pass of a column moves its labels, then this is redone.
  std::vector<int64_t> temperature(static_cast<size_t>(rows));
  const auto relabel = [&](int64_t c) {
    for (int64_t k = 0; k < R; ++k) temperature[c * R + s.slot_of[k * C + c]] = k;
  };
  for (int64_t c = 0; c < C; ++c) relabel(c);
  std::vector<int64_t> bonds(uniform ? static_cast<size_t>(rows) : 0), mag(uniform ? static_cast<size_t>(rows) : 0);
  const int64_t groups = (C + kSwapLanes - 1) / kSwapLanes;

  // s.timing (benchmarks only): thread-seconds in the swap pass, in the energies and in whole rounds.
  using Clock = std::chrono::steady_clock;
  const bool timed = s.timing != nullptr;
  const auto now = [timed] { return timed ? Clock::now() : Clock::time_point{}; };
  const auto seconds = [](Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
  };

#pragma omp parallel num_threads(num_threads())
  {
    RowScratch scratch(a);
    double t_swap = 0.0, t_energy = 0.0, t_rounds = 0.0;
    if (uniform) {
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) ising_count_bonds(a, a.spins + r * sites, bonds[r], mag[r]);
    }
    for (int64_t round = round_begin; round < round_end; ++round) {
      const Clock::time_point round_start = now();
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t k = temperature[r];
        const uint32_t* table = uniform ? tables.data() + k * kIsingTableSize : nullptr;
        int64_t unused_bonds = 0, unused_mag = 0;
        int64_t& b = uniform ? bonds[r] : unused_bonds;
        int64_t& m = uniform ? mag[r] : unused_mag;
        for (int64_t t = round * n_sweeps; t < (round + 1) * n_sweeps; ++t) {
          sweep_lattice(a, r, t, table, beta[k], uniform, scratch, b, m);
        }
        const Clock::time_point energy_start = now();
        if (uniform) {
          energy[r] = ising_energy_from_counts(a, b, m);
        } else {
          ising_lattice_energy(a, a.spins + r * sites, energy[r], m);
        }
        if (timed) t_energy += seconds(energy_start, Clock::now());
      }
#pragma omp for schedule(static)
      for (int64_t g = 0; g < groups; ++g) {
        const Clock::time_point swap_start = now();
        const int64_t c0 = g * kSwapLanes, c1 = std::min(C, c0 + kSwapLanes);
        swap_range(s, c0, c1, round);
        for (int64_t c = c0; c < c1; ++c) relabel(c);
        if (timed) t_swap += seconds(swap_start, Clock::now());
      }
      if (timed) t_rounds += seconds(round_start, Clock::now());
    }
    if (timed) {
#pragma omp critical(hb_ising_pt_timing)
      {
        s.timing[0] += t_swap;
        s.timing[1] += t_energy;
        s.timing[2] += t_rounds;
      }
    }
  }
}

}  // namespace hb::cpu::HB_ISA_NS
