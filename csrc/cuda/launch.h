// SPDX-License-Identifier: Apache-2.0
// What the CUDA launchers export to the (pybind11-free) binding code. No CUDA headers here, so the
// bindings compile with the host compiler alone.
#pragma once
#include <cstdint>
#include <string>

#include "heatbath/distributions.h"
#include "heatbath/evaluate.h"
#include "heatbath/ising.h"
#include "heatbath/langevin.h"
#include "heatbath/pt_swap.h"
#include "heatbath/tempered.h"
#include "heatbath/random_fill.h"

namespace hb::cuda {

int device_count();  // 0 when there is no driver or no device
std::string device_status();  // "N device(s)", or the CUDA error that hid them (a driver too old, say)
std::string device_name(int device);
int runtime_version();

// Queues the fill on `stream` (0 = legacy default) of `device`; returns without synchronising.
template <Draw D, class T>
void fill_random(const FillArgs& a, int device, std::uintptr_t stream);

// Queues steps [t_begin, t_end) of every chain. workspace: [3, dim, chains] scratch (∇E, proposal,
// ∇E at the proposal) in the layout that keeps one-thread-per-chain accesses coalesced.
template <class T, Method M, class Pot>
void langevin_run(const LangevinArgs<T>& a, const Pot& pot, T* workspace, int64_t t_begin, int64_t t_end,
                  int device, std::uintptr_t stream);

template <class T, class Pot>
void evaluate_run(const EvaluateArgs<T>& a, const Pot& pot, int device, std::uintptr_t stream);

// Queues n_sweeps sweeps from a.sweep0 of every lattice. workspace: [lattices, 14] scratch for the
// thresholds of the uniform model; terms: [lattices, rows] scratch for recording (unused without).
void ising_run(const IsingArgs& a, int64_t n_sweeps, uint32_t* workspace, IsingRowTerms* terms, int device,
               std::uintptr_t stream);

void ising_measure(const IsingArgs& a, IsingRowTerms* terms, double* energy, double* mag, int device,
                   std::uintptr_t stream);

// Queues rounds [round_begin, round_end) of parallel tempering over Ising lattices: per round, β of every
// row from the swap pass's beta_row (float64, rounded to the float32 `beta` the sweeps read), n_sweeps
// sweeps, the rows' energies into `energy`, the swap pass. workspace, terms and mag are ising_run's and
// ising_measure's scratch ([lattices, 14], [lattices, rows], [lattices]).
void ising_pt_run(const IsingArgs& a, float* beta, const SwapArgs<double>& s, double* energy, double* mag,
                  uint32_t* workspace, IsingRowTerms* terms, int64_t round_begin, int64_t round_end,
                  int64_t n_sweeps, int device, std::uintptr_t stream);

// Queues the swap pass of parallel tempering for round `round` of every column.
template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round, int device, std::uintptr_t stream);

// Queues rounds [round_begin, round_end) of parallel tempering with tempered Langevin local moves
// (n_local steps, the target's E into `energy`, the swap pass). workspace: [3, dim, rows].
template <class T, Method M, class Pot>
void pt_run(const LangevinArgs<T>& a, const Tempered<Pot>& pot, const SwapArgs<T>& s, T* energy, T* workspace,
            int64_t round_begin, int64_t round_end, int64_t n_local, int device, std::uintptr_t stream);

}  // namespace hb::cuda
