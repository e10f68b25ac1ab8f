// SPDX-License-Identifier: Apache-2.0
// Exact log Z_β of an RBM by enumerating the smaller layer and summing the other analytically:
//   enumerate h:  log Σ_v e^{−βE} = β c·h + Σ_i g_i((W h)_i), with
//                 g_i(a) = log(1 + e^{β(b_i + a)})                              Bernoulli visible
//                 g_i(a) = β(a b_i / σ + a²/2) + log(σ sqrt(2π/β))               Gaussian visible
//   enumerate v:  log Σ_h e^{−βE} = β b·v + Σ_j log(1 + e^{β(c_j + (v W)_j)})
// States are visited in Gray-code order, so each costs one column update of the activations. The
// sequence is cut into fixed chunks (each restarted from its exact activations, which also bounds the
// rounding drift of the updates) and the per-chunk log-sum-exps are combined in chunk order: the result
// does not depend on the thread count. Float64 throughout.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/rbm_cpu.h"
#include "cpu/threads.h"

namespace hb::cpu {
namespace {

constexpr int kChunkBits = 12;

struct LogSumExp {
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0.0;  // Σ exp(x − max)
  void add(double x) {
    if (x > max) {
      sum = sum * std::exp(max - x) + 1.0;
      max = x;
    } else {
      sum += std::exp(x - max);
    }
  }
  LogSumExpPart part() const { return {max, sum}; }
  void merge(const LogSumExpPart& o) {
    if (o.sum == 0.0) return;
    if (o.max > max) {
      sum = sum * std::exp(max - o.max) + o.sum;
      max = o.max;
    } else {
      sum += o.sum * std::exp(o.max - max);
    }
  }
  double value() const { return max + std::log(sum); }
};

double softplus_libm(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

}  // namespace

int64_t exact_log_z_chunks(const RbmParams<double>& p) {
  const bool enum_hidden = p.visible == Unit::kGaussian || p.H <= p.V;
  const int n = static_cast<int>(enum_hidden ? p.H : p.V);
  return (int64_t{1} << n) >> std::min(n, kChunkBits);
}

void exact_log_z_range(const RbmParams<double>& p, double beta, int64_t k_begin, int64_t k_end,
                       LogSumExpPart* parts) {
  const bool gaussian = p.visible == Unit::kGaussian;
  const bool enum_hidden = gaussian || p.H <= p.V;
  const int n = static_cast<int>(enum_hidden ? p.H : p.V);  // enumerated units
  const int64_t m = enum_hidden ? p.V : p.H;                // summed-out units
  const double* enum_bias = enum_hidden ? p.c : p.b;
  const double* sum_bias = enum_hidden ? p.b : p.c;
  const double sigma = p.sigma;
  const double gauss_const = std::log(sigma * std::sqrt(2.0 * M_PI / beta));
  // column s of the coupling seen from the enumerated layer: coupling(s, i) for i < m
  auto coupling = [&](int s, int64_t i) { return enum_hidden ? p.w[i * p.H + s] : p.w[s * p.H + i]; };
  auto g = [&](int64_t i, double a) {
    if (gaussian) return beta * (a * sum_bias[i] / sigma + 0.5 * a * a) + gauss_const;
    return softplus_libm(beta * (sum_bias[i] + a));
  };

  const int64_t chunk = int64_t{1} << std::min(n, kChunkBits);
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(num_threads(), k_end - k_begin)));
  ThreadScratch<double> scratch(threads, static_cast<size_t>(m));
#pragma omp parallel num_threads(threads)
  {
    double* const act = scratch.mine();
#pragma omp for schedule(static)
    for (int64_t k = k_begin; k < k_end; ++k) {
      const int64_t first = k * chunk;
      uint64_t state = static_cast<uint64_t>(first ^ (first >> 1));
      double lin = 0.0;
      std::fill(act, act + m, 0.0);
      for (int s = 0; s < n; ++s) {
        if ((state >> s) & 1u) {
          lin += enum_bias[s];
          for (int64_t i = 0; i < m; ++i) act[i] += coupling(s, i);
        }
      }
      LogSumExp acc;
      for (int64_t idx = first; idx < first + chunk; ++idx) {
        if (idx != first) {  // Gray code: going to idx flips the bit at the lowest set bit of idx
          const int s = __builtin_ctzll(static_cast<unsigned long long>(idx));
          state ^= uint64_t{1} << s;
          const double sign = ((state >> s) & 1u) ? 1.0 : -1.0;
          lin += sign * enum_bias[s];
          for (int64_t i = 0; i < m; ++i) act[i] += sign * coupling(s, i);
        }
        double term = beta * lin;
        for (int64_t i = 0; i < m; ++i) term += g(i, act[i]);
        acc.add(term);
      }
      parts[k] = acc.part();
    }
  }
}

double exact_log_z_merge(const LogSumExpPart* parts, int64_t n_parts) {
  LogSumExp total;
  for (int64_t k = 0; k < n_parts; ++k) total.merge(parts[k]);
  return total.value();
}

}  // namespace hb::cpu
