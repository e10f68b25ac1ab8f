// SPDX-License-Identifier: Apache-2.0
#include "cpu/threads.h"

#include <atomic>
#include <cstring>
#include <new>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hb::cpu {
namespace {
std::atomic<int> g_num_threads{0};  // 0: OpenMP's default, read at each launch (until kept)
}

void set_num_threads(int n) { g_num_threads.store(n); }

void keep_default_num_threads() {
  int unset = 0;
#if defined(_OPENMP)
  g_num_threads.compare_exchange_strong(unset, omp_get_max_threads());
#else
  g_num_threads.compare_exchange_strong(unset, 1);
#endif
}

int num_threads() {
  int n = g_num_threads.load();
  if (n > 0) return n;
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int thread_index() {
#if defined(_OPENMP)
  return omp_get_thread_num();
#else
  return 0;
#endif
}

ThreadBlocks::ThreadBlocks(int threads, size_t bytes) : bytes_(bytes) {
  constexpr size_t kLine = 64;  // a cache line after each block: two threads never write one line
  blocks_.reserve(static_cast<size_t>(threads));
  try {
    for (int t = 0; t < threads; ++t) blocks_.push_back(new unsigned char[bytes + kLine]);
  } catch (...) {
    for (unsigned char* b : blocks_) delete[] b;
    throw;
  }
}

ThreadBlocks::~ThreadBlocks() {
  for (unsigned char* b : blocks_) delete[] b;
}

void* ThreadBlocks::mine() {
  unsigned char* block = blocks_[static_cast<size_t>(thread_index())];
  std::memset(block, 0, bytes_);
  return block;
}

bool openmp_enabled() {
#if defined(_OPENMP)
  return true;
#else
  return false;
#endif
}

}  // namespace hb::cpu
