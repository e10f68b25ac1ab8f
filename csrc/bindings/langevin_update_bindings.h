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

template <class Backend, class T>
void update_typed(const PhaseSpec& spec, const TensorView& xv, CallArrays& arrays, py::handle x, py::handle p,
                  py::handle g, py::handle y, py::handle gy, py::handle e, py::handle ey, py::handle accepted,
                  py::handle diverged_at, py::handle noise, double scale, double beta, double h, double c1,
                  uint64_t seed, uint64_t chain_start, int64_t step, std::uintptr_t stream) {
  const int64_t chains = xv.shape[0], d = xv.shape[1];
  const py::handle objs[] = {x, p, g, y, gy, e, ey};
  static const char* const names[] = {"x", "p", "g", "y", "gy", "e", "ey"};
  T* ptrs[7] = {};
  for (int j = 0; j < 7; ++j) {
    const char use = spec.uses[j];
    if (use == '-') continue;
    if (objs[j].is_none()) {
      throw py::value_error(std::string("argument '") + names[j] + "': the phase '" + spec.name + "' needs it");
    }
    ptrs[j] = j < 5 ? arrays.get<T>(objs[j], names[j], {chains, d}, "[chains, dim]", use == 'w')
                    : arrays.get<T>(objs[j], names[j], {chains}, "[chains]", use == 'w');
  }
  UpdateArgs<T> a{};
  a.chains = chains;
  a.dim = d;
  a.x = ptrs[0];
  a.p = ptrs[1];
  a.g = ptrs[2];
  a.y = ptrs[3];
  a.gy = ptrs[4];
  a.e = ptrs[5];
  a.ey = ptrs[6];
  if (spec.takes_accepted) a.accepted = arrays.counts(accepted, "accepted", chains);
  if (spec.takes_diverged_at) a.diverged_at = arrays.counts(diverged_at, "diverged_at", chains);
  if (!noise.is_none()) {
    if (!spec.takes_noise) {
      throw py::value_error(std::string("argument 'noise': the phase '") + spec.name + "' draws no noise");
    }
    a.noise = arrays.get<T>(noise, "noise", {chains, d}, "[chains, dim]", false);
  }
  a.scale = static_cast<T>(scale);
  a.beta = static_cast<T>(beta);
  a.h = static_cast<T>(h);
  a.c1 = static_cast<T>(c1);
  a.seed = seed;
  a.chain_start = chain_start;
  a.step = step;
  const int device = arrays.device_id();
  switch (spec.phase) {
#define HB_CASE(T_, P) \
  case P: return Backend::template update<T_, P>(a, device, stream);
    HB_FOR_EACH_PHASE(HB_CASE, T)
#undef HB_CASE
  }
}

template <class Backend>
void update_entry(const std::string& phase, py::handle x, py::handle p, py::handle g, py::handle y, py::handle gy,
                  py::handle e, py::handle ey, py::handle accepted, py::handle diverged_at, py::handle noise,
                  double scale, double beta, double h, double c1, uint64_t seed, uint64_t chain_start, int64_t step,
                  std::uintptr_t stream) {
  const PhaseSpec* spec = nullptr;
  for (const PhaseSpec& s : kPhases) {
    if (phase == s.name) spec = &s;
  }
  if (spec == nullptr) {
    throw py::value_error("argument 'phase': expected 'ula_move', 'mala_propose', 'mala_accept', 'baoab_move' or "
                          "'baoab_kick', got '" + phase + "'");
  }
  if (step < 0) throw py::value_error("argument 'step': expected a non-negative step");
  CallArrays arrays(Backend::kDevice, stream);
  const TensorView& xv = arrays.first(x, "x");
  if (xv.dtype == DType::kFloat32) {
    update_typed<Backend, float>(*spec, xv, arrays, x, p, g, y, gy, e, ey, accepted, diverged_at, noise, scale, beta,
                                 h, c1, seed, chain_start, step, stream);
  } else if (xv.dtype == DType::kFloat64) {
    update_typed<Backend, double>(*spec, xv, arrays, x, p, g, y, gy, e, ey, accepted, diverged_at, noise, scale,
                                  beta, h, c1, seed, chain_start, step, stream);
  } else {
    throw py::type_error(std::string("argument 'x': expected dtype float32 or float64, got ") + dtype_name(xv.dtype));
  }
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
}

}  // namespace hb::bind
