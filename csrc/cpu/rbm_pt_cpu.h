// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cstdint>

#include "cpu/rbm_cpu.h"
#include "heatbath/pt_swap.h"
#include "heatbath/rbm_args.h"

namespace hb::cpu {

// Rounds [round_begin, round_end) of parallel tempering over the (v, h) pairs of an RBM with Bernoulli
// visible units (a.chains rows = s.columns · s.replicas, row = column · replicas + slot): n_sweeps
// block-Gibbs steps of every row at the β of its temperature (s.beta_row rounded to T), the joint energy
// of every row into `energy`, then the swap pass. From `a` it takes the model, v, h and seed; it sets
// the rest (β, steps, chain_start = 0, energy) itself. w: the call's packed copies of a.rbm's weights.
template <class T>
void rbm_pt_run(GibbsArgs<T> a, const PackedRbm<T>& w, const SwapArgs<double>& s, double* energy,
                int64_t round_begin, int64_t round_end, int64_t n_sweeps);

}  // namespace hb::cpu
