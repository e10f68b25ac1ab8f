# SPDX-License-Identifier: Apache-2.0
"""Philox4x32-10 against the Random123 known-answer vectors (tests/kat_vectors of
DEShawResearch/random123): counter words, key words, expected output words."""
import numpy as np
import pytest

import heatbath as hb

KAT = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


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
