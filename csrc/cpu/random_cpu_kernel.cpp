// SPDX-License-Identifier: Apache-2.0
// OpenMP launcher of heatbath.random, compiled once per instruction set with HB_ISA_NS naming the
// variant (see isa.h). Items are cut into tiles of kTile; inside a tile the Philox
// blocks are generated lane-parallel (`omp simd`) into structure-of-arrays temporaries and then
// scattered to the caller's strides. A partial last tile is padded, not run scalar, although the
// transforms are plain IEEE arithmetic and a scalar run would give the same bits anyway.
#include "cpu/random_cpu.h"

#include <algorithm>

#include "cpu/threads.h"
#include "heatbath/philox_lanes.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {
namespace {
constexpr int kTile = 64;
}

template <Draw D, class T>
void fill_random(const FillArgs& a, int64_t item_begin, int64_t item_end) {
  constexpr int W = BlockWidth<T>::value;
  const int64_t nblk = blocks_per_chain<T>(a.n);
  if (nblk == 0 || item_end <= item_begin) return;
  const StreamKey key = make_stream_key(a.seed, a.purpose, a.step);
  const int64_t ntiles = (item_end - item_begin + kTile - 1) / kTile;

#pragma omp parallel for schedule(static) num_threads(num_threads())
  for (int64_t t = 0; t < ntiles; ++t) {
    const int64_t i0 = item_begin + t * kTile;
    const int count = static_cast<int>(std::min<int64_t>(kTile, item_end - i0));
    int64_t rows[kTile];
    uint32_t chain[kTile], block[kTile];
    int64_t r = i0 / nblk, b = i0 - r * nblk;
    for (int k = 0; k < kTile; ++k) {
      const bool live = k < count;
      rows[k] = r;
      chain[k] = live ? static_cast<uint32_t>(a.chain_start + r) : 0u;
      block[k] = live ? static_cast<uint32_t>(b) : 0u;
      if (++b == nblk) { b = 0; ++r; }
    }
    uint32_t w[4][kTile];
    random_words_lanes<kTile>(key, block, chain, w[0], w[1], w[2], w[3]);
    T v0[kTile], v1[kTile], v2[kTile], v3[kTile];
#pragma omp simd
    for (int k = 0; k < kTile; ++k) {
      const Quad<T> q = transform_block<D, T>(Words4{w[0][k], w[1][k], w[2][k], w[3][k]});
      v0[k] = q.v0;
      v1[k] = q.v1;
      if constexpr (W == 4) {
        v2[k] = q.v2;
        v3[k] = q.v3;
      }
    }
    for (int k = 0; k < count; ++k) {
      store_block<T>(a, rows[k], block[k], Quad<T>{v0[k], v1[k], W == 4 ? v2[k] : T(0), W == 4 ? v3[k] : T(0)});
    }
  }
}

template void fill_random<Draw::kBits, uint32_t>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kUniform, float>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kUniform, double>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kNormal, float>(const FillArgs&, int64_t, int64_t);
template void fill_random<Draw::kNormal, double>(const FillArgs&, int64_t, int64_t);

}  // namespace hb::cpu::HB_ISA_NS
