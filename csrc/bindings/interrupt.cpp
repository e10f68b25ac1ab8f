// SPDX-License-Identifier: Apache-2.0
#include "bindings/interrupt.h"

namespace hb::bind {

namespace {
// A raw pointer: a thread_local pybind11::object would be destroyed at thread exit without the GIL.
thread_local PyObject* progress_callback = nullptr;
}  // namespace

void set_progress(pybind11::object callback) {
  PyObject* next = callback.is_none() ? nullptr : callback.release().ptr();
  Py_XDECREF(progress_callback);
  progress_callback = next;
}

void report_progress(int64_t completed) {
  if (progress_callback == nullptr) return;
  pybind11::handle callback(progress_callback);
  callback(completed);
}

void check_signals(int64_t completed) {
  if (PyErr_CheckSignals() == 0) return;
  pybind11::error_already_set err;
  // An attribute on the exception object itself: it survives any re-raise on the Python side.
  pybind11::object value = err.value();
  if (value && PyObject_SetAttrString(value.ptr(), "completed", pybind11::int_(completed).ptr()) != 0) {
    PyErr_Clear();  // an exception type without a __dict__: the interrupt still propagates
  }
  throw err;
}

}  // namespace hb::bind
