// SPDX-License-Identifier: Apache-2.0
// The compiled entry behind heatbath.TorchPotential: one phase of a Langevin step (langevin_update.h)
// applied in place to the caller's tensors, borrowed through DLPack (no copies). Bound once per
// backend. A Backend provides:
//   static constexpr DeviceKind kDevice;
//   template <class T, Phase P> static void update(const UpdateArgs<T>&, int device, std::uintptr_t stream);
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/langevin_bindings.h"
#include "heatbath/langevin_update.h"

namespace hb::bind {

struct PhaseSpec {
  const char* name;
  Phase phase;
  // Which arrays the phase reads (r) or writes (w), in the order x, p, g, y, gy, e, ey; '-' unused.
  const char* uses;
  bool takes_accepted;
  bool takes_diverged_at;
  bool takes_noise;  // draws ξ: may be given this step's noise instead (hb::langevin_noise)
};

constexpr PhaseSpec kPhases[] = {
    {"ula_move", Phase::kUlaMove, "w-r----", false, true, true},
    {"mala_propose", Phase::kMalaPropose, "r-rw---", false, false, true},
    {"mala_accept", Phase::kMalaAccept, "w-wrrwr", true, true, false},
    {"baoab_move", Phase::kBaoabMove, "wwr----", false, false, true},
    {"baoab_kick", Phase::kBaoabKick, "rwr----", false, true, false},
};

inline const PhaseSpec& phase_spec(const std::string& phase) {
  for (const PhaseSpec& s : kPhases) {
    if (phase == s.name) return s;
  }
  throw py::value_error("argument 'phase': expected 'ula_move', 'mala_propose', 'mala_accept', 'baoab_move' or "
                        "'baoab_kick', got '" + phase + "'");
}

// The arrays of one Langevin run that stay the same from step to step (x and, as the method needs them,
// p, g, y, e, accepted, diverged_at), imported and checked once; each step then hands over only what
// torch computed anew (g, gy, ey) and the noise. For a small batch the per-step call is a good part of
// the step beside torch's own passes: importing three arrays instead of one, and matching fewer
// arguments, is what lets the loop keep up with a plain torch loop.
template <class Backend>
class UpdateSession {
 public:
  UpdateSession(py::handle x, py::handle p, py::handle g, py::handle y, py::handle e, py::handle accepted,
                py::handle diverged_at, double h, double c1, uint64_t seed, uint64_t chain_start,
                std::uintptr_t stream)
      : fixed_(Backend::kDevice, stream), h_(h), c1_(c1), seed_(seed), chain_start_(chain_start), stream_(stream) {
    const TensorView& xv = fixed_.first(x, "x");
    chains_ = xv.shape[0];
    dim_ = xv.shape[1];
    dtype_ = xv.dtype;
    if (dtype_ == DType::kFloat32) {
      import<float>(x, p, g, y, e);
    } else if (dtype_ == DType::kFloat64) {
      import<double>(x, p, g, y, e);
    } else {
      throw py::type_error(std::string("argument 'x': expected dtype float32 or float64, got ") + dtype_name(dtype_));
    }
    if (!accepted.is_none()) accepted_ = fixed_.counts(accepted, "accepted", chains_);
    if (!diverged_at.is_none()) diverged_at_ = fixed_.counts(diverged_at, "diverged_at", chains_);
  }

  // One phase of step `step`; g, gy, ey (None: the session's own, where it has them) and noise.
  void apply(const std::string& phase, py::handle g, py::handle gy, py::handle ey, py::handle noise, double scale,
             double beta, int64_t step) {
    const PhaseSpec& spec = phase_spec(phase);
    if (step < 0) throw py::value_error("argument 'step': expected a non-negative step");
    if (dtype_ == DType::kFloat32) {
      apply_typed<float>(spec, g, gy, ey, noise, scale, beta, step);
    } else {
      apply_typed<double>(spec, g, gy, ey, noise, scale, beta, step);
    }
  }

 private:
  static constexpr const char* kNames[7] = {"x", "p", "g", "y", "gy", "e", "ey"};

  template <class T>
  void import(py::handle x, py::handle p, py::handle g, py::handle y, py::handle e) {
    const py::handle objs[7] = {x, p, g, y, py::none(), e, py::none()};
    for (int j = 0; j < 7; ++j) {
      if (objs[j].is_none()) continue;
      // Written in place by some phase, so writable whatever the phase that comes first.
      fixed_ptr_[j] = j < 5 ? fixed_.get<T>(objs[j], kNames[j], {chains_, dim_}, "[chains, dim]", true)
                            : fixed_.get<T>(objs[j], kNames[j], {chains_}, "[chains]", true);
    }
  }

  template <class T>
  void apply_typed(const PhaseSpec& spec, py::handle g, py::handle gy, py::handle ey, py::handle noise, double scale,
                   double beta, int64_t step) {
    CallArrays call(Backend::kDevice, stream_, &fixed_);
    T* ptrs[7];
    for (int j = 0; j < 7; ++j) ptrs[j] = static_cast<T*>(fixed_ptr_[j]);
    const py::handle given[7] = {py::none(), py::none(), g, py::none(), gy, py::none(), ey};
    for (int j = 0; j < 7; ++j) {
      const char use = spec.uses[j];
      if (use == '-') continue;
      if (!given[j].is_none()) {
        ptrs[j] = j < 5 ? call.get<T>(given[j], kNames[j], {chains_, dim_}, "[chains, dim]", use == 'w')
                        : call.get<T>(given[j], kNames[j], {chains_}, "[chains]", use == 'w');
      }
      if (ptrs[j] == nullptr) {
        throw py::value_error(std::string("argument '") + kNames[j] + "': the phase '" + spec.name + "' needs it");
      }
    }
    UpdateArgs<T> a{};
    a.chains = chains_;
    a.dim = dim_;
    a.x = ptrs[0];
    a.p = ptrs[1];
    a.g = ptrs[2];
    a.y = ptrs[3];
    a.gy = ptrs[4];
    a.e = ptrs[5];
    a.ey = ptrs[6];
    if (spec.takes_accepted) a.accepted = required(accepted_, "accepted", spec);
    if (spec.takes_diverged_at) a.diverged_at = required(diverged_at_, "diverged_at", spec);
    if (!noise.is_none()) {
      if (!spec.takes_noise) {
        throw py::value_error(std::string("argument 'noise': the phase '") + spec.name + "' draws no noise");
      }
      a.noise = call.get<T>(noise, "noise", {chains_, dim_}, "[chains, dim]", false);
    }
    a.scale = static_cast<T>(scale);
    a.beta = static_cast<T>(beta);
    a.h = static_cast<T>(h_);
    a.c1 = static_cast<T>(c1_);
    a.seed = seed_;
    a.chain_start = chain_start_;
    a.step = step;
    const int device = call.device_id();
    switch (spec.phase) {
#define HB_CASE(T_, P) \
  case P: return Backend::template update<T_, P>(a, device, stream_);
      HB_FOR_EACH_PHASE(HB_CASE, T)
#undef HB_CASE
    }
  }

  static int64_t* required(int64_t* counts, const char* name, const PhaseSpec& spec) {
    if (counts == nullptr) {
      throw py::value_error(std::string("argument '") + name + "': the phase '" + spec.name + "' needs it");
    }
    return counts;
  }

  CallArrays fixed_;
  int64_t chains_ = 0, dim_ = 0;
  DType dtype_ = DType::kFloat32;
  void* fixed_ptr_[7] = {};
  int64_t* accepted_ = nullptr;
  int64_t* diverged_at_ = nullptr;
  double h_, c1_;
  uint64_t seed_, chain_start_;
  std::uintptr_t stream_;
};

// One phase on its own: a session of one step.
template <class Backend>
void update_entry(const std::string& phase, py::handle x, py::handle p, py::handle g, py::handle y, py::handle gy,
                  py::handle e, py::handle ey, py::handle accepted, py::handle diverged_at, py::handle noise,
                  double scale, double beta, double h, double c1, uint64_t seed, uint64_t chain_start, int64_t step,
                  std::uintptr_t stream) {
  const PhaseSpec& spec = phase_spec(phase);
  if (step < 0) throw py::value_error("argument 'step': expected a non-negative step");
  // Only the arrays the phase uses are imported (an unused one is not checked, as before).
  const auto used = [&](py::handle a, int j) { return spec.uses[j] == '-' ? py::handle(py::none()) : a; };
  UpdateSession<Backend> session(x, used(p, 1), py::none(), used(y, 3), used(e, 5),
                                 spec.takes_accepted ? accepted : py::handle(py::none()),
                                 spec.takes_diverged_at ? diverged_at : py::handle(py::none()), h, c1, seed,
                                 chain_start, stream);
  session.apply(phase, used(g, 2), used(gy, 4), used(ey, 6), noise, scale, beta, step);
}

template <class Backend>
void bind_langevin_update(py::module_& m) {
  m.def("langevin_update", &update_entry<Backend>, py::arg("phase"), py::arg("x"), py::arg("p") = py::none(),
        py::arg("g") = py::none(), py::arg("y") = py::none(), py::arg("gy") = py::none(), py::arg("e") = py::none(),
        py::arg("ey") = py::none(), py::arg("accepted") = py::none(), py::arg("diverged_at") = py::none(),
        py::arg("noise") = py::none(),
        py::arg("scale") = 0.0, py::arg("beta") = 1.0, py::arg("h") = 0.0, py::arg("c1") = 0.0,
        py::arg("seed") = 0, py::arg("chain_start") = 0, py::arg("step") = 0, py::arg("stream") = 0,
        "Apply one phase of a Langevin step in place, given E and grad E computed outside the core "
        "(private: heatbath.TorchPotential).");
  py::class_<UpdateSession<Backend>>(m, "LangevinUpdateSession",
                                     "A run's fixed arrays for langevin_update's phases (private: "
                                     "heatbath.TorchPotential).")
      .def(py::init<py::handle, py::handle, py::handle, py::handle, py::handle, py::handle, py::handle, double, double,
                    uint64_t, uint64_t, std::uintptr_t>(),
           py::arg("x"), py::arg("p"), py::arg("g"), py::arg("y"), py::arg("e"), py::arg("accepted"),
           py::arg("diverged_at"), py::arg("h"), py::arg("c1"), py::arg("seed"), py::arg("chain_start"),
           py::arg("stream"))
      .def("apply", &UpdateSession<Backend>::apply, py::arg("phase"), py::arg("g"), py::arg("gy"), py::arg("ey"),
           py::arg("noise"), py::arg("scale"), py::arg("beta"), py::arg("step"),
           "One phase of step `step` (arguments by position in the loop).");
}

}  // namespace hb::bind
