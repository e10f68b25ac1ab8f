// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10 for L lanes at once: lane k gets random_words(key, chain[k], block[k]) of counter.h,
// bit for bit. The CPU kernels make their random numbers through it.
//
// Why not just the `omp simd` loop: each round needs the 64-bit products of 32-bit words, and GCC's
// vectoriser widens the words to 64-bit lanes and multiplies with vpmullq (3 µops, long latency)
// instead of the unsigned even-lane multiply vpmuludq that computes exactly these products. Written
// with that instruction (AVX-512: 16 lanes, AVX2: 8 lanes a step), Philox runs about 3x faster, and
// making the noise is what bounds Langevin and heat-bath sampling (DESIGN.md). Elsewhere (CUDA, the
// baseline x86 build, other CPUs) it is the portable per-lane loop.
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/hd.h"

#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
#include <immintrin.h>
#endif

namespace hb {

// Only the CPU builds see these (never nvcc, whose host pass has no AVX flags), so HB_HD here just
// forces inlining: each per-ISA kernel object keeps its own copy and none leaks as a shared symbol.
namespace philox_simd {
#if !defined(__CUDA_ARCH__) && defined(__AVX512F__)
constexpr int kWidth = 16;
using Vec = __m512i;
HB_HD Vec load(const uint32_t* p) { return _mm512_loadu_si512(p); }
HB_HD void store(uint32_t* p, Vec v) { _mm512_storeu_si512(p, v); }
HB_HD Vec splat(uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
HB_HD Vec xor3(Vec a, Vec b, Vec c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
HB_HD Vec iota() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
HB_HD Vec add32(Vec a, Vec b) { return _mm512_add_epi32(a, b); }
// High and low words of m * a per 32-bit lane: even lanes from one vpmuludq, odd lanes (shifted
// down) from another, then each result word picked from the two products by one two-source permute
// (vpermt2d): 5 µops where shuffles and blends took 7, which is what bounds several blocks in flight.
HB_HD void mulhilo(Vec a, uint32_t m, Vec& hi, Vec& lo) {
  const Vec mm = _mm512_set1_epi64(m);
  const Vec even = _mm512_mul_epu32(a, mm);
  const Vec odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), mm);
  const Vec low_words = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
  const Vec high_words = _mm512_setr_epi32(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
  lo = _mm512_permutex2var_epi32(even, low_words, odd);
  hi = _mm512_permutex2var_epi32(even, high_words, odd);
}
// Vectors run through the rounds together: one alone waits on the multiply latency each round.
constexpr int kInterleave = 4;
#elif !defined(__CUDA_ARCH__) && defined(__AVX2__)
constexpr int kWidth = 8;
using Vec = __m256i;
HB_HD Vec load(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
HB_HD void store(uint32_t* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
HB_HD Vec splat(uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
HB_HD Vec xor3(Vec a, Vec b, Vec c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
HB_HD Vec iota() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
HB_HD Vec add32(Vec a, Vec b) { return _mm256_add_epi32(a, b); }
HB_HD void mulhilo(Vec a, uint32_t m, Vec& hi, Vec& lo) {
  const Vec mm = _mm256_set1_epi64x(m);
  const Vec even = _mm256_mul_epu32(a, mm);
  const Vec odd = _mm256_mul_epu32(_mm256_shuffle_epi32(a, 0xB1), mm);
  lo = _mm256_blend_epi32(even, _mm256_shuffle_epi32(odd, 0xB1), 0xAA);
  hi = _mm256_blend_epi32(_mm256_shuffle_epi32(even, 0xB1), odd, 0xAA);
}
constexpr int kInterleave = 2;  // 16 ymm registers hold the state of two vectors and the temporaries
#else
constexpr int kWidth = 0;  // no vector path
#endif

#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
// N vectors of kWidth lanes of Philox4x32-10, in lockstep: counters (c0, c1, c2, c3)[i] under the key
// (k0, k1), replaced by the output words.
template <int N>
HB_HD void rounds(Vec* c0, Vec* c1, Vec* c2, Vec* c3, uint32_t k0, uint32_t k1) {
  HB_UNROLL
  for (int r = 0; r < 10; ++r) {
    HB_UNROLL
    for (int i = 0; i < N; ++i) {
      Vec hi0, lo0, hi1, lo1;
      mulhilo(c0[i], Philox4x32::kMul0, hi0, lo0);
      mulhilo(c2[i], Philox4x32::kMul1, hi1, lo1);
      c0[i] = xor3(hi1, c1[i], splat(k0));
      c1[i] = lo1;
      c2[i] = xor3(hi0, c3[i], splat(k1));
      c3[i] = lo0;
    }
    k0 += Philox4x32::kWeyl0;
    k1 += Philox4x32::kWeyl1;
  }
}

// Lanes [k, k + N·kWidth): counters(j, block, chain) sets the block and chain words of lanes j ..
// j + kWidth − 1; the words go to w0..w3 at the same lanes.
template <int N, class Counters>
HB_HD void lane_group(const StreamKey& key, int64_t k, Counters& counters, uint32_t* w0, uint32_t* w1, uint32_t* w2,
                      uint32_t* w3) {
  Vec c0[N], c1[N], c2[N], c3[N];
  HB_UNROLL
  for (int i = 0; i < N; ++i) {
    counters(k + i * kWidth, c0[i], c1[i]);
    c2[i] = splat(key.step_lo);
    c3[i] = splat(key.step_hi_purpose);
  }
  rounds<N>(c0, c1, c2, c3, key.k0, key.k1);
  HB_UNROLL
  for (int i = 0; i < N; ++i) {
    store(w0 + k + i * kWidth, c0[i]);
    store(w1 + k + i * kWidth, c1[i]);
    store(w2 + k + i * kWidth, c2[i]);
    store(w3 + k + i * kWidth, c3[i]);
  }
}

// Every whole vector of lanes below count, kInterleave vectors at a time while they last; returns
// the first lane left for the scalar loop.
template <class Counters>
HB_HD int64_t vector_lanes(const StreamKey& key, int64_t count, Counters counters, uint32_t* w0, uint32_t* w1,
                           uint32_t* w2, uint32_t* w3) {
  int64_t k = 0;
  for (; k + kInterleave * kWidth <= count; k += kInterleave * kWidth) {
    lane_group<kInterleave>(key, k, counters, w0, w1, w2, w3);
  }
  if constexpr (kInterleave > 2) {
    for (; k + 2 * kWidth <= count; k += 2 * kWidth) lane_group<2>(key, k, counters, w0, w1, w2, w3);
  }
  for (; k + kWidth <= count; k += kWidth) lane_group<1>(key, k, counters, w0, w1, w2, w3);
  return k;
}
#endif
}  // namespace philox_simd

// Any count of (block, chain) pairs: random_words(key, chain[k], block[k]) into w0[k] .. w3[k].
HB_HD void random_words_pairs(const StreamKey& key, const uint32_t* block, const uint32_t* chain, int64_t count,
                              uint32_t* w0, uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  int64_t k = 0;
#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
  using namespace philox_simd;
  k = vector_lanes(key, count, [&](int64_t j, Vec& b, Vec& c) {
    b = load(block + j);
    c = load(chain + j);
  }, w0, w1, w2, w3);
#endif
  for (; k < count; ++k) {  // the lanes left over (all of them on CUDA and the baseline build)
    const Words4 w = random_words(key, chain[k], block[k]);
    w0[k] = w.w0;
    w1[k] = w.w1;
    w2[k] = w.w2;
    w3[k] = w.w3;
  }
}

// random_words_pairs for a compile-time lane count (the tiles of the Langevin and swap kernels).
template <int L>
HB_HD void random_words_lanes(const StreamKey& key, const uint32_t* block, const uint32_t* chain, uint32_t* w0,
                              uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  random_words_pairs(key, block, chain, L, w0, w1, w2, w3);
}

// Blocks first, first + 1, ..., first + count − 1 of one chain: block first + k into w0[k] .. w3[k]
// (the lattice and RBM kernels draw whole rows of units this way). CPU only.
HB_HD void random_words_run(const StreamKey& key, uint32_t chain, uint32_t first, int64_t count, uint32_t* w0,
                            uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  int64_t k = 0;
#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
  using namespace philox_simd;
  k = vector_lanes(key, count, [&](int64_t j, Vec& b, Vec& c) {
    b = add32(splat(first + static_cast<uint32_t>(j)), iota());
    c = splat(chain);
  }, w0, w1, w2, w3);
#endif
  for (; k < count; ++k) {
    const Words4 w = random_words(key, chain, first + static_cast<uint32_t>(k));
    w0[k] = w.w0;
    w1[k] = w.w1;
    w2[k] = w.w2;
    w3[k] = w.w3;
  }
}

}  // namespace hb
