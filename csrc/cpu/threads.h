// SPDX-License-Identifier: Apache-2.0
// The thread count of every OpenMP launcher. Kept here, not in OpenMP's per-thread ICV, because the
// compiled loops run on whichever Python thread called them.
#pragma once
#include <cstddef>
#include <vector>

namespace hb::cpu {

void set_num_threads(int n);  // n >= 1
int num_threads();            // what the next launch uses
bool openmp_enabled();
int thread_index();           // omp_get_thread_num() inside a parallel region, else 0

// Per-thread scratch of a parallel region with `threads` threads, allocated before the region: an
// exception must not leave an OpenMP region (that calls std::terminate), so a request too large for
// memory throws std::bad_alloc here, which Python sees as MemoryError.
template <class T>
class ThreadScratch {
 public:
  ThreadScratch(int threads, size_t per_thread) : per_thread_(per_thread), buf_(threads * per_thread, T(0)) {}
  T* mine() { return buf_.data() + static_cast<size_t>(thread_index()) * per_thread_; }

 private:
  size_t per_thread_;
  std::vector<T> buf_;
};

}  // namespace hb::cpu
