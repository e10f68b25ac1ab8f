// SPDX-License-Identifier: Apache-2.0
// Parallel tempering rounds over RBM pairs on the CPU, without returning to Python: per round one
// block-Gibbs call over all rows (gibbs_run, OpenMP over tiles, each row at its own β) that also leaves
// the joint energy of every row, computed from the visible pre-activation W h the last step already
// had, so the swap needs no product of its own; then the swap pass over the columns (swap_run). The
// words of a row depend on (seed, step, row) only and the swap pass's on (seed, round, column), as in
// the round loop of heatbath.pt_model, whose states these rounds reproduce bit for bit.
#include "cpu/rbm_pt_cpu.h"

#include <vector>

#include "cpu/pt_cpu.h"
#include "cpu/rbm_cpu.h"

namespace hb::cpu {

template <class T>
void rbm_pt_run(GibbsArgs<T> a, const PackedRbm<T>& w, const SwapArgs<double>& s, double* energy,
                int64_t round_begin, int64_t round_end, int64_t n_sweeps) {
  std::vector<T> beta(static_cast<size_t>(a.chains));
  a.beta = beta.data();
  a.energy = energy;
  a.chain_start = 0;
  a.trace_v = a.trace_h = nullptr;
  a.thin = 0;
  for (int64_t round = round_begin; round < round_end; ++round) {
    for (int64_t r = 0; r < a.chains; ++r) beta[r] = static_cast<T>(s.beta_row[r]);
    a.step0 = round * n_sweeps;
    a.n_steps = n_sweeps;
    gibbs_run<T>(a, w, a.step0, a.step0 + n_sweeps);
    swap_run<double>(s, round);
  }
}

template void rbm_pt_run<float>(GibbsArgs<float>, const PackedRbm<float>&, const SwapArgs<double>&, double*, int64_t,
                                int64_t, int64_t);
template void rbm_pt_run<double>(GibbsArgs<double>, const PackedRbm<double>&, const SwapArgs<double>&, double*,
                                 int64_t, int64_t, int64_t);

}  // namespace hb::cpu
