// SPDX-License-Identifier: Apache-2.0
// langevin_noise.h compiled once per instruction set (HB_ISA_NS, see isa.h). Single-threaded: the
// callers (Numba's parallel loops) already run one call per thread.
#include "cpu/noise_cpu.h"

#include "heatbath/langevin_noise.h"

#ifndef HB_ISA_NS
#error "compile this file with -DHB_ISA_NS=<variant namespace>"
#endif

namespace hb::cpu::HB_ISA_NS {

namespace {
template <class T>
// As langevin_cpu_kernel.cpp: wide tiles amortise the block bookkeeping.
constexpr int kLanes = 256 / static_cast<int>(sizeof(T));
}

template <class T>
void langevin_noise(uint64_t seed, uint64_t chain0, int64_t n, int64_t d, int64_t t_begin, int64_t n_t, T* out,
                    int64_t step_stride) {
  hb::langevin_noise<T, kLanes<T>>(seed, chain0, n, d, t_begin, n_t, out, step_stride);
}

template <class T>
void metropolis_log_uniforms(uint64_t seed, uint64_t chain0, int64_t n, int64_t t_begin, int64_t n_t, T* out) {
  hb::metropolis_log_uniforms<T, kLanes<T>>(seed, chain0, n, t_begin, n_t, out);
}

template void langevin_noise<float>(uint64_t, uint64_t, int64_t, int64_t, int64_t, int64_t, float*, int64_t);
template void langevin_noise<double>(uint64_t, uint64_t, int64_t, int64_t, int64_t, int64_t, double*, int64_t);
template void metropolis_log_uniforms<float>(uint64_t, uint64_t, int64_t, int64_t, int64_t, float*);
template void metropolis_log_uniforms<double>(uint64_t, uint64_t, int64_t, int64_t, int64_t, double*);

}  // namespace hb::cpu::HB_ISA_NS
