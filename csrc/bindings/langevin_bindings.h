// SPDX-License-Identifier: Apache-2.0
// The compiled entries behind heatbath.langevin, heatbath.energy and heatbath.grad, bound once per
// backend. The Python layer validates user input and allocates every array; these functions re-check
// what could corrupt memory (shapes, dtypes, devices, contiguity) and dispatch on dtype, method and
// potential. A Backend provides:
//   static constexpr DeviceKind kDevice;
//   template <class T, Method M, class Pot> static void langevin(const LangevinArgs<T>&, const Pot&,
//       T* workspace, int device, std::uintptr_t stream);
//   template <class T, class Pot> static void evaluate(const EvaluateArgs<T>&, const Pot&, int device,
//       std::uintptr_t stream);
#pragma once
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings/dlpack_import.h"
#include "heatbath/evaluate.h"
#include "heatbath/langevin.h"
#include "heatbath/potentials.h"

namespace hb::bind {

template <class T> constexpr DType dtype_of_v = DType::kFloat32;
template <> constexpr DType dtype_of_v<double> = DType::kFloat64;
template <> constexpr DType dtype_of_v<int8_t> = DType::kInt8;    // Ising spins
template <> constexpr DType dtype_of_v<int32_t> = DType::kInt32;  // Ising CUDA workspace
template <> constexpr DType dtype_of_v<int64_t> = DType::kInt64;

// Imports the arrays of one call and keeps them alive until it returns.
class CallArrays {
 public:
  // same_device_as: arrays imported earlier (a session's, say) whose device this call's must share.
  CallArrays(DeviceKind device, std::uintptr_t stream, const CallArrays* same_device_as = nullptr)
      : device_(device), stream_(stream), anchor_(same_device_as != nullptr ? same_device_as->front() : nullptr) {}

  // A required array of dtype T, C-contiguous, on the same device as the first one imported.
  template <class T>
  T* get(py::handle obj, const char* name, std::initializer_list<int64_t> shape, const char* layout,
         bool writable) {
    held_.push_back(std::make_unique<ImportedTensor>(obj, name, device_, stream_));
    const ImportedTensor& t = *held_.back();
    t.require_dtype({dtype_of_v<T>});
    t.require_shape(shape, layout);
    t.require_contiguous();
    if (writable) t.require_writable();
    require_same_device(t);
    return static_cast<T*>(t.view().data);
  }

  template <class T>
  T* optional(py::handle obj, const char* name, std::initializer_list<int64_t> shape, const char* layout,
              bool writable) {
    return obj.is_none() ? nullptr : get<T>(obj, name, shape, layout, writable);
  }

  int64_t* counts(py::handle obj, const char* name, int64_t n) {
    held_.push_back(std::make_unique<ImportedTensor>(obj, name, device_, stream_));
    const ImportedTensor& t = *held_.back();
    t.require_dtype({DType::kInt64});
    t.require_shape({n}, "[chains]");
    t.require_contiguous();
    t.require_writable();
    require_same_device(t);
    return static_cast<int64_t*>(t.view().data);
  }

  int device_id() const {
    if (!held_.empty()) return held_.front()->view().device_id;
    return anchor_ != nullptr ? anchor_->view().device_id : 0;
  }
  const ImportedTensor* front() const { return held_.empty() ? nullptr : held_.front().get(); }

  // The first imported array: its shape defines the problem.
  const TensorView& first(py::handle obj, const char* name) {
    held_.push_back(std::make_unique<ImportedTensor>(obj, name, device_, stream_));
    held_.back()->require_ndim(2, "[chains, dim]");
    return held_.back()->view();
  }

 private:
  void require_same_device(const ImportedTensor& t) const {
    if (held_.size() > 1) {
      t.require_same_device(*held_.front());
    } else if (anchor_ != nullptr) {
      t.require_same_device(*anchor_);
    }
  }

  DeviceKind device_;
  std::uintptr_t stream_;
  const ImportedTensor* anchor_;
  std::vector<std::unique_ptr<ImportedTensor>> held_;
};

// Calls f(pot) with the potential named `kind`, its parameters imported from `params`.
template <class T, class F>
void with_potential(const std::string& kind, const py::dict& params, int64_t d, CallArrays& arrays, F&& f) {
  if (kind == "double_well") {
    f(DoubleWell<T>{});
  } else if (kind == "gaussian") {
    Gaussian<T> g{arrays.get<T>(params["mean"], "mean", {d}, "[dim]", false),
                  arrays.get<T>(params["precision"], "precision", {d, d}, "[dim, dim]", false)};
    f(g);
  } else if (kind == "gaussian_mixture") {
    const int64_t k = py::len(params["log_norm"]);
    GaussianMixture<T> g{arrays.get<T>(params["means"], "means", {k, d}, "[components, dim]", false),
                         arrays.get<T>(params["inv_var"], "inv_var", {k, d}, "[components, dim]", false),
                         arrays.get<T>(params["log_norm"], "log_norm", {k}, "[components]", false), k};
    f(g);
  } else if (kind == "rosenbrock") {
    f(Rosenbrock<T>{params["a"].cast<T>(), params["b"].cast<T>()});
  } else {
    throw py::value_error("argument 'potential': unknown potential '" + kind + "'");
  }
}

template <class Backend, class T>
void langevin_typed(const std::string& method, const std::string& potential, const py::dict& params,
                    const TensorView& xv, CallArrays& arrays, py::handle x, py::handle p, py::handle trace,
                    py::handle energy_trace, py::handle energy, py::handle accepted, py::handle diverged_at,
                    py::handle noise_scale, py::handle beta, double h, double c1, int64_t thin, uint64_t seed,
                    uint64_t chain_start, int64_t step0, int64_t n_steps, py::handle workspace,
                    std::uintptr_t stream) {
  const int64_t chains = xv.shape[0], d = xv.shape[1];
  LangevinArgs<T> a{};
  a.chains = chains;
  a.dim = d;
  a.x = arrays.get<T>(x, "x", {chains, d}, "[chains, dim]", true);
  a.p = arrays.optional<T>(p, "p", {chains, d}, "[chains, dim]", true);
  const int64_t samples = thin > 0 ? n_steps / thin : 0;
  a.trace = arrays.optional<T>(trace, "trace", {samples, chains, d}, "[samples, chains, dim]", true);
  a.energy_trace = arrays.optional<T>(energy_trace, "energy_trace", {samples, chains}, "[samples, chains]", true);
  a.energy = arrays.get<T>(energy, "energy", {chains}, "[chains]", true);
  a.accepted = arrays.counts(accepted, "accepted", chains);
  a.diverged_at = arrays.counts(diverged_at, "diverged_at", chains);
  const int64_t n_coef = py::len(noise_scale);
  if (n_coef != 1 && n_coef != n_steps) throw py::value_error("argument 'noise_scale': expected 1 or n_steps values");
  a.noise_scale = arrays.get<T>(noise_scale, "noise_scale", {n_coef}, "[n_steps] or [1]", false);
  a.beta = arrays.get<T>(beta, "beta", {n_coef}, "[n_steps] or [1]", false);
  a.coef_stride = n_coef == 1 ? 0 : 1;
  a.h = static_cast<T>(h);
  a.c1 = static_cast<T>(c1);
  a.thin = thin;
  a.seed = seed;
  a.chain_start = chain_start;
  a.step0 = step0;
  a.n_steps = n_steps;
  if (method == "baoab" && a.p == nullptr) throw py::value_error("argument 'p': BAOAB needs momenta");
  if (thin > 0 && (a.trace == nullptr || a.energy_trace == nullptr)) {
    throw py::value_error("argument 'trace': thin > 0 needs trace and energy_trace arrays");
  }
  T* ws = arrays.optional<T>(workspace, "workspace", {3, d, chains}, "[3, dim, chains]", true);
  if (Backend::kDevice == DeviceKind::kCUDA && ws == nullptr) {
    throw py::value_error("argument 'workspace': the CUDA backend needs a [3, dim, chains] workspace");
  }
  const int device = arrays.device_id();
  with_potential<T>(potential, params, d, arrays, [&](const auto& pot) {
    using Pot = std::decay_t<decltype(pot)>;
    if (method == "ula") {
      Backend::template langevin<T, Method::kULA, Pot>(a, pot, ws, device, stream);
    } else if (method == "mala") {
      Backend::template langevin<T, Method::kMALA, Pot>(a, pot, ws, device, stream);
    } else if (method == "baoab") {
      Backend::template langevin<T, Method::kBAOAB, Pot>(a, pot, ws, device, stream);
    } else {
      throw py::value_error("argument 'method': expected 'ula', 'mala' or 'baoab', got '" + method + "'");
    }
  });
}

template <class Backend>
void langevin_entry(const std::string& method, const std::string& potential, const py::dict& params, py::handle x,
                    py::handle p, py::handle trace, py::handle energy_trace, py::handle energy, py::handle accepted,
                    py::handle diverged_at, py::handle noise_scale, py::handle beta, double h, double c1,
                    int64_t thin, uint64_t seed, uint64_t chain_start, int64_t step0, int64_t n_steps,
                    py::handle workspace, std::uintptr_t stream) {
  CallArrays arrays(Backend::kDevice, stream);
  const TensorView xv = arrays.first(x, "x");
  if (n_steps < 0 || thin < 0 || step0 < 0) throw py::value_error("argument 'n_steps': steps must be non-negative");
  if (xv.dtype == DType::kFloat32) {
    langevin_typed<Backend, float>(method, potential, params, xv, arrays, x, p, trace, energy_trace, energy, accepted,
                                   diverged_at, noise_scale, beta, h, c1, thin, seed, chain_start, step0, n_steps,
                                   workspace, stream);
  } else if (xv.dtype == DType::kFloat64) {
    langevin_typed<Backend, double>(method, potential, params, xv, arrays, x, p, trace, energy_trace, energy,
                                    accepted, diverged_at, noise_scale, beta, h, c1, thin, seed, chain_start, step0,
                                    n_steps, workspace, stream);
  } else {
    throw py::type_error(std::string("argument 'x': expected dtype float32 or float64, got ") + dtype_name(xv.dtype));
  }
}

template <class Backend, class T>
void evaluate_typed(const std::string& potential, const py::dict& params, const TensorView& xv, CallArrays& arrays,
                    py::handle x, py::handle grad, py::handle energy, std::uintptr_t stream) {
  const int64_t chains = xv.shape[0], d = xv.shape[1];
  EvaluateArgs<T> a{chains, d, arrays.get<T>(x, "x", {chains, d}, "[chains, dim]", false),
                    arrays.get<T>(grad, "grad", {chains, d}, "[chains, dim]", true),
                    arrays.get<T>(energy, "energy", {chains}, "[chains]", true)};
  const int device = arrays.device_id();
  with_potential<T>(potential, params, d, arrays, [&](const auto& pot) {
    using Pot = std::decay_t<decltype(pot)>;
    Backend::template evaluate<T, Pot>(a, pot, device, stream);
  });
}

template <class Backend>
void evaluate_entry(const std::string& potential, const py::dict& params, py::handle x, py::handle grad,
                    py::handle energy, std::uintptr_t stream) {
  CallArrays arrays(Backend::kDevice, stream);
  const TensorView xv = arrays.first(x, "x");
  if (xv.dtype == DType::kFloat32) {
    evaluate_typed<Backend, float>(potential, params, xv, arrays, x, grad, energy, stream);
  } else if (xv.dtype == DType::kFloat64) {
    evaluate_typed<Backend, double>(potential, params, xv, arrays, x, grad, energy, stream);
  } else {
    throw py::type_error(std::string("argument 'x': expected dtype float32 or float64, got ") + dtype_name(xv.dtype));
  }
}

template <class Backend>
void bind_langevin(py::module_& m) {
  m.def("langevin", &langevin_entry<Backend>, py::arg("method"), py::arg("potential"), py::arg("params"),
        py::arg("x"), py::arg("p"), py::arg("trace"), py::arg("energy_trace"), py::arg("energy"),
        py::arg("accepted"), py::arg("diverged_at"), py::arg("noise_scale"), py::arg("beta"), py::arg("h"),
        py::arg("c1"), py::arg("thin"), py::arg("seed"), py::arg("chain_start"), py::arg("step0"),
        py::arg("n_steps"), py::arg("workspace"), py::arg("stream") = 0,
        "Run n_steps of Langevin dynamics in place (private: use heatbath.langevin).");
  m.def("evaluate", &evaluate_entry<Backend>, py::arg("potential"), py::arg("params"), py::arg("x"),
        py::arg("grad"), py::arg("energy"), py::arg("stream") = 0,
        "E(x) and grad E(x) of a built-in potential (private: use heatbath.energy / heatbath.grad).");
}

}  // namespace hb::bind
