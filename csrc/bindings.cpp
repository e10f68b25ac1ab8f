// SPDX-License-Identifier: Apache-2.0
// heatbath._core: the CPU backend. The CUDA backend is the separate module heatbath._cuda.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "bindings/interrupt.h"
#include "bindings/ising_bindings.h"
#include "bindings/pt_gibbs_bindings.h"
#include "bindings/langevin_bindings.h"
#include "bindings/langevin_update_bindings.h"
#include "bindings/pt_bindings.h"
#include "bindings/random_bindings.h"
#include "bindings/rbm_bindings.h"
#include "cpu/isa.h"
#include "cpu/ising_cpu.h"
#include "cpu/rbm_pt_cpu.h"
#include "cpu/langevin_cpu.h"
#include "cpu/langevin_update_cpu.h"
#include "cpu/pt_cpu.h"
#include "cpu/noise_cpu.h"
#include "cpu/random_cpu.h"
#include "cpu/rbm_cpu.h"
#include "cpu/threads.h"
#include "heatbath/counter.h"
#include "heatbath/ising.h"
#include "heatbath/philox.h"
#include "heatbath/rn_math.h"

namespace py = pybind11;

namespace {

struct CpuBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCPU;
  // About a million values a chunk: a few milliseconds, so Ctrl-C lands promptly while the cost of
  // taking the GIL back stays far below a percent.
  static constexpr int64_t kChunkItems = int64_t{1} << 18;

  template <hb::Draw D, class T>
  static void fill(const hb::FillArgs& a, int /*device_id*/, std::uintptr_t /*stream*/) {
    const int64_t items = a.chains * hb::blocks_per_chain<T>(a.n);
    hb::bind::run_interruptible(items, kChunkItems, [&](int64_t begin, int64_t end) {
      hb::cpu::fill_random<D, T>(a, begin, end);
    });
  }
};

struct CpuLangevinBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCPU;

  // Chunks of about 16M coordinate-steps (a few to a few tens of milliseconds) between Ctrl-C checks.
  template <class T, hb::Method M, class Pot>
  static void langevin(const hb::LangevinArgs<T>& a, const Pot& pot, T* /*workspace*/, int /*device*/,
                       std::uintptr_t /*stream*/) {
    if (a.n_steps == 0) {  // still report E(x)
      py::gil_scoped_release nogil;
      hb::cpu::langevin_run<T, M, Pot>(a, pot, a.step0, a.step0);
      return;
    }
    const int64_t work_per_step = std::max<int64_t>(1, a.chains * std::max<int64_t>(a.dim, 1));
    const int64_t steps_per_chunk = std::max<int64_t>(1, (int64_t{1} << 24) / work_per_step);
    hb::bind::run_interruptible(a.n_steps, steps_per_chunk, [&](int64_t begin, int64_t end) {
      hb::cpu::langevin_run<T, M, Pot>(a, pot, a.step0 + begin, a.step0 + end);
    });
  }

  template <class T, class Pot>
  static void evaluate(const hb::EvaluateArgs<T>& a, const Pot& pot, int /*device*/, std::uintptr_t /*stream*/) {
    py::gil_scoped_release nogil;
    hb::cpu::evaluate_run<T, Pot>(a, pot);
  }
};

struct CpuIsingBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCPU;

  // Chunks of about 4M spin updates (a few milliseconds; more on a busy machine, where a single
  // lattice split by rows waits at a barrier every half-sweep) between Ctrl-C checks. A chunk is
  // whole sweeps, so an interrupted run leaves every lattice at a sweep boundary.
  static void ising(const hb::IsingArgs& a, int64_t n_sweeps, uint32_t* /*workspace*/,
                    hb::IsingRowTerms* /*terms*/, int /*device*/, std::uintptr_t /*stream*/) {
    const int64_t work_per_sweep = std::max<int64_t>(1, a.lattices * hb::ising_sites(a));
    const int64_t sweeps_per_chunk = std::max<int64_t>(1, (int64_t{1} << 22) / work_per_sweep);
    hb::bind::run_interruptible(n_sweeps, sweeps_per_chunk, [&](int64_t begin, int64_t end) {
      hb::cpu::ising_run(a, a.sweep0 + begin, a.sweep0 + end);
    });
  }

  static void measure(const hb::IsingArgs& a, hb::IsingRowTerms* /*terms*/, double* energy, double* mag,
                      int /*device*/, std::uintptr_t /*stream*/) {
    py::gil_scoped_release nogil;
    hb::cpu::ising_measure(a, energy, mag);
  }
};

struct CpuRbmBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCPU;

  // Chunks of about 2^31 multiply-adds (tens of milliseconds) between Ctrl-C checks: each chunk
  // reloads its tiles, so shorter ones would cost copies.
  template <class T>
  static int64_t steps_per_chunk(int64_t chains, const hb::RbmParams<T>& p) {
    const int64_t work = std::max<int64_t>(1, chains * std::max<int64_t>(1, p.V * p.H));
    return std::max<int64_t>(1, (int64_t{1} << 31) / work);
  }
  // The call's copies of W, packed once for all its chunks, by all threads, without the GIL.
  template <class T>
  static std::unique_ptr<hb::cpu::PackedRbm<T>> packed(const hb::RbmParams<T>& p, int64_t chains, int64_t passes) {
    py::gil_scoped_release nogil;
    return std::make_unique<hb::cpu::PackedRbm<T>>(p, chains, passes);
  }
  template <class T>
  static void gibbs(const hb::GibbsArgs<T>& a, T* /*workspace*/, int /*device*/, std::uintptr_t /*stream*/) {
    const auto w = packed(a.rbm, a.chains, a.n_steps);
    hb::bind::run_interruptible(a.n_steps, steps_per_chunk(a.chains, a.rbm), [&](int64_t begin, int64_t end) {
      hb::cpu::gibbs_run<T>(a, *w, a.step0 + begin, a.step0 + end);
    });
  }
  // A session's calls are plain calls.
  struct SessionRunner {
    template <class T>
    void gibbs(const hb::GibbsArgs<T>& a, T* ws, int device, std::uintptr_t stream) {
      CpuRbmBackend::gibbs<T>(a, ws, device, stream);
    }
    int64_t graph_launches() const { return 0; }
  };
  template <class T>
  static void ais(const hb::AisArgs<T>& a, T* /*workspace*/, int /*device*/, std::uintptr_t /*stream*/) {
    const auto w = packed(a.rbm, a.chains, a.n_betas);
    hb::bind::run_interruptible(a.n_betas, steps_per_chunk(a.chains, a.rbm), [&](int64_t begin, int64_t end) {
      hb::cpu::ais_run<T>(a, *w, begin, end);
    });
  }
  template <class T>
  static void conditional(const hb::ConditionalArgs<T>& a, T* /*workspace*/, int /*device*/, std::uintptr_t) {
    py::gil_scoped_release nogil;
    hb::cpu::conditional_run<T>(a, hb::cpu::PackedRbm<T>(a.rbm, a.chains, 1));
  }
  template <class T>
  static void free_energy(const hb::FreeEnergyArgs<T>& a, T* /*workspace*/, int /*device*/, std::uintptr_t) {
    py::gil_scoped_release nogil;
    hb::cpu::free_energy_run<T>(a, hb::cpu::PackedRbm<T>(a.rbm, a.chains, 1));
  }
};

// log Z_beta of a float64 RBM on the host (the Python layer checks the layer sizes and copies).
double rbm_exact_log_z(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c,
                       double beta) {
  hb::bind::CallArrays arrays(hb::DeviceKind::kCPU, 0);
  const hb::TensorView wv = arrays.first(w, "weights");
  if (wv.dtype != hb::DType::kFloat64) throw py::type_error("argument 'weights': expected float64");
  const hb::RbmParams<double> p = hb::bind::import_rbm<double>(arrays, wv, w, b, c, visible, sigma);
  if (std::min(p.H, p.V) > 40 || (p.visible == hb::Unit::kGaussian && p.H > 40)) {
    throw py::value_error("argument 'rbm': too many units to enumerate");
  }
  // Pieces of the enumeration between which Ctrl-C is honoured (2**25 states take seconds); the parts are
  // merged in chunk order, so the pieces change no bit.
  std::vector<hb::cpu::LogSumExpPart> parts(static_cast<size_t>(hb::cpu::exact_log_z_chunks(p)));
  hb::bind::run_interruptible(static_cast<int64_t>(parts.size()), 256, [&](int64_t begin, int64_t end) {
    hb::cpu::exact_log_z_range(p, beta, begin, end, parts.data());
  });
  return hb::cpu::exact_log_z_merge(parts.data(), static_cast<int64_t>(parts.size()));
}

struct CpuPtBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCPU;

  // Chunks of whole rounds (about 16M coordinate-steps) between Ctrl-C checks; an interrupt reports
  // the rounds completed, after which every array is consistent.
  template <class T, hb::Method M, class Pot>
  static void rounds(const hb::LangevinArgs<T>& a, const hb::Tempered<Pot>& pot, const hb::SwapArgs<T>& s, T* energy,
                     T* /*workspace*/, int64_t round_begin, int64_t round_end, int64_t n_local, int /*device*/,
                     std::uintptr_t /*stream*/) {
    const int64_t per_round = std::max<int64_t>(1, a.chains * std::max<int64_t>(a.dim, 1) * n_local);
    const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 24) / per_round);
    hb::bind::run_interruptible(round_end - round_begin, chunk, [&](int64_t begin, int64_t end) {
      hb::cpu::pt_run<T, M, Pot>(a, pot, s, energy, round_begin + begin, round_begin + end, n_local);
    });
  }
  template <class T>
  static void swap(const hb::SwapArgs<T>& a, int64_t round, int /*device*/, std::uintptr_t /*stream*/) {
    py::gil_scoped_release nogil;
    hb::cpu::swap_run<T>(a, round);
  }
  // The pass of columns [c0, c1) on the calling thread, for SwapSession's callers in compiled code.
  template <class T>
  static void swap_columns(const void* args, int64_t c0, int64_t c1, int64_t round) noexcept {
    hb::cpu::swap_columns_run<T>(*static_cast<const hb::SwapArgs<T>*>(args), c0, c1, round);
  }
  // Ising rounds in chunks of about 4M spin updates, as plain sweeps (CpuIsingBackend).
  static void ising_rounds(const hb::IsingArgs& a, const hb::SwapArgs<double>& s, double* energy,
                           int64_t round_begin, int64_t round_end, int64_t n_sweeps,
                           const hb::bind::IsingRoundScratch& /*scratch*/, int /*device*/,
                           std::uintptr_t /*stream*/) {
    const int64_t per_round = std::max<int64_t>(1, a.lattices * hb::ising_sites(a) * n_sweeps);
    const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 22) / per_round);
    hb::bind::run_interruptible(round_end - round_begin, chunk, [&](int64_t begin, int64_t end) {
      hb::cpu::ising_pt_run(a, s, energy, round_begin + begin, round_begin + end, n_sweeps);
    });
  }
  // RBM rounds in chunks of about 2^31 multiply-adds, as plain Gibbs runs (CpuRbmBackend).
  template <class T>
  static void rbm_rounds(const hb::GibbsArgs<T>& a, const hb::SwapArgs<double>& s, double* energy,
                         int64_t round_begin, int64_t round_end, int64_t n_sweeps, T* /*beta*/, T* /*workspace*/,
                         int /*device*/, std::uintptr_t /*stream*/) {
    const int64_t per_round = std::max<int64_t>(1, a.chains * std::max<int64_t>(1, a.rbm.V * a.rbm.H) * n_sweeps);
    const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 31) / per_round);
    const auto w = CpuRbmBackend::packed(a.rbm, a.chains, (round_end - round_begin) * n_sweeps);
    hb::bind::run_interruptible(round_end - round_begin, chunk, [&](int64_t begin, int64_t end) {
      hb::cpu::rbm_pt_run<T>(a, *w, s, energy, round_begin + begin, round_begin + end, n_sweeps);
    });
  }
};

// One phase of a step of heatbath.TorchPotential: a single pass over the state, so one call, no chunks.
struct CpuUpdateBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCPU;

  template <class T, hb::Phase P>
  static void update(const hb::UpdateArgs<T>& a, int /*device*/, std::uintptr_t /*stream*/) {
    py::gil_scoped_release nogil;
    hb::cpu::langevin_update<T, P>(a);
  }
};

std::array<uint32_t, 4> philox4x32_10(std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key) {
  const hb::Words4 w = hb::philox4x32<10>(hb::Words4{counter[0], counter[1], counter[2], counter[3]}, key[0], key[1]);
  return {w.w0, w.w1, w.w2, w.w3};
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  hb::cpu::keep_default_num_threads();
  m.doc() = "heatbath's compiled CPU core";
  hb::bind::bind_random<CpuBackend>(m);
  hb::bind::bind_langevin<CpuLangevinBackend>(m);
  hb::bind::bind_ising<CpuIsingBackend>(m);
  hb::bind::bind_rbm<CpuRbmBackend>(m);
  m.def("rbm_exact_log_z", &rbm_exact_log_z, py::arg("visible"), py::arg("sigma"), py::arg("weights"),
        py::arg("visible_bias"), py::arg("hidden_bias"), py::arg("beta"),
        "log Z_beta by enumeration (private: use heatbath.exact_log_z).");
  m.def("rbm_tile_rows", &hb::cpu::tile_rows, py::arg("chains"), py::arg("n_visible"), py::arg("n_hidden"),
        py::arg("threads"), "Rows of the CPU launcher's GEMMs for such a call (private: for tests).");
  hb::bind::bind_pt<CpuPtBackend>(m);
  hb::bind::bind_swap_session<CpuPtBackend>(m);
  hb::bind::bind_pt_ising<CpuPtBackend>(m);
  hb::bind::bind_pt_rbm<CpuPtBackend>(m);
  hb::bind::bind_langevin_update<CpuUpdateBackend>(m);
  m.def("all_plus_minus_one", [](py::handle spins) {
    // Whether every int8 of a C-contiguous CPU array is +1 or -1: Ising's check of its input, one
    // vectorised pass (a few µs per million spins, where numpy's reductions take ~100).
    hb::bind::ImportedTensor t(spins, "spins", hb::DeviceKind::kCPU, 0);
    t.require_dtype({hb::DType::kInt8});
    t.require_contiguous();
    const int8_t* s = static_cast<const int8_t*>(t.view().data);
    const int64_t n = t.view().numel();
    py::gil_scoped_release nogil;
    int bad = 0;
#pragma omp parallel for simd reduction(| : bad) num_threads(hb::cpu::num_threads()) if (n > (1 << 18))
    for (int64_t i = 0; i < n; ++i) bad |= (s[i] != 1) & (s[i] != -1);
    return bad == 0;
  }, py::arg("spins"), "Every value is +1 or -1 (private: for heatbath.Ising's checks).");
  m.def("langevin_noise", [](py::handle out, uint64_t seed, uint64_t chain_start, int64_t step) {
    // The Langevin noise of steps step .. step + n_t − 1 for every chain of out [n_t, chains, dim]: what
    // the fused kernels and the update phases draw (hb::langevin_noise), for TorchPotential's CPU loop.
    hb::bind::ImportedTensor t(out, "out", hb::DeviceKind::kCPU, 0);
    t.require_ndim(3, "[steps, chains, dim]");
    t.require_dtype({hb::DType::kFloat32, hb::DType::kFloat64});
    t.require_writable();
    t.require_contiguous();
    const hb::TensorView& v = t.view();
    if (step < 0 || static_cast<uint64_t>(step) + static_cast<uint64_t>(v.shape[0]) > hb::kMaxStep) {
      throw py::value_error("argument 'step': the steps must lie in [0, 2**56)");
    }
    if (chain_start > hb::kMaxChain || static_cast<uint64_t>(v.shape[1]) > hb::kMaxChain + 1 - chain_start) {
      throw py::value_error("argument 'chain_start': chain indices must stay below 2**32");
    }
    py::gil_scoped_release nogil;
    if (v.dtype == hb::DType::kFloat32) {
      hb::cpu::langevin_noise_fill<float>(seed, chain_start, v.shape[1], v.shape[2], step, v.shape[0],
                                          static_cast<float*>(v.data));
    } else {
      hb::cpu::langevin_noise_fill<double>(seed, chain_start, v.shape[1], v.shape[2], step, v.shape[0],
                                           static_cast<double*>(v.data));
    }
  }, py::arg("out"), py::arg("seed"), py::arg("chain_start"), py::arg("step"),
     "Fill out [steps, chains, dim] with the Langevin noise of those steps (private: TorchPotential).");
  m.def("numba_symbols", [] {
    // Addresses of the C entry points for Numba kernels (heatbath._numba.core_noise registers them
    // with LLVM by name, so cached kernels link to this process's copy).
    py::dict symbols;
    const auto address = [](auto* fn) { return reinterpret_cast<std::uintptr_t>(fn); };
    symbols["heatbath_langevin_noise_f32"] = address(&heatbath_langevin_noise_f32);
    symbols["heatbath_langevin_noise_f64"] = address(&heatbath_langevin_noise_f64);
    symbols["heatbath_metropolis_log_uniforms_f32"] = address(&heatbath_metropolis_log_uniforms_f32);
    symbols["heatbath_metropolis_log_uniforms_f64"] = address(&heatbath_metropolis_log_uniforms_f64);
    return symbols;
  }, "Addresses of the noise entry points for Numba kernels (private).");
  m.def("philox4x32_10", &philox4x32_10, py::arg("counter"), py::arg("key"),
        "One Philox4x32-10 block: encrypt 4 counter words under 2 key words.");
  // This file is built without -march: on x86-64 this is rn's exact float FMA emulation, the one the
  // baseline kernels run (tests/test_rn_fma.py checks it against exact rational arithmetic).
  m.def("rn_fma_f32", [](float a, float b, float c) { return hb::rn::fma(a, b, c); }, py::arg("a"), py::arg("b"),
        py::arg("c"), "a·b + c rounded once to float32, as the core's host code computes it (tests).");
  m.def("rn_exp_f32", [](float x) { return hb::rn::exp(x); }, py::arg("x"),
        "rn::exp in float32, as the core's host code computes it (tests).");
  m.def("rn_exp_f64", [](double x) { return hb::rn::exp(x); }, py::arg("x"),
        "rn::exp in float64, as the core's host code computes it (tests).");
  m.def("ising_threshold", [](float q) { return hb::ising_threshold(q); }, py::arg("q"),
        "The 32-bit threshold of flip probability q that every backend's per-site Ising update compares "
        "its word with (tests).");
  {
    // The purposes of hb::Purpose, so that Python-side mirrors can be checked against the core.
    py::dict purposes;
    purposes["user"] = static_cast<uint32_t>(hb::Purpose::kUser);
    purposes["langevin_noise"] = static_cast<uint32_t>(hb::Purpose::kLangevinNoise);
    purposes["metropolis"] = static_cast<uint32_t>(hb::Purpose::kMetropolis);
    purposes["momentum"] = static_cast<uint32_t>(hb::Purpose::kMomentum);
    purposes["gibbs"] = static_cast<uint32_t>(hb::Purpose::kGibbs);
    purposes["swap"] = static_cast<uint32_t>(hb::Purpose::kSwap);
    purposes["init"] = static_cast<uint32_t>(hb::Purpose::kInit);
    purposes["ais"] = static_cast<uint32_t>(hb::Purpose::kAis);
    m.attr("PURPOSES") = purposes;
  }
  m.def("set_num_threads", [](int n) {
    if (n < 1) throw py::value_error("argument 'n': expected a positive number of threads, got " + std::to_string(n));
    hb::cpu::set_num_threads(n);
  }, py::arg("n"));
  m.def("get_num_threads", &hb::cpu::num_threads);
  m.def("set_progress", &hb::bind::set_progress, py::arg("callback"),
        "Callable(completed) run after each chunk of this thread's calls, or None (private: heatbath.progress).");
  m.def("cpu_isa", [] { return hb::cpu::isa_name(hb::cpu::active_isa()); },
        "The instruction-set variant the CPU kernels use now.");
  m.def("cpu_isa_variants", [] {
    std::vector<std::string> names;
    for (int i = 0; i <= static_cast<int>(hb::cpu::best_supported_isa()); ++i)
      names.push_back(hb::cpu::isa_name(static_cast<hb::cpu::Isa>(i)));
    return names;
  }, "The variants this CPU can run, slowest first.");
  m.def("limit_cpu_isa", [](const std::string& name) {
    for (int i = 0; i <= static_cast<int>(hb::cpu::Isa::kAvx512); ++i) {
      if (name == hb::cpu::isa_name(static_cast<hb::cpu::Isa>(i))) {
        hb::cpu::limit_isa(static_cast<hb::cpu::Isa>(i));
        return;
      }
    }
    throw py::value_error("argument 'name': expected 'baseline', 'avx2' or 'avx512', got '" + name + "'");
  }, py::arg("name"), "Use at most this instruction-set variant (results are identical; speed differs).");
  m.def("openmp_enabled", &hb::cpu::openmp_enabled);
}
