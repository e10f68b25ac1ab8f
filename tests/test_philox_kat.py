# SPDX-License-Identifier: Apache-2.0
"""Philox4x32-10 against the Random123 known-answer vectors (tests/kat_vectors of
DEShawResearch/random123): counter words, key words, expected output words."""
import numpy as np
import pytest

import heatbath as hb

from helpers import PHILOX_KAT as KAT


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_block_function_matches_random123(counter, key, expected):
    assert hb.random.philox4x32_10(counter, key) == expected


def test_stream_starts_at_the_zero_counter():
    # Seed 0, purpose 0, step 0, chain 0, block 0 is the all-zero counter and key of the first vector.
    out = hb.random.bits((1, 4), seed=0)
    assert tuple(int(w) for w in out[0]) == KAT[0][2]


def test_bits_follow_the_documented_counter_layout():
    # counter = (block, chain, step lo32, purpose << 24 | step bits 32..55), key = seed (lo, hi)
    seed, step, purpose = 0x0123456789ABCDEF, (5 << 32) | 7, 3
    out = hb.random.bits((3, 9), seed=seed, step=step, chain_start=11, purpose=purpose)
    for row in range(3):
        for block in range(3):
            ctr = (block, 11 + row, step & 0xFFFFFFFF, (purpose << 24) | (step >> 32))
            words = hb.random.philox4x32_10(ctr, (seed & 0xFFFFFFFF, seed >> 32))
            got = out[row, 4 * block:4 * block + 4]
            np.testing.assert_array_equal(got, np.array(words[:len(got)], dtype=np.uint32))


def test_purpose_codes_agree_across_core_python_and_numba():
    from heatbath import _core

    assert hb.random.PURPOSES == dict(_core.PURPOSES)
    numba_stream = pytest.importorskip("heatbath._numba", reason="numba is not installed")
    for name, code in hb.random.PURPOSES.items():
        assert getattr(numba_stream, f"PURPOSE_{name.upper()}") == code, name
