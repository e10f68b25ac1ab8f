// SPDX-License-Identifier: Apache-2.0
// The compiled entries behind heatbath.Ising, bound once per backend. The Python layer validates user
// input and allocates every array; these functions re-check what could corrupt memory (shapes, dtypes,
// devices, contiguity) and dispatch. A Backend provides:
//   static constexpr DeviceKind kDevice;
//   static void ising(const IsingArgs&, int64_t n_sweeps, uint32_t* workspace, IsingRowTerms* terms, int device,
//                     std::uintptr_t stream);
//   static void measure(const IsingArgs&, IsingRowTerms* terms, double* energy, double* mag, int device,
//                       std::uintptr_t stream);
// The CUDA backend needs the workspaces (threshold tables, per-row energy terms); the CPU ignores them.
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/dlpack_import.h"
#include "bindings/langevin_bindings.h"
#include "heatbath/ising.h"

namespace hb::bind {

// The per-row terms scratch [lattices, rows] of IsingRowTerms, given as float64 [lattices, rows, 3].
inline IsingRowTerms* ising_terms(CallArrays& arrays, py::handle terms, const IsingArgs& a, bool required) {
  static_assert(sizeof(IsingRowTerms) == 3 * sizeof(double), "IsingRowTerms is three 8-byte words");
  double* p = arrays.optional<double>(terms, "terms", {a.lattices, a.nz * a.ny, 3}, "[lattices, rows, 3]", true);
  if (required && p == nullptr) {
    throw py::value_error("argument 'terms': the CUDA backend needs a [lattices, rows, 3] float64 workspace");
  }
  return reinterpret_cast<IsingRowTerms*>(p);
}

// Imports spins [lattices, *shape] (2-D or 3-D lattices, int8, C-contiguous, writable) and the
// optional per-bond couplings [ndim, *shape] and per-site fields [*shape] of float32.
inline IsingArgs ising_import(CallArrays& arrays, py::handle spins, py::handle coupling, py::handle field, double j,
                              double h, bool writable, std::uintptr_t stream, DeviceKind device) {
  int64_t shape[4];
  int ndim;
  {
    ImportedTensor probe(spins, "spins", device, stream);
    ndim = probe.view().ndim - 1;
    if (ndim != 2 && ndim != 3) {
      throw py::value_error("argument 'spins': expected [lattices, L1, L2] or [lattices, L1, L2, L3], got " +
                            std::to_string(probe.view().ndim) + " dimensions");
    }
    for (int d = 0; d <= ndim; ++d) shape[d] = probe.view().shape[d];
  }
  IsingArgs a{};
  a.ndim = ndim;
  a.lattices = shape[0];
  a.nz = ndim == 3 ? shape[1] : 1;
  a.ny = shape[ndim - 1];
  a.nx = shape[ndim];
  if (ndim == 2) {
    a.spins = arrays.get<int8_t>(spins, "spins", {a.lattices, a.ny, a.nx}, "[lattices, L1, L2]", writable);
    a.coupling = arrays.optional<float>(coupling, "coupling", {2, a.ny, a.nx}, "[2, L1, L2]", false);
    a.field = arrays.optional<float>(field, "field", {a.ny, a.nx}, "[L1, L2]", false);
  } else {
    a.spins = arrays.get<int8_t>(spins, "spins", {a.lattices, a.nz, a.ny, a.nx}, "[lattices, L1, L2, L3]", writable);
    a.coupling = arrays.optional<float>(coupling, "coupling", {3, a.nz, a.ny, a.nx}, "[3, L1, L2, L3]", false);
    a.field = arrays.optional<float>(field, "field", {a.nz, a.ny, a.nx}, "[L1, L2, L3]", false);
  }
  a.j = static_cast<float>(j);
  a.h = static_cast<float>(h);
  return a;
}

// Lattices whose sites fit the counter layout; the update method by name (into a.method).
inline void ising_check_layout_and_method(IsingArgs& a, const std::string& method) {
  if (static_cast<uint64_t>(a.nz * a.ny * ising_blocks_per_row(a.nx)) > kMaxBlock + 1) {
    throw py::value_error("argument 'spins': too many sites per lattice for the counter layout");
  }
  if (method == "heatbath") {
    a.method = IsingMethod::kHeatBath;
  } else if (method == "metropolis") {
    a.method = IsingMethod::kMetropolis;
  } else {
    throw py::value_error("argument 'method': expected 'heatbath' or 'metropolis', got '" + method + "'");
  }
}

template <class Backend>
void ising_entry(py::handle spins, py::handle beta, py::handle coupling, py::handle field, double j, double h,
                 py::handle energy_trace, py::handle mag_trace, const std::string& method, uint64_t seed,
                 uint64_t chain_start, int64_t sweep0, int64_t n_sweeps, py::handle workspace, py::handle terms,
                 std::uintptr_t stream) {
  CallArrays arrays(Backend::kDevice, stream);
  IsingArgs a = ising_import(arrays, spins, coupling, field, j, h, true, stream, Backend::kDevice);
  if ((a.ndim == 3 && a.nz % 2) || a.ny % 2 || a.nx % 2) {
    throw py::value_error("argument 'spins': checkerboard updates need even side lengths");
  }
  if (n_sweeps < 0 || sweep0 < 0 || static_cast<uint64_t>(sweep0 + n_sweeps) > kMaxStep / 2) {
    throw py::value_error("argument 'n_sweeps': sweeps must be non-negative and below 2**55");
  }
  if (chain_start > kMaxChain || static_cast<uint64_t>(a.lattices) > kMaxChain + 1 - chain_start) {
    throw py::value_error("argument 'chain_start': lattice indices must stay below 2**32");
  }
  ising_check_layout_and_method(a, method);
  a.beta = arrays.get<float>(beta, "beta", {a.lattices}, "[lattices]", false);
  a.energy_trace = arrays.optional<double>(energy_trace, "energy_trace", {n_sweeps, a.lattices}, "[n_sweeps, lattices]", true);
  a.mag_trace = arrays.optional<double>(mag_trace, "mag_trace", {n_sweeps, a.lattices}, "[n_sweeps, lattices]", true);
  if ((a.energy_trace == nullptr) != (a.mag_trace == nullptr)) {
    throw py::value_error("argument 'energy_trace': give both traces or neither");
  }
  a.seed = seed;
  a.chain_start = chain_start;
  a.sweep0 = sweep0;
  // int32 scratch holding the uint32 thresholds: not every framework exports uint32 through DLPack.
  uint32_t* ws = reinterpret_cast<uint32_t*>(arrays.optional<int32_t>(workspace, "workspace",
                                                                      {a.lattices, kIsingTableSize},
                                                                      "[lattices, 14]", true));
  if (Backend::kDevice == DeviceKind::kCUDA && ws == nullptr) {
    throw py::value_error("argument 'workspace': the CUDA backend needs a [lattices, 14] int32 workspace");
  }
  const bool cuda = Backend::kDevice == DeviceKind::kCUDA;
  IsingRowTerms* row_terms = ising_terms(arrays, terms, a, cuda && a.energy_trace != nullptr);
  Backend::ising(a, n_sweeps, ws, row_terms, arrays.device_id(), stream);
}

template <class Backend>
void ising_measure_entry(py::handle spins, py::handle coupling, py::handle field, double j, double h,
                         py::handle energy, py::handle mag, py::handle terms, std::uintptr_t stream) {
  CallArrays arrays(Backend::kDevice, stream);
  IsingArgs a = ising_import(arrays, spins, coupling, field, j, h, false, stream, Backend::kDevice);
  double* e = arrays.get<double>(energy, "energy", {a.lattices}, "[lattices]", true);
  double* m = arrays.get<double>(mag, "magnetization", {a.lattices}, "[lattices]", true);
  IsingRowTerms* row_terms = ising_terms(arrays, terms, a, Backend::kDevice == DeviceKind::kCUDA);
  Backend::measure(a, row_terms, e, m, arrays.device_id(), stream);
}

template <class Backend>
void bind_ising(py::module_& m) {
  m.def("ising", &ising_entry<Backend>, py::arg("spins"), py::arg("beta"), py::arg("coupling"), py::arg("field"),
        py::arg("j"), py::arg("h"), py::arg("energy_trace"), py::arg("mag_trace"), py::arg("method"),
        py::arg("seed"), py::arg("chain_start"), py::arg("sweep0"), py::arg("n_sweeps"), py::arg("workspace"),
        py::arg("terms"), py::arg("stream") = 0, "Run n_sweeps checkerboard sweeps in place (private: use heatbath.gibbs).");
  m.def("ising_measure", &ising_measure_entry<Backend>, py::arg("spins"), py::arg("coupling"), py::arg("field"),
        py::arg("j"), py::arg("h"), py::arg("energy"), py::arg("magnetization"), py::arg("terms"),
        py::arg("stream") = 0,
        "E and the sum of spins of each lattice (private: use Ising.energy / Ising.magnetization).");
}

}  // namespace hb::bind
