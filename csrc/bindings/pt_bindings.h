// SPDX-License-Identifier: Apache-2.0
// The compiled entries behind heatbath.ParallelTempering, bound once per backend:
//   pt_langevin  whole runs of rounds (n_local tempered Langevin steps at every replica, then one swap
//                pass) without returning to Python between rounds;
//   pt_swap      one swap pass on energies a model computed itself (the plug-in path for Gibbs models);
//                SwapSession (pt_swap_session.h) does the same for calls that make many passes.
// A Backend provides kDevice and
//   template <class T, Method M, class Pot> static void rounds(const LangevinArgs<T>&, const Tempered<Pot>&,
//       const SwapArgs<T>&, T* energy, T* workspace, int64_t round_begin, int64_t round_end, int64_t n_local,
//       int device, std::uintptr_t stream);   // the CPU one checks Ctrl-C between chunks of rounds
//   template <class T> static void swap(const SwapArgs<T>&, int64_t round, int, std::uintptr_t);
#pragma once
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>

#include "bindings/langevin_bindings.h"
#include "bindings/pt_swap_session.h"
#include "heatbath/pt_swap.h"
#include "heatbath/tempered.h"

namespace hb::bind {

template <class Backend, class T>
void pt_langevin_typed(const std::string& method, const std::string& potential, const py::dict& params,
                       const TensorView& xv, CallArrays& arrays, py::handle x, py::handle p, py::handle accepted,
                       py::handle diverged_at, py::handle energy_beta, py::handle noise_scale,
                       py::handle unit_beta, double h, double c1, py::handle ref_mean, py::handle ref_inv_var,
                       double ref_log_norm, const py::dict& swap, int64_t thin, int scheme, uint64_t seed,
                       int64_t n_local, int64_t round0, int64_t n_rounds, py::handle workspace,
                       std::uintptr_t stream) {
  const int64_t rows = xv.shape[0], d = xv.shape[1];
  LangevinArgs<T> a{};
  a.chains = rows;
  a.dim = d;
  a.x = arrays.get<T>(x, "x", {rows, d}, "[chains * replicas, dim]", true);
  a.p = arrays.optional<T>(p, "p", {rows, d}, "[chains * replicas, dim]", true);
  a.energy = arrays.get<T>(energy_beta, "energy_beta", {rows}, "[chains * replicas]", true);
  a.accepted = arrays.counts(accepted, "accepted", rows);
  a.diverged_at = arrays.counts(diverged_at, "diverged_at", rows);
  a.noise_scale = arrays.get<T>(noise_scale, "noise_scale", {1}, "[1]", false);
  a.beta = arrays.get<T>(unit_beta, "beta", {1}, "[1]", false);
  a.coef_stride = 0;
  a.h = static_cast<T>(h);
  a.c1 = static_cast<T>(c1);
  a.seed = seed;
  a.chain_start = 0;  // the noise of row r is that of chain r: replicas × chains are one batch
  // Steps are numbered across the whole run, so the Langevin noise of round n is that of steps
  // [n·n_local, (n+1)·n_local); the tile's end-of-call energy (E_β, unused) is evaluated once, at the end.
  a.step0 = round0 * n_local;
  a.n_steps = n_rounds * n_local;
  const T* rm = arrays.get<T>(ref_mean, "ref_mean", {d}, "[dim]", false);
  const T* riv = arrays.get<T>(ref_inv_var, "ref_inv_var", {d}, "[dim]", false);
  SwapArgs<T> s = swap_args<T>(swap, arrays, d, a.x, rm, riv, ref_log_norm, thin, scheme, seed, round0, n_rounds);
  if (s.replicas * s.columns != rows) throw py::value_error("argument 'x': expected [replicas * chains, dim] rows");
  if (s.beta_row == nullptr) throw py::value_error("argument 'beta_row': the tempered local move needs it");
  s.local_accepted = method == "mala" ? a.accepted : nullptr;
  if (method == "baoab" && a.p == nullptr) throw py::value_error("argument 'p': BAOAB needs momenta");
  T* ws = arrays.optional<T>(workspace, "workspace", {3, d, rows}, "[3, dim, rows]", true);
  if (Backend::kDevice == DeviceKind::kCUDA && ws == nullptr) {
    throw py::value_error("argument 'workspace': the CUDA backend needs a [3, dim, rows] workspace");
  }
  // The target's own E at every row, which the swap pass turns into ℓ.
  T* energy = arrays.get<T>(swap["energy"], "energy", {rows}, "[chains * replicas]", true);
  const int device = arrays.device_id();
  if (n_local < 1) throw py::value_error("argument 'n_local': expected at least one local step per round");
  with_potential<T>(potential, params, d, arrays, [&](const auto& base) {
    using Base = std::decay_t<decltype(base)>;
    const Tempered<Base> pot{base, rm, riv, s.beta_row};
    auto run = [&](auto method_tag) {
      constexpr Method M = decltype(method_tag)::value;
      Backend::template rounds<T, M, Base>(a, pot, s, energy, ws, round0, round0 + n_rounds, n_local, device,
                                           stream);
    };
    if (method == "ula") {
      run(std::integral_constant<Method, Method::kULA>{});
    } else if (method == "mala") {
      run(std::integral_constant<Method, Method::kMALA>{});
    } else if (method == "baoab") {
      run(std::integral_constant<Method, Method::kBAOAB>{});
    } else {
      throw py::value_error("argument 'method': expected 'ula', 'mala' or 'baoab', got '" + method + "'");
    }
  });
}

template <class Backend>
void pt_langevin_entry(const std::string& method, const std::string& potential, const py::dict& params, py::handle x,
                       py::handle p, py::handle accepted, py::handle diverged_at, py::handle energy_beta,
                       py::handle noise_scale, py::handle unit_beta, double h, double c1, py::handle ref_mean,
                       py::handle ref_inv_var, double ref_log_norm, const py::dict& swap, int64_t thin,
                       int scheme, uint64_t seed, int64_t n_local, int64_t round0, int64_t n_rounds,
                       py::handle workspace, std::uintptr_t stream) {
  CallArrays arrays(Backend::kDevice, stream);
  const TensorView xv = arrays.first(x, "x");
  if (n_rounds < 0 || round0 < 0 || thin < 0) throw py::value_error("argument 'n_rounds': must be non-negative");
  if (xv.dtype == DType::kFloat32) {
    pt_langevin_typed<Backend, float>(method, potential, params, xv, arrays, x, p, accepted, diverged_at, energy_beta,
                                      noise_scale, unit_beta, h, c1, ref_mean, ref_inv_var, ref_log_norm, swap,
                                      thin, scheme, seed, n_local, round0, n_rounds, workspace, stream);
  } else if (xv.dtype == DType::kFloat64) {
    pt_langevin_typed<Backend, double>(method, potential, params, xv, arrays, x, p, accepted, diverged_at,
                                       energy_beta, noise_scale, unit_beta, h, c1, ref_mean, ref_inv_var,
                                       ref_log_norm, swap, thin, scheme, seed, n_local, round0, n_rounds, workspace,
                                       stream);
  } else {
    throw py::type_error(std::string("argument 'x': expected dtype float32 or float64, got ") + dtype_name(xv.dtype));
  }
}

// One swap pass on energies [replicas * chains] computed by the caller (a plug-in model's own kernels), for
// callers that make one call a run (SwapSession's arguments; round0 < 0: this round alone).
template <class Backend>
void pt_swap_entry(const py::dict& swap, const std::string& dtype, double ref_log_norm, int scheme, uint64_t seed,
                   int64_t round, std::uintptr_t stream, py::handle x, py::handle ref_mean, py::handle ref_inv_var,
                   int64_t thin, int64_t round0, int64_t n_rounds) {
  if (round0 < 0) {
    round0 = round;
    n_rounds = 1;
  }
  SwapSession<Backend>(swap, dtype, ref_log_norm, scheme, seed, stream, x, ref_mean, ref_inv_var, thin, round0,
                       n_rounds)
      .run(round);
}

template <class Backend>
void bind_pt(py::module_& m) {
  m.def("pt_langevin", &pt_langevin_entry<Backend>, py::arg("method"), py::arg("potential"), py::arg("params"),
        py::arg("x"), py::arg("p"), py::arg("accepted"), py::arg("diverged_at"), py::arg("energy_beta"),
        py::arg("noise_scale"), py::arg("unit_beta"), py::arg("h"), py::arg("c1"),
        py::arg("ref_mean"), py::arg("ref_inv_var"), py::arg("ref_log_norm"), py::arg("swap"), py::arg("thin"),
        py::arg("scheme"), py::arg("seed"), py::arg("n_local"), py::arg("round0"), py::arg("n_rounds"),
        py::arg("workspace"), py::arg("stream") = 0,
        "Run n_rounds of parallel tempering with tempered Langevin local moves in place "
        "(private: use heatbath.ParallelTempering).");
  m.def("pt_swap", &pt_swap_entry<Backend>, py::arg("swap"), py::arg("dtype"), py::arg("ref_log_norm"),
        py::arg("scheme"), py::arg("seed"), py::arg("round"), py::arg("stream") = 0, py::arg("x") = py::none(),
        py::arg("ref_mean") = py::none(), py::arg("ref_inv_var") = py::none(), py::arg("thin") = 0,
        py::arg("round0") = -1, py::arg("n_rounds") = 1,
        "One swap pass of parallel tempering on given energies (private: use heatbath.ParallelTempering).");
}

}  // namespace hb::bind
