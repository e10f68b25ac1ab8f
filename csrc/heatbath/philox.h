// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
// numbers: as easy as 1, 2, 3" (SC'11). Pinned to the Random123 known-answer vectors by the tests.
#pragma once
#include <cstdint>

#include "heatbath/hd.h"

namespace hb {

struct Philox4x32 {
  static constexpr uint32_t kMul0 = 0xD2511F53u;
  static constexpr uint32_t kMul1 = 0xCD9E8D57u;
  static constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
  static constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1
};

// Four 32-bit words, passed by value: a local array would be privatised per SIMD lane in memory
// and stop the `omp simd` vectoriser, four scalars stay in registers.
struct Words4 {
  uint32_t w0, w1, w2, w3;
};

HB_HD Words4 philox_round(Words4 c, uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(Philox4x32::kMul0) * c.w0;
  const uint64_t p1 = static_cast<uint64_t>(Philox4x32::kMul1) * c.w2;
  return Words4{static_cast<uint32_t>(p1 >> 32) ^ c.w1 ^ k0, static_cast<uint32_t>(p1),
                static_cast<uint32_t>(p0 >> 32) ^ c.w3 ^ k1, static_cast<uint32_t>(p0)};
}

// Encrypts the counter under the key with `Rounds` rounds (10 is the standard Philox4x32-10).
// Unrolled by recursion rather than a loop: a rolled inner loop stops GCC's `omp simd` vectoriser.
template <int Rounds = 10>
HB_HD Words4 philox4x32(Words4 ctr, uint32_t k0, uint32_t k1) {
  if constexpr (Rounds == 0) {
    return ctr;
  } else {
    return philox4x32<Rounds - 1>(philox_round(ctr, k0, k1), k0 + Philox4x32::kWeyl0, k1 + Philox4x32::kWeyl1);
  }
}

}  // namespace hb
