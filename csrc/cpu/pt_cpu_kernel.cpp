// SPDX-License-Identifier: Apache-2.0
// OpenMP launchers of parallel tempering with tempered Langevin local moves, and of the swap pass alone
// (the plug-in path), compiled once per instruction set (HB_ISA_NS, see isa.h).
//
// Columns of replicas are independent between swaps, and a column's K + 1 rows are contiguous
// (row = column · (K + 1) + slot), so each thread takes blocks of whole columns and runs every round
// of the chunk on them alone: local steps tile by tile (langevin.h on Tempered<Pot>), the target's
// energy on the tile it just left, then the swap pass of its columns. No barrier per round, so
// rounds of a few steps cost little more than the steps. A block holds a multiple of lcm(L, K + 1)
// rows (whole tiles, no padding lanes) when there are enough columns. Which thread runs a block, and
// how columns are grouped, changes no number.
#include <algorithm>
#include <chrono>
#include <vector>

#include "cpu/pt_cpu.h"
#include "cpu/threads.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {

// The swap pass of columns [c0, c1), compiled once per type and called by every instantiation of the
// rounds. Inlined into each of them, its code changed with what else the caller held: ULA rounds that
// took their first step's ∇E from kept values ran the same pass at half the speed. Out of line it is
// also compiled twice in this file, not 24 times, which took most of the file's compile time.
template <class T>
[[gnu::noinline]] void swap_columns(const SwapArgs<T>& s, int64_t c0, int64_t c1, int64_t round) {
  swap_range(s, c0, c1, round);
}

// A round's local steps on one tile, out of line for the same reason: one call a tile and round costs
// nothing measurable, and the rounds' parallel region no longer holds a whole tile inlined (this file
// compiled in about 20 s per instruction set instead of 40–70).
template <class T, int L, Method M, class Pot>
[[gnu::noinline]] void tempered_tile(const LangevinArgs<T>& a, const Tempered<Pot>& pot, int64_t row0, int valid,
                                     const LangevinScratch<T>& sc, int64_t t_begin, int64_t t_end,
                                     TileStreams<T, L>* streams, const T* kept) {
  langevin_tile<T, L, M, Tempered<Pot>>(a, pot, row0, valid, sc, t_begin, t_end, streams, kept);
}

// The target's E and ∇E at a tile's new states (∇E kept for the next round when kept != nullptr) and ℓ
// of its rows, for the swap pass. Out of line and per potential, not per method: inlined into each
// round loop it was compiled three times over: 47 s of compiling this file became 40 s (AVX2).
template <class T, int L, class Pot>
[[gnu::noinline]] void tile_energies(const Pot& base, const SwapArgs<T>& s, int64_t d, const T* x, int64_t row0,
                                     int valid, T* grad, T* e, double* er, T* energy, double* ell_row) {
  base.template energy_grad<L, true>(d, x, L, grad, L, e);
  HB_SIMD
  for (int k = 0; k < L; ++k) er[k] = 0.0;
  for (int64_t i = 0; s.ref_mean != nullptr && i < d; ++i) {
    const double mi = static_cast<double>(s.ref_mean[i]), vi = static_cast<double>(s.ref_inv_var[i]);
    HB_SIMD
    for (int k = 0; k < L; ++k) er[k] = add_reference_term(er[k], static_cast<double>(x[i * L + k]), mi, vi);
  }
  for (int k = 0; k < valid; ++k) {
    energy[row0 + k] = e[k];
    ell_row[row0 + k] = ell_of(er[k], static_cast<double>(e[k]), s.ref_log_norm);
  }
}

template <class T, Method M, class Pot>
void pt_run(const LangevinArgs<T>& a, const Tempered<Pot>& pot, const SwapArgs<T>& s, T* energy,
            int64_t round_begin, int64_t round_end, int64_t n_local) {
  constexpr int L = 256 / static_cast<int>(sizeof(T));  // as langevin_cpu_kernel.cpp
  const int64_t d = a.dim, R = s.replicas, C = s.columns;
  if (C == 0 || d == 0 || round_end <= round_begin) return;
  int64_t common = 1;  // gcd(L, R), L a power of two
  while (common < L && R % (2 * common) == 0) common *= 2;
  // Columns per block: per_block · R is a multiple of lcm(L, R) (whole tiles), and per_block a multiple
  // of the swap pass's lanes (both are powers of two, so the larger one is their lcm).
  int64_t per_block = std::max<int64_t>(L / common, kSwapLanes);
  // Keep every thread busy when there are few columns (the split changes no number).
  const int64_t threads = num_threads();
  if ((C + per_block - 1) / per_block < threads) {
    per_block = std::max<int64_t>(1, (C + threads - 1) / threads);
    if (per_block > kSwapLanes) per_block = (per_block + kSwapLanes - 1) / kSwapLanes * kSwapLanes;
  }
  const int64_t blocks = (C + per_block - 1) / per_block;

  // s.timing (benchmarks only): each thread adds up the seconds of its pieces, then adds them in.
  using Clock = std::chrono::steady_clock;
  const bool timed = s.timing != nullptr;
  const auto seconds = [](Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
  };

  // ℓ of every row, written by the tiles and read by the swap passes of the same block (one thread).
  std::vector<double> ell_row(static_cast<size_t>(C * R));
  SwapArgs<T> swap = s;
  swap.ell_row = ell_row.data();

  const int team = static_cast<int>(std::min<int64_t>(threads, blocks));
  ThreadScratch<T> scratch(team, static_cast<size_t>(5 * d * L + L));  // five tiles and the energies
  const int64_t tiles_per_block = (per_block * R + L - 1) / L;
  // The target's own ∇E and E that a tile's swap energies leave at its x are where the next round starts
  // (MALA and BAOAB evaluate E_β and ∇E_β there at the new β, ULA its first step's ∇E_β): [d + 1, L] per
  // tile of the block, kept when the block's fit in half a megabyte, else evaluated again (the same bits
  // either way).
  const int64_t target_size = (d + 1) * L;
  const bool keep_target = tiles_per_block * target_size * sizeof(T) <= (512u << 10);
#pragma omp parallel num_threads(team)
  {
    // Each tile of the block keeps its streams' blocks from round to round (langevin.h, TileStreams).
    std::vector<TileStreams<T, L>> streams(static_cast<size_t>(tiles_per_block));
    std::vector<T> kept_target(keep_target ? static_cast<size_t>(tiles_per_block * target_size) : 0);
    double t_swap = 0.0, t_energy = 0.0, t_rounds = 0.0;
    T* const buf = scratch.mine();
    LangevinScratch<T> sc{{buf, L}, {buf + d * L, L}, {buf + 2 * d * L, L}, {buf + 3 * d * L, L},
                          {buf + 4 * d * L, L}};
    T* const e_tile = buf + 5 * d * L;
    std::vector<double> e_ref(L);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t c0 = b * per_block, c1 = std::min(C, c0 + per_block);
      const int64_t r0 = c0 * R, r1 = c1 * R;
      for (TileStreams<T, L>& tile : streams) tile.forget();
      for (int64_t round = round_begin; round < round_end; ++round) {
        const Clock::time_point round_start = timed ? Clock::now() : Clock::time_point{};
        for (int64_t row0 = r0; row0 < r1; row0 += L) {
          const int valid = static_cast<int>(std::min<int64_t>(L, r1 - row0));
          for (int64_t i = 0; i < d; ++i) {
            for (int k = 0; k < L; ++k) {
              sc.x.at(i, k) = k < valid ? a.x[(row0 + k) * d + i] : T(0);
              if (M == Method::kBAOAB) sc.p.at(i, k) = k < valid ? a.p[(row0 + k) * d + i] : T(0);
            }
          }
          const int64_t tile = (row0 - r0) / L;
          T* const kept = keep_target ? kept_target.data() + tile * target_size : nullptr;
          // Every tile of the block made its kept values in the block's previous round.
          tempered_tile<T, L, M, Pot>(a, pot, row0, valid, sc, round * n_local, (round + 1) * n_local,
                                      &streams[static_cast<size_t>(tile)], round > round_begin ? kept : nullptr);
          // The swap needs the target's own E (gy is free between steps) and ℓ, made here while the
          // states are in lanes (the pass would gather them row by row); both count as its energies.
          const Clock::time_point energy_start = timed ? Clock::now() : Clock::time_point{};
          T* const grad = kept != nullptr ? kept : sc.gy.ptr;
          T* const e = kept != nullptr ? kept + d * L : e_tile;
          tile_energies<T, L>(pot.base, s, d, sc.x.ptr, row0, valid, grad, e, e_ref.data(), energy, ell_row.data());
          if (timed) t_energy += seconds(energy_start, Clock::now());
          for (int64_t i = 0; i < d; ++i) {
            for (int k = 0; k < valid; ++k) {
              a.x[(row0 + k) * d + i] = sc.x.at(i, k);
              if (M == Method::kBAOAB) a.p[(row0 + k) * d + i] = sc.p.at(i, k);
            }
          }
        }
        const Clock::time_point swap_start = timed ? Clock::now() : Clock::time_point{};
        swap_columns(swap, c0, c1, round);
        if (timed) {
          const Clock::time_point end = Clock::now();
          t_swap += seconds(swap_start, end);
          t_rounds += seconds(round_start, end);
        }
      }
    }
    if (timed) {
#pragma omp critical(hb_pt_timing)
      {
        s.timing[0] += t_swap;
        s.timing[1] += t_energy;
        s.timing[2] += t_rounds;
      }
    }
  }
}

HB_FOR_EACH_PT(HB_INSTANTIATE_PT_RUN)

template <class T>
void swap_run(const SwapArgs<T>& a, int64_t round) {
  // Small passes stay on the calling thread: waking the team costs more than K + 1 values a column.
  const bool parallel = a.columns * a.replicas > 16384;
  const int64_t groups = (a.columns + kSwapLanes - 1) / kSwapLanes;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel)
  for (int64_t g = 0; g < groups; ++g) {
    swap_columns(a, g * kSwapLanes, std::min(a.columns, (g + 1) * kSwapLanes), round);
  }
}

template void swap_run<float>(const SwapArgs<float>&, int64_t);
template void swap_run<double>(const SwapArgs<double>&, int64_t);

template <class T>
void swap_columns_run(const SwapArgs<T>& a, int64_t c0, int64_t c1, int64_t round) {
  swap_columns(a, c0, c1, round);
}

template void swap_columns_run<float>(const SwapArgs<float>&, int64_t, int64_t, int64_t);
template void swap_columns_run<double>(const SwapArgs<double>&, int64_t, int64_t, int64_t);

}  // namespace hb::cpu::HB_ISA_NS
