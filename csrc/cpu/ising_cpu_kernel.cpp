// SPDX-License-Identifier: Apache-2.0
// OpenMP launcher of ising.h, compiled once per instruction set (HB_ISA_NS, see isa.h); the row
// machinery is in ising_rows_kernel.h.
//
// Threads split the batch by lattice when there are enough lattices, otherwise by band within each
// half-sweep (a barrier between colours). Both orders draw the same words and make the same decisions,
// so results do not depend on the split. In the band split a row pass rewrites the other colour's bytes
// of its own row with their unchanged values (the AVX-512 loop writes flipped bytes only) while the
// neighbouring rows' threads read them: no value a decision uses can change during a half-sweep.
#include <algorithm>
#include <vector>

#include "cpu/ising_cpu.h"
#include "cpu/ising_rows_kernel.h"
#include "cpu/threads.h"

namespace hb::cpu::HB_ISA_NS {
namespace {

void record(const IsingArgs& a, int64_t l, int64_t t, int64_t bonds, int64_t mag) {
  double energy = 0.0;
  if (ising_uniform(a)) {
    energy = ising_energy_from_counts(a, bonds, mag);
  } else {
    ising_lattice_energy(a, a.spins + l * ising_sites(a), energy, mag);
  }
  const int64_t at = (t - a.sweep0) * a.lattices + l;
  a.energy_trace[at] = energy;
  a.mag_trace[at] = static_cast<double>(mag);
}

}  // namespace

void ising_run(const IsingArgs& a, int64_t sweep_begin, int64_t sweep_end) {
  if (a.lattices == 0 || sweep_end <= sweep_begin) return;
  const bool uniform = ising_uniform(a);
  const bool recording = a.energy_trace != nullptr;
  const int64_t rows = ising_rows(a), sites = ising_sites(a);
  std::vector<uint32_t> tables(uniform ? static_cast<size_t>(a.lattices * kIsingTableSize) : 0);
  for (int64_t l = 0; uniform && l < a.lattices; ++l) {
    for (int k = 0; k < 2 * (2 * a.ndim + 1); ++k) tables[l * kIsingTableSize + k] = ising_table_entry(a, a.beta[l], k);
  }
  // The lattice's thresholds (uniform model) or nullptr (per-site probabilities).
  const auto table_of = [&](int64_t l) { return uniform ? tables.data() + l * kIsingTableSize : nullptr; };
  const int threads = num_threads();
  std::vector<int64_t> bonds(static_cast<size_t>(a.lattices), 0), mag(static_cast<size_t>(a.lattices), 0);

  const int64_t band = band_rows(a), bands = (rows + band - 1) / band;
  const auto band_size = [&](int64_t b) { return std::min(band, rows - b * band); };

  if (a.lattices >= threads || sites < 4096) {
    // Split by lattice: each thread runs all sweeps of its lattices, no barriers. Barriers cost more
    // than an uneven split: on a busy machine a descheduled thread holds up every half-sweep.
#pragma omp parallel num_threads(threads)
    {
      RowScratch s(a);
#pragma omp for schedule(static)
      for (int64_t l = 0; l < a.lattices; ++l) {
        if (recording && uniform) ising_count_bonds(a, a.spins + l * sites, bonds[l], mag[l]);
        for (int64_t t = sweep_begin; t < sweep_end; ++t) {
          sweep_lattice(a, l, t, table_of(l), a.beta[l], recording, s, bonds[l], mag[l]);
          if (recording) record(a, l, t, bonds[l], mag[l]);
        }
      }
    }
    return;
  }

  // Split by band of rows within each half-sweep: per-band changes, summed per lattice after the sweep.
  const int64_t items = a.lattices * bands;
  std::vector<int64_t> band_bonds(static_cast<size_t>(items)), band_mag(static_cast<size_t>(items));
#pragma omp parallel num_threads(threads)
  {
    RowScratch s(a);
    if (recording && uniform) {
#pragma omp for schedule(static)
      for (int64_t l = 0; l < a.lattices; ++l) ising_count_bonds(a, a.spins + l * sites, bonds[l], mag[l]);
    }
    for (int64_t t = sweep_begin; t < sweep_end; ++t) {
      for (int colour = 0; colour < 2; ++colour) {
        const StreamKey key = ising_key(a.seed, t, colour);
#pragma omp for schedule(static)
        for (int64_t item = 0; item < items; ++item) {
          if (colour == 0) band_bonds[item] = band_mag[item] = 0;
          const int64_t l = item / bands, b = item % bands;
          update_band(a, l, b * band, band_size(b), colour, key, table_of(l), a.beta[l], recording, s,
                      band_bonds[item], band_mag[item]);
        }
      }
      if (recording) {
#pragma omp for schedule(static)
        for (int64_t l = 0; l < a.lattices; ++l) {
          for (int64_t b = 0; b < bands; ++b) {
            bonds[l] += band_bonds[l * bands + b];
            mag[l] += band_mag[l * bands + b];
          }
          record(a, l, t, bonds[l], mag[l]);
        }
      }
    }
  }
}

}  // namespace hb::cpu::HB_ISA_NS
