// SPDX-License-Identifier: Apache-2.0
// The swap pass of parallel tempering, one body for both launchers (one column of replicas per thread).
//
// Layout: the K + 1 stored states of column c are rows c·(K + 1) + slot, contiguous, so that a CPU thread
// can run whole columns through many rounds alone (pt_cpu_kernel.cpp).
//
// Replicas k = 0..K sit at inverse temperatures 0 = β_0 < … < β_K = 1 on the path
// π_β ∝ π_ref^(1−β) π^β. States never move: a column of K+1 stored states ("slots") carries a
// permutation slot_of[k] (the slot at temperature k), and a swap exchanges two entries of it (Syed,
// Bouchard-Côté, Deligiannidis, Doucet, "Non-reversible parallel tempering", JRSS-B 2022, §3). With
//   ℓ(x) = log π(x) − log π_ref(x) = −E(x) + E_ref(x) + log Z_ref
// the swap of temperatures (k, k+1) is accepted with probability
//   α_k = min(1, exp((β_{k+1} − β_k) (ℓ(x at k) − ℓ(x at k+1)))),
// the Metropolis ratio π_{β_k}(x_{k+1}) π_{β_{k+1}}(x_k) / (π_{β_k}(x_k) π_{β_{k+1}}(x_{k+1})).
// DEO proposes the even pairs (k even) at even rounds and the odd pairs at odd rounds; SEO picks even
// or odd by a fair coin per round and column.
//
// Statistics for every pair at every round, proposed or not (Rao–Blackwellised, as in Syed et al.):
// the rejection probability 1 − α_k, and the stepping-stone terms (Xie et al. 2011)
//   forward  log Z_{k+1}/Z_k = log E_{β_k}[exp(Δβ ℓ)],   reverse  = −log E_{β_{k+1}}[exp(−Δβ ℓ)],
// kept as running log-sum-exps (max m, sum s = Σ exp(v − m)).
//
// Randomness (counter.h): purpose swap, counter step = round, chain = column; block 0 word 0 is SEO's
// coin, block 1 + ⌊k/2⌋ words (2(k mod 2), 2(k mod 2) + 1) are the double uniform of pair k.
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/distributions.h"
#include "heatbath/hd.h"
#include "heatbath/rn_math.h"

namespace hb {

enum class SwapScheme : int { kDEO = 0, kSEO = 1 };

template <class T>
struct SwapArgs {
  int64_t replicas, columns, dim;  // K + 1, chains per temperature, dim of a state
  const T* x;              // [columns * replicas, dim] stored states, row = column * replicas + slot; or null
  const T* energy;         // [rows] E(x) of the target at each stored state
  const T* ref_mean;       // [dim] or null (then E_ref = 0: a uniform reference, e.g. for spins)
  const T* ref_inv_var;    // [dim]
  double ref_log_norm;     // log Z_ref, so that ℓ integrates to the target's own log normaliser
  const double* betas;     // [replicas]
  T* beta_row;             // [rows] β of each stored state, rewritten on a swap; or null
  int64_t* slot_of;        // [replicas, columns]
  int64_t* phase;          // [rows] 0 unknown, 1 last extreme was β_0, 2 last extreme was β_K
  int64_t* round_trips;    // [rows] completed β_0 → β_K → β_0 cycles
  int64_t* local_accepted; // [rows] MALA acceptances since the last pass (read, then zeroed); or null
  int64_t* accepted_at;    // [replicas, columns] local acceptances by temperature; or null
  double* ell;             // [replicas, columns] ℓ at each temperature in the latest round
  T* energy_at;            // [replicas, columns] E at each temperature in the latest round
  double* rejection;       // [replicas − 1, columns] Σ_rounds (1 − α_k)
  int64_t* tried;          // [replicas − 1, columns]
  int64_t* accepted;       // [replicas − 1, columns]
  double* fwd_max;         // [replicas − 1, columns] running log-sum-exp of Δβ ℓ(x at k)
  double* fwd_sum;
  double* rev_max;         // [replicas − 1, columns] running log-sum-exp of −Δβ ℓ(x at k+1)
  double* rev_sum;
  int64_t* index_trace;    // [rounds, replicas, columns] temperature of each slot after each round; or null
  T* trace;                // [samples, columns, dim] the β = 1 states every thin rounds; or null
  T* energy_trace;         // [samples, columns]
  int64_t thin;
  int scheme;
  uint64_t seed;
  int64_t round0;          // absolute round of this call's first round
};

template <class T>
HB_HD int64_t pt_row(const SwapArgs<T>& a, int64_t slot, int64_t column) {
  return column * a.replicas + slot;
}

HB_HD double swap_finite(double v) { return v - v == 0.0; }

HB_HD void lse_add(double& m, double& s, double v) {
  if (!swap_finite(v)) return;  // a diverged state says nothing about the normaliser
  if (s == 0.0) {
    m = v;
    s = 1.0;
  } else if (v > m) {
    s = rn::add(rn::mul(s, rn::exp(rn::sub(m, v))), 1.0);
    m = v;
  } else {
    s = rn::add(s, rn::exp(rn::sub(v, m)));
  }
}

template <class T>
HB_HD double swap_ell(const SwapArgs<T>& a, int64_t row) {
  double e_ref = 0.0;
  if (a.ref_mean != nullptr) {
    const T* xr = a.x + row * a.dim;
    for (int64_t i = 0; i < a.dim; ++i) {
      const double r = rn::sub(static_cast<double>(xr[i]), static_cast<double>(a.ref_mean[i]));
      e_ref = rn::add(e_ref, rn::mul(rn::mul(r, r), static_cast<double>(a.ref_inv_var[i])));
    }
    e_ref = rn::mul(0.5, e_ref);
  }
  return rn::add(rn::sub(e_ref, static_cast<double>(a.energy[row])), a.ref_log_norm);
}

template <class T>
HB_HD void update_phase(const SwapArgs<T>& a, int64_t row, bool at_bottom) {
  if (at_bottom) {
    if (a.phase[row] == 2) a.round_trips[row] += 1;
    a.phase[row] = 1;
  } else if (a.phase[row] == 1) {
    a.phase[row] = 2;
  }
}

// Swap pass of round `round` (absolute) for column c.
template <class T>
HB_HD void swap_column(const SwapArgs<T>& a, int64_t c, int64_t round) {
  const int64_t K = a.replicas - 1, C = a.columns;
  const StreamKey key = make_stream_key(a.seed, static_cast<uint32_t>(Purpose::kSwap), static_cast<uint64_t>(round));
  const uint32_t chain = static_cast<uint32_t>(c);
  int64_t parity = round & 1;
  if (a.scheme == static_cast<int>(SwapScheme::kSEO)) parity = random_words(key, chain, 0).w0 & 1u;

  // ℓ and E at each temperature before any swap; the statistics of every pair use these.
  for (int64_t k = 0; k <= K; ++k) {
    const int64_t row = pt_row(a, a.slot_of[k * C + c], c);
    a.ell[k * C + c] = swap_ell(a, row);
    a.energy_at[k * C + c] = a.energy[row];
    if (a.local_accepted != nullptr) {
      if (a.accepted_at != nullptr) a.accepted_at[k * C + c] += a.local_accepted[row];
      a.local_accepted[row] = 0;
    }
  }
  for (int64_t k = 0; k < K; ++k) {
    const int64_t at = k * C + c;
    const double lo = a.ell[k * C + c], hi = a.ell[(k + 1) * C + c];
    const double dbeta = rn::sub(a.betas[k + 1], a.betas[k]);
    const double log_alpha = rn::mul(dbeta, rn::sub(lo, hi));
    // NaN (a diverged state) gives α = 0: rejected, and counted as a rejection.
    const double alpha = log_alpha >= 0.0 ? 1.0 : (log_alpha < 0.0 ? rn::exp(log_alpha) : 0.0);
    a.rejection[at] = rn::add(a.rejection[at], rn::sub(1.0, alpha));
    lse_add(a.fwd_max[at], a.fwd_sum[at], rn::mul(dbeta, lo));
    lse_add(a.rev_max[at], a.rev_sum[at], -rn::mul(dbeta, hi));
    if ((k & 1) != parity) continue;
    a.tried[at] += 1;
    const Words4 w = random_words(key, chain, static_cast<uint32_t>(1 + k / 2));
    const double u = (k & 1) == 0 ? uniform_open_f64(w.w0, w.w1) : uniform_open_f64(w.w2, w.w3);
    if (rn::log_positive(u) < log_alpha) {
      a.accepted[at] += 1;
      const int64_t s_lo = a.slot_of[k * C + c], s_hi = a.slot_of[(k + 1) * C + c];
      a.slot_of[k * C + c] = s_hi;
      a.slot_of[(k + 1) * C + c] = s_lo;
      if (a.beta_row != nullptr) {
        a.beta_row[pt_row(a, s_hi, c)] = static_cast<T>(a.betas[k]);
        a.beta_row[pt_row(a, s_lo, c)] = static_cast<T>(a.betas[k + 1]);
      }
    }
  }
  update_phase(a, pt_row(a, a.slot_of[c], c), true);
  update_phase(a, pt_row(a, a.slot_of[K * C + c], c), false);

  const int64_t local = round - a.round0;
  if (a.index_trace != nullptr) {
    for (int64_t k = 0; k <= K; ++k) a.index_trace[(local * a.replicas + a.slot_of[k * C + c]) * C + c] = k;
  }
  if (a.thin > 0 && (local + 1) % a.thin == 0) {
    const int64_t sample = (local + 1) / a.thin - 1;
    const int64_t row = pt_row(a, a.slot_of[K * C + c], c);
    for (int64_t i = 0; i < a.dim; ++i) a.trace[(sample * C + c) * a.dim + i] = a.x[row * a.dim + i];
    a.energy_trace[sample * C + c] = a.energy[row];
  }
}

}  // namespace hb
