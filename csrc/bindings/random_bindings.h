// SPDX-License-Identifier: Apache-2.0
// heatbath.random's compiled entry, bound once for each backend. A Backend provides
//   static constexpr DeviceKind kDevice;
//   template <Draw D, class T> static void fill(const FillArgs&, int device_id, std::uintptr_t stream);
#pragma once
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/dlpack_import.h"
#include "heatbath/counter.h"
#include "heatbath/random_fill.h"

namespace hb::bind {

template <class Backend>
void fill_random_dispatch(py::handle out, const std::string& kind, uint64_t seed, uint32_t purpose,
                          uint64_t step, uint64_t chain_start, std::uintptr_t stream) {
  ImportedTensor t(out, "out", Backend::kDevice, stream);
  t.require_ndim(2, "[chains, n]");
  t.require_writable();
  t.require_distinct_elements();
  const TensorView& v = t.view();
  // The Python layer checks these with friendlier names; repeated here so no caller can make the
  // counter wrap silently.
  if (purpose > kMaxPurpose) throw py::value_error("argument 'purpose': must be in [0, 255]");
  if (step > kMaxStep) throw py::value_error("argument 'step': must be below 2**56");
  if (chain_start > kMaxChain || static_cast<uint64_t>(v.shape[0]) > kMaxChain + 1 - chain_start) {
    throw py::value_error("argument 'chain_start': chain indices must stay below 2**32");
  }
  if (static_cast<uint64_t>(v.shape[1]) > (kMaxBlock + 1) * 2) {
    throw py::value_error("argument 'out': at most 2**33 values per chain");
  }
  FillArgs a{v.data, v.shape[0], v.shape[1], v.strides[0], v.strides[1], seed, purpose, step, chain_start};
  if (kind == "bits") {
    t.require_dtype({DType::kUInt32});
    Backend::template fill<Draw::kBits, uint32_t>(a, v.device_id, stream);
  } else if (kind == "uniform" || kind == "normal") {
    t.require_dtype({DType::kFloat32, DType::kFloat64});
    const bool f32 = v.dtype == DType::kFloat32;
    if (kind == "uniform") {
      f32 ? Backend::template fill<Draw::kUniform, float>(a, v.device_id, stream)
          : Backend::template fill<Draw::kUniform, double>(a, v.device_id, stream);
    } else {
      f32 ? Backend::template fill<Draw::kNormal, float>(a, v.device_id, stream)
          : Backend::template fill<Draw::kNormal, double>(a, v.device_id, stream);
    }
  } else {
    throw py::value_error("argument 'kind': expected 'bits', 'uniform' or 'normal', got '" + kind + "'");
  }
}

// What the DLPack import saw: for tests and for users debugging interop.
template <class Backend>
py::dict describe_tensor(py::handle obj, std::uintptr_t stream) {
  ImportedTensor t(obj, "obj", Backend::kDevice, stream);
  const TensorView& v = t.view();
  py::list shape, strides;
  for (int i = 0; i < v.ndim; ++i) {
    shape.append(v.shape[i]);
    strides.append(v.strides[i]);
  }
  py::dict d;
  d["shape"] = py::tuple(shape);
  d["strides"] = py::tuple(strides);
  d["dtype"] = dtype_name(v.dtype);
  d["device"] = device_string(v);
  d["readonly"] = v.readonly;
  d["data_ptr"] = reinterpret_cast<std::uintptr_t>(v.data);
  d["byte_offset"] = t.byte_offset();
  d["versioned"] = t.versioned();
  return d;
}

template <class Backend>
void bind_random(py::module_& m) {
  m.def("fill_random", &fill_random_dispatch<Backend>, py::arg("out"), py::arg("kind"), py::arg("seed"),
        py::arg("purpose"), py::arg("step"), py::arg("chain_start"), py::arg("stream") = 0,
        "Fill out [chains, n] with heatbath's Philox stream (bits, uniform or normal).");
  m.def("describe", &describe_tensor<Backend>, py::arg("obj"), py::arg("stream") = 0,
        "Import obj through DLPack and report what the core sees.");
}

}  // namespace hb::bind
