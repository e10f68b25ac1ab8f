// SPDX-License-Identifier: Apache-2.0
// The row machinery of the CPU Ising launchers (ising_cpu_kernel.cpp: plain sweeps; ising_pt_cpu_kernel.cpp:
// parallel-tempering rounds), compiled once per instruction set with the file that includes it. A
// half-sweep processes a lattice in bands of rows: the Philox blocks of the band are generated
// lane-parallel (intrinsics on AVX2/AVX-512, `omp simd` otherwise). The uniform model spreads each row's
// words to a per-x array in which the other colour's sites get 0xFFFFFFFF (never below a threshold, so
// never flipped) and updates the whole row in one contiguous SIMD loop (neighbour sum, threshold lookup,
// unsigned compare, select); per-bond couplings or per-site fields run the per-site probability of
// ising.h (an exp per spin) over the colour's sites only, from inputs copied by colour. Every step is integer
// work or the IEEE arithmetic of rn_math.h, so all instruction-set variants make the same decisions.
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "heatbath/ising.h"
#include "heatbath/philox_lanes.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {
namespace {


// Rows are drawn in bands of at least kBandBlocks Philox blocks, so that a small lattice (4 blocks per
// row at L = 32) still fills the SIMD lanes of the generator.
constexpr int64_t kBandBlocks = 64;

int64_t band_rows(const IsingArgs& a) {
  return std::min<int64_t>(ising_rows(a), std::max<int64_t>(1, kBandBlocks / ising_blocks_per_row(a.nx)));
}

// Per-thread scratch of one band of rows.
struct RowScratch {
  explicit RowScratch(const IsingArgs& a)
      : nb(ising_blocks_per_row(a.nx)),
        stride((band_rows(a) * nb + 15) / 16 * 16),
        pad(static_cast<size_t>(a.nx + 2)),
        lanes(static_cast<size_t>(4 * stride)),
        words(static_cast<size_t>(8 * nb)),
        flips(!ising_uniform(a) ? static_cast<size_t>(a.nx / 2) : 0),
        spins_f(!ising_uniform(a) ? static_cast<size_t>(5 * a.nx + 2) : 0),
        terms(!ising_uniform(a) ? static_cast<size_t>((2 * a.ndim + 1) * (a.nx / 2)) : 0),
        colour_words(!ising_uniform(a) ? static_cast<size_t>(4 * nb) : 0) {
    // The uniform J or h of a model whose other part is per site: written once, never copied per row.
    if (ising_uniform(a)) return;
    const auto bonds_end = terms.begin() + 2 * a.ndim * (a.nx / 2);
    if (a.coupling == nullptr) std::fill(terms.begin(), bonds_end, a.j);
    if (a.field == nullptr) std::fill(bonds_end, terms.end(), a.h);
  }
  int64_t nb, stride;              // blocks per row; words per lane array (a multiple of 16)
  std::vector<int8_t> pad;         // [nx + 2] the row with its periodic neighbours at both ends
  std::vector<uint32_t> lanes;     // [4, stride] word l of the band's blocks
  std::vector<uint32_t> words;     // [8 · nb] the word of each x of one row (0xFFFFFFFF on the other colour)
  std::vector<int32_t> flips;      // [nx / 2] whether each site of the colour flips, per-site models
  std::vector<float> spins_f;      // [nx + 2 + 4 nx] the padded row and its neighbour rows as floats, split
                                   // into even and odd x, per-site models
  std::vector<float> terms;        // [2 ND + 1, nx / 2] the bonds (−x, +x, −y, +y, −z, +z) and the field of the
                                   // colour's sites of one row, per-site models
  std::vector<uint32_t> colour_words;  // [4 · nb] the word of each of the colour's sites, per-site models
};

template <int P>
void spread_words(const uint32_t* w0, const uint32_t* w1, const uint32_t* w2, const uint32_t* w3, int64_t nb,
                  uint32_t* words) {
  constexpr int Q = 1 - P;
  for (int64_t b = 0; b < nb; ++b) {
    uint32_t* o = words + 8 * b;
    o[P] = w0[b];
    o[P + 2] = w1[b];
    o[P + 4] = w2[b];
    o[P + 6] = w3[b];
    o[Q] = o[Q + 2] = o[Q + 4] = o[Q + 6] = 0xFFFFFFFFu;
  }
}

// The words of the blocks of rows [row0, row0 + n): block k of the band is block row0 · nb + k.
void draw_band(const StreamKey& key, uint64_t chain, int64_t row0, int64_t n, RowScratch& s) {
  const int64_t count = n * s.nb, first = row0 * s.nb;
  uint32_t* w0 = s.lanes.data();
  uint32_t* w1 = w0 + s.stride;
  uint32_t* w2 = w1 + s.stride;
  uint32_t* w3 = w2 + s.stride;
  random_words_run(key, static_cast<uint32_t>(chain), static_cast<uint32_t>(first), count, w0, w1, w2, w3);
}

// The words of row row0 + i of the band, by x; p is the row's first x of the colour.
void spread_row(int64_t i, int64_t p, RowScratch& s) {
  const uint32_t* w0 = s.lanes.data() + i * s.nb;
  const uint32_t* w1 = w0 + s.stride;
  const uint32_t* w2 = w1 + s.stride;
  const uint32_t* w3 = w2 + s.stride;
  if (p == 0) {
    spread_words<0>(w0, w1, w2, w3, s.nb, s.words.data());
  } else {
    spread_words<1>(w0, w1, w2, w3, s.nb, s.words.data());
  }
}

// The words of the colour's sites x = p + 2k of row row0 + i of the band, by k (word k mod 4 of block
// ⌊k/4⌋ of the row, as spread_row places them).
void colour_row_words(int64_t i, RowScratch& s) {
  const uint32_t* w0 = s.lanes.data() + i * s.nb;
  const uint32_t* w1 = w0 + s.stride;
  const uint32_t* w2 = w1 + s.stride;
  const uint32_t* w3 = w2 + s.stride;
  uint32_t* out = s.colour_words.data();
  for (int64_t b = 0; b < s.nb; ++b) {
    out[4 * b] = w0[b];
    out[4 * b + 1] = w1[b];
    out[4 * b + 2] = w2[b];
    out[4 * b + 3] = w3[b];
  }
}

// A row about to be updated: its periodic copy in s.pad (so that x ± 1 needs no wrap) and its
// neighbouring rows; the z rows are the row itself in 2-D and are not read there.
struct RowView {
  int8_t* cur;
  const int8_t *pad, *up, *down, *back, *front;
  IsingRows rows;
};

RowView load_row(const IsingArgs& a, int8_t* lat, int64_t row, RowScratch& s) {
  const int64_t nx = a.nx;
  const IsingRows r = ising_neighbour_rows(a, row);
  int8_t* cur = lat + row * nx;
  int8_t* pad = s.pad.data();
  pad[0] = cur[nx - 1];
  std::memcpy(pad + 1, cur, static_cast<size_t>(nx));
  pad[nx + 1] = cur[0];
  return RowView{cur, pad, lat + r.up * nx, lat + r.down * nx, lat + r.back * nx, lat + r.front * nx, r};
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
// 16 sites of the uniform row loop with AVX-512: the threshold table fits one register, so the lookup is
// one permute. Integer work only: the same decisions as the portable loop below.
template <int ND, bool Record>
int64_t update_row_uniform_avx512(const int8_t* pad, const int8_t* up, const int8_t* down, const int8_t* back,
                                  const int8_t* front, const uint32_t* words, const uint32_t* tab, int64_t nx,
                                  int8_t* cur, int32_t& db, int32_t& dm) {
  uint32_t padded[16] = {};
  for (int k = 0; k < 2 * (2 * ND + 1); ++k) padded[k] = tab[k];
  const __m512i table = _mm512_loadu_si512(padded);
  const __m512i zero = _mm512_setzero_si512(), offset = _mm512_set1_epi32(2 * ND),
                width = _mm512_set1_epi32(2 * ND + 1);
  const auto spins16 = [](const int8_t* p) {
    return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  };
  __m512i dbv = zero, dmv = zero;
  int64_t x = 0;
  for (; x + 16 <= nx; x += 16) {
    const __m512i sx = spins16(pad + x + 1);
    __m512i sum = _mm512_add_epi32(_mm512_add_epi32(spins16(pad + x), spins16(pad + x + 2)),
                                   _mm512_add_epi32(spins16(up + x), spins16(down + x)));
    if constexpr (ND == 3) sum = _mm512_add_epi32(sum, _mm512_add_epi32(spins16(back + x), spins16(front + x)));
    const __mmask16 plus = _mm512_cmpgt_epi32_mask(sx, zero);
    __m512i index = _mm512_srai_epi32(_mm512_add_epi32(sum, offset), 1);
    index = _mm512_mask_add_epi32(index, plus, index, width);
    const __mmask16 flip =
        _mm512_cmplt_epu32_mask(_mm512_loadu_si512(words + x), _mm512_permutexvar_epi32(index, table));
    // Only the flipped bytes are written: the other colour's bytes, which neighbouring rows' threads
    // read in the band split, are never touched.
    _mm_mask_storeu_epi8(cur + x, flip, _mm512_cvtepi32_epi8(_mm512_sub_epi32(zero, sx)));
    if constexpr (Record) {
      const __m512i s_sum = _mm512_mask_blend_epi32(plus, _mm512_sub_epi32(zero, sum), sum);
      dbv = _mm512_mask_sub_epi32(dbv, flip, dbv, _mm512_add_epi32(s_sum, s_sum));
      dmv = _mm512_mask_sub_epi32(dmv, flip, dmv, _mm512_add_epi32(sx, sx));
    }
  }
  if constexpr (Record) {
    db += _mm512_reduce_add_epi32(dbv);
    dm += _mm512_reduce_add_epi32(dmv);
  }
  return x;
}
#endif

#if defined(__AVX2__) && !(defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__))
// 8 sites of the uniform row loop with AVX2: the threshold table (at most 14 entries) is two registers,
// looked up by two permutes and a blend, where the portable loop's chain of 2·(2·ND + 1) selects (which
// GCC keeps) made AVX2 machines 3–5× slower than AVX-512 ones per site. Integer work only: the same
// decisions as the portable loop. All 8 bytes are stored: the other colour's words never flip, so
// those bytes are rewritten with the values they have (as the portable loop does).
template <int ND, bool Record>
int64_t update_row_uniform_avx2(const int8_t* pad, const int8_t* up, const int8_t* down, const int8_t* back,
                                const int8_t* front, const uint32_t* words, const uint32_t* tab, int64_t nx,
                                int8_t* cur, int32_t& db, int32_t& dm) {
  // Straight from the lattice's table (kIsingTableSize entries, so entries 8..13 are in bounds), not
  // through a zeroed copy a row.
  static_assert(kIsingTableSize >= 14, "the masked load reads table entries 8..13");
  const __m256i table_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tab));
  const __m256i table_hi =
      _mm256_maskload_epi32(reinterpret_cast<const int*>(tab + 8), _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0));
  const __m256i zero = _mm256_setzero_si256(), offset = _mm256_set1_epi32(2 * ND),
                width = _mm256_set1_epi32(2 * ND + 1), seven = _mm256_set1_epi32(7),
                sign = _mm256_set1_epi32(static_cast<int32_t>(0x80000000u));
  const auto spins8 = [](const int8_t* p) {
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  };
  __m256i dbv = zero, dmv = zero;
  int64_t x = 0;
  for (; x + 8 <= nx; x += 8) {
    const __m256i sx = spins8(pad + x + 1);
    __m256i sum = _mm256_add_epi32(_mm256_add_epi32(spins8(pad + x), spins8(pad + x + 2)),
                                   _mm256_add_epi32(spins8(up + x), spins8(down + x)));
    if constexpr (ND == 3) sum = _mm256_add_epi32(sum, _mm256_add_epi32(spins8(back + x), spins8(front + x)));
    const __m256i plus = _mm256_cmpgt_epi32(sx, zero);
    const __m256i index =
        _mm256_add_epi32(_mm256_srai_epi32(_mm256_add_epi32(sum, offset), 1), _mm256_and_si256(plus, width));
    const __m256i threshold = _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(table_lo, index),
                                                 _mm256_permutevar8x32_epi32(table_hi, index),
                                                 _mm256_cmpgt_epi32(index, seven));
    // word < threshold as unsigned numbers: a signed compare with both sign bits flipped
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + x));
    const __m256i flip = _mm256_cmpgt_epi32(_mm256_xor_si256(threshold, sign), _mm256_xor_si256(w, sign));
    const __m256i twice = _mm256_add_epi32(sx, sx);
    const __m256i updated = _mm256_sub_epi32(sx, _mm256_and_si256(flip, twice));
    const __m128i halves = _mm_packs_epi32(_mm256_castsi256_si128(updated), _mm256_extracti128_si256(updated, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(cur + x), _mm_packs_epi16(halves, halves));
    if constexpr (Record) {
      const __m256i s_sum = _mm256_blendv_epi8(_mm256_sub_epi32(zero, sum), sum, plus);
      dbv = _mm256_sub_epi32(dbv, _mm256_and_si256(flip, _mm256_add_epi32(s_sum, s_sum)));
      dmv = _mm256_sub_epi32(dmv, _mm256_and_si256(flip, twice));
    }
  }
  if constexpr (Record) {
    alignas(32) int32_t lanes_b[8], lanes_m[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes_b), dbv);
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes_m), dmv);
    for (int k = 0; k < 8; ++k) {
      db += lanes_b[k];
      dm += lanes_m[k];
    }
  }
  return x;
}
#endif

// One colour of one row of the uniform model; adds the changes of Σ bonds and Σ s when Record.
template <int ND, bool Record>
void update_row_uniform(const IsingArgs& a, int8_t* lat, int64_t row, const uint32_t* table, RowScratch& s,
                        int64_t& d_bonds, int64_t& d_mag) {
  const int64_t nx = a.nx;
  const RowView v = load_row(a, lat, row, s);
  int8_t* cur = v.cur;
  const int8_t *pad = v.pad, *up = v.up, *down = v.down, *back = v.back, *front = v.front;
  const uint32_t* words = s.words.data();
  constexpr int kWidth = 2 * ND + 1;
  int32_t db = 0, dm = 0;  // |Σ| ≤ 12·nx per row
  int64_t x0 = 0;
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
  x0 = update_row_uniform_avx512<ND, Record>(pad, up, down, back, front, words, table, nx, cur, db, dm);
#elif defined(__AVX2__)
  x0 = update_row_uniform_avx2<ND, Record>(pad, up, down, back, front, words, table, nx, cur, db, dm);
#endif
  // The sites the vector path left (none when it took them all: the loop's entry alone, which zeroes
  // the reduction's per-lane arrays, cost 6 % of an AVX2 sweep).
  if (x0 < nx) {
    // The thresholds in locals and a chain of selects: a table load per lane would be a gather, which
    // GCC emulates with scalar extracts.
    uint32_t tab[2 * kWidth];
    for (int k = 0; k < 2 * kWidth; ++k) tab[k] = table[k];
#pragma omp simd reduction(+ : db, dm)
    for (int64_t x = x0; x < nx; ++x) {
      const int sx = pad[x + 1];
      int sum = pad[x] + pad[x + 2] + up[x] + down[x];
      if constexpr (ND == 3) sum += back[x] + front[x];
      const int index = ((sx + 1) >> 1) * kWidth + ((sum + 2 * ND) >> 1);
      uint32_t threshold = tab[0];
      HB_UNROLL
      for (int k = 1; k < 2 * kWidth; ++k) threshold = index == k ? tab[k] : threshold;
      const bool flip = words[x] < threshold;
      cur[x] = static_cast<int8_t>(flip ? -sx : sx);
      if constexpr (Record) {
        db += flip ? -2 * sx * sum : 0;
        dm += flip ? -2 * sx : 0;
      }
    }
  }
  d_bonds += db;
  d_mag += dm;
}

// The decisions of the colour's sites x = P + 2k of one row, from inputs by k: the spins split into
// even and odd x (so that x − 1, x and x + 1 are plain reads for a P known at compile time) and the
// colour's bonds, field and words compacted. Every read is contiguous: a stride-2 read leaves a gap
// after the last site, and to stay inside the arrays GCC ran the last vector's worth of sites as scalar
// code (a quarter of a row of 128, and most of the time); no int8 is read either, since GCC sizes the
// vectors by the narrowest type, and with int8 spins AVX2 ran the floats 4 to a register.
template <int ND, int P>
void decide_colour_sites(int64_t half, const float* pe, const float* po, const float* ue, const float* uo,
                         const float* de, const float* d_o, const float* be, const float* bo, const float* fe,
                         const float* fo, const float* terms, const uint32_t* words, IsingMethod method, float beta,
                         int32_t* flips) {
  const float *jl = terms, *jr = jl + half, *ju = jr + half, *jd = ju + half, *jb = jd + half, *jf = jb + half,
              *h = terms + 2 * ND * half;
  // safelen(16): one AVX-512 register of floats (GCC would otherwise be free to take more lanes)
#pragma omp simd safelen(16)
  for (int64_t k = 0; k < half; ++k) {
    // pad[x], pad[x + 1], pad[x + 2] are the left neighbour, the site and the right neighbour
    const float sl = P == 0 ? pe[k] : po[k], sx = P == 0 ? po[k] : pe[k + 1], sr = P == 0 ? pe[k + 1] : po[k + 1];
    const float hloc = ising_field_sum(ND, jl[k], sl, jr[k], sr, ju[k], P == 0 ? ue[k] : uo[k], jd[k],
                                       P == 0 ? de[k] : d_o[k], ND == 3 ? jb[k] : 0.0f,
                                       ND == 3 ? (P == 0 ? be[k] : bo[k]) : 0.0f, ND == 3 ? jf[k] : 0.0f,
                                       ND == 3 ? (P == 0 ? fe[k] : fo[k]) : 0.0f, h[k]);
    flips[k] = ising_flips_float(method, beta, sx, hloc, words[k]) ? 1 : 0;
  }
}

// One colour of one row with per-bond couplings or per-site fields: the per-site probability of
// ising_flips, vectorised over the colour's sites (the exp is the cost, so the other colour is skipped).
template <int ND>
void update_row_general(const IsingArgs& a, int8_t* lat, int64_t row, int64_t p, float beta, RowScratch& s) {
  const int64_t nx = a.nx, n = ising_sites(a), half = nx / 2;
  const RowView v = load_row(a, lat, row, s);
  const IsingRows& r = v.rows;
  int8_t* cur = v.cur;
  float* const terms = s.terms.data();
  // The colour's x = p + 2k, by k; stride-2 copies, whose scalar tails cost little beside the sites' exps.
  const auto colour_of = [p, half](const float* from, float* to) {
    for (int64_t k = 0; k < half; ++k) to[k] = from[p + 2 * k];
  };
  if (a.coupling != nullptr) {
    const float* cx = a.coupling + (a.ndim - 1) * n + row * nx;  // the +x bond of each x of the row
    const float* cy = a.coupling + (a.ndim - 2) * n;              // the +y bond of each site
    // −x bond of x: the +x bond of x − 1 (periodic), so only x = 0 (colour 0) wraps
    terms[0] = p == 0 ? cx[nx - 1] : cx[0];
    for (int64_t k = 1; k < half; ++k) terms[k] = cx[p + 2 * k - 1];
    colour_of(cx, terms + half);
    colour_of(cy + r.up * nx, terms + 2 * half);  // −y bond: the +y bond of the row above
    colour_of(cy + row * nx, terms + 3 * half);
    if (ND == 3) {
      colour_of(a.coupling + r.back * nx, terms + 4 * half);  // axis 0 is z
      colour_of(a.coupling + row * nx, terms + 5 * half);
    }
  }
  if (a.field != nullptr) colour_of(a.field + row * nx, terms + 2 * ND * half);

  float* const pe = s.spins_f.data();  // pad[2k], pad[2k + 1]: [half + 1] each
  float *const po = pe + half + 1, *const ue = po + half + 1, *const uo = ue + half, *const de = uo + half,
               *const d_o = de + half, *const be = d_o + half, *const bo = be + half, *const fe = bo + half,
               *const fo = fe + half;
  const auto split = [](const int8_t* from, int64_t pairs, float* even, float* odd) {
    for (int64_t k = 0; k < pairs; ++k) {
      even[k] = static_cast<float>(from[2 * k]);
      odd[k] = static_cast<float>(from[2 * k + 1]);
    }
  };
  split(v.pad, half + 1, pe, po);
  split(v.up, half, ue, uo);
  split(v.down, half, de, d_o);
  if (ND == 3) {
    split(v.back, half, be, bo);
    split(v.front, half, fe, fo);
  }
  // The decisions first, into a contiguous array: written in place, the stride-2 stores into the row
  // (which its loads may alias) kept GCC from vectorising the loop.
  int32_t* flips = s.flips.data();
  const uint32_t* words = s.colour_words.data();
  if (p == 0) {
    decide_colour_sites<ND, 0>(half, pe, po, ue, uo, de, d_o, be, bo, fe, fo, terms, words, a.method, beta, flips);
  } else {
    decide_colour_sites<ND, 1>(half, pe, po, ue, uo, de, d_o, be, bo, fe, fo, terms, words, a.method, beta, flips);
  }
  // Applied to both x of each pair (no gap again), negating by the mask of the colour's x:
  // (s ^ m) − m is −s for m = −1 and s for m = 0.
  const int32_t on_odd = p != 0 ? 1 : 0;
  for (int64_t k = 0; k < half; ++k) {
    const int64_t e = 2 * k;
    const int32_t m_even = -(flips[k] & (1 - on_odd)), m_odd = -(flips[k] & on_odd);
    cur[e] = static_cast<int8_t>((cur[e] ^ m_even) - m_even);
    cur[e + 1] = static_cast<int8_t>((cur[e + 1] ^ m_odd) - m_odd);
  }
}

// One colour of rows [row0, row0 + n) of lattice l at inverse temperature beta. `table`: the lattice's
// thresholds (uniform model) or nullptr (per-site probabilities). With Record, the changes of
// Σ bonds and Σ s (uniform model) are added to d_bonds, d_mag.
inline void update_band(const IsingArgs& a, int64_t l, int64_t row0, int64_t n, int colour, const StreamKey& key,
                        const uint32_t* table, float beta, bool record, RowScratch& s, int64_t& d_bonds,
                        int64_t& d_mag) {
  int8_t* lat = a.spins + l * ising_sites(a);
  draw_band(key, a.chain_start + l, row0, n, s);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = row0 + i, p = ising_parity(a, row, colour);
    if (table == nullptr) {
      colour_row_words(i, s);
      a.ndim == 2 ? update_row_general<2>(a, lat, row, p, beta, s) : update_row_general<3>(a, lat, row, p, beta, s);
      continue;
    }
    spread_row(i, p, s);
    if (a.ndim == 2) {
      record ? update_row_uniform<2, true>(a, lat, row, table, s, d_bonds, d_mag)
             : update_row_uniform<2, false>(a, lat, row, table, s, d_bonds, d_mag);
    } else {
      record ? update_row_uniform<3, true>(a, lat, row, table, s, d_bonds, d_mag)
             : update_row_uniform<3, false>(a, lat, row, table, s, d_bonds, d_mag);
    }
  }
}

// Sweep t (both colours, band by band) of lattice l, by one thread.
inline void sweep_lattice(const IsingArgs& a, int64_t l, int64_t t, const uint32_t* table, float beta, bool record,
                          RowScratch& s, int64_t& d_bonds, int64_t& d_mag) {
  const int64_t rows = ising_rows(a), band = band_rows(a);
  for (int colour = 0; colour < 2; ++colour) {
    const StreamKey key = ising_key(a.seed, t, colour);
    for (int64_t row0 = 0; row0 < rows; row0 += band) {
      update_band(a, l, row0, std::min(band, rows - row0), colour, key, table, beta, record, s, d_bonds, d_mag);
    }
  }
}

}  // namespace
}  // namespace hb::cpu::HB_ISA_NS
