// SPDX-License-Identifier: Apache-2.0
// The compiled rounds of parallel tempering over the Gibbs models (heatbath.ParallelTempering with an
// hb.Ising or hb.RBM target): n_sweeps sweeps or block-Gibbs steps of every row at its temperature,
// its energy, then the swap pass, round after round without returning to Python. A Backend provides
// kDevice and
//   static void ising_rounds(const IsingArgs&, const SwapArgs<double>&, double* energy,
//                            int64_t round_begin, int64_t round_end, int64_t n_sweeps,
//                            const IsingRoundScratch&, int device, std::uintptr_t stream);
//   template <class T> static void rbm_rounds(const GibbsArgs<T>&, const SwapArgs<double>&, double* energy,
//                                             int64_t round_begin, int64_t round_end, int64_t n_sweeps,
//                                             T* beta, T* workspace, int device, std::uintptr_t stream);
// (the CPU ones check Ctrl-C between chunks of rounds and need no scratch; CUDA queues every round on
// the stream, with the scratch arrays given). Devices without them keep the plug-in path of
// heatbath.pt_model: one local-move call, one energy call and one pt_swap call per round.
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/ising_bindings.h"
#include "bindings/pt_bindings.h"
#include "bindings/rbm_bindings.h"

namespace hb::bind {

// The swap arrays of a Gibbs model's rounds, checked against its rows; then the rows' energies.
inline SwapArgs<double> gibbs_swap_args(const py::dict& swap, CallArrays& arrays, double ref_log_norm, int scheme,
                                        uint64_t seed, int64_t round0, int64_t n_rounds, int64_t rows,
                                        const char* what) {
  const SwapArgs<double> s =
      swap_args<double>(swap, arrays, 0, nullptr, nullptr, nullptr, ref_log_norm, 0, scheme, seed, round0, n_rounds);
  if (s.replicas * s.columns != rows) {
    throw py::value_error(std::string("argument '") + what + "': expected one row per row of the swap arrays " +
                          "([chains * replicas, ...])");
  }
  if (s.beta_row == nullptr) throw py::value_error("argument 'beta_row': the local moves need it");
  return s;
}

// The CUDA scratch of the Ising rounds (the CPU needs none): float32 β per row for the sweeps, the
// threshold tables, the per-row energy terms and the magnetisations ising_measure writes beside E.
struct IsingRoundScratch {
  float* beta = nullptr;
  uint32_t* workspace = nullptr;
  IsingRowTerms* terms = nullptr;
  double* mag = nullptr;
};

inline IsingRoundScratch ising_round_scratch(CallArrays& arrays, const IsingArgs& a, py::handle beta,
                                             py::handle workspace, py::handle terms, py::handle mag) {
  IsingRoundScratch w;
  if (beta.is_none() || workspace.is_none() || terms.is_none() || mag.is_none()) {
    throw py::value_error("arguments 'beta', 'workspace', 'terms', 'mag': the CUDA backend's rounds need all four "
                          "scratch arrays");
  }
  w.beta = arrays.get<float>(beta, "beta", {a.lattices}, "[lattices]", true);
  // int32 scratch holding the uint32 thresholds, as for hb.gibbs (ising_entry).
  w.workspace = reinterpret_cast<uint32_t*>(
      arrays.get<int32_t>(workspace, "workspace", {a.lattices, kIsingTableSize}, "[lattices, 14]", true));
  w.terms = ising_terms(arrays, terms, a, true);
  w.mag = arrays.get<double>(mag, "mag", {a.lattices}, "[lattices]", true);
  return w;
}

template <class Backend>
void pt_ising_entry(py::handle spins, py::handle coupling, py::handle field, double j, double h,
                    const std::string& method, const py::dict& swap, double ref_log_norm, int scheme, uint64_t seed,
                    int64_t n_sweeps, int64_t round0, int64_t n_rounds, py::handle beta, py::handle workspace,
                    py::handle terms, py::handle mag, std::uintptr_t stream) {
  CallArrays arrays(Backend::kDevice, stream);
  IsingArgs a = ising_import(arrays, spins, coupling, field, j, h, true, stream, Backend::kDevice);
  if ((a.ndim == 3 && a.nz % 2) || a.ny % 2 || a.nx % 2) {
    throw py::value_error("argument 'spins': checkerboard updates need even side lengths");
  }
  if (n_sweeps < 1) throw py::value_error("argument 'n_sweeps': expected at least one sweep per round");
  if (n_rounds < 0 || round0 < 0) throw py::value_error("argument 'n_rounds': must be non-negative");
  // The last sweep, (round0 + n_rounds) · n_sweeps, must stay below the counter's limit.
  const uint64_t last_round = static_cast<uint64_t>(round0) + static_cast<uint64_t>(n_rounds);
  if (last_round > kMaxStep / 2 / static_cast<uint64_t>(n_sweeps)) {
    throw py::value_error("argument 'n_rounds': the run would pass the sweep counter's limit (2**55 sweeps)");
  }
  if (static_cast<uint64_t>(a.lattices) > kMaxChain + 1) {
    throw py::value_error("argument 'spins': lattice indices must stay below 2**32");
  }
  ising_check_layout_and_method(a, method);
  a.seed = seed;
  a.chain_start = 0;  // the words of row r are those of lattice r: replicas × chains are one batch
  const SwapArgs<double> s =
      gibbs_swap_args(swap, arrays, ref_log_norm, scheme, seed, round0, n_rounds, a.lattices, "spins");
  double* energy = arrays.get<double>(swap["energy"], "energy", {a.lattices}, "[chains * replicas]", true);
  const IsingRoundScratch scratch = Backend::kDevice == DeviceKind::kCUDA
                                        ? ising_round_scratch(arrays, a, beta, workspace, terms, mag)
                                        : IsingRoundScratch{};
  Backend::ising_rounds(a, s, energy, round0, round0 + n_rounds, n_sweeps, scratch, arrays.device_id(), stream);
}

template <class Backend>
void pt_rbm_entry(double sigma, py::handle w, py::handle b, py::handle c, py::handle v, py::handle h,
                  const py::dict& swap, double ref_log_norm, int scheme, uint64_t seed, int64_t n_sweeps,
                  int64_t round0, int64_t n_rounds, py::handle beta, py::handle workspace, std::uintptr_t stream) {
  if (n_sweeps < 1) throw py::value_error("argument 'n_sweeps': expected at least one step per round");
  if (n_rounds < 0 || round0 < 0) throw py::value_error("argument 'n_rounds': must be non-negative");
  const uint64_t last_round = static_cast<uint64_t>(round0) + static_cast<uint64_t>(n_rounds);
  if (last_round > kMaxStep / 2 / static_cast<uint64_t>(n_sweeps)) {
    throw py::value_error("argument 'n_rounds': the run would pass the step counter's limit (2**55 steps)");
  }
  // The joint energy and the uniform β = 0 end exist for Bernoulli visible units only.
  with_rbm<Backend>("bernoulli", sigma, w, b, c, stream, [&](const auto& rbm, CallArrays& arrays) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(rbm.w)>>;
    GibbsArgs<T> a{};
    a.rbm = rbm;
    const int64_t rows = py::len(swap["energy"]);
    if (static_cast<uint64_t>(rows) > kMaxChain + 1) throw py::value_error("argument 'v': rows must stay below 2**32");
    a.chains = rows;
    a.v = arrays.get<T>(v, "v", {rows, rbm.V}, "[chains * replicas, V]", true);
    a.h = arrays.get<T>(h, "h", {rows, rbm.H}, "[chains * replicas, H]", true);
    a.seed = seed;
    const SwapArgs<double> s = gibbs_swap_args(swap, arrays, ref_log_norm, scheme, seed, round0, n_rounds, rows, "v");
    double* energy = arrays.get<double>(swap["energy"], "energy", {rows}, "[chains * replicas]", true);
    T* beta_rows = nullptr;
    T* ws = nullptr;
    if (Backend::kDevice == DeviceKind::kCUDA) {  // β per row for the sweeps; the launcher's activations
      if (beta.is_none() || workspace.is_none()) {
        throw py::value_error("arguments 'beta', 'workspace': the CUDA backend's rounds need both scratch arrays");
      }
      beta_rows = arrays.get<T>(beta, "beta", {rows}, "[chains * replicas]", true);
      ws = arrays.get<T>(workspace, "workspace", {rows, rbm.V + 2 * rbm.H}, "[chains * replicas, V + 2H]", true);
    }
    Backend::template rbm_rounds<T>(a, s, energy, round0, round0 + n_rounds, n_sweeps, beta_rows, ws,
                                    arrays.device_id(), stream);
  });
}

template <class Backend>
void bind_pt_ising(py::module_& m) {
  m.def("pt_ising", &pt_ising_entry<Backend>, py::arg("spins"), py::arg("coupling"), py::arg("field"), py::arg("j"),
        py::arg("h"), py::arg("method"), py::arg("swap"), py::arg("ref_log_norm"), py::arg("scheme"), py::arg("seed"),
        py::arg("n_sweeps"), py::arg("round0"), py::arg("n_rounds"), py::arg("beta") = py::none(),
        py::arg("workspace") = py::none(), py::arg("terms") = py::none(), py::arg("mag") = py::none(),
        py::arg("stream") = 0,
        "Run n_rounds of parallel tempering over Ising lattices in place (private: use heatbath.ParallelTempering).");
}

template <class Backend>
void bind_pt_rbm(py::module_& m) {
  m.def("pt_rbm", &pt_rbm_entry<Backend>, py::arg("sigma"), py::arg("weights"), py::arg("visible_bias"),
        py::arg("hidden_bias"), py::arg("v"), py::arg("h"), py::arg("swap"), py::arg("ref_log_norm"), py::arg("scheme"),
        py::arg("seed"), py::arg("n_sweeps"), py::arg("round0"), py::arg("n_rounds"), py::arg("beta") = py::none(),
        py::arg("workspace") = py::none(), py::arg("stream") = 0,
        "Run n_rounds of parallel tempering over RBM (v, h) pairs in place (private: use heatbath.ParallelTempering).");
}

}  // namespace hb::bind
