# SPDX-License-Identifier: Apache-2.0
"""The Numba random stream equals the C++ core bit for bit (heatbath._numba vs heatbath._core).

Philox is pinned to the Random123 known-answer vectors (tests/kat_vectors of DEShawResearch/random123);
the transforms and the fill layout are pinned to _core.fill_random by comparing the bits of the
results, so that a Numba kernel and a C++ kernel given the same (seed, purpose, step, chain) draw the
same numbers.
"""
import math

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="the Numba kernels need numba (pip install heatbath[numba])")

from numba import njit  # noqa: E402

import heatbath._numba as hn  # noqa: E402
from heatbath import _core  # noqa: E402

from helpers import PHILOX_KAT as KAT  # noqa: E402

FILLS = [  # (core kind, numba fill, dtype)
    ("bits", hn.fill_bits, np.uint32),
    ("uniform", hn.fill_uniform, np.float32),
    ("uniform", hn.fill_uniform, np.float64),
    ("normal", hn.fill_normal, np.float32),
    ("normal", hn.fill_normal, np.float64),
]
FILL_IDS = [f"{kind}-{np.dtype(dtype).name}" for kind, _, dtype in FILLS]

# (seed, purpose, step, chain_start, shape): large seeds and steps exercise the key's high word and
# the step bits above 32; odd n leaves a partial last block for every block width.
STREAMS = [
    (0, 0, 0, 0, (3, 8)),
    (42, 1, 7, 0, (5, 13)),
    (2**64 - 1, 255, 2**56 - 1, 2**32 - 6, (6, 7)),
    (2**63 + 12345, 3, (5 << 32) | 7, 11, (4, 33)),
    (0x0123456789ABCDEF, 4, 2**32, 1000, (9, 1)),
    (2**32, 6, 2**40 + 3, 2**31, (2, 101)),
    (1, 2, 3, 4, (0, 5)),
    (1, 2, 3, 4, (3, 0)),
]


def _bits(a):
    return a.view(np.uint32 if a.itemsize == 4 else np.uint64)


def _assert_same_bits(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    diff = np.argwhere(_bits(got) != _bits(want))
    if diff.size:
        at = tuple(diff[0])
        pytest.fail(f"{len(diff)} values differ, first at {at}: numba {got[at]!r}, core {want[at]!r}")


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_philox_matches_random123(counter, key, expected):
    got = hn.philox4x32_10(*counter, *key)
    assert tuple(int(w) for w in got) == expected
    # Numba boxes the words as Python ints; the compiled signature shows they are uint32.
    assert all(sig.return_type == numba.types.UniTuple(numba.uint32, 4) for sig in hn.philox4x32_10.nopython_signatures)


@njit
def _philox_from_njit(counter, key):
    return hn.philox4x32_10(counter[0], counter[1], counter[2], counter[3], key[0], key[1])


@pytest.mark.parametrize("counter,key,expected", KAT)
def test_philox_is_callable_from_njit_code(counter, key, expected):
    assert tuple(int(w) for w in _philox_from_njit(np.array(counter, np.uint32), np.array(key, np.uint32))) == expected


def test_random_words_follow_the_documented_counter_layout():
    # counter = (block, chain, step lo32, purpose << 24 | step bits 32..55), key = seed (lo, hi)
    seed, purpose, step = 0xFEDCBA9876543210, 200, (0xABCDEF << 32) | 0x1234
    key = hn.stream_key(seed, purpose, step)
    assert tuple(int(w) for w in key) == (0x76543210, 0xFEDCBA98, 0x1234, (200 << 24) | 0xABCDEF)
    for chain, block in [(0, 0), (17, 3), (2**32 - 1, 2**32 - 1)]:
        want = _core.philox4x32_10([block, chain, step & 0xFFFFFFFF, (purpose << 24) | (step >> 32)],
                                   [seed & 0xFFFFFFFF, seed >> 32])
        assert [int(w) for w in hn.random_words(key, chain, block)] == list(want)


@pytest.mark.parametrize("kind,fill,dtype", FILLS, ids=FILL_IDS)
@pytest.mark.parametrize("seed,purpose,step,chain_start,shape", STREAMS)
def test_fill_equals_core_bit_for_bit(kind, fill, dtype, seed, purpose, step, chain_start, shape):
    want = np.empty(shape, dtype)
    _core.fill_random(want, kind, seed, purpose, step, chain_start)
    got = np.empty(shape, dtype)
    assert fill(got, seed, purpose, step, chain_start) is got
    _assert_same_bits(got, want)


@pytest.mark.parametrize("kind,fill,dtype", FILLS, ids=FILL_IDS)
def test_fill_equals_core_on_many_values(kind, fill, dtype):
    # Enough normals that the log and sin/cos polynomials see every quadrant and a wide range of radii.
    want = np.empty((64, 1001), dtype)
    _core.fill_random(want, kind, 2**64 - 2, 1, 2**33 + 5, 77)
    _assert_same_bits(fill(np.empty_like(want), 2**64 - 2, 1, 2**33 + 5, 77), want)


@pytest.mark.parametrize("kind,fill,dtype", FILLS, ids=FILL_IDS)
def test_fill_writes_strided_views_only_where_they_point(kind, fill, dtype):
    want = np.empty((7, 9), dtype)
    _core.fill_random(want, kind, 99, 2, 2**36, 3)
    for make_view in (lambda b: b[1::2, ::3], lambda b: b[::-2, 2::3], lambda b: b[::2, ::3].T.T):
        base = np.zeros((14, 27), dtype)
        view = make_view(base)
        assert not view.flags.c_contiguous and view.shape == want.shape
        fill(view, 99, 2, 2**36, 3)
        _assert_same_bits(view, want)
        assert np.count_nonzero(base) == np.count_nonzero(want)  # nothing written outside the view
    # A Fortran-ordered array, strided the other way round.
    fortran = np.asfortranarray(np.zeros((7, 9), dtype))
    _assert_same_bits(fill(fortran, 99, 2, 2**36, 3), want)


def test_rows_can_be_generated_in_pieces():
    whole = hn.fill_normal(np.empty((10, 6), np.float32), 5, 1, 9, 100)
    part = hn.fill_normal(np.empty((4, 6), np.float32), 5, 1, 9, 106)
    _assert_same_bits(part, whole[6:])


@njit
def _normals_by_hand(seed, purpose, step, chain_start, chains, n):
    # A user kernel drawing through the building blocks, as fill_normal does for float64.
    out = np.empty((chains, n), np.float64)
    key = hn.stream_key(seed, purpose, step)
    for row in range(chains):
        for block in range((n + 1) // 2):
            w0, w1, w2, w3 = hn.random_words(key, chain_start + row, block)
            z0, z1 = hn.normal_block_f64(w0, w1, w2, w3)
            out[row, 2 * block] = z0
            if 2 * block + 1 < n:
                out[row, 2 * block + 1] = z1
    return out


def test_building_blocks_compose_in_njit_kernels():
    want = np.empty((3, 5), np.float64)
    _core.fill_random(want, "normal", 2**64 - 1, 1, 2**50, 8)
    _assert_same_bits(_normals_by_hand(np.uint64(2**64 - 1), 1, 2**50, 8, 3, 5), want)


def test_scalar_transforms_keep_their_precision():
    # float32 in, float32 out: a float64 intermediate would change the bits of the stream.
    u = hn.uniform_open_f32(np.uint32(0x80000000))
    assert u == 0.5 + 2.0**-24
    for x in (1e-30, 0.1, 0.5, 1.0, 1.5, 2.0, 1e30):
        assert hn.log_positive_f64(x) == pytest.approx(math.log(x), rel=1e-15, abs=1e-300)
        assert hn.log_positive_f32(np.float32(x)) == pytest.approx(math.log(np.float32(x)), rel=2e-7, abs=1e-7)
    s, c = hn.sincos_reduced_f64(0.5)
    assert (s, c) == (pytest.approx(math.sin(0.5), rel=1e-15), pytest.approx(math.cos(0.5), rel=1e-15))
    for fn, arg, n_out in [(hn.log_positive_f32, np.float32(0.3), 0), (hn.sincos_reduced_f32, np.float32(0.3), 2),
                           (hn.box_muller_f32, np.uint32(12345), 2), (hn.uniform_open_f32, np.uint32(7), 0)]:
        fn(*([arg] * (2 if fn is hn.box_muller_f32 else 1)))
        (sig,) = [sig for sig in fn.nopython_signatures if sig.args[0] == numba.typeof(arg)]
        want = numba.types.UniTuple(numba.float32, n_out) if n_out else numba.float32
        assert sig.return_type == want, fn.__name__


@pytest.mark.parametrize("bad,error", [
    (dict(out=np.empty((2, 3), np.float32), fill=hn.fill_bits), TypeError),
    (dict(out=np.empty((2, 3), np.int32)), TypeError),
    (dict(out=np.empty((2, 3), np.dtype(">f4"))), TypeError),
    (dict(out=np.empty(6, np.float32)), ValueError),
    (dict(purpose=256), ValueError),
    (dict(step=2**56), ValueError),
    (dict(seed=2**64), ValueError),
    (dict(seed=-1), ValueError),
    (dict(seed=1.5), TypeError),
    (dict(chain_start=2**32 - 1), ValueError),  # two rows would reach chain 2**32
])
def test_fill_rejects_bad_arguments(bad, error):
    args = dict(out=np.empty((2, 3), np.float32), seed=0, purpose=0, step=0, chain_start=0, fill=hn.fill_uniform)
    args.update(bad)
    fill = args.pop("fill")
    with pytest.raises(error):
        fill(**args)


def test_fill_rejects_read_only_output():
    out = np.empty((2, 3), np.float64)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        hn.fill_normal(out, 0, 0, 0, 0)


# --- the core's noise for Numba kernels (core_noise.py): the one-lane stream, made lane-parallel ---

def _scalar_noise(seed, chain0, t_begin, n_t, n, d, dtype):
    from heatbath._numba.philox import PURPOSE_LANGEVIN_NOISE
    from heatbath._numba.stream_blocks import ensure_block, steps_per_noise_group

    W = 4 if dtype == np.float32 else 2
    G = steps_per_noise_group(d, W)
    out = np.empty((n_t, n, d), dtype)
    zero = dtype(0)
    for s in range(n_t):
        t = t_begin + s
        for c in range(n):
            for i in range(d):
                v = (t % G) * d + i
                _, _, block = ensure_block(np.uint64(seed), PURPOSE_LANGEVIN_NOISE, t // G, v // W, chain0 + c,
                                           -1, -1, (zero,) * 4, False)
                out[s, c, i] = block[v % W]
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d", [1, 2, 3, 4, 6])
def test_core_noise_for_numba_kernels_is_the_one_lane_stream(dtype, d):
    from heatbath._numba.core_noise import fill_noise

    # 37 chains: a partial tile of lanes; steps from 2**32 − 5: groups past 32 bits.
    seed, chain0, t_begin, n_t, n = 2**63 + 99, 2**31 - 3, 2**32 - 5, 9, 37
    out = np.empty((n_t, n, d), dtype)
    fill_noise(np.uint64(seed), chain0, t_begin, out)
    want = _scalar_noise(seed, chain0, t_begin, n_t, n, d, dtype)
    np.testing.assert_array_equal(out.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_core_metropolis_log_uniforms_for_numba_kernels_are_the_one_lane_stream(dtype):
    # The core takes the log in lanes (its rn::log_positive); the CUDA kernels take it per thread with
    # the Numba replica. Bit for bit the same, at 21 chains (a partial tile) and steps across blocks.
    from heatbath._numba.core_noise import fill_log_uniforms
    from heatbath._numba.philox import PURPOSE_METROPOLIS
    from heatbath._numba.rn_math import log_positive_f32, log_positive_f64
    from heatbath._numba.stream_blocks import ensure_block

    seed, chain0, t_begin, n_t, n = 7, 5, 13, 11, 21
    out = np.empty((n_t, n), dtype)
    fill_log_uniforms(np.uint64(seed), chain0, t_begin, out)
    W = 4 if dtype == np.float32 else 2
    for s in range(n_t):
        t = t_begin + s
        for c in range(n):
            _, _, block = ensure_block(np.uint64(seed), PURPOSE_METROPOLIS, t // W, 0, chain0 + c, -1, -1,
                                       (dtype(0),) * 4, True)
            want = (log_positive_f32 if dtype == np.float32 else log_positive_f64)(dtype(block[t % W]))
            assert want < 0
            assert out[s, c].tobytes() == dtype(want).tobytes()