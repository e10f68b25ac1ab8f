// SPDX-License-Identifier: Apache-2.0
// heatbath._cuda: the CUDA backend, imported lazily by heatbath._backend. Compiled by the host
// compiler; the kernels live in the .cu files behind cuda/launch.h.
#include <pybind11/pybind11.h>

#include "bindings/ising_bindings.h"
#include "bindings/langevin_bindings.h"
#include "bindings/langevin_update_bindings.h"
#include "bindings/pt_bindings.h"
#include "bindings/pt_gibbs_bindings.h"
#include "bindings/random_bindings.h"
#include "bindings/rbm_bindings.h"
#include "cuda/cublas.h"
#include "cuda/langevin_update_cuda.h"
#include "cuda/launch.h"
#include "cuda/rbm_launch.h"

namespace py = pybind11;

namespace {

struct CudaBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCUDA;

  // Launches are asynchronous on the caller's stream, so there is no long loop to interrupt here.
  template <hb::Draw D, class T>
  static void fill(const hb::FillArgs& a, int device_id, std::uintptr_t stream) {
    hb::cuda::fill_random<D, T>(a, device_id, stream);
  }
};

struct CudaLangevinBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCUDA;

  // The whole run is one asynchronous launch on the caller's stream.
  template <class T, hb::Method M, class Pot>
  static void langevin(const hb::LangevinArgs<T>& a, const Pot& pot, T* workspace, int device,
                       std::uintptr_t stream) {
    hb::cuda::langevin_run<T, M, Pot>(a, pot, workspace, a.step0, a.step0 + a.n_steps, device, stream);
  }

  template <class T, class Pot>
  static void evaluate(const hb::EvaluateArgs<T>& a, const Pot& pot, int device, std::uintptr_t stream) {
    hb::cuda::evaluate_run<T, Pot>(a, pot, device, stream);
  }
};

struct CudaIsingBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCUDA;

  // The whole run is queued on the caller's stream: a few launches per sweep, no synchronisation. The
  // GIL is released while queuing: a full launch queue blocks the host loop until the GPU catches up.
  static void ising(const hb::IsingArgs& a, int64_t n_sweeps, uint32_t* workspace, hb::IsingRowTerms* terms,
                    int device, std::uintptr_t stream) {
    py::gil_scoped_release nogil;
    hb::cuda::ising_run(a, n_sweeps, workspace, terms, device, stream);
  }

  static void measure(const hb::IsingArgs& a, hb::IsingRowTerms* terms, double* energy, double* mag, int device,
                      std::uintptr_t stream) {
    hb::cuda::ising_measure(a, terms, energy, mag, device, stream);
  }
};

// A whole run is queued on the caller's stream (a host loop of cuBLAS calls and fused kernels), with
// the GIL released as for the lattices.
struct CudaRbmBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCUDA;
  template <class T>
  static void gibbs(const hb::GibbsArgs<T>& a, T* ws, int device, std::uintptr_t stream) {
    py::gil_scoped_release nogil;
    hb::cuda::rbm_gibbs<T>(a, ws, device, stream);
  }
  template <class T>
  static void ais(const hb::AisArgs<T>& a, T* ws, int device, std::uintptr_t stream) {
    py::gil_scoped_release nogil;
    hb::cuda::rbm_ais<T>(a, ws, device, stream);
  }
  // A PCD loop's session replays its calls on a large model from a CUDA graph (rbm_launch.h).
  struct SessionRunner {
    hb::cuda::GibbsReplay replay;
    template <class T>
    void gibbs(const hb::GibbsArgs<T>& a, T* ws, int device, std::uintptr_t stream) {
      py::gil_scoped_release nogil;
      replay.run<T>(a, ws, device, stream);
    }
    int64_t graph_launches() const { return replay.graph_launches(); }
  };
  template <class T>
  static void conditional(const hb::ConditionalArgs<T>& a, T* ws, int device, std::uintptr_t stream) {
    hb::cuda::rbm_conditional<T>(a, ws, device, stream);
  }
  template <class T>
  static void free_energy(const hb::FreeEnergyArgs<T>& a, T* ws, int device, std::uintptr_t stream) {
    hb::cuda::rbm_free_energy<T>(a, ws, device, stream);
  }
};

struct CudaPtBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCUDA;

  // Three asynchronous launches a round on the caller's stream; the GIL is released while queuing.
  template <class T, hb::Method M, class Pot>
  static void rounds(const hb::LangevinArgs<T>& a, const hb::Tempered<Pot>& pot, const hb::SwapArgs<T>& s, T* energy,
                     T* workspace, int64_t round_begin, int64_t round_end, int64_t n_local, int device,
                     std::uintptr_t stream) {
    py::gil_scoped_release nogil;
    hb::cuda::pt_run<T, M, Pot>(a, pot, s, energy, workspace, round_begin, round_end, n_local, device, stream);
  }
  template <class T>
  static void swap(const hb::SwapArgs<T>& a, int64_t round, int device, std::uintptr_t stream) {
    hb::cuda::swap_run<T>(a, round, device, stream);
  }
  // Four asynchronous launches (and the sweeps' two per sweep) a round, queued with the GIL released.
  static void ising_rounds(const hb::IsingArgs& a, const hb::SwapArgs<double>& s, double* energy,
                           int64_t round_begin, int64_t round_end, int64_t n_sweeps,
                           const hb::bind::IsingRoundScratch& w, int device, std::uintptr_t stream) {
    py::gil_scoped_release nogil;
    hb::cuda::ising_pt_run(a, w.beta, s, energy, w.mag, w.workspace, w.terms, round_begin, round_end, n_sweeps,
                           device, stream);
  }
  // Per round the cuBLAS products and fused passes of rbm_gibbs, an energy pass and the swap pass.
  template <class T>
  static void rbm_rounds(const hb::GibbsArgs<T>& a, const hb::SwapArgs<double>& s, double* energy,
                         int64_t round_begin, int64_t round_end, int64_t n_sweeps, T* beta, T* workspace,
                         int device, std::uintptr_t stream) {
    py::gil_scoped_release nogil;
    hb::cuda::rbm_pt_run<T>(a, beta, s, energy, workspace, round_begin, round_end, n_sweeps, device, stream);
  }
};

struct CudaUpdateBackend {
  static constexpr hb::DeviceKind kDevice = hb::DeviceKind::kCUDA;

  template <class T, hb::Phase P>
  static void update(const hb::UpdateArgs<T>& a, int device, std::uintptr_t stream) {
    hb::cuda::langevin_update<T, P>(a, device, stream);
  }
};

}  // namespace

PYBIND11_MODULE(_cuda, m) {
  m.doc() = "heatbath's compiled CUDA backend";
  hb::bind::bind_random<CudaBackend>(m);
  hb::bind::bind_langevin<CudaLangevinBackend>(m);
  hb::bind::bind_ising<CudaIsingBackend>(m);
  hb::bind::bind_rbm<CudaRbmBackend>(m);
  m.def("set_cublas_path", &hb::cuda::set_cublas_path, py::arg("path"),
        "Where to dlopen libcublas first when an RBM call first needs it.");
  m.def("cublas_loaded", &hb::cuda::cublas_loaded);
  m.def("cublas_handle_count", &hb::cuda::cublas_handle_count);
  m.def("cublas_max_handles", &hb::cuda::cublas_max_handles);
  hb::bind::bind_pt<CudaPtBackend>(m);
  hb::bind::bind_pt_ising<CudaPtBackend>(m);
  hb::bind::bind_pt_rbm<CudaPtBackend>(m);
  hb::bind::bind_langevin_update<CudaUpdateBackend>(m);
  m.def("device_count", &hb::cuda::device_count);
  m.def("device_status", &hb::cuda::device_status,
        "What cudaGetDeviceCount says: 'N device(s)' or the error behind device_count() == 0.");
  m.def("device_name", &hb::cuda::device_name, py::arg("device"));
  m.def("runtime_version", &hb::cuda::runtime_version);
}
