// SPDX-License-Identifier: Apache-2.0
// CUDA errors become C++ exceptions, which the bindings turn into Python RuntimeErrors.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace hb::cuda {

inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    // The failed call left err as the thread's last error too: cleared, or the next call's launch check
    // would report it again after that call's work had already run (a sticky error stays regardless).
    cudaGetLastError();
    throw std::runtime_error(std::string("heatbath CUDA error in ") + what + ": " + cudaGetErrorString(err));
  }
}

// Makes `device` current for the lifetime of the guard, restoring the caller's device after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) {
      check(cudaSetDevice(device), "cudaSetDevice");
      changed_ = true;
    }
  }
  // Restores only a device it changed. A failure cannot be reported from a destructor; it is cleared so
  // that the next call's launch check does not take it for its own.
  ~DeviceGuard() {
    if (changed_ && cudaSetDevice(previous_) != cudaSuccess) cudaGetLastError();
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
  bool changed_ = false;
};

}  // namespace hb::cuda
