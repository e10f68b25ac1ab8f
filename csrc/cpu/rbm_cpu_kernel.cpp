// SPDX-License-Identifier: Apache-2.0
// The fused per-layer passes of the RBM samplers, compiled once per instruction set (HB_ISA_NS, see
// isa.h). Per row, the Philox blocks of a slab of units are generated lane-parallel into an L1-resident
// buffer, then one vectorised loop adds the biases, scales by β, applies the sigmoid (or the Gaussian
// shift) and compares: the activations are read once and the states written once.
#include <algorithm>

#include "cpu/rbm_cpu.h"
#include "heatbath/philox_lanes.h"
#include "heatbath/rbm.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {
namespace {
constexpr int kSlabBlocks = 64;  // 256 units per slab: the random buffer stays in L1

// Which block and which row of a group each lane of a grouped slab draws (lane = g·nb + b), made
// once per layer pass so that a slab only adds its first chain to the row offsets.
struct GroupLanes {
  alignas(64) uint32_t block[kSlabBlocks];
  alignas(64) uint32_t row[kSlabBlocks];
  GroupLanes(int rows, int nb) {
    for (int g = 0; g < rows; ++g) {
      for (int b = 0; b < nb; ++b) {
        block[g * nb + b] = static_cast<uint32_t>(b);
        row[g * nb + b] = static_cast<uint32_t>(g);
      }
    }
  }
};

// The random values of blocks [b0, b0 + nb) of `rows` consecutive chains from `chain` on, row after
// row, into rnd (rows · nb ≤ kSlabBlocks; several rows only when the row is one slab, b0 = 0). A short
// row (the 32 hidden units of a small RBM are 8 blocks) would leave half of a 16-lane Philox idle or
// fall to the scalar loop, so several rows are drawn together; the values are the same whichever
// lanes compute them.
template <Unit U>
void draw_slab(const StreamKey& key, uint64_t chain, int rows, int64_t b0, int nb, const GroupLanes& lanes,
               float* rnd) {
  alignas(64) uint32_t w0[kSlabBlocks], w1[kSlabBlocks], w2[kSlabBlocks], w3[kSlabBlocks];
  const int count = rows * nb;
  if (rows == 1) {
    random_words_run(key, static_cast<uint32_t>(chain), static_cast<uint32_t>(b0), nb, w0, w1, w2, w3);
  } else {
    alignas(64) uint32_t row_chain[kSlabBlocks];
    const uint32_t first = static_cast<uint32_t>(chain);
#pragma omp simd
    for (int q = 0; q < count; ++q) row_chain[q] = first + lanes.row[q];
    random_words_pairs(key, lanes.block, row_chain, count, w0, w1, w2, w3);
  }
  alignas(64) float r0[kSlabBlocks], r1[kSlabBlocks], r2[kSlabBlocks], r3[kSlabBlocks];
#pragma omp simd
  for (int q = 0; q < count; ++q) {
    const Quad<float> v = unit_randoms<U>(Words4{w0[q], w1[q], w2[q], w3[q]});
    r0[q] = v.v0;
    r1[q] = v.v1;
    r2[q] = v.v2;
    r3[q] = v.v3;
  }
  for (int q = 0; q < count; ++q) {
    rnd[4 * q] = r0[q];
    rnd[4 * q + 1] = r1[q];
    rnd[4 * q + 2] = r2[q];
    rnd[4 * q + 3] = r3[q];
  }
}
}  // namespace

template <class T, Unit U, bool Probs, bool HasBase>
void layer_rows_impl(const LayerRows<T>& a) {
  const int64_t n_blocks = (a.n + 3) / 4;
  // Rows of fewer than kSlabBlocks blocks are one slab each, drawn `group` rows at a time.
  const int64_t group = (!Probs && n_blocks < kSlabBlocks) ? kSlabBlocks / n_blocks : 1;
  const GroupLanes lanes(static_cast<int>(group), static_cast<int>(std::min<int64_t>(n_blocks, kSlabBlocks)));
  for (int64_t r0 = 0; r0 < a.rows; r0 += group) {
    const int rows = static_cast<int>(std::min<int64_t>(group, a.rows - r0));
    for (int64_t b0 = 0; b0 < n_blocks; b0 += kSlabBlocks) {
      const int nb = static_cast<int>(std::min<int64_t>(kSlabBlocks, n_blocks - b0));
      alignas(64) float rnd[4 * kSlabBlocks];
      if constexpr (!Probs) draw_slab<U>(a.key, a.chain0 + static_cast<uint64_t>(r0), rows, b0, nb, lanes, rnd);
      const int64_t j0 = 4 * b0;
      const int m = static_cast<int>(std::min<int64_t>(4 * kSlabBlocks, a.n - j0));
      const T* __restrict bias = a.bias + j0;
      const T* __restrict base = HasBase ? a.base + j0 : nullptr;
      for (int g = 0; g < rows; ++g) {
        const int64_t r = r0 + g;
        const UnitCoef<T> k = a.coef[r * a.coef_stride];
        const T* __restrict p = a.pre + r * a.n + j0;
        T* __restrict o = a.out + r * a.n + j0;
        const float* __restrict u = rnd + 4 * g * nb;
#pragma omp simd
        for (int j = 0; j < m; ++j) {
          o[j] = sample_unit<T, U, Probs, HasBase>(k, p[j], bias[j], HasBase ? base[j] : T(0), Probs ? 0.0f : u[j]);
        }
      }
    }
  }
}

template <class T, Unit U>
void layer_rows(const LayerRows<T>& a) {
  const bool base = a.base != nullptr;
  if (a.probs) {
    base ? layer_rows_impl<T, U, true, true>(a) : layer_rows_impl<T, U, true, false>(a);
  } else {
    base ? layer_rows_impl<T, U, false, true>(a) : layer_rows_impl<T, U, false, false>(a);
  }
}

template <class T>
void softplus_rows(const SoftplusRows<T>& a) {
  const int64_t n = a.n;
  double* s = a.scratch;
  for (int64_t r = 0; r < a.rows; ++r) {
    const T* pre = a.pre + r * n;
    const double hi = a.beta_hi[r * a.beta_stride];
    if (a.beta_lo != nullptr) {
      const double lo = a.beta_lo[r * a.beta_stride];
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const double x = rn::add(static_cast<double>(a.c[j]), rn::mul(static_cast<double>(pre[j]), a.inv_sigma));
        s[j] = rn::sub(softplus(rn::mul(hi, x)), softplus(rn::mul(lo, x)));
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) {
        const double x = rn::add(static_cast<double>(a.c[j]), rn::mul(static_cast<double>(pre[j]), a.inv_sigma));
        s[j] = softplus(rn::mul(hi, x));
      }
    }
    double sum = 0.0;  // in j order: no reassociation, so every variant (and CUDA) gives the same bits
    for (int64_t j = 0; j < n; ++j) sum += s[j];
    a.sums[r] = sum;
  }
}

HB_INSTANTIATE_RBM_PASSES()

}  // namespace hb::cpu::HB_ISA_NS
