// SPDX-License-Identifier: Apache-2.0
// The DLPack consumer: turns any object with __dlpack__ (numpy, torch, cupy, jax, ...) into a
// TensorView that borrows its memory, and runs the producer's deleter when the view dies.
#pragma once
#include <pybind11/pybind11.h>

#include <initializer_list>
#include <string>

#include "heatbath/dlpack.h"
#include "heatbath/tensor.h"

namespace hb::bind {

namespace py = pybind11;

class ImportedTensor {
 public:
  // `backend` is the device the caller's backend runs on: a tensor elsewhere is refused before it is
  // exported. `stream` is the consumer's CUDA stream handle (0 = legacy default), ignored on CPU.
  ImportedTensor(py::handle obj, const char* arg, DeviceKind backend, std::uintptr_t stream = 0);
  ~ImportedTensor();
  ImportedTensor(const ImportedTensor&) = delete;
  ImportedTensor& operator=(const ImportedTensor&) = delete;

  const TensorView& view() const { return view_; }
  const char* arg() const { return arg_.c_str(); }
  bool versioned() const { return versioned_ != nullptr; }
  uint64_t byte_offset() const { return byte_offset_; }
  bool had_strides() const { return had_strides_; }

  // Validation with errors that name the argument.
  void require_ndim(int ndim, const char* layout) const;                 // ValueError
  void require_dtype(std::initializer_list<DType> allowed) const;         // TypeError
  void require_writable() const;                                          // ValueError
  void require_same_device(const ImportedTensor& other) const;            // ValueError
  void require_contiguous() const;                                        // ValueError
  void require_distinct_elements() const;  // ValueError: no two elements at one address (outputs with strides)
  void require_shape(std::initializer_list<int64_t> shape, const char* layout) const;  // ValueError

 private:
  void read_tensor(const DLTensor* t, uint64_t flags, DeviceKind kind);
  void release();

  TensorView view_;
  std::string arg_;
  DLManagedTensor* legacy_ = nullptr;
  DLManagedTensorVersioned* versioned_ = nullptr;
  uint64_t byte_offset_ = 0;
  bool had_strides_ = false;
};

std::string device_string(const TensorView& v);

}  // namespace hb::bind
