# SPDX-License-Identifier: Apache-2.0
"""rn::exp (csrc/heatbath/rn_math.h), the exp of every backend's kernels (the RBM and Ising passes, the
mixture potential, the swap pass): its contract at the edges (below its range 0, above it +inf, NaN
for NaN, exp(±0) = 1) and its accuracy against libm in between. The NaN path matters: the kernel lets
a NaN's garbage exponent bits through, relying on NaN times any scale being NaN."""
import math

import numpy as np
import pytest

from heatbath import _core

# The edges of the range as rn_math.h's ExpConstants set them: exp(x) for x below kMin is 0, above kMax +inf.
EDGES = {"f32": (_core.rn_exp_f32, np.float32, -87.0, 88.0), "f64": (_core.rn_exp_f64, np.float64, -708.0, 709.0)}


@pytest.mark.parametrize("kind", list(EDGES))
def test_special_values(kind):
    exp, dtype, lo, hi = EDGES[kind]
    assert math.isnan(exp(float("nan")))
    assert math.isnan(exp(-float("nan")))
    assert exp(float("-inf")) == 0.0
    assert exp(float("inf")) == float("inf")
    assert exp(0.0) == 1.0 and exp(-0.0) == 1.0
    below = float(np.nextafter(dtype(lo), dtype(-np.inf)))
    above = float(np.nextafter(dtype(hi), dtype(np.inf)))
    assert exp(below) == 0.0
    assert exp(above) == float("inf")
    assert exp(-1e30) == 0.0 and exp(1e30) == float("inf")
    # The edges themselves are inside the range: finite, positive, and close to libm's.
    for x in (lo, hi):
        got = exp(x)
        assert math.isfinite(got) and got > 0.0
        assert got == pytest.approx(math.exp(x), rel=8 * float(np.finfo(dtype).eps))


@pytest.mark.parametrize("kind", list(EDGES))
def test_accuracy_against_libm(kind):
    """Relative error at most 2 units of the type's epsilon over the whole range (a float32 result is
    compared with the exact exp of its float32 argument, computed in double)."""
    exp, dtype, lo, hi = EDGES[kind]
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(lo, hi, 4000), rng.uniform(-1.0, 1.0, 2000),
                         np.linspace(lo, hi, 2001)]).astype(dtype)
    eps = float(np.finfo(dtype).eps)
    worst = 0.0
    for x in xs:
        x = float(x)
        want = math.exp(x)
        worst = max(worst, abs(exp(x) - want) / want)
    assert worst <= 2 * eps, f"worst relative error {worst / eps:.2f} eps"
