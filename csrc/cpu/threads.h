// SPDX-License-Identifier: Apache-2.0
// The thread count of every OpenMP launcher. Kept here, not in OpenMP's per-thread ICV, because the
// compiled loops run on whichever Python thread called them.
#pragma once
#include <cstddef>
#include <vector>

namespace hb::cpu {

void set_num_threads(int n);  // n >= 1
int num_threads();            // what the next launch uses
// Takes OpenMP's default (OMP_NUM_THREADS, else the CPUs) as the count, at the module's import: read at
// each launch instead, it moved whenever another library in the process set the shared runtime's ICV
// (Numba's OpenMP threading layer sets it to all the CPUs when it starts).
void keep_default_num_threads();
bool openmp_enabled();
int thread_index();           // omp_get_thread_num() inside a parallel region, else 0

// Per-thread scratch of a parallel region with `threads` threads, allocated before the region: an
// exception must not leave an OpenMP region (that calls std::terminate), so a request too large for
// memory throws std::bad_alloc here, which Python sees as MemoryError. One block per thread, as when each
// thread allocated its own (malloc recycles blocks of that size between calls; one block for all threads
// would pass its mmap threshold and be faulted in afresh every call), a cache line apart, and zeroed by
// the thread that uses it (in parallel, and first touched there). Defined in threads.cpp: the per-ISA
// kernels that use it must not instantiate library templates of their own (cmake/check_isa_objects.cmake).
class ThreadBlocks {
 public:
  ThreadBlocks(int threads, size_t bytes);
  ~ThreadBlocks();
  ThreadBlocks(const ThreadBlocks&) = delete;
  ThreadBlocks& operator=(const ThreadBlocks&) = delete;
  void* mine();  // this thread's block, zeroed: call once per thread inside the region

 private:
  size_t bytes_;
  std::vector<unsigned char*> blocks_;
};

template <class T>
class ThreadScratch {
 public:
  ThreadScratch(int threads, size_t per_thread) : blocks_(threads, per_thread * sizeof(T)) {}
  T* mine() { return static_cast<T*>(blocks_.mine()); }

 private:
  ThreadBlocks blocks_;
};
}  // namespace hb::cpu
