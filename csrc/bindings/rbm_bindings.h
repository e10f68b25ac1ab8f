// SPDX-License-Identifier: Apache-2.0
// The compiled entries behind heatbath.RBM, heatbath.free_energy and heatbath.ais_log_z, bound once per
// backend. The Python layer validates user input and allocates every array; these functions re-check
// what could corrupt memory (shapes, dtypes, devices, contiguity) and dispatch on dtype and unit type.
// A Backend provides, for T in {float, double}:
//   static constexpr DeviceKind kDevice;
//   static void gibbs(const GibbsArgs<T>&, T* workspace, int device, std::uintptr_t stream);
//   static void ais(const AisArgs<T>&, T* workspace, int device, std::uintptr_t stream);
//   static void conditional(const ConditionalArgs<T>&, T* workspace, int device, std::uintptr_t stream);
//   static void free_energy(const FreeEnergyArgs<T>&, T* workspace, int device, std::uintptr_t stream);
// workspace: [chains, V + 2H] on CUDA (activations and hidden states), unused (null) on the CPU.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <type_traits>
#include <vector>

#include "bindings/langevin_bindings.h"
#include "heatbath/rbm_args.h"

namespace hb::bind {

inline Unit unit_named(const std::string& visible) {
  if (visible == "bernoulli") return Unit::kBernoulli;
  if (visible == "gaussian") return Unit::kGaussian;
  throw py::value_error("argument 'visible': expected 'bernoulli' or 'gaussian', got '" + visible + "'");
}

// Imports the parameters; weights decide the dtype and the device of the call.
template <class T>
RbmParams<T> import_rbm(CallArrays& arrays, const TensorView& wv, py::handle w, py::handle b, py::handle c,
                        const std::string& visible, double sigma) {
  const int64_t V = wv.shape[0], H = wv.shape[1];
  if (V >= (int64_t{1} << 31) || H >= (int64_t{1} << 31)) throw py::value_error("argument 'weights': too large");
  RbmParams<T> p{};
  p.w = arrays.get<T>(w, "weights", {V, H}, "[V, H]", false);
  p.b = arrays.get<T>(b, "visible_bias", {V}, "[V]", false);
  p.c = arrays.get<T>(c, "hidden_bias", {H}, "[H]", false);
  p.V = V;
  p.H = H;
  p.sigma = static_cast<T>(sigma);
  p.visible = unit_named(visible);
  return p;
}

template <class F>
void with_dtype(const TensorView& wv, F&& f) {
  if (wv.dtype == DType::kFloat32) {
    f(float{});
  } else if (wv.dtype == DType::kFloat64) {
    f(double{});
  } else {
    throw py::type_error(std::string("argument 'weights': expected dtype float32 or float64, got ") +
                         dtype_name(wv.dtype));
  }
}

template <class T>
T* rbm_workspace(CallArrays& arrays, DeviceKind device, py::handle ws, int64_t chains, const RbmParams<T>& p) {
  T* out = arrays.optional<T>(ws, "workspace", {chains, p.V + 2 * p.H}, "[chains, V + 2H]", true);
  if (device == DeviceKind::kCUDA && out == nullptr && chains > 0) {
    throw py::value_error("argument 'workspace': the CUDA backend needs a [chains, V + 2H] workspace");
  }
  return out;
}

// Imports the parameters of one call and runs f(params, arrays) with T the weights' dtype.
template <class Backend, class F>
void with_rbm(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c,
              std::uintptr_t stream, F&& f) {
  CallArrays arrays(Backend::kDevice, stream);
  const TensorView wv = arrays.first(w, "weights");
  with_dtype(wv, [&](auto tag) {
    using T = decltype(tag);
    f(import_rbm<T>(arrays, wv, w, b, c, visible, sigma), arrays);
  });
}

// What a Gibbs call and a session's run share: the chains' v [chains, V] and h [chains, H], imported
// writable, and the stream's counters. β, the traces and the workspace are the caller's to add.
template <class T>
GibbsArgs<T> chain_args(CallArrays& arrays, const RbmParams<T>& rbm, int64_t chains, py::handle v, py::handle h,
                        uint64_t seed, uint64_t chain_start, int64_t step0, int64_t n_steps) {
  GibbsArgs<T> a{};
  a.rbm = rbm;
  a.chains = chains;
  a.v = arrays.get<T>(v, "v", {chains, rbm.V}, "[chains, V]", true);
  a.h = arrays.get<T>(h, "h", {chains, rbm.H}, "[chains, H]", true);
  a.seed = seed;
  a.chain_start = chain_start;
  a.step0 = step0;
  a.n_steps = n_steps;
  return a;
}

template <class Backend>
void rbm_gibbs_entry(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c,
                     py::handle v, py::handle h, py::handle beta, py::handle trace_v, py::handle trace_h,
                     int64_t thin, uint64_t seed, uint64_t chain_start, int64_t step0, int64_t n_steps,
                     py::handle workspace, std::uintptr_t stream) {
  if (n_steps < 0 || thin < 0 || step0 < 0) throw py::value_error("argument 'n_steps': steps must be non-negative");
  with_rbm<Backend>(visible, sigma, w, b, c, stream, [&](const auto& rbm, CallArrays& arrays) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(rbm.w)>>;
    const int64_t chains = py::len(beta);
    GibbsArgs<T> a = chain_args<T>(arrays, rbm, chains, v, h, seed, chain_start, step0, n_steps);
    a.beta = arrays.get<T>(beta, "beta", {chains}, "[chains]", false);
    const int64_t samples = thin > 0 ? n_steps / thin : 0;
    a.trace_v = arrays.optional<T>(trace_v, "trace", {samples, chains, a.rbm.V}, "[samples, chains, V]", true);
    a.trace_h = arrays.optional<T>(trace_h, "trace_hidden", {samples, chains, a.rbm.H}, "[samples, chains, H]", true);
    if (thin > 0 && a.trace_v == nullptr) throw py::value_error("argument 'trace': thin > 0 needs a trace array");
    a.thin = thin;
    T* ws = rbm_workspace<T>(arrays, Backend::kDevice, workspace, chains, a.rbm);
    Backend::gibbs(a, ws, arrays.device_id(), stream);
  });
}

// The arrays of a PCD loop's Gibbs calls that stay the same from call to call (the parameters, β per
// chain and the CUDA workspace), imported and checked once; each call then hands over only the chains'
// v and h and its counters. A short call's import of eight arrays and matching of seventeen keywords
// was a good part of its time beside the sampling. The parameters are read where they lie at each
// call (a training loop updates them in place); the Python layer makes a new session when they move.
template <class Backend>
class RbmGibbsSession {
 public:
  RbmGibbsSession(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c, py::handle beta,
                  py::handle workspace, std::uintptr_t stream)
      : fixed_(Backend::kDevice, stream), stream_(stream) {
    const TensorView& wv = fixed_.first(w, "weights");
    chains_ = py::len(beta);
    dtype_ = wv.dtype;
    with_dtype(wv, [&](auto tag) {
      using T = decltype(tag);
      RbmParams<T>& p = params<T>();
      p = import_rbm<T>(fixed_, wv, w, b, c, visible, sigma);
      beta_ = fixed_.get<T>(beta, "beta", {chains_}, "[chains]", false);
      workspace_ = rbm_workspace<T>(fixed_, Backend::kDevice, workspace, chains_, p);
    });
  }

  // n_steps steps of the chains in v [chains, V] and h [chains, H], written in place.
  void run(py::handle v, py::handle h, uint64_t seed, uint64_t chain_start, int64_t step0, int64_t n_steps) {
    if (n_steps < 0 || step0 < 0) throw py::value_error("argument 'n_steps': steps must be non-negative");
    if (dtype_ == DType::kFloat32) {
      run_typed<float>(v, h, seed, chain_start, step0, n_steps);
    } else {
      run_typed<double>(v, h, seed, chain_start, step0, n_steps);
    }
  }

  // Calls replayed from a CUDA graph (rbm_launch.h; 0 on the CPU): for tests.
  int64_t graph_launches() const { return runner_.graph_launches(); }

 private:
  template <class T>
  RbmParams<T>& params() {
    if constexpr (std::is_same_v<T, float>) {
      return pf_;
    } else {
      return pd_;
    }
  }

  template <class T>
  void run_typed(py::handle v, py::handle h, uint64_t seed, uint64_t chain_start, int64_t step0, int64_t n_steps) {
    CallArrays call(Backend::kDevice, stream_, &fixed_);
    GibbsArgs<T> a = chain_args<T>(call, params<T>(), chains_, v, h, seed, chain_start, step0, n_steps);
    a.beta = static_cast<const T*>(beta_);
    runner_.template gibbs<T>(a, static_cast<T*>(workspace_), fixed_.device_id(), stream_);
  }

  CallArrays fixed_;  // holds the imported parameters, β and workspace for the session's life
  std::uintptr_t stream_;
  int64_t chains_ = 0;
  DType dtype_ = DType::kFloat32;
  RbmParams<float> pf_{};
  RbmParams<double> pd_{};
  const void* beta_ = nullptr;
  void* workspace_ = nullptr;
  // After fixed_: gone first, while the memory its CUDA graphs read is still held.
  typename Backend::SessionRunner runner_;
};

template <class Backend>
void rbm_ais_entry(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c,
                   py::handle base, py::handle v, py::handle log_w, const std::vector<double>& betas, uint64_t seed,
                   uint64_t chain_start, py::handle workspace, std::uintptr_t stream) {
  if (betas.size() < 2 || betas.front() != 0.0 || betas.back() != 1.0) {
    throw py::value_error("argument 'betas': expected an increasing schedule from 0 to 1");
  }
  with_rbm<Backend>(visible, sigma, w, b, c, stream, [&](const auto& rbm, CallArrays& arrays) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(rbm.w)>>;
    AisArgs<T> a{};
    a.rbm = rbm;
    a.base = arrays.get<T>(base, "base", {a.rbm.V}, "[V]", false);
    a.chains = py::len(log_w);
    a.v = arrays.get<T>(v, "v", {a.chains, a.rbm.V}, "[chains, V]", true);
    // log weights are float64 whatever the model's dtype
    a.log_w = arrays.get<double>(log_w, "log_w", {a.chains}, "[chains]", true);
    a.betas = betas.data();
    a.n_betas = static_cast<int64_t>(betas.size());
    a.seed = seed;
    a.chain_start = chain_start;
    T* ws = rbm_workspace<T>(arrays, Backend::kDevice, workspace, a.chains, a.rbm);
    Backend::ais(a, ws, arrays.device_id(), stream);
  });
}

template <class Backend>
void rbm_conditional_entry(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c,
                           py::handle x, py::handle beta, py::handle out, bool to_hidden, py::handle workspace,
                           std::uintptr_t stream) {
  with_rbm<Backend>(visible, sigma, w, b, c, stream, [&](const auto& rbm, CallArrays& arrays) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(rbm.w)>>;
    ConditionalArgs<T> a{};
    a.rbm = rbm;
    a.chains = py::len(beta);
    const int64_t n_in = to_hidden ? a.rbm.V : a.rbm.H, n_out = to_hidden ? a.rbm.H : a.rbm.V;
    a.x = arrays.get<T>(x, to_hidden ? "v" : "h", {a.chains, n_in}, "[chains, layer]", false);
    a.beta = arrays.get<T>(beta, "beta", {a.chains}, "[chains]", false);
    a.out = arrays.get<T>(out, "out", {a.chains, n_out}, "[chains, layer]", true);
    a.to_hidden = to_hidden;
    T* ws = rbm_workspace<T>(arrays, Backend::kDevice, workspace, a.chains, a.rbm);
    Backend::conditional(a, ws, arrays.device_id(), stream);
  });
}

template <class Backend>
void rbm_free_energy_entry(const std::string& visible, double sigma, py::handle w, py::handle b, py::handle c,
                           py::handle v, py::handle beta, py::handle out, py::handle workspace,
                           std::uintptr_t stream) {
  with_rbm<Backend>(visible, sigma, w, b, c, stream, [&](const auto& rbm, CallArrays& arrays) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(rbm.w)>>;
    FreeEnergyArgs<T> a{};
    a.rbm = rbm;
    a.chains = py::len(beta);
    a.v = arrays.get<T>(v, "v", {a.chains, a.rbm.V}, "[chains, V]", false);
    a.beta = arrays.get<T>(beta, "beta", {a.chains}, "[chains]", false);
    a.out = arrays.get<T>(out, "out", {a.chains}, "[chains]", true);
    T* ws = rbm_workspace<T>(arrays, Backend::kDevice, workspace, a.chains, a.rbm);
    Backend::free_energy(a, ws, arrays.device_id(), stream);
  });
}

template <class Backend>
void bind_rbm(py::module_& m) {
  m.def("rbm_gibbs", &rbm_gibbs_entry<Backend>, py::arg("visible"), py::arg("sigma"), py::arg("weights"),
        py::arg("visible_bias"), py::arg("hidden_bias"), py::arg("v"), py::arg("h"), py::arg("beta"),
        py::arg("trace"), py::arg("trace_hidden"), py::arg("thin"), py::arg("seed"), py::arg("chain_start"),
        py::arg("step0"), py::arg("n_steps"), py::arg("workspace"), py::arg("stream") = 0,
        "Run n_steps of RBM block Gibbs in place (private: use heatbath.gibbs).");
  py::class_<RbmGibbsSession<Backend>>(m, "RbmGibbsSession",
                                       "The fixed arrays of in-place Gibbs calls (private: heatbath.gibbs).")
      .def(py::init<const std::string&, double, py::handle, py::handle, py::handle, py::handle, py::handle,
                    std::uintptr_t>(),
           py::arg("visible"), py::arg("sigma"), py::arg("weights"), py::arg("visible_bias"),
           py::arg("hidden_bias"), py::arg("beta"), py::arg("workspace"), py::arg("stream") = 0)
      .def("run", &RbmGibbsSession<Backend>::run, py::arg("v"), py::arg("h"), py::arg("seed"),
           py::arg("chain_start"), py::arg("step0"), py::arg("n_steps"),
           "n_steps Gibbs steps of v and h in place (arguments by position).")
      .def_property_readonly("graph_launches", &RbmGibbsSession<Backend>::graph_launches,
                             "Calls launched as one CUDA graph (0 on the CPU).");
  m.def("rbm_ais", &rbm_ais_entry<Backend>, py::arg("visible"), py::arg("sigma"), py::arg("weights"),
        py::arg("visible_bias"), py::arg("hidden_bias"), py::arg("base"), py::arg("v"), py::arg("log_w"),
        py::arg("betas"), py::arg("seed"), py::arg("chain_start"), py::arg("workspace"), py::arg("stream") = 0,
        "Annealed importance sampling log weights (private: use heatbath.ais_log_z).");
  m.def("rbm_conditional", &rbm_conditional_entry<Backend>, py::arg("visible"), py::arg("sigma"),
        py::arg("weights"), py::arg("visible_bias"), py::arg("hidden_bias"), py::arg("x"), py::arg("beta"),
        py::arg("out"), py::arg("to_hidden"), py::arg("workspace"), py::arg("stream") = 0,
        "p(h = 1 | v) or p(v = 1 | h) / E[v | h] (private: use RBM.hidden_probs / visible_probs).");
  m.def("rbm_free_energy", &rbm_free_energy_entry<Backend>, py::arg("visible"), py::arg("sigma"),
        py::arg("weights"), py::arg("visible_bias"), py::arg("hidden_bias"), py::arg("v"), py::arg("beta"),
        py::arg("out"), py::arg("workspace"), py::arg("stream") = 0,
        "Free energy F_beta(v) per chain (private: use heatbath.free_energy).");
}

}  // namespace hb::bind
