// SPDX-License-Identifier: Apache-2.0
// The body of heatbath.random: value j of chain c is value j % W of block j / W of
// (seed, purpose, step, chain_start + c), W = BlockWidth<T>. Both launchers call fill_item for
// each (chain, block) item; only how items map to threads differs.
#pragma once
#include <cstdint>

#include "heatbath/counter.h"
#include "heatbath/distributions.h"
#include "heatbath/hd.h"

namespace hb {

struct FillArgs {
  void* out;             // [chains, n] of T, strides in elements (may be negative)
  int64_t chains, n;
  int64_t stride_chain, stride_value;
  uint64_t seed;
  uint32_t purpose;
  uint64_t step;
  uint64_t chain_start;  // global index of row 0
};

template <class T>
HB_HD int64_t blocks_per_chain(int64_t n) {
  return (n + BlockWidth<T>::value - 1) / BlockWidth<T>::value;
}

template <Draw D, class T>
HB_HD Quad<T> block_values(const StreamKey& key, uint64_t chain, uint64_t block) {
  return transform_block<D, T>(random_words(key, static_cast<uint32_t>(chain), static_cast<uint32_t>(block)));
}

// Writes the values of block `block` of local row `row` (those below n).
template <class T>
HB_HD void store_block(const FillArgs& a, int64_t row, int64_t block, const Quad<T>& q) {
  constexpr int W = BlockWidth<T>::value;
  T* out = static_cast<T*>(a.out) + row * a.stride_chain;
  const T v[4] = {q.v0, q.v1, q.v2, q.v3};
  for (int l = 0; l < W; ++l) {
    const int64_t j = block * W + l;
    if (j < a.n) out[j * a.stride_value] = v[l];
  }
}

}  // namespace hb
