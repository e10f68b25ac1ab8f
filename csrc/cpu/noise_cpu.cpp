// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the noise entry points at run time.
#include "cpu/noise_cpu.h"

#include <algorithm>

#include "cpu/isa.h"
#include "cpu/threads.h"

namespace {

template <class T>
void langevin_noise(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t, T* out,
                    int64_t step_stride) {
  using namespace hb::cpu;
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::langevin_noise<T>(seed, chain0, n, d, t_begin, n_t, out, step_stride);
    case Isa::kAvx2: return avx2::langevin_noise<T>(seed, chain0, n, d, t_begin, n_t, out, step_stride);
    default: break;
  }
#endif
  baseline::langevin_noise<T>(seed, chain0, n, d, t_begin, n_t, out, step_stride);
}

template <class T>
void metropolis_log_uniforms(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t, T* out) {
  using namespace hb::cpu;
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::metropolis_log_uniforms<T>(seed, chain0, n, t_begin, n_t, out);
    case Isa::kAvx2: return avx2::metropolis_log_uniforms<T>(seed, chain0, n, t_begin, n_t, out);
    default: break;
  }
#endif
  baseline::metropolis_log_uniforms<T>(seed, chain0, n, t_begin, n_t, out);
}

}  // namespace

namespace hb::cpu {

template <class T>
void langevin_noise_fill(uint64_t seed, uint64_t chain_start, int64_t chains, int64_t d, int64_t t_begin,
                         int64_t n_t, T* out) {
  constexpr int64_t kChunk = 1024;  // chains per task, a multiple of every lane count
  const int64_t tasks = (chains + kChunk - 1) / kChunk;
  // A team only pays off for long fills; between torch's passes a second team competes with torch's own.
  const int threads = chains * d * n_t >= (int64_t{1} << 20) ? num_threads() : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t c0 = task * kChunk, n = std::min<int64_t>(kChunk, chains - c0);
    ::langevin_noise<T>(seed, chain_start + static_cast<uint64_t>(c0), n, d, t_begin, n_t, out + c0 * d, chains * d);
  }
}

template void langevin_noise_fill<float>(uint64_t, uint64_t, int64_t, int64_t, int64_t, int64_t, float*);
template void langevin_noise_fill<double>(uint64_t, uint64_t, int64_t, int64_t, int64_t, int64_t, double*);

}  // namespace hb::cpu

extern "C" {
void heatbath_langevin_noise_f32(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                                 float* out) {
  langevin_noise<float>(seed, chain0, n, d, t_begin, n_t, out, n * d);
}
void heatbath_langevin_noise_f64(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                                 double* out) {
  langevin_noise<double>(seed, chain0, n, d, t_begin, n_t, out, n * d);
}
void heatbath_metropolis_log_uniforms_f32(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                          float* out) {
  metropolis_log_uniforms<float>(seed, chain0, n, t_begin, n_t, out);
}
void heatbath_metropolis_log_uniforms_f64(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                          double* out) {
  metropolis_log_uniforms<double>(seed, chain0, n, t_begin, n_t, out);
}
}
