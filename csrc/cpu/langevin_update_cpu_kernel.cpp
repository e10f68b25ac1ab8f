// SPDX-License-Identifier: Apache-2.0
// OpenMP launcher of langevin_update.h, compiled once per instruction set (HB_ISA_NS, see isa.h): full
// tiles of L chains in parallel, then shorter tiles, the last chains one by one (the same bits as a
// tile: every value depends on its chain alone). The noise is most of a phase's work, and Philox vectorises only with
// the wider instruction sets, as in the fused kernels.
#include "cpu/langevin_update_cpu.h"
#include "cpu/threads.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {

template <class T, Phase P>
void langevin_update(const UpdateArgs<T>& a) {
  // Tiles of four AVX-512 vectors, so that Philox has four vectors of blocks in flight (one alone
  // waits on its multiplies' latency each round), then of one vector, then single chains.
  constexpr int L = 256 / static_cast<int>(sizeof(T));
  constexpr int kShort = 64 / static_cast<int>(sizeof(T));
  if (a.chains == 0 || a.dim == 0) return;
  const int64_t tiles = a.chains / L;
  // A phase takes a fraction of a millisecond per 10^5 coordinates on one core, a small part of the
  // torch forward and backward pass around it. Between those passes torch's own OpenMP threads are
  // still spinning, and a second thread team competing with them ran 10x slower than one thread on a
  // busy 2-core machine, so a team is started only for batches where the pass itself is long.
  // Below that no parallel region is opened at all: even a team of one goes through the OpenMP
  // runtime, whose code is cold after torch's passes (about 2 µs of a small batch's step).
  const int threads = a.chains * a.dim >= (int64_t{1} << 20) ? num_threads() : 1;
  if (threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t tile = 0; tile < tiles; ++tile) langevin_update_tile<T, L, P>(a, tile * L);
  } else {
    for (int64_t tile = 0; tile < tiles; ++tile) langevin_update_tile<T, L, P>(a, tile * L);
  }
  int64_t row = tiles * L;
  for (; row + kShort <= a.chains; row += kShort) langevin_update_tile<T, kShort, P>(a, row);
  for (; row < a.chains; ++row) langevin_update_tile<T, 1, P>(a, row);
}

HB_INSTANTIATE_CPU_UPDATE()

}  // namespace hb::cpu::HB_ISA_NS
