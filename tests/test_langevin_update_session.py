# SPDX-License-Identifier: Apache-2.0
"""_core.LangevinUpdateSession, the per-run form of the update phases that TorchPotential's loop uses: it
holds the run's fixed arrays, so that each step hands over only the new gradient. A session's steps give
the bits of the one-shot langevin_update on the same arrays, and what a phase needs but was given
neither at the start nor now, or was given in the wrong shape, dtype or device, is a ValueError or
TypeError naming the argument, never a crash."""
import numpy as np
import pytest

from heatbath import _core

H, C1, SEED, CHAIN_START = 0.01, 0.9, 21, 3


def arrays(chains, dim, dtype, seed=4):
    rng = np.random.default_rng(seed)
    f = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    return dict(x=f(chains, dim), p=f(chains, dim), g=f(chains, dim), y=f(chains, dim), e=f(chains),
                gy=[f(chains, dim) for _ in range(4)], ey=[f(chains) for _ in range(4)],
                accepted=np.zeros(chains, np.int64), diverged_at=np.full(chains, -1, np.int64))


def one_shot(a, method, steps):
    for s in range(steps):
        common = dict(h=H, c1=C1, seed=SEED, chain_start=CHAIN_START, step=s)
        if method == "ula":
            _core.langevin_update("ula_move", x=a["x"], g=a["gy"][s], diverged_at=a["diverged_at"], scale=0.2, **common)
        elif method == "mala":
            _core.langevin_update("mala_propose", x=a["x"], g=a["g"], y=a["y"], scale=0.2, **common)
            _core.langevin_update("mala_accept", x=a["x"], g=a["g"], y=a["y"], gy=a["gy"][s], e=a["e"], ey=a["ey"][s],
                                  accepted=a["accepted"], diverged_at=a["diverged_at"], beta=1.5, **common)
        else:
            _core.langevin_update("baoab_move", x=a["x"], p=a["p"], g=a["g"], scale=0.2, **common)
            _core.langevin_update("baoab_kick", x=a["x"], p=a["p"], g=a["gy"][s], diverged_at=a["diverged_at"],
                                  **common)


def with_session(a, method, steps):
    session = _core.LangevinUpdateSession(a["x"], a["p"] if method == "baoab" else None,
                                          a["g"] if method == "mala" else None, a["y"] if method == "mala" else None,
                                          a["e"] if method == "mala" else None,
                                          a["accepted"] if method == "mala" else None, a["diverged_at"], H, C1, SEED,
                                          CHAIN_START, 0)
    for s in range(steps):
        if method == "ula":
            session.apply("ula_move", a["gy"][s], None, None, None, 0.2, 1.0, s)
        elif method == "mala":
            session.apply("mala_propose", None, None, None, None, 0.2, 1.0, s)
            session.apply("mala_accept", None, a["gy"][s], a["ey"][s], None, 0.0, 1.5, s)
        else:
            session.apply("baoab_move", a["g"], None, None, None, 0.2, 1.0, s)
            session.apply("baoab_kick", a["gy"][s], None, None, None, 0.0, 1.0, s)


@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_session_steps_are_the_one_shot_phases(method, dtype):
    a, b = arrays(37, 3, dtype), arrays(37, 3, dtype)
    one_shot(a, method, 4)
    with_session(b, method, 4)
    for k in ("x", "p", "g", "y", "e", "accepted", "diverged_at"):
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert not np.array_equal(a["x"], arrays(37, 3, dtype)["x"])  # the phases did move the chains


def test_missing_and_malformed_arrays_are_named():
    a = arrays(10, 2, np.float32)
    session = _core.LangevinUpdateSession(a["x"], None, None, None, None, None, a["diverged_at"], H, C1, SEED, 0, 0)
    with pytest.raises(ValueError, match="argument 'g': the phase 'ula_move' needs it"):
        session.apply("ula_move", None, None, None, None, 0.1, 1.0, 0)
    with pytest.raises(ValueError, match="argument 'p': the phase 'baoab_move' needs it"):
        session.apply("baoab_move", a["g"], None, None, None, 0.1, 1.0, 0)
    with pytest.raises(ValueError, match="argument 'accepted': the phase 'mala_accept' needs it"):
        _core.LangevinUpdateSession(a["x"], None, a["g"], a["y"], a["e"], None, a["diverged_at"], H, C1, SEED, 0,
                                    0).apply("mala_accept", None, a["gy"][0], a["ey"][0], None, 0.0, 1.0, 0)
    with pytest.raises(ValueError, match="argument 'g'"):
        session.apply("ula_move", np.zeros((10, 3), np.float32), None, None, None, 0.1, 1.0, 0)
    with pytest.raises(TypeError, match="argument 'g'"):
        session.apply("ula_move", np.zeros((10, 2), np.float64), None, None, None, 0.1, 1.0, 0)
    with pytest.raises(ValueError, match="argument 'phase'"):
        session.apply("leapfrog", a["g"], None, None, None, 0.1, 1.0, 0)
    with pytest.raises(ValueError, match="argument 'step'"):
        session.apply("ula_move", a["g"], None, None, None, 0.1, 1.0, -1)
    with pytest.raises(ValueError, match="argument 'diverged_at'"):
        _core.LangevinUpdateSession(a["x"], None, None, None, None, None, np.zeros(9, np.int64), H, C1, SEED, 0, 0)
    with pytest.raises(TypeError, match="argument 'x'"):
        _core.LangevinUpdateSession(np.zeros((4, 2), np.int32), None, None, None, None, None, None, H, C1, SEED, 0, 0)
    read_only = a["x"].copy()
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="argument 'x'"):
        _core.LangevinUpdateSession(read_only, None, None, None, None, None, None, H, C1, SEED, 0, 0)


@pytest.mark.gpu
def test_arrays_on_another_device_are_refused():
    torch = pytest.importorskip("torch", reason="the CUDA arrays are torch tensors")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device is present")
    from heatbath import _backend

    cuda = _backend.module_for("cuda")
    x = torch.zeros(8, 2, device="cuda")
    session = cuda.LangevinUpdateSession(x, None, None, None, None, None, torch.full((8,), -1, device="cuda"),
                                         H, C1, SEED, 0, 0)
    with pytest.raises(ValueError, match="argument 'g'"):
        session.apply("ula_move", torch.zeros(8, 2), None, None, None, 0.1, 1.0, 0)
