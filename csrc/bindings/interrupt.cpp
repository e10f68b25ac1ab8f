// SPDX-License-Identifier: Apache-2.0
#include "bindings/interrupt.h"

namespace hb::bind {

void check_signals() {
  if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
}

}  // namespace hb::bind
