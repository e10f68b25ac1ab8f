// SPDX-License-Identifier: Apache-2.0
// heatbath._core: the CPU backend. The CUDA backend is the separate module heatbath._cuda.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "bindings/interrupt.h"
#include "bindings/langevin_bindings.h"
#include "bindings/langevin_update_bindings.h"
#include "bindings/random_bindings.h"
#include "cpu/isa.h"
#include "cpu/langevin_cpu.h"
#include "cpu/langevin_update_cpu.h"
#include "cpu/random_cpu.h"
#include "cpu/threads.h"
#include "heatbath/counter.h"
#include "heatbath/philox.h"

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
  m.doc() = "heatbath's compiled CPU core";
  hb::bind::bind_random<CpuBackend>(m);
  hb::bind::bind_langevin<CpuLangevinBackend>(m);
  hb::bind::bind_langevin_update<CpuUpdateBackend>(m);
  m.def("philox4x32_10", &philox4x32_10, py::arg("counter"), py::arg("key"),
        "One Philox4x32-10 block: encrypt 4 counter words under 2 key words.");
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
