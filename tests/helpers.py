# SPDX-License-Identifier: Apache-2.0
"""Shared test helpers: optional-library gates and array conversion across frameworks."""
from __future__ import annotations

import importlib.util
import os
import pathlib
import signal
import threading
import time

import numpy as np
import pytest

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
needs_cupy = pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="cupy is not installed")

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str):
    """examples/<name>.py as a module (the examples are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_numpy(x) -> np.ndarray:
    """A host numpy copy of a numpy, torch or cupy array."""
    if isinstance(x, np.ndarray):
        return x
    mod = type(x).__module__.split(".")[0]
    if mod == "torch":
        return x.detach().cpu().numpy()
    if mod == "cupy":
        return x.get()
    return np.asarray(x)


def same_bits(a, b) -> None:
    """a and b (numpy, torch or cupy) have the same shape, dtype and bits."""
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def assert_follows_builtin(user, builtin, x0, method: str, tol: float) -> None:
    """A user potential runs the built-in's trajectory to tolerance tol (same update rules and stream; the
    energy and gradient may be summed in another order) with the same MALA decisions and divergences."""
    import heatbath as hb

    kw = dict(method=method, seed=11, thin=4, beta=np.linspace(0.5, 2.0, 30) if method == "mala" else 1.3)
    got = hb.langevin(user, x0, 30, 0.02, **kw)
    want = hb.langevin(builtin, x0, 30, 0.02, **kw)
    for field in ("x", "energy", "trace", "energy_trace") + (("p",) if method == "baoab" else ()):
        a, b = to_numpy(getattr(got, field)), to_numpy(getattr(want, field))
        assert a.dtype == to_numpy(x0).dtype and type(getattr(got, field)) is type(x0)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    if method == "mala":
        np.testing.assert_array_equal(to_numpy(got.accepted), to_numpy(want.accepted))
        assert 0 < to_numpy(got.accept_rate).mean() < 1
    np.testing.assert_array_equal(to_numpy(got.diverged), to_numpy(want.diverged))
    assert got.state.step == 30


def assert_resumes_bitwise(target, x0, method: str, seed: int = 7) -> None:
    """60 steps in one call equal 25 steps and 35 more from the first call's state, bit for bit (25: inside
    a noise group, and a multiple of thin = 5 so that the traces line up)."""
    import heatbath as hb

    whole = hb.langevin(target, x0, 60, 0.02, method, seed=seed, thin=5)
    first = hb.langevin(target, x0, 25, 0.02, method, seed=seed, thin=5)
    second = hb.langevin(target, first.state, 35, 0.02, thin=5)
    same_bits(second.x, whole.x)
    same_bits(second.energy, whole.energy)
    if method == "baoab":
        same_bits(second.p, whole.p)
    if method == "mala":
        same_bits(to_numpy(first.accepted) + to_numpy(second.accepted), whole.accepted)
    same_bits(np.concatenate([to_numpy(first.trace), to_numpy(second.trace)]), whole.trace)
    same_bits(np.concatenate([to_numpy(first.energy_trace), to_numpy(second.energy_trace)]), whole.energy_trace)
    assert second.state.step == 60


def empty_on(device: str, shape, dtype: str):
    """An array on `device`: numpy on cpu, torch (or cupy) on cuda."""
    if device == "cpu":
        return np.empty(shape, dtype=dtype)
    try:
        import torch

        return torch.empty(shape, dtype=getattr(torch, dtype), device="cuda")
    except ImportError:
        import cupy

        return cupy.empty(shape, dtype=dtype)


# Random123's known-answer vectors for Philox4x32-10 (tests/kat_vectors of DEShawResearch/random123):
# counter words, key words, expected output words.
PHILOX_KAT = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


def _bowl_energy(x):
    acc = x.dtype.type(0)
    for i in range(x.shape[0]):
        acc += x[i] * x[i]
    return acc


def _bowl_grad(x, out):
    for i in range(x.shape[0]):
        out[i] = x.dtype.type(2) * x[i]


def bowl_potential():
    """E(x) = |x|², a user potential compiled by Numba (the caller skips when numba is missing)."""
    import heatbath as hb

    return hb.potential(_bowl_energy, _bowl_grad, name="bowl")


# Slack for "Ctrl-C lands promptly": a chunk takes milliseconds, so one second covers a loaded CI box. The
# sanitizer build (.ci/sanitize: -O1, ASan, the baseline instruction set alone, whose float32 FMAs are
# emulated one at a time) runs a hundred times slower or more: an RBM chunk of 2^31 multiply-adds took
# 17 s there, before the compiled loops sized their pieces by time (bindings/interrupt.h: a sixteenth of
# a chunk first, then about 0.2 s each), so a Ctrl-C now waits about a second there at most.
SANITIZED = "libasan" in os.environ.get("LD_PRELOAD", "")
INTERRUPT_SLACK = 8.0 if SANITIZED else 1.0


def require_sigint() -> None:
    """Skips the test where Python does not turn SIGINT into KeyboardInterrupt (see SigintAfter)."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT does not raise KeyboardInterrupt in this process (ignored, or handled "
                    "elsewhere): a Ctrl-C cannot be simulated")


class SigintAfter:
    """A context that sends SIGINT to this process `delay` seconds after entering it: a Ctrl-C during
    the call made inside. Skips the test where Python does not turn SIGINT into KeyboardInterrupt: a
    process started in the background without job control inherits SIGINT ignored (a CI run launched
    that way waited forever in a 10^7-sweep call for a Ctrl-C that never came)."""

    def __init__(self, delay: float = 0.3):
        self.delay = delay

    def __enter__(self):
        require_sigint()
        self._timer = threading.Timer(self.delay, os.kill, (os.getpid(), signal.SIGINT))
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        return False


def seconds_until_interrupted(call, delay: float = 0.3) -> float:
    """Runs call() with a SIGINT sent to this process after `delay` seconds; checks that it raised
    KeyboardInterrupt and returns how long it took."""
    start = time.perf_counter()
    with SigintAfter(delay), pytest.raises(KeyboardInterrupt):
        call()
    return time.perf_counter() - start


def check_pt_ctrl_c_resumes_bitwise(pt, x0, seed: int = 5, delay: float = 0.3) -> None:
    """Ctrl-C during a long pt.run raises heatbath.Interrupted, whose state continues the run bit for
    bit: a few more rounds from it equal an uninterrupted run of as many rounds."""
    import heatbath as hb

    with SigintAfter(delay), pytest.raises(hb.Interrupted) as info:
        pt.run(x0, 10**7, seed=seed)
    exc = info.value
    assert 0 < exc.steps_done < 10**7 and exc.state.round == exc.steps_done
    resumed = pt.run(exc.state, 3)
    whole = pt.run(x0, exc.steps_done + 3, seed=seed)
    for a, b in ((resumed.state.x, whole.state.x), (resumed.state.slot_of, whole.state.slot_of)):
        a, b = to_numpy(a), to_numpy(b)
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
