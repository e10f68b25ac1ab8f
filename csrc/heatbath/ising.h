// SPDX-License-Identifier: Apache-2.0
// Checkerboard heat-bath and Metropolis updates of periodic Ising lattices, one body for both launchers.
//
//   E(s) = −Σ_i Σ_d J_d(i) s_i s_{i+e_d} − Σ_i h_i s_i,   s_i = ±1 (int8),
// where J_d(i) is the bond from site i to its +1 neighbour along axis d (periodic). A lattice is stored
// as rows along its last axis: [nz, ny, nx] with nz = 1 in 2-D; a row index is z·ny + y. Site (z, y, x)
// has colour (z + y + x) mod 2; with even side lengths a site's neighbours all have the other colour,
// so one colour is updated in parallel while the other is held fixed (a half-sweep).
//
// Both methods flip a site with a probability q that depends only on β and s·h_loc, where
// h_loc = Σ_j J_ij s_j + h_i:
//   heat-bath:  q = 1 / (1 + exp(2β s h_loc))   (the new spin is +1 with probability 1/(1+exp(−2β h_loc)))
//   Metropolis: q = min(1, exp(−2β s h_loc))
// q is computed in float32 by rn::exp (the same bits on every backend). The decision compares a raw
// 32-bit Philox word w with the integer threshold T(q) = min(ceil(q·2^32 − 1/2), 2^32 − 1): flip iff
// w < T, i.e. the uniform (w + 1/2)·2^−32 is below q. The clamp means a certain flip (q = 1) is refused
// with probability 2^−32, a bias far below any Monte Carlo error. With a uniform coupling and field,
// h_loc takes 2·ndim + 1 values per spin sign, so the launchers precompute T per (s, neighbour sum)
// and per lattice (β may differ between lattices) and do no exp per spin; the thresholds are exactly
// the ones the per-site path would compute for J·S + h.
//
// Counter layout (counter.h), purpose kGibbs:
//   step  = 2·sweep + colour        (sweep counts from the start of the run, across calls)
//   chain = chain_start + lattice
//   block = row · blocks_per_row + b, blocks_per_row = ceil(nx / 8)
// Word l of block b of a row is the uniform of the colour site x = p + 2(4b + l), p the row's first
// x of that colour; words past the end of the row are drawn and not used.
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/hd.h"
#include "heatbath/rn_math.h"

namespace hb {

enum class IsingMethod : int { kHeatBath = 0, kMetropolis = 1 };

// Thresholds per (spin sign, neighbour sum) for the uniform model: index table_index(s, S, ndim).
constexpr int kIsingTableSize = 14;  // 2 · (2·3 + 1)

struct IsingArgs {
  int8_t* spins;          // [lattices, nz, ny, nx], C-contiguous, values ±1
  int64_t lattices, nz, ny, nx;
  int ndim;               // 2 (nz = 1) or 3
  const float* beta;      // [lattices]
  const float* coupling;  // [ndim, nz, ny, nx] (axis order of the lattice), or nullptr: every bond is j
  const float* field;     // [nz, ny, nx], or nullptr: every site has field h
  float j, h;
  IsingMethod method;
  uint64_t seed, chain_start;
  int64_t sweep0;         // absolute index of the first sweep of this call
  double* energy_trace;   // [n_sweeps, lattices] E after each sweep, or nullptr (no recording)
  double* mag_trace;      // [n_sweeps, lattices] Σ s after each sweep
};

HB_HD bool ising_uniform(const IsingArgs& a) { return a.coupling == nullptr && a.field == nullptr; }
HB_HD int64_t ising_sites(const IsingArgs& a) { return a.nz * a.ny * a.nx; }
HB_HD int64_t ising_rows(const IsingArgs& a) { return a.nz * a.ny; }
HB_HD int64_t ising_blocks_per_row(int64_t nx) { return (nx + 7) / 8; }

// First x of `colour` in row `row`.
HB_HD int64_t ising_parity(const IsingArgs& a, int64_t row, int colour) {
  const int64_t z = row / a.ny, y = row - z * a.ny;
  return (colour + y + z) & 1;
}

HB_HD StreamKey ising_key(uint64_t seed, int64_t sweep, int colour) {
  return make_stream_key(seed, static_cast<uint32_t>(Purpose::kGibbs), 2 * static_cast<uint64_t>(sweep) + colour);
}

HB_HD Words4 ising_words(const StreamKey& key, uint64_t chain, int64_t row, int64_t b, int64_t blocks_per_row) {
  return random_words(key, static_cast<uint32_t>(chain), static_cast<uint32_t>(row * blocks_per_row + b));
}

// The neighbouring rows of `row`: −y, +y, −z, +z (the z rows equal `row` in 2-D and are not used).
struct IsingRows {
  int64_t up, down, back, front;
};

HB_HD IsingRows ising_neighbour_rows(const IsingArgs& a, int64_t row) {
  const int64_t z = row / a.ny, y = row - z * a.ny;
  const int64_t zp = z == 0 ? a.nz - 1 : z - 1, zn = z == a.nz - 1 ? 0 : z + 1;
  return IsingRows{z * a.ny + (y == 0 ? a.ny - 1 : y - 1), z * a.ny + (y == a.ny - 1 ? 0 : y + 1),
                   zp * a.ny + y, zn * a.ny + y};
}

// Flip probability q(β, s·h_loc) of the method, in float32. Branch-free (selects only), so that the
// per-site loops vectorise.
HB_HD float ising_flip_probability(IsingMethod m, float beta, float s_hloc) {
  // β ΔE of the flip, as β · (2 s·h_loc): the same bits as (2β) · s·h_loc (doubling is exact), without the
  // overflow of 2β for a β above FLT_MAX / 2, whose inf · 0 made zero-field spins never flip
  const float x = rn::mul(beta, rn::mul(2.0f, s_hloc));
  const bool heat_bath = m == IsingMethod::kHeatBath;
  const float e = rn::exp(heat_bath ? x : -x);
  const float metropolis = e < 1.0f ? e : 1.0f;
  return heat_bath ? rn::div(1.0f, rn::add(1.0f, e)) : metropolis;
}

// T(q) = min(ceil(q·2^32 − 1/2), 2^32 − 1) for q in [0, 1]; 0 for q < 0, −0 and NaN, 2^32 − 1 for q ≥ 1.
// In 32-bit integers from the bits of q, exactly: q·2^32 = m·2^−s with m the 24-bit significand and
// s = 118 − (biased exponent). For s ≥ 1, T = ceil(m/2^s − 1/2) = ⌊(m + 2^(s−1) − 1) / 2^s⌋ (0 for every
// s ≥ 25, so s is capped there); for s ≤ 0, T = m·2^−s, below 2^32 until q reaches 1. The per-site loops
// of the CPU run it 8 or 16 lanes wide, where the earlier form (exact steps in double) took two vectors
// of doubles per vector of floats; tests/test_ising_threshold.py checks it against exact arithmetic.
HB_HD uint32_t ising_threshold(float q) {
  const uint32_t b = rn::bits(q);
  const int32_t biased = static_cast<int32_t>((b >> 23) & 0xFFu);
  const uint32_t fraction = b & 0x7FFFFFu, m = fraction | 0x800000u;
  const int32_t s = 118 - biased;
  const uint32_t right = static_cast<uint32_t>(s < 25 ? (s > 1 ? s : 1) : 25);  // in [1, 25]
  const uint32_t left = static_cast<uint32_t>(s < 0 ? (s > -8 ? -s : 8) : 0);    // in [0, 8]
  const uint32_t down = (m + (1u << (right - 1)) - 1u) >> right;
  const uint32_t up = m << left;
  const uint32_t t = s >= 1 ? down : (biased >= 127 ? 0xFFFFFFFFu : up);
  const bool zero = (b >> 31) != 0 || (biased == 255 && fraction != 0);  // negative, −0, NaN
  return zero ? 0u : t;
}

HB_HD int ising_table_index(int s, int neighbour_sum, int ndim) {
  // Clamped to the table: spins other than ±1 (which the Python layer refuses on the CPU, but cannot
  // check on a GPU without waiting for it) give meaningless flips, never a read outside the table.
  const int width = 2 * ndim + 1;
  const int half = (neighbour_sum + 2 * ndim) >> 1;
  const int column = half < 0 ? 0 : (half >= width ? width - 1 : half);
  return (s > 0 ? width : 0) + column;
}

// Entry `index` of the threshold table of a uniform model at inverse temperature beta.
HB_HD uint32_t ising_table_entry(const IsingArgs& a, float beta, int index) {
  const int width = 2 * a.ndim + 1;
  const int s = index >= width ? 1 : -1;
  const int neighbour_sum = 2 * (index - (s > 0 ? width : 0)) - 2 * a.ndim;
  const float hloc = rn::add(rn::mul(a.j, static_cast<float>(neighbour_sum)), a.h);
  return ising_threshold(ising_flip_probability(a.method, beta, s > 0 ? hloc : -hloc));
}

// J_d of the bond from site i (index within a lattice) along axis d (0 = slowest lattice axis).
HB_HD float ising_bond(const IsingArgs& a, int d, int64_t i) {
  return a.coupling != nullptr ? a.coupling[d * ising_sites(a) + i] : a.j;
}

HB_HD float ising_site_field(const IsingArgs& a, int64_t i) { return a.field != nullptr ? a.field[i] : a.h; }

// h_loc from the bond-weighted neighbours in the fixed order −x, +x, −y, +y (, −z, +z) and the field,
// in float32: the launchers' vectorised loops and ising_local_field share it, so they round alike.
HB_HD float ising_field_sum(int ndim, float jl, float sl, float jr, float sr, float ju, float su, float jd, float sd,
                            float jb, float sb, float jf, float sf, float h) {
  float f = rn::mul(jl, sl);
  f = rn::add(f, rn::mul(jr, sr));
  f = rn::add(f, rn::mul(ju, su));
  f = rn::add(f, rn::mul(jd, sd));
  if (ndim == 3) {
    f = rn::add(f, rn::mul(jb, sb));
    f = rn::add(f, rn::mul(jf, sf));
  }
  return rn::add(f, h);
}

// Whether spin s = ±1 with local field hloc flips, given its word w (per-site probability). s·h_loc as a
// product (exact for ±1), not a select on s > 0: the mask of that byte compare kept GCC from vectorising
// the per-site loop with AVX-512. The CPU's per-site loop holds its spins as floats (ising_rows_kernel.h).
HB_HD bool ising_flips_float(IsingMethod m, float beta, float s, float hloc, uint32_t w) {
  return w < ising_threshold(ising_flip_probability(m, beta, rn::mul(s, hloc)));
}
HB_HD bool ising_flips(IsingMethod m, float beta, int s, float hloc, uint32_t w) {
  return ising_flips_float(m, beta, static_cast<float>(s), hloc, w);
}

// h_loc of site (row, x) of the lattice `lat`.
HB_HD float ising_local_field(const IsingArgs& a, const int8_t* lat, int64_t row, int64_t x) {
  const IsingRows r = ising_neighbour_rows(a, row);
  const int64_t nx = a.nx, i = row * nx + x;
  const int64_t xl = x == 0 ? nx - 1 : x - 1, xr = x == nx - 1 ? 0 : x + 1;
  const int dx = a.ndim - 1, dy = a.ndim - 2;  // axis indices of x and y in the coupling array
  const bool z = a.ndim == 3;
  return ising_field_sum(
      a.ndim, ising_bond(a, dx, row * nx + xl), lat[row * nx + xl], ising_bond(a, dx, i), lat[row * nx + xr],
      ising_bond(a, dy, r.up * nx + x), lat[r.up * nx + x], ising_bond(a, dy, i), lat[r.down * nx + x],
      z ? ising_bond(a, 0, r.back * nx + x) : 0.0f, lat[r.back * nx + x], z ? ising_bond(a, 0, i) : 0.0f,
      lat[r.front * nx + x], ising_site_field(a, i));
}

// Neighbour sum Σ_j s_j of site (row, x) (uniform model).
HB_HD int ising_neighbour_sum(const IsingArgs& a, const int8_t* lat, int64_t row, int64_t x) {
  const IsingRows r = ising_neighbour_rows(a, row);
  const int64_t nx = a.nx;
  int sum = lat[row * nx + (x == 0 ? nx - 1 : x - 1)] + lat[row * nx + (x == nx - 1 ? 0 : x + 1)] +
            lat[r.up * nx + x] + lat[r.down * nx + x];
  if (a.ndim == 3) sum += lat[r.back * nx + x] + lat[r.front * nx + x];
  return sum;
}

// The update of one colour site given its word w: the body every launcher runs per site (the CPU's
// uniform path runs the same decision, vectorised over a row). `table`: the lattice's thresholds
// (uniform model) or nullptr (per-site q). Returns the change of (Σ bonds s_i s_j, Σ s) in d_bonds, d_mag.
HB_HD void ising_site_update(const IsingArgs& a, int8_t* lat, int64_t row, int64_t x, uint32_t w, float beta,
                             const uint32_t* table, int64_t& d_bonds, int64_t& d_mag) {
  const int8_t s = lat[row * a.nx + x];
  bool flip;
  int neighbour_sum = 0;
  if (table != nullptr) {
    neighbour_sum = ising_neighbour_sum(a, lat, row, x);
    flip = w < table[ising_table_index(s, neighbour_sum, a.ndim)];
  } else {
    flip = ising_flips(a.method, beta, s, ising_local_field(a, lat, row, x), w);
  }
  if (flip) {
    lat[row * a.nx + x] = static_cast<int8_t>(-s);
    d_bonds -= 2 * s * neighbour_sum;
    d_mag -= 2 * s;
  }
}

// E and Σ s of the uniform model from Σ_bonds s_i s_j and Σ s (exact integers): the launchers track
// these through the flips and call this after every sweep.
HB_HD double ising_energy_from_counts(const IsingArgs& a, int64_t bonds, int64_t mag) {
  return rn::sub(rn::mul(-static_cast<double>(a.j), static_cast<double>(bonds)),
                 rn::mul(static_cast<double>(a.h), static_cast<double>(mag)));
}

// The contribution of one row to E and Σ s. Uniform model: Σ s_i (s_{i+x} + s_{i+y} (+ s_{i+z})) over
// the row in `bonds` (exact); otherwise E of the row's bonds and fields, summed site by site in
// double (the float32 couplings times ±1 are exact, so only the running sum rounds).
struct IsingRowTerms {
  double energy;
  int64_t bonds, mag;
};

// Uniform model: adds Σ_x s_x (s_{x+1} + s_down,x (+ s_front,x)) and Σ_x s_x of one row to bonds, mag.
// Exact integer sums, so any order gives the same counts: int32 partial sums over chunks of the sites
// before the wrap-around one, in a loop that vectorises (no per-site select), then x = nx − 1, whose
// right neighbour is x = 0.
HB_HD void ising_uniform_row(const int8_t* cur, const int8_t* down, const int8_t* front, bool with_front, int64_t nx,
                             int64_t& bonds, int64_t& mag) {
  constexpr int64_t kChunk = int64_t{1} << 26;  // |partial sums| <= 3 * 2^26 < 2^31
  const int f = with_front ? 1 : 0;
  for (int64_t x0 = 0; x0 < nx - 1; x0 += kChunk) {
    const int64_t x1 = nx - 1 - x0 < kChunk ? nx - 1 : x0 + kChunk;
    int32_t b = 0, m = 0;
    HB_SIMD_SUM(b, m)
    for (int64_t x = x0; x < x1; ++x) {
      const int s = cur[x];
      b += s * (cur[x + 1] + down[x] + f * front[x]);
      m += s;
    }
    bonds += b;
    mag += m;
  }
  const int s = cur[nx - 1];
  bonds += s * (cur[0] + down[nx - 1] + f * front[nx - 1]);
  mag += s;
}

// s_x (J_x s_{x+1} + J_y s_down (+ J_z s_front) + h_x) of site x (x + 1 given: the periodic wrap is the
// caller's), in double; PerBond / PerSite: couplings or fields per site, else the model's J or h. The
// indices are ising_bond's and ising_site_field's, with their null checks made at compile time (a
// runtime check around the loads kept the row loop from vectorising).
template <bool PerBond, bool PerSite, bool Three>
HB_HD double ising_site_term(const IsingArgs& a, const int8_t* cur, const int8_t* down, const int8_t* front,
                             int64_t base, int64_t x, int64_t right) {
  const int64_t n = ising_sites(a), i = base + x;
  const float jx = PerBond ? a.coupling[(a.ndim - 1) * n + i] : a.j;
  const float jy = PerBond ? a.coupling[(a.ndim - 2) * n + i] : a.j;
  double e = rn::mul(static_cast<double>(jx), static_cast<double>(cur[right]));
  e = rn::add(e, rn::mul(static_cast<double>(jy), static_cast<double>(down[x])));
  if constexpr (Three) {
    const float jz = PerBond ? a.coupling[i] : a.j;
    e = rn::add(e, rn::mul(static_cast<double>(jz), static_cast<double>(front[x])));
  }
  e = rn::add(e, static_cast<double>(PerSite ? a.field[i] : a.h));
  return rn::mul(static_cast<double>(cur[x]), e);
}

// E's terms −Σ_x s_x (…) of one row of a per-site model, added into kEnergyLanes partial sums by
// x mod kEnergyLanes, which are then added in lane order: a fixed order on every backend whose lanes
// vectorise (one running sum cost a double add's latency a site, and recording took 40 % of a
// spin-glass sweep on the CPU). The row's last site, whose right neighbour wraps to x = 0, is added last.
constexpr int kEnergyLanes = 32;  // 8 were unrolled whole by GCC, then not vectorised

template <bool PerBond, bool PerSite, bool Three>
HB_HD double ising_row_energy(const IsingArgs& a, const int8_t* cur, const int8_t* down, const int8_t* front,
                              int64_t row) {
  const int64_t nx = a.nx, base = row * nx;
  double acc[kEnergyLanes];
  for (int l = 0; l < kEnergyLanes; ++l) acc[l] = 0.0;
  int64_t x0 = 0;
  for (; x0 + kEnergyLanes < nx; x0 += kEnergyLanes) {  // x + 1 < nx: no wrap in these
    HB_SIMD
    for (int l = 0; l < kEnergyLanes; ++l) {
      const int64_t x = x0 + l;
      acc[l] = rn::sub(acc[l], ising_site_term<PerBond, PerSite, Three>(a, cur, down, front, base, x, x + 1));
    }
  }
  HB_SIMD
  for (int64_t x = x0; x < nx - 1; ++x) {
    acc[x - x0] = rn::sub(acc[x - x0], ising_site_term<PerBond, PerSite, Three>(a, cur, down, front, base, x, x + 1));
  }
  const int64_t last = nx - 1;  // its right neighbour is x = 0
  const double wrapped = ising_site_term<PerBond, PerSite, Three>(a, cur, down, front, base, last, 0);
  acc[last - x0] = rn::sub(acc[last - x0], wrapped);
  double energy = 0.0;
  for (int l = 0; l < kEnergyLanes; ++l) energy = rn::add(energy, acc[l]);
  return energy;
}

template <bool PerBond, bool PerSite>
HB_HD double ising_row_energy(const IsingArgs& a, const int8_t* cur, const int8_t* down, const int8_t* front,
                              int64_t row) {
  return a.ndim == 3 ? ising_row_energy<PerBond, PerSite, true>(a, cur, down, front, row)
                     : ising_row_energy<PerBond, PerSite, false>(a, cur, down, front, row);
}

HB_HD IsingRowTerms ising_row_terms(const IsingArgs& a, const int8_t* lat, int64_t row) {
  const int64_t nx = a.nx;
  const IsingRows r = ising_neighbour_rows(a, row);
  const int8_t* cur = lat + row * nx;
  IsingRowTerms t{0.0, 0, 0};
  if (ising_uniform(a)) {
    ising_uniform_row(cur, lat + r.down * nx, lat + (a.ndim == 3 ? r.front : r.down) * nx, a.ndim == 3, nx,
                      t.bonds, t.mag);
    return t;
  }
  const int8_t* down = lat + r.down * nx;
  const int8_t* front = lat + (a.ndim == 3 ? r.front : r.down) * nx;
  const bool per_bond = a.coupling != nullptr, per_site = a.field != nullptr;
  t.energy = per_bond ? (per_site ? ising_row_energy<true, true>(a, cur, down, front, row)
                                  : ising_row_energy<true, false>(a, cur, down, front, row))
                      : (per_site ? ising_row_energy<false, true>(a, cur, down, front, row)
                                  : ising_row_energy<false, false>(a, cur, down, front, row));
  int64_t mag = 0;
  HB_SIMD_SUM(mag)
  for (int64_t x = 0; x < nx; ++x) mag += cur[x];
  t.mag = mag;
  return t;
}

// E and Σ s of a lattice from the terms of its rows, added in row order (the CUDA launcher computes
// the rows in parallel and adds them with this same order).
struct IsingTotals {
  double energy;
  int64_t bonds, mag;
};

HB_HD void ising_add_row(IsingTotals& total, const IsingRowTerms& row) {
  total.energy = rn::add(total.energy, row.energy);
  total.bonds += row.bonds;
  total.mag += row.mag;
}

HB_HD double ising_total_energy(const IsingArgs& a, const IsingTotals& total) {
  return ising_uniform(a) ? ising_energy_from_counts(a, total.bonds, total.mag) : total.energy;
}

HB_HD IsingTotals ising_lattice_totals(const IsingArgs& a, const int8_t* lat) {
  IsingTotals total{0.0, 0, 0};
  if (ising_uniform(a)) {  // the same integer counts as the row terms, without per-row index arithmetic
    const int64_t nx = a.nx, ny = a.ny, nz = a.nz, plane = ny * nx;
    for (int64_t z = 0; z < nz; ++z) {
      const int8_t* layer = lat + z * plane;
      const int8_t* next_layer = lat + (z == nz - 1 ? 0 : z + 1) * plane;
      for (int64_t y = 0; y < ny; ++y) {
        const int64_t off = y * nx, down = (y == ny - 1 ? 0 : y + 1) * nx;
        ising_uniform_row(layer + off, layer + down, a.ndim == 3 ? next_layer + off : layer + down, a.ndim == 3, nx,
                          total.bonds, total.mag);
      }
    }
    return total;
  }
  for (int64_t row = 0; row < ising_rows(a); ++row) ising_add_row(total, ising_row_terms(a, lat, row));
  return total;
}

// Σ_bonds s_i s_j and Σ s of one lattice (uniform model).
HB_HD void ising_count_bonds(const IsingArgs& a, const int8_t* lat, int64_t& bonds, int64_t& mag) {
  const IsingTotals total = ising_lattice_totals(a, lat);
  bonds = total.bonds;
  mag = total.mag;
}

// E and Σ s of one lattice for any model.
HB_HD void ising_lattice_energy(const IsingArgs& a, const int8_t* lat, double& energy, int64_t& mag) {
  const IsingTotals total = ising_lattice_totals(a, lat);
  energy = ising_total_energy(a, total);
  mag = total.mag;
}

}  // namespace hb
