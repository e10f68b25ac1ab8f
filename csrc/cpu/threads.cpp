// SPDX-License-Identifier: Apache-2.0
#include "cpu/threads.h"

#include <atomic>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hb::cpu {
namespace {
std::atomic<int> g_num_threads{0};  // 0: OpenMP's default, read at first use
}

void set_num_threads(int n) { g_num_threads.store(n); }

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

bool openmp_enabled() {
#if defined(_OPENMP)
  return true;
#else
  return false;
#endif
}

}  // namespace hb::cpu
