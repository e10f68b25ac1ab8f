# SPDX-License-Identifier: Apache-2.0
"""rn::fma on float32 in the host code (csrc/heatbath/rn_math.h): without an FMA instruction (the
baseline x86-64 build, and the bindings, built without -march) it is emulated through double with a
round-to-odd step. Every backend's exp, the RBM sampling pass and the small GEMM depend on it giving
the correctly rounded a·b + c, which exact rational arithmetic decides here."""
from fractions import Fraction

import numpy as np

from heatbath import _core


def nearest_float32(x: Fraction) -> np.float32:
    """x rounded to float32, ties to even, from exact comparisons (no double rounding)."""
    guess = np.float32(float(x))  # within one float32 ulp of the answer
    candidates = [np.nextafter(guess, np.float32(-np.inf)), guess, np.nextafter(guess, np.float32(np.inf))]
    candidates = [c for c in candidates if np.isfinite(c)]

    def key(c):
        return abs(Fraction(float(c)) - x), int(c.view(np.uint32)) & 1  # nearer first, then the even one

    return min(candidates, key=key)


def cases(rng, n):
    # Random bit patterns (whatever their exponents, as long as a·b + c stays finite in float32) ...
    bits = rng.integers(0, 2**32, size=(n, 3), dtype=np.uint64).astype(np.uint32).view(np.float32)
    keep = np.isfinite(bits).all(axis=1) & (np.abs(bits) < 1e18).all(axis=1)
    yield from zip(*bits[keep].T)
    # ... and random mantissas at nearby exponents, where the three terms overlap.
    mantissa = rng.uniform(1, 2, size=(n, 3)) * rng.choice([-1.0, 1.0], size=(n, 3))
    a, b, c = (mantissa * 2.0 ** rng.integers(-20, 21, size=(n, 3))).astype(np.float32).T
    yield from zip(a, b, c)
    # c cancelling a·b to within a few ulps: where a sum rounded twice would go wrong.
    for x, y in zip(a[:2000], b[:2000]):
        p = np.float32(x * y)
        for step in (0, 1, -1, 2):
            cc = -p
            for _ in range(abs(step)):
                cc = np.nextafter(cc, np.float32(np.inf if step > 0 else -np.inf))
            yield x, y, cc
    # Double-rounding traps: a·b exactly halfway between two floats and c far below it. a·b + c then
    # lies just off the midpoint; a sum rounded to double first lands on it, and ties-to-even then
    # picks the wrong neighbour half the time.
    for j in range(1, 400, 2):
        a = np.float32(1 + j * 2.0**-23)  # 3·a = 3 + 3j·2^-23: an odd multiple of 2^-23, a midpoint in [2, 4)
        for tiny in (2.0**-80, -2.0**-80, 2.0**-60, -2.0**-60):
            yield a, np.float32(3), np.float32(tiny)
    # Ties of the final rounding: a·b + c exactly halfway between two floats.
    for k in range(1, 300):
        a = np.float32(1 + k * 2.0**-12)
        b = np.float32(1 + 2.0**-12)
        yield a, b, np.float32(2.0**-24)


def test_float32_fma_is_correctly_rounded():
    rng = np.random.default_rng(20261126)
    count = 0
    for a, b, c in cases(rng, 6000):
        exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
        want = nearest_float32(exact)
        got = np.float32(_core.rn_fma_f32(float(a), float(b), float(c)))
        assert got.view(np.uint32) == want.view(np.uint32), (a, b, c, got, want)
        count += 1
    assert count > 10000


def test_float32_fma_special_values():
    inf, nan = float("inf"), float("nan")
    assert _core.rn_fma_f32(inf, 1.0, 0.0) == inf
    assert _core.rn_fma_f32(-inf, 2.0, 1.0) == -inf
    assert np.isnan(_core.rn_fma_f32(inf, 0.0, 1.0))
    assert np.isnan(_core.rn_fma_f32(nan, 1.0, 1.0))
    assert np.isnan(_core.rn_fma_f32(inf, 1.0, -inf))
    assert _core.rn_fma_f32(3.0, 4.0, -12.0) == 0.0
    assert _core.rn_fma_f32(1e-30, 1e-30, 0.0) == 0.0  # 1e-60 underflows float32 to +0
    assert _core.rn_fma_f32(-1e-30, 1e-30, 0.0) == 0.0 and np.signbit(np.float32(_core.rn_fma_f32(-1e-30, 1e-30, 0.0)))
