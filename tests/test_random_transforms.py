# SPDX-License-Identifier: Apache-2.0
"""The uniform and normal transforms against an independent float64 numpy reference built from
the same raw words (hb.random.bits), as documented in csrc/heatbath/distributions.h.

Uniforms are exact. Normals are computed with heatbath's own polynomial log and sin/cos (so every
backend produces the same bits); here they must agree with numpy's float64 log/cos/sin to within a
few units in the last place of the output's precision: 4 ulp of r in float32, 16 ulp of r in float64.
"""
import numpy as np
import pytest

import heatbath as hb

SEED, CHAINS, N = 123, 500, 400


def words(n_words_per_row, seed=SEED):
    return hb.random.bits((CHAINS, n_words_per_row), seed=seed).astype(np.uint64)


def test_uniform_float32_is_exact():
    w = words(N)
    expected = ((w >> 9) * 2 + 1).astype(np.float64) * 2.0**-24
    got = hb.random.uniform((CHAINS, N), seed=SEED, dtype="float32")
    np.testing.assert_array_equal(got.astype(np.float64), expected)


def test_uniform_float64_is_exact():
    w = words(N)
    w64 = (w[:, 1::2] << np.uint64(32)) | w[:, 0::2]
    expected = ((w64 >> np.uint64(12)) * np.uint64(2) + np.uint64(1)).astype(np.float64) * 2.0**-53
    got = hb.random.uniform((CHAINS, N // 2), seed=SEED, dtype="float64")
    np.testing.assert_array_equal(got, expected)


def reference_box_muller(u, q, d, angle_scale):
    r = np.sqrt(-2.0 * np.log(u))
    phi = d * angle_scale + q * (np.pi / 2)
    return r, r * np.cos(phi), r * np.sin(phi)


def test_normal_float32_matches_float64_reference():
    w = words(N)
    radius_w, angle_w = w[:, 0::2], w[:, 1::2]
    u = ((radius_w >> 9) * 2 + 1).astype(np.float64) * 2.0**-24
    f = (angle_w >> 6) & 0xFFFFFF
    d = (2 * f + 1).astype(np.float64) - 2.0**24
    r, z0, z1 = reference_box_muller(u, (angle_w >> 30).astype(np.float64), d, np.pi / 4 * 2.0**-24)
    got = hb.random.normal((CHAINS, N), seed=SEED, dtype="float32").astype(np.float64)
    ulp = r * 2.0**-24
    assert np.max(np.abs(got[:, 0::2] - z0) / ulp) <= 4
    assert np.max(np.abs(got[:, 1::2] - z1) / ulp) <= 4


def test_normal_float64_matches_float64_reference():
    w = words(N)
    radius = (w[:, 1::4] << np.uint64(32)) | w[:, 0::4]
    angle = (w[:, 3::4] << np.uint64(32)) | w[:, 2::4]
    u = ((radius >> np.uint64(12)) * np.uint64(2) + np.uint64(1)).astype(np.float64) * 2.0**-53
    f = (angle >> np.uint64(10)) & np.uint64(2**52 - 1)
    d = (f * np.uint64(2) + np.uint64(1)).astype(np.float64) - 2.0**52  # exact: |d| < 2**52
    r, z0, z1 = reference_box_muller(u, (angle >> np.uint64(62)).astype(np.float64), d, np.pi / 4 * 2.0**-52)
    got = hb.random.normal((CHAINS, N // 2), seed=SEED, dtype="float64")
    ulp = r * 2.0**-53
    # The reference itself is float64 (its own error is a few ulp), hence the wider margin.
    assert np.max(np.abs(got[:, 0::2] - z0) / ulp) <= 16
    assert np.max(np.abs(got[:, 1::2] - z1) / ulp) <= 16


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_extreme_radius_is_finite(dtype):
    # The smallest uniform gives the largest radius: sqrt(-2 log 2^-24) = 5.77 in float32.
    z = hb.random.normal((4000, 500), seed=1, dtype=dtype)
    assert np.isfinite(z).all()
    bound = np.sqrt(-2 * np.log(2.0**-24 if dtype == "float32" else 2.0**-53))
    assert np.abs(z).max() <= bound * (1 + 1e-6)
