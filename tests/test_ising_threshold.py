# SPDX-License-Identifier: Apache-2.0
"""The per-site Ising flip threshold T(q) = min(ceil(q·2^32 − 1/2), 2^32 − 1) (csrc/heatbath/ising.h),
which a spin flips below: it is computed in 32-bit integers from the bits of q (so that the per-site
loop runs as many lanes as it has floats), and exact rational arithmetic checks it here, on the float32
probabilities where rounding could go wrong (q·2^32 − 1/2 an integer, or one ulp of q off it), at both
ends of every binade (each exponent takes its own shift), at the ends of [0, 1], and on random ones."""
import math
from fractions import Fraction

import numpy as np
import pytest

from heatbath import _core


def exact_threshold(q: np.float32) -> int:
    if not q > 0:  # 0, negative zero and NaN: never flip
        return 0
    t = Fraction(float(q)) * 2**32 - Fraction(1, 2)
    return max(0, min(math.ceil(t), 2**32 - 1))


def probabilities():
    rng = np.random.default_rng(11)
    yield from rng.random(20000).astype(np.float32)
    yield from (rng.random(2000) ** 20).astype(np.float32)  # small ones, down to ~1e-20
    one = np.float32(1.0)
    ends = [0.0, 1.0, np.nextafter(one, np.float32(0)), np.float32(2.0**-32), np.float32(2.0**-33), np.float32(1e-45)]
    yield from (np.float32(q) for q in ends)
    # the first, second and last float32 of each binade, subnormals included: the integer form shifts
    # the significand by an amount set by the exponent, and caps it at both ends
    for e in range(-149, 1):
        low = np.float32(2.0**e)
        yield from (low, np.nextafter(low, one), np.nextafter(np.float32(2.0 ** (e + 1)), np.float32(0)))
    # q·2^32 − 1/2 exactly an integer k (q = (k + 1/2) / 2^32, exact in float32 for small k), and the
    # float32 values either side of it
    for k in list(range(0, 64)) + [2**20 + 7, 2**23 - 1]:
        q = np.float32((k + 0.5) / 2**32)
        assert Fraction(float(q)) * 2**32 - Fraction(1, 2) == k
        yield from (np.nextafter(q, np.float32(0)), q, np.nextafter(q, one))


def test_threshold_is_exact():
    bad = [(q, _core.ising_threshold(q), exact_threshold(q)) for q in probabilities()
           if _core.ising_threshold(q) != exact_threshold(q)]
    assert not bad, bad[:5]


@pytest.mark.parametrize("q, expected", [(np.nan, 0), (-0.25, 0), (0.0, 0), (1.0, 2**32 - 1), (np.inf, 2**32 - 1),
                                         (3.0, 2**32 - 1)])
def test_threshold_at_the_ends_and_beyond(q, expected):
    # NaN and q ≤ 0 never flip; q above 1 (which no flip probability is) gets the threshold of q = 1
    assert _core.ising_threshold(np.float32(q)) == expected
