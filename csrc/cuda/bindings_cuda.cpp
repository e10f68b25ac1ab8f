// SPDX-License-Identifier: Apache-2.0
// heatbath._cuda: the CUDA backend, imported lazily by heatbath._backend. Compiled by the host
// compiler; the kernels live in the .cu files behind cuda/launch.h.
#include <pybind11/pybind11.h>

#include "bindings/langevin_bindings.h"
#include "bindings/langevin_update_bindings.h"
#include "bindings/random_bindings.h"
#include "cuda/langevin_update_cuda.h"
#include "cuda/launch.h"

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
  hb::bind::bind_langevin_update<CudaUpdateBackend>(m);
  m.def("device_count", &hb::cuda::device_count);
  m.def("device_name", &hb::cuda::device_name, py::arg("device"));
  m.def("runtime_version", &hb::cuda::runtime_version);
}
