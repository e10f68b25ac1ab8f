# SPDX-License-Identifier: Apache-2.0
"""Same seed, same bits: Ising sweeps do not depend on thread count, instruction set, batch splitting,
being cut into several calls, or the backend; the decisions are the documented counter layout."""

import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from helpers import empty_on, needs_torch, to_numpy

MODELS = {
    "ferro2d": lambda: hb.Ising((16, 12), 1.0, 0.1),
    "ferro3d": lambda: hb.Ising((4, 6, 8), 0.9, -0.2),
    "glass2d": lambda: hb.Ising.spin_glass((8, 8), "gaussian", seed=1, field=0.05),
    "glass3d": lambda: hb.Ising.spin_glass((4, 4, 6), "pm", seed=2),
}


def spins_for(model, lattices, seed=0):
    return np.where(np.random.default_rng(seed).random((lattices, *model.shape)) < 0.5, 1, -1).astype(np.int8)


def same(a, b):
    for x, y in zip(a, b):
        if x is None or y is None:
            assert x is None and y is None
        else:
            np.testing.assert_array_equal(to_numpy(x), to_numpy(y))


def run(model, spins, n, **kw):
    kw.setdefault("beta", 0.4)
    kw.setdefault("seed", 9)
    res = hb.gibbs(model, spins, n, **kw)
    return res.spins, res.energy, res.magnetization


@pytest.mark.parametrize("method", ["heatbath", "metropolis"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_same_seed_same_bits_and_seeds_differ(name, method):
    model = MODELS[name]()
    s0 = spins_for(model, 5)
    same(run(model, s0, 10, method=method), run(model, s0, 10, method=method))
    assert not np.array_equal(run(model, s0, 10, method=method)[0], run(model, s0, 10, method=method, seed=10)[0])


@pytest.mark.parametrize("method", ["heatbath", "metropolis"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_resume_from_state_is_bitwise_identical(name, method):
    model = MODELS[name]()
    s0 = spins_for(model, 4)
    whole = hb.gibbs(model, s0, 25, beta=0.5, seed=3, method=method)
    first = hb.gibbs(model, s0, 10, beta=0.5, seed=3, method=method)
    second = hb.gibbs(model, first.state, 15, beta=0.5)
    third = hb.gibbs(model, hb.gibbs(model, first.state, 0, beta=0.5).state, 15, beta=0.5)
    assert second.state.sweep == 25
    same((second.spins, third.spins), (whole.spins, whole.spins))
    same((np.concatenate([first.energy, second.energy]), np.concatenate([first.magnetization, second.magnetization])),
         (whole.energy, whole.magnetization))


@pytest.mark.parametrize("shape,lattices", [((64, 64), 1), ((128, 32), 3), ((8, 8), 40), ((16, 16, 16), 1)])
@pytest.mark.parametrize("glass", [False, True])
def test_thread_count_does_not_change_results(shape, lattices, glass):
    # One big lattice is split by rows (with barriers), many small ones by lattice.
    model = hb.Ising.spin_glass(shape, seed=4) if glass else hb.Ising(shape, 1.0, 0.2)
    s0 = spins_for(model, lattices)
    betas = np.linspace(0.3, 0.6, lattices)
    hb.set_num_threads(1)
    one = run(model, s0, 6, beta=betas)
    hb.set_num_threads(2)
    two = run(model, s0, 6, beta=betas)
    hb.set_num_threads(3)
    three = run(model, s0, 6, beta=betas)
    same(one, two)
    same(one, three)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_batch_split_with_chain_start_is_identical(name):
    model = MODELS[name]()
    s0 = spins_for(model, 10)
    betas = np.linspace(0.2, 0.7, 10)
    whole = run(model, s0, 8, beta=betas)
    head = run(model, s0[:4], 8, beta=betas[:4])
    tail = run(model, s0[4:], 8, beta=betas[4:], chain_start=4)
    same(whole, tuple(np.concatenate([h, t], axis=1 if h.ndim == 2 else 0)  # traces [sweeps, lattices]
                      for h, t in zip(head, tail)))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_cpu_isa_variant_gives_the_same_bits(name):
    model = MODELS[name]()
    s0 = spins_for(model, 6)
    results = []
    try:
        for variant in _core.cpu_isa_variants():
            _core.limit_cpu_isa(variant)
            results.append(run(model, s0, 8, method="metropolis" if "glass" in name else "heatbath"))
    finally:
        _core.limit_cpu_isa("avx512")
    for res in results[1:]:
        same(res, results[0])


def test_record_off_and_inplace_give_the_same_spins():
    model = MODELS["ferro2d"]()
    s0 = spins_for(model, 3)
    keep = s0.copy()
    ref = hb.gibbs(model, s0, 7, beta=0.4, seed=2)
    np.testing.assert_array_equal(s0, keep)  # spins0 untouched by default
    quiet = hb.gibbs(model, s0, 7, beta=0.4, seed=2, record=False)
    assert quiet.energy is None and quiet.magnetization is None
    np.testing.assert_array_equal(quiet.spins, ref.spins)
    own = s0.copy()
    res = hb.gibbs(model, own, 7, beta=0.4, seed=2, inplace=True)
    assert res.spins is own
    np.testing.assert_array_equal(own, ref.spins)
    empty = hb.gibbs(model, s0, 0, beta=0.4)
    assert empty.energy.shape == (0, 3) and empty.state.sweep == 0
    np.testing.assert_array_equal(empty.spins, s0)


@needs_torch
def test_torch_in_torch_out():
    import torch

    model = MODELS["ferro3d"]()
    s0 = spins_for(model, 3)
    res = hb.gibbs(model, torch.from_numpy(s0), 5, beta=torch.tensor([0.3, 0.4, 0.5]), seed=1)
    ref = hb.gibbs(model, s0, 5, beta=[0.3, 0.4, 0.5], seed=1)
    assert isinstance(res.spins, torch.Tensor) and res.spins.dtype == torch.int8
    assert isinstance(res.energy, torch.Tensor) and isinstance(model.energy(res.spins), torch.Tensor)
    same((res.spins, res.energy, res.magnetization), (ref.spins, ref.energy, ref.magnetization))


def numpy_sweep(spins, t, beta, j, h, seed, method):
    """One sweep of a 2-D model written from the documented counter layout (ising.h), with the flip
    probability in float64: it agrees with the float32 kernel unless a word lands within ~10^-7 of a
    threshold, which these few thousand decisions do not. j: a number, or per-bond couplings [2, ny, nx]
    (axis 0: the bond to y + 1, axis 1: to x + 1); h: a number or per-site fields [ny, nx]."""
    s = spins.astype(np.int64)
    lattices, ny, nx = s.shape
    nb = (nx + 7) // 8
    jy, jx = np.broadcast_to(np.asarray(j, np.float64), (2, ny, nx))
    h = np.broadcast_to(np.asarray(h, np.float64), (ny, nx))
    for colour in (0, 1):
        words = hb.random.bits((lattices, ny * nb * 4), seed=seed, step=2 * t + colour, purpose="gibbs")
        words = words.reshape(lattices, ny, nb * 4).astype(np.float64)
        new = s.copy()
        for y in range(ny):
            xs = (colour + y) % 2 + 2 * np.arange(nx // 2)
            left, right, up, down = (xs - 1) % nx, (xs + 1) % nx, (y - 1) % ny, (y + 1) % ny
            field = (jx[y, left] * s[:, y, left] + jx[y, xs] * s[:, y, right] + jy[up, xs] * s[:, up, xs]
                     + jy[y, xs] * s[:, down, xs] + h[y, xs])
            sh = s[:, y, xs] * field
            x = 2 * beta * sh
            q = 1 / (1 + np.exp(x)) if method == "heatbath" else np.minimum(1.0, np.exp(-x))
            threshold = np.minimum(np.ceil(q * 2.0**32 - 0.5), 2.0**32 - 1)
            flip = words[:, y, : nx // 2] < threshold
            new[:, y, xs] = np.where(flip, -s[:, y, xs], s[:, y, xs])
        s = new
    return s.astype(np.int8)


@pytest.mark.parametrize("method", ["heatbath", "metropolis"])
def test_decisions_follow_the_documented_counter_layout(method):
    model = hb.Ising((6, 12), 1.0, 0.25)
    s = spins_for(model, 7)
    res = hb.gibbs(model, s, 3, beta=0.45, seed=123, method=method)
    for t in range(3):
        s = numpy_sweep(s, t, 0.45, 1.0, 0.25, 123, method)
    np.testing.assert_array_equal(res.spins, s)


@pytest.mark.parametrize("method", ["heatbath", "metropolis"])
@pytest.mark.parametrize("per_site", ["coupling", "field"])
def test_per_site_decisions_follow_the_documented_counter_layout(method, per_site):
    """The per-site path (a probability per spin, no threshold table) against the same reference: a
    spin glass with a uniform field, and a uniform coupling with a field per site (rows of 40 sites
    cover whole SIMD vectors and a remainder)."""
    rng = np.random.default_rng(4)
    shape = (6, 40)
    if per_site == "coupling":
        model = hb.Ising.spin_glass(shape, "gaussian", seed=3, field=0.2)
        j, h = np.asarray(model.coupling, np.float64), 0.2
    else:
        h = rng.normal(0.0, 0.7, shape).astype(np.float32)
        model, j = hb.Ising(shape, 0.8, h), 0.8
    s = spins_for(model, 5)
    res = hb.gibbs(model, s, 3, beta=0.6, seed=77, method=method)
    for t in range(3):
        s = numpy_sweep(s, t, 0.6, j, h, 77, method)
    np.testing.assert_array_equal(res.spins, s)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("method", ["heatbath", "metropolis"])
def test_backends_agree_bitwise(device, name, method):
    model = MODELS[name]()
    s0 = spins_for(model, 5)
    ref = hb.gibbs(model, s0, 12, beta=np.linspace(0.2, 0.8, 5), seed=6, method=method)
    x = empty_on(device, s0.shape, "int8")
    x[...] = x.new_tensor(s0) if hasattr(x, "new_tensor") else s0
    res = hb.gibbs(model, x, 12, beta=np.linspace(0.2, 0.8, 5), seed=6, method=method)
    np.testing.assert_array_equal(to_numpy(res.spins), ref.spins)
    np.testing.assert_array_equal(to_numpy(res.energy), ref.energy)
    np.testing.assert_array_equal(to_numpy(res.magnetization), ref.magnetization)
    np.testing.assert_array_equal(to_numpy(model.energy(res.spins)), model.energy(ref.spins))
