// SPDX-License-Identifier: Apache-2.0
// CUDA errors become C++ exceptions, which the bindings turn into Python RuntimeErrors.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace hb::cuda {

inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("heatbath CUDA error in ") + what + ": " + cudaGetErrorString(err));
  }
}

// Makes `device` current for the lifetime of the guard, restoring the caller's device after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceGuard() { cudaSetDevice(previous_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace hb::cuda
