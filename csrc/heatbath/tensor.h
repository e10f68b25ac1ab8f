// SPDX-License-Identifier: Apache-2.0
// A borrowed, strided view of a caller's tensor: what the kernels see. No ownership, no Python.
#pragma once
#include <cstdint>

namespace hb {

enum class DType : int { kFloat32, kFloat64, kInt8, kUInt8, kInt16, kInt32, kInt64, kUInt32, kBool };
enum class DeviceKind : int { kCPU, kCUDA };

constexpr int kMaxDims = 8;

struct TensorView {
  void* data = nullptr;  // byte offset already applied
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};  // in elements
  DType dtype = DType::kFloat32;
  DeviceKind device = DeviceKind::kCPU;
  int device_id = 0;
  bool readonly = false;

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
  template <class T>
  T* ptr() const { return static_cast<T*>(data); }
};

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUInt32: return "uint32";
    case DType::kBool: return "bool";
  }
  return "unknown";
}

inline int dtype_size(DType t) {
  switch (t) {
    case DType::kFloat64: case DType::kInt64: return 8;
    case DType::kFloat32: case DType::kInt32: case DType::kUInt32: return 4;
    case DType::kInt16: return 2;
    default: return 1;
  }
}

}  // namespace hb
