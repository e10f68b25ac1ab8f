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
// High and low words of m * a per 32-bit lane: even lanes from one vpmuludq, odd lanes (swapped
// down) from another, then interleaved back. The swaps of 32-bit halves are shuffles (port 5), not
// 64-bit shifts (port 0, which the multiplies also need): about 5 % more normals per second.
HB_HD void mulhilo(Vec a, uint32_t m, Vec& hi, Vec& lo) {
  const Vec mm = _mm512_set1_epi64(m);
  const Vec even = _mm512_mul_epu32(a, mm);
  const Vec odd = _mm512_mul_epu32(_mm512_shuffle_epi32(a, _MM_PERM_CDAB), mm);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_shuffle_epi32(odd, _MM_PERM_CDAB));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_shuffle_epi32(even, _MM_PERM_CDAB), odd);
}
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
#else
constexpr int kWidth = 0;  // no vector path
#endif

#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
// kWidth lanes of Philox4x32-10: counters (c0, c1, c2, c3) under the key (k0, k1), into w0..w3.
HB_HD void rounds(Vec c0, Vec c1, Vec c2, Vec c3, uint32_t k0, uint32_t k1, uint32_t* w0, uint32_t* w1,
                  uint32_t* w2, uint32_t* w3) {
  HB_UNROLL
  for (int r = 0; r < 10; ++r) {
    Vec hi0, lo0, hi1, lo1;
    mulhilo(c0, Philox4x32::kMul0, hi0, lo0);
    mulhilo(c2, Philox4x32::kMul1, hi1, lo1);
    c0 = xor3(hi1, c1, splat(k0));
    c1 = lo1;
    c2 = xor3(hi0, c3, splat(k1));
    c3 = lo0;
    k0 += Philox4x32::kWeyl0;
    k1 += Philox4x32::kWeyl1;
  }
  store(w0, c0);
  store(w1, c1);
  store(w2, c2);
  store(w3, c3);
}
#endif
}  // namespace philox_simd

template <int L>
HB_HD void random_words_lanes(const StreamKey& key, const uint32_t* block, const uint32_t* chain, uint32_t* w0,
                              uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  int k = 0;
#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
  constexpr int V = philox_simd::kWidth;
  for (; k + V <= L; k += V) {
    using namespace philox_simd;
    rounds(load(block + k), load(chain + k), splat(key.step_lo), splat(key.step_hi_purpose), key.k0, key.k1,
           w0 + k, w1 + k, w2 + k, w3 + k);
  }
#endif
  for (; k < L; ++k) {  // the lanes left over (all of them on CUDA and the baseline build)
    const Words4 w = random_words(key, chain[k], block[k]);
    w0[k] = w.w0;
    w1[k] = w.w1;
    w2[k] = w.w2;
    w3[k] = w.w3;
  }
}

// Blocks first, first + 1, ..., first + count − 1 of one chain: block first + k into w0[k] .. w3[k]
// (the lattice kernels draw whole rows of sites this way). CPU only.
HB_HD void random_words_run(const StreamKey& key, uint32_t chain, uint32_t first, int64_t count, uint32_t* w0,
                            uint32_t* w1, uint32_t* w2, uint32_t* w3) {
  int64_t k = 0;
#if !defined(__CUDA_ARCH__) && (defined(__AVX512F__) || defined(__AVX2__))
  constexpr int V = philox_simd::kWidth;
  for (; k + V <= count; k += V) {
    using namespace philox_simd;
    rounds(add32(splat(first + static_cast<uint32_t>(k)), iota()), splat(chain), splat(key.step_lo),
           splat(key.step_hi_purpose), key.k0, key.k1, w0 + k, w1 + k, w2 + k, w3 + k);
  }
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
