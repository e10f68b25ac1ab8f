// SPDX-License-Identifier: Apache-2.0
// OpenMP launcher of langevin.h, compiled once per instruction set (HB_ISA_NS, see isa.h). Each thread
// copies a tile of L chains into structure-of-arrays scratch, runs the steps there with the lane loops
// vectorised, and copies the tile back.
#include <algorithm>

#include "cpu/langevin_cpu.h"
#include "heatbath/langevin_instances.h"
#include "cpu/threads.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {

template <class T, Method M, class Pot>
void langevin_run(const LangevinArgs<T>& a, const Pot& pot, int64_t t_begin, int64_t t_end) {
  constexpr int L = 256 / static_cast<int>(sizeof(T));  // four AVX-512 registers: amortises per-step bookkeeping
  const int64_t d = a.dim;
  const int64_t tiles = (a.chains + L - 1) / L;
  if (tiles == 0 || d == 0) return;

  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), tiles));  // no idle thread's scratch
  ThreadScratch<T> scratch(threads, static_cast<size_t>(5 * d * L));  // x, p, g, y, gy: five [d, L] tiles
#pragma omp parallel num_threads(threads)
  {
    T* const buf = scratch.mine();
    LangevinScratch<T> s{{buf, L}, {buf + d * L, L}, {buf + 2 * d * L, L}, {buf + 3 * d * L, L}, {buf + 4 * d * L, L}};
#pragma omp for schedule(static)
    for (int64_t tile = 0; tile < tiles; ++tile) {
      const int64_t row0 = tile * L;
      const int valid = static_cast<int>(std::min<int64_t>(L, a.chains - row0));
      for (int64_t i = 0; i < d; ++i) {
        for (int k = 0; k < L; ++k) {
          s.x.at(i, k) = k < valid ? a.x[(row0 + k) * d + i] : T(0);
          if (M == Method::kBAOAB) s.p.at(i, k) = k < valid ? a.p[(row0 + k) * d + i] : T(0);
        }
      }
      langevin_tile<T, L, M, Pot>(a, pot, row0, valid, s, t_begin, t_end);
      for (int64_t i = 0; i < d; ++i) {
        for (int k = 0; k < valid; ++k) {
          a.x[(row0 + k) * d + i] = s.x.at(i, k);
          if (M == Method::kBAOAB) a.p[(row0 + k) * d + i] = s.p.at(i, k);
        }
      }
    }
  }
}

template <class T, class Pot>
void evaluate_run(const EvaluateArgs<T>& a, const Pot& pot) {
  constexpr int L = 64 / static_cast<int>(sizeof(T));
  const int64_t d = a.dim;
  const int64_t tiles = (a.chains + L - 1) / L;
  if (tiles == 0) return;
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), tiles));
  ThreadScratch<T> scratch(threads, static_cast<size_t>(2 * d * L + L));
#pragma omp parallel num_threads(threads)
  {
    T* x = scratch.mine();
    T* g = x + d * L;
    T* e = g + d * L;
#pragma omp for schedule(static)
    for (int64_t tile = 0; tile < tiles; ++tile) {
      const int64_t row0 = tile * L;
      const int valid = static_cast<int>(std::min<int64_t>(L, a.chains - row0));
      for (int64_t i = 0; i < d; ++i)
        for (int k = 0; k < L; ++k) x[i * L + k] = k < valid ? a.x[(row0 + k) * d + i] : T(0);
      pot.template energy_grad<L, true>(d, x, L, g, L, e);
      for (int k = 0; k < valid; ++k) {
        a.energy[row0 + k] = e[k];
        for (int64_t i = 0; i < d; ++i) a.grad[(row0 + k) * d + i] = g[i * L + k];
      }
    }
  }
}

HB_INSTANTIATE_CPU_LANGEVIN()

}  // namespace hb::cpu::HB_ISA_NS
