// SPDX-License-Identifier: Apache-2.0
#include "cpu/isa.h"

#include <algorithm>
#include <atomic>

namespace hb::cpu {
namespace {

Isa detect() {
#if defined(HEATBATH_ISA_VARIANTS) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  // x86-64-v4 (AVX-512 F/BW/CD/DQ/VL) and x86-64-v3 (AVX2, FMA, BMI1/2, ...) as the variants were built.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2")) {
    return Isa::kAvx2;
  }
#endif
  return Isa::kBaseline;
}

std::atomic<int> g_ceiling{static_cast<int>(Isa::kAvx512)};

}  // namespace

Isa best_supported_isa() {
  static const Isa best = detect();
  return best;
}

Isa active_isa() { return static_cast<Isa>(std::min(static_cast<int>(best_supported_isa()), g_ceiling.load())); }

void limit_isa(Isa ceiling) { g_ceiling.store(static_cast<int>(ceiling)); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "baseline";
  }
}

}  // namespace hb::cpu
