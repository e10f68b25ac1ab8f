// SPDX-License-Identifier: Apache-2.0
// The swap pass's arrays imported once for a whole pt.run call, for models whose rounds the core does
// not run itself (user potentials, the plug-in Gibbs path). pt_swap imports some twenty arrays for one
// pass, about 40 µs: more than a pass of a few columns. A session imports them once and keeps the
// imports (and so the arrays) alive; run(round) is then one pass. On the CPU the session also hands
// out the address of its SwapArgs and of a plain function that runs the pass on columns [c0, c1), so
// that compiled code (the Numba rounds, heatbath/_numba/pt_rounds.py) calls the pass between its local
// moves without coming back to Python.
#pragma once
#include <pybind11/pybind11.h>

#include <memory>
#include <string>

#include "bindings/langevin_bindings.h"
#include "heatbath/pt_swap.h"

namespace hb::bind {

// The swap pass's arrays, from the dict `s` the Python layer allocated; every shape is checked here.
template <class T>
SwapArgs<T> swap_args(const py::dict& s, CallArrays& arrays, int64_t dim, const T* x, const T* ref_mean,
                      const T* ref_inv_var, double ref_log_norm, int64_t thin, int scheme, uint64_t seed,
                      int64_t round0, int64_t n_rounds) {
  const int64_t R = py::len(s["betas"]);
  if (R < 2) throw py::value_error("argument 'betas': parallel tempering needs at least two temperatures");
  const int64_t C = py::len(s["energy"]) / R, rows = R * C, pairs = R - 1;
  SwapArgs<T> a{};
  a.replicas = R;
  a.columns = C;
  a.dim = dim;
  a.x = x;
  a.betas = arrays.get<double>(s["betas"], "betas", {R}, "[replicas]", false);
  a.energy = arrays.get<T>(s["energy"], "energy", {rows}, "[chains * replicas]", false);
  a.ref_mean = ref_mean;
  a.ref_inv_var = ref_inv_var;
  a.ref_log_norm = ref_log_norm;
  a.beta_row = arrays.optional<T>(s["beta_row"], "beta_row", {rows}, "[chains * replicas]", true);
  a.slot_of = arrays.get<int64_t>(s["slot_of"], "slot_of", {R, C}, "[replicas, chains]", true);
  a.phase = arrays.get<int64_t>(s["phase"], "phase", {rows}, "[chains * replicas]", true);
  a.round_trips = arrays.get<int64_t>(s["round_trips"], "round_trips", {rows}, "[chains * replicas]", true);
  a.local_accepted = arrays.optional<int64_t>(s["local_accepted"], "local_accepted", {rows}, "[chains * replicas]",
                                              true);
  a.accepted_at = arrays.optional<int64_t>(s["accepted_at"], "accepted_at", {R, C}, "[replicas, chains]", true);
  a.ell = arrays.get<double>(s["ell"], "ell", {R, C}, "[replicas, chains]", true);
  a.rejection = arrays.get<double>(s["rejection"], "rejection", {pairs, C}, "[replicas - 1, chains]", true);
  a.tried = arrays.get<int64_t>(s["tried"], "tried", {pairs, C}, "[replicas - 1, chains]", true);
  a.accepted = arrays.get<int64_t>(s["accepted"], "accepted", {pairs, C}, "[replicas - 1, chains]", true);
  a.fwd_max = arrays.get<double>(s["fwd_max"], "fwd_max", {pairs, C}, "[replicas - 1, chains]", true);
  a.fwd_sum = arrays.get<double>(s["fwd_sum"], "fwd_sum", {pairs, C}, "[replicas - 1, chains]", true);
  a.rev_max = arrays.get<double>(s["rev_max"], "rev_max", {pairs, C}, "[replicas - 1, chains]", true);
  a.rev_sum = arrays.get<double>(s["rev_sum"], "rev_sum", {pairs, C}, "[replicas - 1, chains]", true);
  a.index_trace = arrays.optional<int64_t>(s["index_trace"], "index_trace", {n_rounds, R, C},
                                           "[n_rounds, replicas, chains]", true);
  const int64_t samples = thin > 0 ? n_rounds / thin : 0;
  a.trace = arrays.optional<T>(s["trace"], "trace", {samples, C, dim}, "[samples, chains, dim]", true);
  a.energy_trace = arrays.optional<T>(s["energy_trace"], "energy_trace", {samples, C}, "[samples, chains]", true);
  if (thin > 0 && (a.trace == nullptr || a.energy_trace == nullptr || x == nullptr)) {
    throw py::value_error("argument 'thin': a trace needs states and trace and energy_trace arrays");
  }
  // Private (heatbath.bench.pt_workloads): where the CPU rounds add the time spent in their pieces.
  a.timing = s.contains("timing") ? arrays.optional<double>(s["timing"], "timing", {3}, "[3]", true) : nullptr;
  a.thin = thin;
  if (scheme != static_cast<int>(SwapScheme::kDEO) && scheme != static_cast<int>(SwapScheme::kSEO)) {
    throw py::value_error("argument 'swap': expected scheme 0 (DEO) or 1 (SEO)");
  }
  a.scheme = scheme;
  a.seed = seed;
  a.round0 = round0;
  return a;
}

// The column function: (const SwapArgs<T>* as void*, c0, c1, round), called from threads that hold no
// GIL; it must not throw. A CPU Backend provides it as
//   template <class T> static void swap_columns(const void* args, int64_t c0, int64_t c1, int64_t round) noexcept;
using SwapColumnsFn = void (*)(const void*, int64_t, int64_t, int64_t);

template <class Backend>
class SwapSession {
 public:
  // Without x the reference is uniform (E_ref = 0) with log normaliser ref_log_norm, and there is no
  // trace; with the states x [replicas * chains, dim] the Gaussian reference (ref_mean, ref_inv_var) enters
  // ℓ as in the compiled rounds, and thin > 0 records the β = 1 states. round0 and n_rounds are those of
  // the whole pt.run call (for the index process and the trace).
  SwapSession(const py::dict& swap, const std::string& dtype, double ref_log_norm, int scheme, uint64_t seed,
              std::uintptr_t stream, py::handle x, py::handle ref_mean, py::handle ref_inv_var, int64_t thin,
              int64_t round0, int64_t n_rounds)
      : arrays_(Backend::kDevice, stream), stream_(stream), round0_(round0), n_rounds_(n_rounds) {
    if (round0 < 0 || n_rounds < 0) throw py::value_error("argument 'round0': expected non-negative rounds");
    if (thin < 0) throw py::value_error("argument 'thin': expected a non-negative thinning");
    if (dtype == "float32") {
      f32_ = std::make_unique<SwapArgs<float>>(import<float>(swap, ref_log_norm, scheme, seed, x, ref_mean,
                                                             ref_inv_var, thin));
    } else if (dtype == "float64") {
      f64_ = std::make_unique<SwapArgs<double>>(import<double>(swap, ref_log_norm, scheme, seed, x, ref_mean,
                                                               ref_inv_var, thin));
    } else {
      throw py::type_error("argument 'energy': expected dtype float32 or float64, got " + dtype);
    }
    device_ = arrays_.device_id();
  }

  // One swap pass of round `round` (absolute) over every column.
  void run(int64_t round) {
    if (round < round0_ || round >= round0_ + n_rounds_) {
      throw py::value_error("argument 'round': expected a round of the call [round0, round0 + n_rounds)");
    }
    if (f32_ != nullptr) {
      Backend::template swap<float>(*f32_, round, device_, stream_);
    } else {
      Backend::template swap<double>(*f64_, round, device_, stream_);
    }
  }

  int64_t columns() const { return f32_ != nullptr ? f32_->columns : f64_->columns; }

  // The address of the session's SwapArgs, for the column function (valid while the session lives).
  std::uintptr_t args_address() const {
    return f32_ != nullptr ? reinterpret_cast<std::uintptr_t>(f32_.get())
                           : reinterpret_cast<std::uintptr_t>(f64_.get());
  }

  // The address of the column function for the session's dtype (CPU backends only).
  std::uintptr_t columns_function() const {
    const SwapColumnsFn fn = f32_ != nullptr ? &Backend::template swap_columns<float>
                                             : &Backend::template swap_columns<double>;
    return reinterpret_cast<std::uintptr_t>(fn);
  }

 private:
  template <class T>
  SwapArgs<T> import(const py::dict& swap, double ref_log_norm, int scheme, uint64_t seed, py::handle x,
                     py::handle ref_mean, py::handle ref_inv_var, int64_t thin) {
    int64_t dim = 0;
    const T *xs = nullptr, *rm = nullptr, *riv = nullptr;
    if (!x.is_none()) {
      dim = py::cast<int64_t>(x.attr("shape").attr("__getitem__")(1));
      const int64_t rows = static_cast<int64_t>(py::len(swap["energy"]));
      xs = arrays_.get<T>(x, "x", {rows, dim}, "[chains * replicas, dim]", false);
      rm = arrays_.optional<T>(ref_mean, "ref_mean", {dim}, "[dim]", false);
      riv = arrays_.optional<T>(ref_inv_var, "ref_inv_var", {dim}, "[dim]", false);
      if ((rm == nullptr) != (riv == nullptr)) throw py::value_error("argument 'ref_mean': give ref_inv_var too");
    }
    return swap_args<T>(swap, arrays_, dim, xs, rm, riv, ref_log_norm, thin, scheme, seed, round0_, n_rounds_);
  }

  CallArrays arrays_;  // the imports, alive as long as the session
  std::uintptr_t stream_;
  int64_t round0_, n_rounds_;
  int device_ = 0;
  std::unique_ptr<SwapArgs<float>> f32_;
  std::unique_ptr<SwapArgs<double>> f64_;
};

template <class Backend>
void bind_swap_session(py::module_& m) {
  py::class_<SwapSession<Backend>>(m, "SwapSession",
                                   "The swap pass's arrays imported once for a pt.run call (private: "
                                   "heatbath.ParallelTempering with user potentials).")
      .def(py::init<const py::dict&, const std::string&, double, int, uint64_t, std::uintptr_t, py::handle,
                    py::handle, py::handle, int64_t, int64_t, int64_t>(),
           py::arg("swap"), py::arg("dtype"), py::arg("ref_log_norm"), py::arg("scheme"), py::arg("seed"),
           py::arg("stream") = 0, py::arg("x") = py::none(), py::arg("ref_mean") = py::none(),
           py::arg("ref_inv_var") = py::none(), py::arg("thin") = 0, py::arg("round0") = 0,
           py::arg("n_rounds") = 1)
      .def("run", &SwapSession<Backend>::run, py::arg("round"), "One swap pass of round `round` (absolute).")
      .def_property_readonly("columns", &SwapSession<Backend>::columns)
      .def_property_readonly("args_address", &SwapSession<Backend>::args_address)
      .def_property_readonly("columns_function", &SwapSession<Backend>::columns_function);
}

}  // namespace hb::bind
