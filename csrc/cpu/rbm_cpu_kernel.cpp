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
}

template <class T, Unit U, bool Probs, bool HasBase>
void layer_rows_impl(const LayerRows<T>& a) {
  const int64_t n_blocks = (a.n + 3) / 4;
  for (int64_t r = 0; r < a.rows; ++r) {
    const UnitCoef<T> k = a.coef[r * a.coef_stride];
    const uint64_t chain = a.chain0 + static_cast<uint64_t>(r);
    const T* __restrict pre = a.pre + r * a.n;
    T* __restrict out = a.out + r * a.n;
    for (int64_t b0 = 0; b0 < n_blocks; b0 += kSlabBlocks) {
      const int nb = static_cast<int>(std::min<int64_t>(kSlabBlocks, n_blocks - b0));
      alignas(64) float rnd[4 * kSlabBlocks];
      if constexpr (!Probs) {
        alignas(64) float r0[kSlabBlocks], r1[kSlabBlocks], r2[kSlabBlocks], r3[kSlabBlocks];
        alignas(64) uint32_t w0[kSlabBlocks], w1[kSlabBlocks], w2[kSlabBlocks], w3[kSlabBlocks];
        random_words_run(a.key, static_cast<uint32_t>(chain), static_cast<uint32_t>(b0), nb, w0, w1, w2, w3);
#pragma omp simd
        for (int q = 0; q < nb; ++q) {
          const Quad<float> v = unit_randoms<U>(Words4{w0[q], w1[q], w2[q], w3[q]});
          r0[q] = v.v0;
          r1[q] = v.v1;
          r2[q] = v.v2;
          r3[q] = v.v3;
        }
        for (int q = 0; q < nb; ++q) {
          rnd[4 * q] = r0[q];
          rnd[4 * q + 1] = r1[q];
          rnd[4 * q + 2] = r2[q];
          rnd[4 * q + 3] = r3[q];
        }
      }
      const int64_t j0 = 4 * b0;
      const int m = static_cast<int>(std::min<int64_t>(4 * kSlabBlocks, a.n - j0));
      const T* __restrict bias = a.bias + j0;
      const T* __restrict base = HasBase ? a.base + j0 : nullptr;
      const T* __restrict p = pre + j0;
      T* __restrict o = out + j0;
#pragma omp simd
      for (int j = 0; j < m; ++j) {
        o[j] = sample_unit<T, U, Probs>(k, p[j], bias[j], HasBase ? base[j] : T(0), Probs ? 0.0f : rnd[j]);
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
