// SPDX-License-Identifier: Apache-2.0
// Long compiled loops run in chunks with the GIL released; between chunks the GIL is taken back for
// a moment so that Ctrl-C (or any Python signal handler) runs and stops the call.
#pragma once
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>

namespace hb::bind {

// Throws pybind11::error_already_set when a signal handler raised (KeyboardInterrupt). The exception
// carries `completed`, the count of items already done, so that the Python layer can hand back a
// state that resumes exactly where the run stopped.
void check_signals(int64_t completed);

// The Python callable told, after every chunk, how many items of the current call are done (the
// progress bars of heatbath.progress). One per thread, set from Python around a call; the GIL is held
// when it runs, and an exception it raises stops the run like Ctrl-C.
void set_progress(pybind11::object callback);
void report_progress(int64_t completed);

// Calls fn(begin, end) over [0, total) in pieces of at most `chunk`, without the GIL. Every piece
// finishes before a signal is looked at, so an interrupted run stops on a piece boundary.
template <class Fn>
void run_interruptible(int64_t total, int64_t chunk, Fn&& fn) {
  chunk = std::max<int64_t>(chunk, 1);
  for (int64_t begin = 0; begin < total; begin += chunk) {
    const int64_t end = std::min(total, begin + chunk);
    {
      pybind11::gil_scoped_release nogil;
      fn(begin, end);
    }
    check_signals(end);
    report_progress(end);
  }
}

}  // namespace hb::bind
