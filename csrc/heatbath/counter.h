// SPDX-License-Identifier: Apache-2.0
// The counter layout shared by every random number in heatbath (C++, CUDA and Numba alike):
//   key     = (seed low 32 bits, seed high 32 bits)
//   counter = (block, chain, step low 32 bits, purpose << 24 | step bits 32..55)
// A value is thus a pure function of (seed, purpose, step, chain, block): no thread count, launch shape
// or batch split can change it, and a run continues from its step counter with the same stream.
#pragma once
#include <cstdint>

#include "heatbath/hd.h"
#include "heatbath/philox.h"

namespace hb {

// What a random number is for; distinct purposes never share a counter. Mirrored in
// python/heatbath/random.py (PURPOSES) and python/heatbath/_numba/philox.py.
enum class Purpose : uint32_t {
  kUser = 0,            // heatbath.random called directly
  kLangevinNoise = 1,   // Gaussian increments of ULA/MALA and the O-step of BAOAB
  kMetropolis = 2,      // uniforms of accept/reject decisions
  kMomentum = 3,        // momentum refreshes
  kGibbs = 4,           // uniforms of Gibbs and heat-bath updates
  kSwap = 5,            // replica-exchange decisions
  kInit = 6,            // random initial states
  kAis = 7,             // annealed importance sampling runs (RBM log Z)
};

constexpr uint32_t kMaxPurpose = 0xFFu;
constexpr uint64_t kMaxStep = (uint64_t{1} << 56) - 1;
constexpr uint64_t kMaxChain = 0xFFFFFFFFull;
constexpr uint64_t kMaxBlock = 0xFFFFFFFFull;

struct StreamKey {
  uint32_t k0, k1;
  uint32_t step_lo, step_hi_purpose;
};

HB_HD StreamKey make_stream_key(uint64_t seed, uint32_t purpose, uint64_t step) {
  StreamKey s;
  s.k0 = static_cast<uint32_t>(seed);
  s.k1 = static_cast<uint32_t>(seed >> 32);
  s.step_lo = static_cast<uint32_t>(step);
  s.step_hi_purpose = (purpose << 24) | (static_cast<uint32_t>(step >> 32) & 0x00FFFFFFu);
  return s;
}

// The four 32-bit words of one (seed, purpose, step, chain, block).
HB_HD Words4 random_words(const StreamKey& s, uint32_t chain, uint32_t block) {
  return philox4x32<10>(Words4{block, chain, s.step_lo, s.step_hi_purpose}, s.k0, s.k1);
}

}  // namespace hb
