// SPDX-License-Identifier: Apache-2.0
// CUDA launchers of ising.h (and of its parallel-tempering rounds, ising_pt_run): one thread per Philox
// block (four colour sites of a row) per half-sweep, running the per-site body ising_site_update, so
// every decision is the one the CPU makes. The uniform model reads its thresholds from a [lattices, 14]
// table built once per call by the same ising_table_entry. Recording computes the terms of every row in
// parallel into a [lattices, rows] workspace and adds them per lattice in row order, the CPU's order, so
// the energies are bit-identical.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/check.h"
#include "cuda/launch.h"
#include "cuda/row_beta.cuh"

namespace hb::cuda {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(int64_t items) {
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((items + kThreads - 1) / kThreads, 1 << 20)));
}

__global__ void tables_kernel(IsingArgs a, uint32_t* tables) {
  const int64_t items = a.lattices * kIsingTableSize;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items; i += stride) {
    const int64_t l = i / kIsingTableSize;
    const int k = static_cast<int>(i - l * kIsingTableSize);
    tables[i] = k < 2 * (2 * a.ndim + 1) ? ising_table_entry(a, a.beta[l], k) : 0u;
  }
}

__global__ void half_sweep_kernel(IsingArgs a, const uint32_t* tables, int64_t sweep, int colour) {
  const int64_t nb = ising_blocks_per_row(a.nx), rows = ising_rows(a);
  const int64_t items = a.lattices * rows * nb;
  const StreamKey key = ising_key(a.seed, sweep, colour);
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items; i += stride) {
    const int64_t l = i / (rows * nb), rest = i - l * rows * nb;
    const int64_t row = rest / nb, b = rest - row * nb;
    const int64_t p = ising_parity(a, row, colour);
    const Words4 w = ising_words(key, a.chain_start + l, row, b, nb);
    const uint32_t words[4] = {w.w0, w.w1, w.w2, w.w3};
    int8_t* lat = a.spins + l * ising_sites(a);
    const uint32_t* table = tables != nullptr ? tables + l * kIsingTableSize : nullptr;
    int64_t d_bonds = 0, d_mag = 0;  // recording recomputes E after the sweep
    for (int lane = 0; lane < 4; ++lane) {
      const int64_t x = p + 2 * (4 * b + lane);
      if (x < a.nx) ising_site_update(a, lat, row, x, words[lane], a.beta[l], table, d_bonds, d_mag);
    }
  }
}

// The terms of every (lattice, row), one thread each.
__global__ void row_terms_kernel(IsingArgs a, IsingRowTerms* terms) {
  const int64_t rows = ising_rows(a), items = a.lattices * rows;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < items; i += stride) {
    const int64_t l = i / rows;
    terms[i] = ising_row_terms(a, a.spins + l * ising_sites(a), i - l * rows);
  }
}

// E and Σ s of each lattice from its rows, added in row order as on the CPU.
__global__ void totals_kernel(IsingArgs a, const IsingRowTerms* terms, double* energy, double* mag) {
  const int64_t rows = ising_rows(a);
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t l = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; l < a.lattices; l += stride) {
    IsingTotals total{0.0, 0, 0};
    for (int64_t row = 0; row < rows; ++row) ising_add_row(total, terms[l * rows + row]);
    energy[l] = ising_total_energy(a, total);
    mag[l] = static_cast<double>(total.mag);
  }
}

void measure(const IsingArgs& a, IsingRowTerms* terms, double* energy, double* mag, cudaStream_t s) {
  row_terms_kernel<<<grid_for(a.lattices * ising_rows(a)), kThreads, 0, s>>>(a, terms);
  totals_kernel<<<grid_for(a.lattices), kThreads, 0, s>>>(a, terms, energy, mag);
  check(cudaGetLastError(), "ising measure launch");
}

}  // namespace

void ising_run(const IsingArgs& a, int64_t n_sweeps, uint32_t* workspace, IsingRowTerms* terms, int device,
               std::uintptr_t stream) {
  if (a.lattices == 0 || n_sweeps == 0) return;
  DeviceGuard guard(device);
  const cudaStream_t s = reinterpret_cast<cudaStream_t>(stream);
  const uint32_t* tables = nullptr;
  if (ising_uniform(a)) {
    tables_kernel<<<grid_for(a.lattices * kIsingTableSize), kThreads, 0, s>>>(a, workspace);
    check(cudaGetLastError(), "ising tables launch");
    tables = workspace;
  }
  const unsigned grid = grid_for(a.lattices * ising_rows(a) * ising_blocks_per_row(a.nx));
  for (int64_t t = 0; t < n_sweeps; ++t) {
    for (int colour = 0; colour < 2; ++colour) {
      half_sweep_kernel<<<grid, kThreads, 0, s>>>(a, tables, a.sweep0 + t, colour);
    }
    if (a.energy_trace != nullptr) measure(a, terms, a.energy_trace + t * a.lattices, a.mag_trace + t * a.lattices, s);
    check(cudaGetLastError(), "ising sweep launch");
  }
}

void ising_measure(const IsingArgs& a, IsingRowTerms* terms, double* energy, double* mag, int device,
                   std::uintptr_t stream) {
  if (a.lattices == 0) return;
  DeviceGuard guard(device);
  measure(a, terms, energy, mag, reinterpret_cast<cudaStream_t>(stream));
}

void ising_pt_run(const IsingArgs& a, float* beta, const SwapArgs<double>& s, double* energy, double* mag,
                  uint32_t* workspace, IsingRowTerms* terms, int64_t round_begin, int64_t round_end,
                  int64_t n_sweeps, int device, std::uintptr_t stream) {
  if (a.lattices == 0) return;
  DeviceGuard guard(device);
  const cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
  IsingArgs r = a;
  r.beta = beta;
  r.energy_trace = r.mag_trace = nullptr;
  for (int64_t round = round_begin; round < round_end; ++round) {
    row_beta_kernel<float><<<grid_for(a.lattices), kThreads, 0, st>>>(a.lattices, s.beta_row, beta);
    check(cudaGetLastError(), "ising parallel tempering launch");
    r.sweep0 = round * n_sweeps;
    ising_run(r, n_sweeps, workspace, terms, device, stream);
    measure(r, terms, energy, mag, st);
    swap_run<double>(s, round, device, stream);
  }
}

}  // namespace hb::cuda
