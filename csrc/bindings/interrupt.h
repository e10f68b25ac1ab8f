// SPDX-License-Identifier: Apache-2.0
// Long compiled loops run in chunks with the GIL released; between chunks the GIL is taken back for
// a moment so that Ctrl-C (or any Python signal handler) runs and stops the call.
#pragma once
#include <pybind11/pybind11.h>

#include <algorithm>
#include <chrono>
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

// Calls fn(begin, end) over [0, total) in pieces of at most `chunk` items, without the GIL. Every piece
// finishes before a signal is looked at, so an interrupted run stops on a piece boundary. The first
// piece is a sixteenth of `chunk`, to time the machine; later ones hold about kPieceSeconds of work at
// the rate measured on the last piece, never more than `chunk`. So a slow build (the sanitizers', or the
// baseline one's emulated FMAs, a hundred times slower) still answers Ctrl-C within a fraction of a
// second. Where the pieces fall changes no number: every sampler resumes bit for bit at any item.
constexpr double kPieceSeconds = 0.2;

template <class Fn>
void run_interruptible(int64_t total, int64_t chunk, Fn&& fn) {
  chunk = std::max<int64_t>(chunk, 1);
  int64_t piece = std::max<int64_t>(1, chunk / 16);
  for (int64_t begin = 0; begin < total;) {
    const int64_t end = std::min(total, begin + piece);
    const auto start = std::chrono::steady_clock::now();
    {
      pybind11::gil_scoped_release nogil;
      fn(begin, end);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    check_signals(end);
    report_progress(end);
    const double fits = seconds > 0.0 ? kPieceSeconds * static_cast<double>(end - begin) / seconds : 1e300;
    piece = fits >= static_cast<double>(chunk) ? chunk : std::max<int64_t>(1, static_cast<int64_t>(fits));
    begin = end;
  }
}

}  // namespace hb::bind
