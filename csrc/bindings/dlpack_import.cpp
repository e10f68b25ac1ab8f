// SPDX-License-Identifier: Apache-2.0
// Consumer side of the Python array API's DLPack protocol
// (https://data-apis.org/array-api/latest/API_specification/generated/array_api.array.__dlpack__.html):
// query __dlpack_device__ first, ask for a versioned capsule with max_version=(1, 0) and fall back to
// the legacy call on TypeError, pass the consumer's stream on CUDA, rename the capsule to used_* so
// the producer's capsule destructor leaves the tensor alone, and call the deleter ourselves.
#include "bindings/dlpack_import.h"

#include <cstring>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace hb::bind {
namespace {

const char* kVersionedName = "dltensor_versioned";
const char* kUsedVersionedName = "used_dltensor_versioned";
const char* kLegacyName = "dltensor";
const char* kUsedLegacyName = "used_dltensor";

std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

const char* device_type_name(int32_t t) {
  switch (t) {
    case kDLCPU: return "cpu";
    case kDLCUDA: return "cuda";
    case kDLCUDAHost: return "cuda_host";
    case kDLCUDAManaged: return "cuda_managed";
    case kDLROCM: return "rocm";
    case kDLROCMHost: return "rocm_host";
    case kDLMetal: return "metal";
    case kDLVulkan: return "vulkan";
    case kDLOpenCL: return "opencl";
    case kDLOneAPI: return "oneapi";
    default: return "unknown";
  }
}

// CPU-addressable and CUDA device memory are what the two backends run on.
bool device_kind_of(int32_t dl_type, DeviceKind& kind) {
  switch (dl_type) {
    case kDLCPU: case kDLCUDAHost: kind = DeviceKind::kCPU; return true;
    case kDLCUDA: case kDLCUDAManaged: kind = DeviceKind::kCUDA; return true;
    default: return false;
  }
}

const char* kind_name(DeviceKind k) { return k == DeviceKind::kCPU ? "cpu" : "cuda"; }

bool dtype_of(const DLDataType& t, DType& out) {
  if (t.lanes != 1) return false;
  switch (t.code) {
    case kDLFloat:
      if (t.bits == 32) { out = DType::kFloat32; return true; }
      if (t.bits == 64) { out = DType::kFloat64; return true; }
      return false;
    case kDLInt:
      if (t.bits == 8) { out = DType::kInt8; return true; }
      if (t.bits == 16) { out = DType::kInt16; return true; }
      if (t.bits == 32) { out = DType::kInt32; return true; }
      if (t.bits == 64) { out = DType::kInt64; return true; }
      return false;
    case kDLUInt:
      if (t.bits == 8) { out = DType::kUInt8; return true; }
      if (t.bits == 32) { out = DType::kUInt32; return true; }
      return false;
    case kDLBool:
      if (t.bits == 8) { out = DType::kBool; return true; }
      return false;
    default:
      return false;
  }
}

std::string describe_dl_dtype(const DLDataType& t) {
  std::ostringstream s;
  const char* code = t.code == kDLFloat ? "float" : t.code == kDLInt ? "int" : t.code == kDLUInt ? "uint"
                   : t.code == kDLBfloat ? "bfloat" : t.code == kDLComplex ? "complex"
                   : t.code == kDLBool ? "bool" : "opaque";
  s << code << int(t.bits);
  if (t.lanes != 1) s << "x" << t.lanes;
  return s.str();
}

[[noreturn]] void fail_value(const std::string& arg, const std::string& what) {
  throw py::value_error("argument '" + arg + "': " + what);
}
[[noreturn]] void fail_type(const std::string& arg, const std::string& what) {
  throw py::type_error("argument '" + arg + "': " + what);
}

}  // namespace

std::string device_string(const TensorView& v) {
  return std::string(kind_name(v.device)) + (v.device == DeviceKind::kCUDA ? ":" + std::to_string(v.device_id) : "");
}

namespace {

// Names and constants of the protocol, made once: every import would otherwise decode and hash the
// same strings again (a step of heatbath.TorchPotential imports several arrays, so this is a good part
// of its per-step cost on small batches). Never released: they must outlive every module's teardown.
struct ProtocolNames {
  py::handle dlpack, dlpack_device, stream, max_version, version_1_0;
  ProtocolNames()
      : dlpack(PyUnicode_InternFromString("__dlpack__")),
        dlpack_device(PyUnicode_InternFromString("__dlpack_device__")),
        stream(PyUnicode_InternFromString("stream")),
        max_version(PyUnicode_InternFromString("max_version")),
        version_1_0(py::make_tuple(1, 0).release()) {
    if (!dlpack || !dlpack_device || !stream || !max_version) throw py::error_already_set();
  }
};

const ProtocolNames& names() {
  static const ProtocolNames* const n = new ProtocolNames();  // under the GIL; intentionally leaked
  return *n;
}

}  // namespace

ImportedTensor::ImportedTensor(py::handle obj, const char* arg, DeviceKind backend, std::uintptr_t stream)
    : arg_(arg) {
  const ProtocolNames& n = names();
  if (!py::hasattr(obj, n.dlpack) || !py::hasattr(obj, n.dlpack_device)) {
    fail_type(arg_, "expected an array that supports DLPack (numpy, torch, cupy, jax, ...), got " + type_name(obj));
  }
  // Device first: a tensor on the wrong device is refused before the producer does any work for it.
  py::tuple dev = obj.attr(n.dlpack_device)();
  const int32_t dl_type = dev[0].cast<int32_t>();
  DeviceKind kind;
  if (!device_kind_of(dl_type, kind)) {
    fail_value(arg_, std::string("device type '") + device_type_name(dl_type) +
                         "' is not supported; heatbath runs on cpu and cuda");
  }
  if (kind != backend) {
    fail_value(arg_, std::string("is on ") + kind_name(kind) + " but this call runs on " + kind_name(backend));
  }

  // CPU producers must get stream=None. On CUDA, 0 is not a valid DLPack stream: the legacy
  // default stream is spelled 1 (and the per-thread default 2, the same as its handle).
  py::object dl_stream = py::none();
  if (kind == DeviceKind::kCUDA) dl_stream = py::int_(stream == 0 ? std::uintptr_t{1} : stream);

  py::object export_fn = obj.attr(n.dlpack);
  py::object capsule;
  py::dict kwargs;
  kwargs[n.stream] = dl_stream;
  kwargs[n.max_version] = n.version_1_0;
  try {
    capsule = export_fn(**kwargs);
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) throw;  // e.g. BufferError: the producer cannot export this
    PyDict_DelItem(kwargs.ptr(), n.max_version.ptr());
    capsule = export_fn(**kwargs);  // a producer older than DLPack 1.0
  }
  PyObject* cap = capsule.ptr();
  if (!PyCapsule_CheckExact(cap)) fail_type(arg_, "__dlpack__ did not return a capsule");
  const char* name = PyCapsule_GetName(cap);
  if (name == nullptr) throw py::error_already_set();

  const DLTensor* t = nullptr;
  uint64_t flags = 0;
  if (std::strcmp(name, kVersionedName) == 0) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap, kVersionedName));
    if (m == nullptr) throw py::error_already_set();
    if (m->version.major != kDLPackMajorVersion) {
      // Leave the capsule unconsumed: its own destructor frees the tensor.
      throw py::buffer_error("argument '" + arg_ + "': DLPack major version " + std::to_string(m->version.major) +
                             " is not supported (heatbath reads version 1)");
    }
    if (PyCapsule_SetName(cap, kUsedVersionedName) != 0) throw py::error_already_set();
    versioned_ = m;
    t = &m->dl_tensor;
    flags = m->flags;
  } else if (std::strcmp(name, kLegacyName) == 0) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, kLegacyName));
    if (m == nullptr) throw py::error_already_set();
    if (PyCapsule_SetName(cap, kUsedLegacyName) != 0) throw py::error_already_set();
    legacy_ = m;
    t = &m->dl_tensor;
  } else {
    fail_type(arg_, std::string("__dlpack__ returned a capsule named '") + name + "', expected 'dltensor'");
  }

  // From here on we own the tensor; a constructor that throws runs no destructor, so release here.
  try {
    read_tensor(t, flags, kind);
  } catch (...) {
    release();
    throw;
  }
}

void ImportedTensor::read_tensor(const DLTensor* t, uint64_t flags, DeviceKind kind) {
  if (t->ndim < 0 || t->ndim > kMaxDims) {
    fail_value(arg_, "has " + std::to_string(t->ndim) + " dimensions; at most " + std::to_string(kMaxDims) +
                         " are supported");
  }
  DType dtype;
  if (!dtype_of(t->dtype, dtype)) {
    fail_type(arg_, "dtype " + describe_dl_dtype(t->dtype) +
                        " is not supported (float32, float64, int8, uint8, int16, int32, int64, uint32, bool)");
  }
  view_.ndim = t->ndim;
  view_.dtype = dtype;
  view_.device = kind;
  view_.device_id = t->device.device_id;
  view_.readonly = (flags & kDLPackFlagReadOnly) != 0;
  byte_offset_ = t->byte_offset;
  had_strides_ = t->strides != nullptr;
  int64_t compact = 1;
  for (int i = t->ndim - 1; i >= 0; --i) {
    const int64_t extent = t->shape[i];
    if (extent < 0) fail_value(arg_, "has a negative extent");
    view_.shape[i] = extent;
    view_.strides[i] = t->strides ? t->strides[i] : compact;
    compact *= extent;
  }
  const int64_t size = dtype_size(dtype);
  view_.data = static_cast<char*>(t->data) + t->byte_offset;
  // torch exports an empty tensor with a null data pointer. The entries tell a missing optional array
  // (None) from a present one by its pointer, so an empty one points at a placeholder instead: no
  // element is ever read or written through it.
  alignas(16) static char empty_placeholder[16];
  if (view_.numel() == 0 && view_.data == nullptr) view_.data = empty_placeholder;
  if (view_.numel() > 0) {
    if (view_.data == nullptr) fail_value(arg_, "has a null data pointer");
    if (reinterpret_cast<std::uintptr_t>(view_.data) % static_cast<std::uintptr_t>(size) != 0) {
      fail_value(arg_, "data is not aligned to its element size");
    }
  }
}

ImportedTensor::~ImportedTensor() { release(); }

void ImportedTensor::release() {
  if (versioned_ != nullptr && versioned_->deleter != nullptr) versioned_->deleter(versioned_);
  if (legacy_ != nullptr && legacy_->deleter != nullptr) legacy_->deleter(legacy_);
  versioned_ = nullptr;
  legacy_ = nullptr;
}

void ImportedTensor::require_ndim(int ndim, const char* layout) const {
  if (view_.ndim != ndim) {
    fail_value(arg_, "expected " + std::to_string(ndim) + " dimensions " + layout + ", got " +
                         std::to_string(view_.ndim));
  }
}

void ImportedTensor::require_dtype(std::initializer_list<DType> allowed) const {
  std::string names;
  for (DType d : allowed) {
    if (d == view_.dtype) return;
    names += (names.empty() ? "" : " or ") + std::string(dtype_name(d));
  }
  fail_type(arg_, "expected dtype " + names + ", got " + dtype_name(view_.dtype));
}

void ImportedTensor::require_writable() const {
  if (view_.readonly) fail_value(arg_, "is read-only, but heatbath writes its result into it");
}

void ImportedTensor::require_same_device(const ImportedTensor& other) const {
  if (view_.device != other.view_.device || view_.device_id != other.view_.device_id) {
    fail_value(arg_, "is on " + device_string(view_) + " but '" + other.arg_ + "' is on " +
                         device_string(other.view_));
  }
}

void ImportedTensor::require_contiguous() const {
  if (view_.numel() == 0) return;  // strides of an empty array are arbitrary (numpy reports zeros)
  int64_t expected = 1;
  for (int i = view_.ndim - 1; i >= 0; --i) {
    if (view_.shape[i] != 1 && view_.strides[i] != expected) fail_value(arg_, "must be C-contiguous");
    expected *= view_.shape[i];
  }
}

void ImportedTensor::require_distinct_elements() const {
  if (view_.numel() == 0) return;
  // Dimensions by increasing |stride|: each must step past everything the smaller ones span (a sufficient
  // test, exact for the layouts frameworks produce: broadcast/expanded views have a zero stride).
  int order[kMaxDims];
  int n = 0;
  for (int i = 0; i < view_.ndim; ++i) {
    if (view_.shape[i] > 1) order[n++] = i;
  }
  const auto magnitude = [&](int i) { return view_.strides[i] < 0 ? -view_.strides[i] : view_.strides[i]; };
  for (int a = 1; a < n; ++a) {
    for (int b = a; b > 0 && magnitude(order[b]) < magnitude(order[b - 1]); --b) std::swap(order[b], order[b - 1]);
  }
  int64_t span = 1;
  for (int a = 0; a < n; ++a) {
    const int64_t stride = magnitude(order[a]);
    if (stride < span) {
      fail_value(arg_, "has elements that share memory (a broadcast or expanded view?); writing into it would "
                       "race: pass an array with distinct elements, e.g. .contiguous() or .copy()");
    }
    span = stride * view_.shape[order[a]];
  }
}

void ImportedTensor::require_shape(std::initializer_list<int64_t> shape, const char* layout) const {
  bool ok = static_cast<int>(shape.size()) == view_.ndim;
  int i = 0;
  for (int64_t extent : shape) {
    if (ok && view_.shape[i] != extent) ok = false;
    ++i;
  }
  if (!ok) {
    std::string got = "(";
    for (int j = 0; j < view_.ndim; ++j) got += (j ? ", " : "") + std::to_string(view_.shape[j]);
    fail_value(arg_, std::string("expected shape ") + layout + ", got " + got + (view_.ndim == 1 ? ",)" : ")"));
  }
}

}  // namespace hb::bind
