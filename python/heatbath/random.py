# SPDX-License-Identifier: Apache-2.0
"""heatbath's random stream, for users and tests.

Every random number heatbath draws is Philox4x32-10 of a key (the 64-bit seed) and a counter built
from (purpose, step, chain, block). These functions expose that stream directly: value ``j`` of
chain row ``c`` of the result is the same number that any heatbath kernel, on any backend, thread
count or batch split, would draw for chain ``chain_start + c`` at that step and purpose.

>>> import heatbath as hb
>>> z = hb.random.normal((1000, 3), seed=42)                 # numpy float32 [1000, 3]
>>> same = hb.random.normal((500, 3), seed=42, chain_start=500)
>>> bool((z[500:] == same).all())
True
"""
from __future__ import annotations

import numbers

from heatbath import _arrays, _backend, _core
from heatbath._validate import as_int, as_seed

__all__ = ["PURPOSES", "bits", "normal", "philox4x32_10", "uniform"]

#: Named purposes (the top byte of the counter); integers 0..255 are accepted too.
#: Mirrors ``hb::Purpose`` in csrc/heatbath/counter.h.
PURPOSES = {
    "user": 0,
    "langevin_noise": 1,
    "metropolis": 2,
    "momentum": 3,
    "gibbs": 4,
    "swap": 5,
    "init": 6,
    "ais": 7,
}

_MAX_STEP = 2**56
_MAX_CHAIN = 2**32


def _purpose_code(purpose) -> int:
    if isinstance(purpose, str):
        try:
            return PURPOSES[purpose]
        except KeyError:
            raise ValueError(f"argument 'purpose': expected one of {sorted(PURPOSES)} or an integer in [0, 256), "
                             f"got {purpose!r}") from None
    return as_int(purpose, "purpose", 0, 256)


def _fill(kind, out, seed, step, chain_start, purpose, dtype, like, allowed):
    seed = as_seed(seed)
    step = as_int(step, "step", 0, _MAX_STEP)
    chain_start = as_int(chain_start, "chain_start", 0, _MAX_CHAIN)
    code = _purpose_code(purpose)
    # First, so that a shape written as a list gets this message rather than one about dtype or like.
    int_list = isinstance(out, list) and all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in out)
    if int_list or (isinstance(out, numbers.Integral) and not isinstance(out, bool)):
        two_ints = int_list and len(out) == 2 and all(s >= 0 for s in out)
        hint = f"; write {tuple(out)!r} for a shape" if two_ints else ""
        raise TypeError(f"argument 'out': expected an array to fill or a shape tuple (chains, n), got "
                        f"{type(out).__name__} {out!r}{hint}")
    if isinstance(out, tuple):
        if len(out) != 2 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0
                                    for s in out):
            raise ValueError(f"argument 'out': a shape must be (chains, n) with non-negative ints, got {out!r}")
        out = tuple(int(s) for s in out)
        name = _arrays.dtype_name(dtype if dtype is not None else allowed[0])
        if name not in allowed:
            raise TypeError(f"argument 'dtype': expected {' or '.join(allowed)}, got {name}")
        out = _arrays.allocate(out, name, like, "out", "the output")
    elif dtype is not None or like is not None:
        raise TypeError("argument 'dtype'/'like': only used when 'out' is a shape; an array 'out' fixes both")
    device = _arrays.device_of(out, "out")
    if getattr(out, "requires_grad", False) is True:
        raise ValueError("argument 'out': cannot fill a tensor that requires grad in place (torch forbids it for "
                         "leaves); fill a tensor without grad, or out.detach() to write into the same memory")
    if len(out.shape) != 2:
        raise ValueError(f"argument 'out': expected 2 dimensions [chains, n], got shape {tuple(out.shape)}")
    if chain_start + int(out.shape[0]) > _MAX_CHAIN:
        raise ValueError("argument 'chain_start': chain indices must stay below 2**32")
    stream = _arrays.current_stream(out, device)
    _backend.module_for(device.kind).fill_random(out, kind, seed, code, step, chain_start, stream)
    _arrays.mark_written(out)
    return out


def normal(out, *, seed, step=0, chain_start=0, purpose="user", dtype=None, like=None):
    """Standard normal draws of heatbath's stream.

    Parameters
    ----------
    out : array [chains, n] of float32 or float64, or a shape tuple ``(chains, n)``
        An array is filled in place (any DLPack producer, any strides, on CPU or CUDA) and returned.
        A shape allocates a new array in the framework and on the device of ``like`` (numpy if None).
    seed : int in [0, 2**64)
    step : int in [0, 2**56)
        The step counter: a sampler's step ``t`` draws with ``step=t``.
    chain_start : int
        Global index of row 0, so that a batch may be generated in pieces.
    purpose : str or int
        One of :data:`PURPOSES` or an integer in [0, 256): independent streams.
    dtype : 'float32' (default) or 'float64', when ``out`` is a shape.
    like : array, optional
        Framework and device for a new array.
    """
    return _fill("normal", out, seed, step, chain_start, purpose, dtype, like, ("float32", "float64"))


def uniform(out, *, seed, step=0, chain_start=0, purpose="user", dtype=None, like=None):
    """Uniform draws on the open interval (0, 1); same arguments as :func:`normal`.

    float32 values are odd multiples of 2**-24, float64 values odd multiples of 2**-53: never 0 or 1,
    symmetric about 1/2.
    """
    return _fill("uniform", out, seed, step, chain_start, purpose, dtype, like, ("float32", "float64"))


def bits(out, *, seed, step=0, chain_start=0, purpose="user", dtype=None, like=None):
    """The raw uint32 words of the stream; same arguments as :func:`normal` (dtype 'uint32')."""
    return _fill("bits", out, seed, step, chain_start, purpose, dtype, like, ("uint32",))


def philox4x32_10(counter, key):
    """One Philox4x32-10 block: four 32-bit counter words encrypted under two 32-bit key words."""
    counter, key = tuple(counter), tuple(key)
    if len(counter) != 4 or len(key) != 2:
        raise ValueError("philox4x32_10 takes 4 counter words and 2 key words")
    for name, words in (("counter", counter), ("key", key)):
        for w in words:
            as_int(w, name, 0, 2**32)
    return tuple(_core.philox4x32_10(list(counter), list(key)))
