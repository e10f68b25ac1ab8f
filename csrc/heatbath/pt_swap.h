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
// Statistics of each proposed pair (Rao–Blackwellised, as in Syed et al.: α_k, not the accept/reject
// outcome): the rejection probability 1 − α_k, and the stepping-stone terms (Xie et al. 2011)
//   forward  log Z_{k+1}/Z_k = log E_{β_k}[exp(Δβ ℓ)],   reverse  = −log E_{β_{k+1}}[exp(−Δβ ℓ)],
// kept as running log-sum-exps (shift m, sum s = Σ exp(v − m); see lse_add); `tried` counts their
// samples: the proposals between two finite states (a diverged chain's pairs are never accepted and
// take no part in the statistics). Pairs that a round cannot propose take no part in it: DEO visits
// half the pairs a round, and the statistics of all pairs every round (three exps each) cost more than
// the rest of the pass.
//
// Randomness (counter.h): purpose swap, counter step = round, chain = column; block 0 word 0 is SEO's
// coin; word ⌊k/2⌋ mod 4 of block 1 + 2⌊k/8⌋ + (k mod 2) makes the uniform u = (2w + 1)/2^33 of pair k (one
// Philox call serves the four pairs k, k + 2, k + 4, k + 6 of one parity; no pair's uniform is drawn in a
// round that cannot propose it, since no result uses it). 32 bits are enough: u < α decides the swap,
// and α is known to float precision for float32 targets (see swap_lanes); for double ones the test is
// off from exact by at most 2^-33 in probability, far below what any run could detect.
// A proposed swap is accepted when u < α_k, the α_k of the rejection statistic (no log of u).
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/distributions.h"
#include "heatbath/hd.h"
#include "heatbath/philox_lanes.h"
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
  T* beta_row;             // [rows] β of each stored state, rewritten from the labels by each pass; or null
  int64_t* slot_of;        // [replicas, columns]
  int64_t* phase;          // [rows] 0 unknown, 1 last extreme was β_0, 2 last extreme was β_K
  int64_t* round_trips;    // [rows] completed β_0 → β_K → β_0 cycles
  int64_t* local_accepted; // [rows] MALA acceptances since the last pass (read, then zeroed); or null
  int64_t* accepted_at;    // [replicas, columns] local acceptances by temperature; or null
  double* ell;             // [replicas, columns] ℓ at each temperature in the latest round
  double* rejection;       // [replicas − 1, columns] Σ_rounds (1 − α_k)
  int64_t* tried;          // [replicas − 1, columns] proposals between finite states
  int64_t* accepted;       // [replicas − 1, columns]
  double* fwd_max;         // [replicas − 1, columns] running log-sum-exp of Δβ ℓ(x at k)
  double* fwd_sum;
  double* rev_max;         // [replicas − 1, columns] running log-sum-exp of −Δβ ℓ(x at k+1)
  double* rev_sum;
  int64_t* index_trace;    // [rounds, replicas, columns] temperature of each slot after each round; or null
  T* trace;                // [samples, columns, dim] the β = 1 states every thin rounds; or null
  T* energy_trace;         // [samples, columns]
  const double* ell_row;   // [rows] ℓ of each stored state, made with its energy (CPU Langevin rounds); or null:
                           // the pass computes it from x and energy
  double* timing;          // [3] CPU rounds only (benchmarks): thread-seconds added in the swap pass, in the
                           // target's E for the swap, and in whole rounds; or null (no clocks read)
  int64_t thin;
  int scheme;
  uint64_t seed;
  int64_t round0;          // absolute round of this call's first round
};

HB_HD double swap_finite(double v) { return v - v == 0.0; }

// ℓ = ½ Σ_i (x_i − m_i)² / s_i² − E + log Z_ref, in double, the sum in i order from 0: the two places that
// compute it (the pass, and the CPU rounds' tiles) agree to the bit.
HB_HD double add_reference_term(double e_ref, double x, double mean, double inv_var) {
  const double r = rn::sub(x, mean);
  return rn::add(e_ref, rn::mul(rn::mul(r, r), inv_var));
}
HB_HD double ell_of(double e_ref, double energy, double ref_log_norm) {
  return rn::add(rn::sub(rn::mul(0.5, e_ref), energy), ref_log_norm);
}

// A running log-sum-exp keeps Σ exp(v − m) with a shift m that moves only when a value exceeds it by
// more than kLseSlack, so that after the first rounds nearly every value is one add of exp(v − m)
// (e^64 leaves s far from overflow for any run: it would take ~10^250 rounds).
constexpr double kLseSlack = 64.0;

HB_HD bool lse_moves(double m, double s, double v) { return s == 0.0 || rn::sub(v, m) > kLseSlack; }

// v − m > slack: s ← s·exp(m − v) + 1, m ← v; else s ← s + exp(v − m), where e_same is that exp as the
// pass made it (in the target's precision, see swap_lanes), so that a value that moves no shift adds
// the same bits on this path as on the pass's fast one. Straight-line code (selects, not branches) so
// that the lanes of a tile of columns vectorise; the exp of a moving shift is in double.
HB_HD void lse_add(double& m, double& s, double v, bool take, double e_same) {
  const bool ok = take && swap_finite(v);  // a diverged state says nothing about the normaliser
  const bool empty = s == 0.0;
  const double diff = rn::sub(v, m);
  const bool up = diff > kLseSlack;
  const double e_up = rn::exp(-diff);
  const double s_new = empty ? 1.0 : (up ? rn::add(rn::mul(s, e_up), 1.0) : rn::add(s, e_same));
  s = ok ? s_new : s;
  m = ok && (empty || up) ? v : m;
}

// The index process of the states at the two ends of a column's ladder, without branches (the phases
// of the columns follow no pattern a predictor could learn).
template <class T>
HB_HD void update_phases(const SwapArgs<T>& a, int64_t bottom_row, int64_t top_row) {
  a.round_trips[bottom_row] += a.phase[bottom_row] == 2 ? 1 : 0;
  a.phase[bottom_row] = 1;
  a.phase[top_row] = a.phase[top_row] == 1 ? 2 : a.phase[top_row];
}

// Swap pass of round `round` (absolute) for the L columns c0 .. c0 + L − 1 (all valid): the lanes of
// a tile, as in langevin.h. Each lane computes exactly what L = 1 computes for its column.
template <class T, int L>
HB_HD void swap_lanes(const SwapArgs<T>& a, int64_t c0, int64_t round) {
  const int64_t K = a.replicas - 1, C = a.columns, R = a.replicas, d = a.dim;
  const StreamKey key = make_stream_key(a.seed, static_cast<uint32_t>(Purpose::kSwap), static_cast<uint64_t>(round));
  const uint32_t chain0 = static_cast<uint32_t>(c0);

  // ℓ at each temperature before any swap; the proposals and their statistics use these. The row of a
  // lane is recomputed in every loop rather than kept in an array, which GCC would not vectorise.
  for (int64_t k = 0; k <= K; ++k) {
    const int64_t* const slot = a.slot_of + k * C + c0;
    double* const ell_out = a.ell + k * C + c0;
    if (a.ell_row != nullptr) {
      HB_SIMD  // the rows' index arithmetic in vectors, the loads one by one (no gathers on AVX2)
      for (int l = 0; l < L; ++l) ell_out[l] = a.ell_row[(c0 + l) * R + slot[l]];
    } else {
      double e_ref[L];
      HB_SIMD
      for (int l = 0; l < L; ++l) e_ref[l] = 0.0;
      if (a.ref_mean != nullptr) {
        for (int64_t i = 0; i < d; ++i) {
          const double mi = static_cast<double>(a.ref_mean[i]), vi = static_cast<double>(a.ref_inv_var[i]);
          HB_SIMD
          for (int l = 0; l < L; ++l) {
            const int64_t row = (c0 + l) * R + slot[l];
            e_ref[l] = add_reference_term(e_ref[l], static_cast<double>(a.x[row * d + i]), mi, vi);
          }
        }
      }
      for (int l = 0; l < L; ++l) {  // a gather: scalar code, and short
        const double e = static_cast<double>(a.energy[(c0 + l) * R + slot[l]]);
        ell_out[l] = ell_of(e_ref[l], e, a.ref_log_norm);
      }
    }
    if (a.local_accepted != nullptr && a.accepted_at != nullptr) {
      int64_t* const acc_at = a.accepted_at + k * C + c0;
      HB_SIMD
      for (int l = 0; l < L; ++l) acc_at[l] += a.local_accepted[(c0 + l) * R + slot[l]];
    }
  }
  // The lanes' rows are contiguous: their counts are zeroed in one pass, not row by row in the gathers.
  if (a.local_accepted != nullptr) {
    int64_t* const counts = a.local_accepted + c0 * R;
    for (int64_t r = 0; r < L * R; ++r) counts[r] = 0;
  }

  int64_t parity[L];  // the scheme is tested outside the loops: inside, the vectorised select drew SEO's
  if (a.scheme == static_cast<int>(SwapScheme::kSEO)) {  // coins for DEO's lanes as well
    HB_SIMD
    for (int l = 0; l < L; ++l) parity[l] = random_words(key, chain0 + l, 0).w0 & 1u;
  } else {
    HB_SIMD
    for (int l = 0; l < L; ++l) parity[l] = round & 1;
  }
  // Block 1 + 2⌊k/8⌋ + (k mod 2) serves the four pairs k, k + 2, k + 4, k + 6, which share a parity: it
  // is drawn at ⌊k/2⌋ mod 4 = 0 and its words kept in words[k mod 2] for the others. DEO proposes one
  // parity a round and draws only its blocks, an eighth of a Philox call per pair; SEO's lanes may take
  // either. Lanes of the lane-parallel Philox (philox_lanes.h): the column's chain, and the pair's block.
  uint32_t words[2][4][L], chain_of_lane[L], block_of_pair[L];
  HB_SIMD
  for (int l = 0; l < L; ++l) chain_of_lane[l] = chain0 + static_cast<uint32_t>(l);
  for (int64_t k = 0; k < K; ++k) {
    const double dbeta = rn::sub(a.betas[k + 1], a.betas[k]);
    double* const rej = a.rejection + k * C + c0;
    double* const fm = a.fwd_max + k * C + c0;
    double* const fs = a.fwd_sum + k * C + c0;
    double* const rm = a.rev_max + k * C + c0;
    double* const rs = a.rev_sum + k * C + c0;
    int64_t* const tried = a.tried + k * C + c0;
    int64_t* const acc = a.accepted + k * C + c0;
    int64_t* const lo_slot = a.slot_of + k * C + c0;
    int64_t* const hi_slot = a.slot_of + (k + 1) * C + c0;
    const double* const lo_ell = a.ell + k * C + c0;
    const double* const hi_ell = a.ell + (k + 1) * C + c0;
    const int q = static_cast<int>(k & 1);
    const bool may_propose = a.scheme != static_cast<int>(SwapScheme::kDEO) || q == (round & 1);
    if (!may_propose) continue;
    // DEO proposes pair k in every lane; SEO in the lanes whose coin chose k's parity. A pair with a
    // diverged state (ℓ not finite) is not counted: α = 0, and no statistic or count of the pair sees it,
    // so that the statistics of the other chains are those of a run without the diverged one.
    // The pair's three exps, of log α and of the values less their shifts, are made in the target's
    // precision T: for a float32 target ℓ carries float32 rounding already, and a vector of floats
    // holds twice the lanes. They are made in a loop of T alone (mixed with doubles, GCC would give
    // the floats half-empty vectors). A double beyond float's range converts to ±inf (IEEE 754, as on
    // every target here), whose exp is +inf or 0: such values belong to lanes whose sums start or move.
    double alpha[L];
    int64_t counted[L];
    T arg[3 * L], ex[3 * L];  // [α | forward | reverse] × lanes
    int64_t raised = 0;  // lanes whose value moves a shift (or starts a sum): rare after the first rounds
    HB_SIMD_SUM(raised)
    for (int l = 0; l < L; ++l) {
      const double lo = lo_ell[l], hi = hi_ell[l];
      const double vf = rn::mul(dbeta, lo), vr = -rn::mul(dbeta, hi);
      const bool take = (k & 1) == parity[l] && swap_finite(vf) && swap_finite(vr);
      counted[l] = take ? 1 : 0;
      const double log_alpha = rn::mul(dbeta, rn::sub(lo, hi));
      arg[l] = static_cast<T>(log_alpha < 0.0 ? log_alpha : 0.0);
      arg[L + l] = static_cast<T>(rn::sub(vf, fm[l]));
      arg[2 * L + l] = static_cast<T>(rn::sub(vr, rm[l]));
      raised += take && (lse_moves(fm[l], fs[l], vf) || lse_moves(rm[l], rs[l], vr)) ? 1 : 0;
    }
    HB_SIMD
    for (int l = 0; l < 3 * L; ++l) ex[l] = rn::exp(arg[l]);
    HB_SIMD
    for (int l = 0; l < L; ++l) {
      const bool take = counted[l] != 0;
      const bool certain = rn::sub(lo_ell[l], hi_ell[l]) >= 0.0;  // log α ≥ 0 (dβ > 0)
      alpha[l] = !take ? 0.0 : (certain ? 1.0 : static_cast<double>(ex[l]));
      rej[l] = take ? rn::add(rej[l], rn::sub(1.0, alpha[l])) : rej[l];
    }
    if (raised != 0) {
      HB_SIMD
      for (int l = 0; l < L; ++l) {
        lse_add(fm[l], fs[l], rn::mul(dbeta, lo_ell[l]), counted[l] != 0, static_cast<double>(ex[L + l]));
        lse_add(rm[l], rs[l], -rn::mul(dbeta, hi_ell[l]), counted[l] != 0, static_cast<double>(ex[2 * L + l]));
      }
    } else {
      // lse_add when no shift moves, to the bit: s + exp(v − m), without its selects and stores of m.
      HB_SIMD
      for (int l = 0; l < L; ++l) {
        fs[l] = counted[l] != 0 ? rn::add(fs[l], static_cast<double>(ex[L + l])) : fs[l];
        rs[l] = counted[l] != 0 ? rn::add(rs[l], static_cast<double>(ex[2 * L + l])) : rs[l];
      }
    }
    const int64_t word = (k / 2) & 3;
    if (word == 0) {
      HB_SIMD
      for (int l = 0; l < L; ++l) block_of_pair[l] = static_cast<uint32_t>(1 + 2 * (k / 8) + q);
      random_words_lanes<L>(key, block_of_pair, chain_of_lane, words[q][0], words[q][1], words[q][2], words[q][3]);
    }
    const uint32_t* const u_word = words[q][word];
    HB_SIMD
    for (int l = 0; l < L; ++l) {
      const double u = uniform_open_f64_word(u_word[l]);
      const int64_t yes = u < alpha[l] ? 1 : 0;  // u in (0, 1): α = 1 always accepts, α = 0 never
      tried[l] += counted[l];
      acc[l] += yes;
      const int64_t s_lo = lo_slot[l], s_hi = hi_slot[l];
      lo_slot[l] = yes != 0 ? s_hi : s_lo;
      hi_slot[l] = yes != 0 ? s_lo : s_hi;
    }
  }

  // β of every stored state from the final labels: K + 1 unconditional stores a column, where rewriting
  // the two states of each accepted swap branched on a coin flip per pair.
  if (a.beta_row != nullptr) {
    for (int64_t k = 0; k <= K; ++k) {
      const T beta = static_cast<T>(a.betas[k]);
      const int64_t* const slot = a.slot_of + k * C + c0;
      HB_UNROLL  // stores by index: no vectors, and the loop's own count and branch cost as much
      for (int l = 0; l < L; ++l) a.beta_row[(c0 + l) * R + slot[l]] = beta;
    }
  }

  const int64_t local = round - a.round0;
  const bool record = a.thin > 0 && (local + 1) % a.thin == 0;
  for (int l = 0; l < L; ++l) {
    const int64_t c = c0 + l;
    update_phases(a, c * R + a.slot_of[c], c * R + a.slot_of[K * C + c]);
    if (a.index_trace != nullptr) {
      for (int64_t k = 0; k <= K; ++k) a.index_trace[(local * R + a.slot_of[k * C + c]) * C + c] = k;
    }
    if (record) {
      const int64_t sample = (local + 1) / a.thin - 1;
      const int64_t row = c * R + a.slot_of[K * C + c];
      for (int64_t i = 0; i < d; ++i) a.trace[(sample * C + c) * d + i] = a.x[row * d + i];
      a.energy_trace[sample * C + c] = a.energy[row];
    }
  }
}

// One column (the CUDA launcher, and the columns left over from whole tiles on the CPU).
template <class T>
HB_HD void swap_column(const SwapArgs<T>& a, int64_t c, int64_t round) {
  swap_lanes<T, 1>(a, c, round);
}

// Columns [c_begin, c_end) on the CPU: tiles of kSwapLanes, then of 8, then single columns. A tile's
// lanes are four AVX-512 vectors of doubles: the exps' Horner chains of four vectors interleave, where
// one vector would wait on each chain's latency (about 3× slower).
constexpr int kSwapLanes = 32;

template <class T>
HB_HD void swap_range(const SwapArgs<T>& a, int64_t c_begin, int64_t c_end, int64_t round) {
  int64_t c = c_begin;
  for (; c + kSwapLanes <= c_end; c += kSwapLanes) swap_lanes<T, kSwapLanes>(a, c, round);
  for (; c + 8 <= c_end; c += 8) swap_lanes<T, 8>(a, c, round);
  for (; c < c_end; ++c) swap_lanes<T, 1>(a, c, round);
}

}  // namespace hb
