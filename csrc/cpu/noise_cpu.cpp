// SPDX-License-Identifier: Apache-2.0
// Picks the instruction-set variant of the noise entry points at run time.
#include "cpu/noise_cpu.h"

#include "cpu/isa.h"

namespace {

template <class T>
void langevin_noise(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t, T* out) {
  using namespace hb::cpu;
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::langevin_noise<T>(seed, chain0, n, d, t_begin, n_t, out);
    case Isa::kAvx2: return avx2::langevin_noise<T>(seed, chain0, n, d, t_begin, n_t, out);
    default: break;
  }
#endif
  baseline::langevin_noise<T>(seed, chain0, n, d, t_begin, n_t, out);
}

template <class T>
void metropolis_uniforms(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t, T* out) {
  using namespace hb::cpu;
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::metropolis_uniforms<T>(seed, chain0, n, t_begin, n_t, out);
    case Isa::kAvx2: return avx2::metropolis_uniforms<T>(seed, chain0, n, t_begin, n_t, out);
    default: break;
  }
#endif
  baseline::metropolis_uniforms<T>(seed, chain0, n, t_begin, n_t, out);
}

}  // namespace

extern "C" {
void heatbath_langevin_noise_f32(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                                 float* out) {
  langevin_noise<float>(seed, chain0, n, d, t_begin, n_t, out);
}
void heatbath_langevin_noise_f64(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t,
                                 double* out) {
  langevin_noise<double>(seed, chain0, n, d, t_begin, n_t, out);
}
void heatbath_metropolis_uniforms_f32(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                      float* out) {
  metropolis_uniforms<float>(seed, chain0, n, t_begin, n_t, out);
}
void heatbath_metropolis_uniforms_f64(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t,
                                      double* out) {
  metropolis_uniforms<double>(seed, chain0, n, t_begin, n_t, out);
}
}
