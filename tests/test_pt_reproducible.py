# SPDX-License-Identifier: Apache-2.0
"""Same seed, same bits: parallel tempering is independent of thread count and instruction set, a run
cut into calls (or saved to disk between them) continues bitwise, and the tempered Langevin move at
β = 1 for every chain is exactly hb.langevin."""
import os

import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from helpers import check_pt_ctrl_c_resumes_bitwise, to_numpy

METHODS = ["ula", "mala", "baoab"]


def same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def mixture(dtype):
    return hb.GaussianMixture(np.array([[-2.0, 0.0], [2.0, 1.0]], dtype), np.array([0.6, 0.8], dtype))


def make(method="mala", swap="deo", dtype="float64", betas=5):
    return hb.ParallelTempering(mixture(dtype), betas, sampler=hb.LangevinMove(0.05, method, n_local=3), swap=swap)


def start(chains=37, dtype="float64"):
    return (0.3 * np.random.default_rng(0).standard_normal((chains, 2))).astype(dtype)


def same_result(r, s):
    for name in ("x", "replicas", "energy", "trace", "energy_trace", "index"):
        same(getattr(r, name), getattr(s, name))
    for name in ("rejection", "swap_rate", "round_trips", "log_z_pairs"):
        np.testing.assert_array_equal(getattr(r, name), getattr(s, name))
    same(r.state.slot_of, s.state.slot_of)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("swap", ["deo", "seo"])
def test_same_seed_same_bits_and_resume(dtype, method, swap):
    pt = make(method, swap, dtype)
    x0 = start(dtype=dtype)
    whole = pt.run(x0, 40, seed=9, thin=4, record_index=True)
    same_result(whole, pt.run(x0, 40, seed=9, thin=4, record_index=True))
    first = pt.run(x0, 16, seed=9, thin=4, record_index=True)
    second = pt.run(first.state, 24, thin=4, record_index=True)
    same(second.x, whole.x)
    same(second.replicas, whole.replicas)
    same(np.concatenate([first.trace, second.trace]), whole.trace)
    same(np.concatenate([first.index, second.index]), whole.index)
    np.testing.assert_array_equal(first.round_trips + second.round_trips, whole.round_trips)
    assert second.state.round == 40
    if method == "baoab":
        same(second.state.p, whole.state.p)


def test_thread_count_and_isa_do_not_change_bits():
    pt = make("mala", "deo")
    x0 = start(300)  # enough rows for several tiles per thread
    results = []
    try:
        for threads in (1, 2):
            hb.set_num_threads(threads)
            for isa in _core.cpu_isa_variants():
                _core.limit_cpu_isa(isa)
                results.append(pt.run(x0, 25, seed=2, thin=5, record_index=True))
    finally:
        _core.limit_cpu_isa("avx512")
    for r in results[1:]:
        same_result(r, results[0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("swap", ["deo", "seo"])
def test_a_column_does_not_depend_on_the_others(dtype, swap):
    # Columns run in SIMD tiles of 8 or alone depending on how many there are and on the thread count;
    # either way column c draws the numbers of its rows only, so the first 9 columns agree bitwise.
    pt = make("mala", swap, dtype, betas=6)
    x0 = start(41, dtype)
    hb.set_num_threads(2)
    big = pt.run(x0, 30, seed=8, thin=3, record_index=True)
    small = pt.run(x0[:9], 30, seed=8, thin=3, record_index=True)
    same(np.asarray(big.replicas)[:, :9], small.replicas)
    same(np.asarray(big.trace)[:, :9], small.trace)
    same(np.asarray(big.index)[:, :, :9], small.index)


def test_state_saved_to_disk_resumes(tmp_path):
    pt = make("baoab")
    x0 = start()
    whole = pt.run(x0, 30, seed=4)
    first = pt.run(x0, 12, seed=4)
    first.state.save(tmp_path / "pt.npz")
    second = pt.run(hb.load_state(tmp_path / "pt.npz"), 18)
    same(second.x, whole.x)
    same(second.state.p, whole.state.p)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", METHODS)
def test_rounds_in_one_call_are_the_rounds_one_call_each(dtype, method):
    # Within a call each tile keeps its Philox blocks from round to round (langevin.h, TileStreams), and
    # starts a round from the target's E and ∇E kept from the last swap's energies (tempered.h,
    # energy_grad_from_target; ULA takes its first step's ∇E_β from them); a call of one round draws and
    # evaluates afresh. With 3 steps a round, blocks of 4 (float32) or 2 (float64) steps straddle most
    # rounds, so a kept block or value that were stale, misplaced or tempered differently would show here.
    pt = make(method, "deo", dtype)
    x0 = start(70, dtype)
    hb.set_num_threads(2)  # conftest.py restores the count
    whole = pt.run(x0, 12, seed=4, thin=1)
    # One thread runs both blocks of columns, one after the other, from the same step: the second
    # block's tiles must not take the blocks the first one's left behind.
    hb.set_num_threads(1)
    state, traces = x0, []
    for r in range(12):
        part = pt.run(state, 1, seed=4, thin=1) if r == 0 else pt.run(state, 1, thin=1)
        state = part.state
        traces.append(part.trace)
    same(part.x, whole.x)
    same(part.replicas, whole.replicas)
    same(np.concatenate(traces), whole.trace)
    same(state.slot_of, whole.state.slot_of)
    if method == "baoab":
        same(state.p, whole.state.p)


BUILT_INS = {
    "double_well": (lambda dtype: hb.DoubleWell(), 1),
    "gaussian": (lambda dtype: hb.Gaussian(np.array([0.5, -1.0, 0.0], dtype),
                                           np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]], dtype)), 3),
    "rosenbrock": (lambda dtype: hb.Rosenbrock(1.0, 1.0), 3),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(BUILT_INS))
def test_ula_rounds_start_from_kept_gradients_of_every_built_in(name, dtype):
    # A ULA round's first step takes ∇E from the gradient the last swap's E evaluation made (with E), where
    # a fresh round evaluates ∇E alone: the same bits only while a potential's gradient does not depend on
    # whether it also computes E (tempered.h). The mixture is covered above; these are the other built-ins.
    make_target, dim = BUILT_INS[name]
    pt = hb.ParallelTempering(make_target(dtype), 4, sampler=hb.LangevinMove(0.1, "ula", n_local=1))
    x0 = (0.3 * np.random.default_rng(1).standard_normal((40, dim))).astype(dtype)
    whole = pt.run(x0, 6, seed=2)
    state = x0
    for r in range(6):
        part = pt.run(state, 1, seed=2) if r == 0 else pt.run(state, 1)
        state = part.state
    same(part.replicas, whole.replicas)
    same(state.slot_of, whole.state.slot_of)


@pytest.mark.parametrize("method", METHODS)
def test_a_row_at_beta_one_is_exactly_langevin(method):
    # Rows carry their own β and draw the noise of chain = row (row = column · (K + 1) + slot). Before
    # the first swap pass slot K is at β = 1, where E_β = E: its first round is hb.langevin's run of
    # n_local steps with chain_start = that row, bit for bit.
    target = hb.Gaussian(np.array([0.0, 0.0]), covariance=np.array([1.0, 1.0]))
    chains, n_local, replicas = 3, 6, 3
    pt = hb.ParallelTempering(target, [0.0, 0.5, 1.0], sampler=hb.LangevinMove(0.05, method, n_local=n_local))
    x0 = start(chains)
    res = pt.run(x0, 1, seed=3)
    for c in range(chains):
        row = c * replicas + replicas - 1
        ref = hb.langevin(target, x0[c:c + 1], n_local, 0.05, method, seed=3, chain_start=row)
        same(np.asarray(res.state.x)[row:row + 1], ref.x)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
def test_ctrl_c_hands_back_a_state_that_resumes_bitwise():
    pt = hb.ParallelTempering(hb.DoubleWell(), 8, sampler=hb.LangevinMove(0.01, "mala", n_local=2))
    check_pt_ctrl_c_resumes_bitwise(pt, np.linspace(-2, 2, 4000)[:, None])


def test_cuda_matches_cpu(device):
    if device == "cpu":
        pytest.skip("compares the CUDA backend with the CPU one")
    torch = pytest.importorskip("torch", reason="the torch round trip needs torch")
    target = hb.GaussianMixture(torch.tensor([[-2.0, 0.0], [2.0, 1.0]], dtype=torch.float64, device="cuda"),
                                torch.tensor([0.6, 0.8], dtype=torch.float64, device="cuda"))
    pt = hb.ParallelTempering(target, 5, sampler=hb.LangevinMove(0.05, "mala", n_local=3))
    x0 = start()
    gpu = pt.run(torch.as_tensor(x0, device="cuda"), 30, seed=1, thin=5, record_index=True)
    cpu = make("mala").run(x0, 30, seed=1, thin=5, record_index=True)
    assert type(gpu.x).__module__.startswith("torch") and gpu.x.is_cuda
    # No contraction on either side (see test_langevin_reproducible.test_backends_agree): asserted to rounding.
    np.testing.assert_allclose(to_numpy(gpu.replicas), to_numpy(cpu.replicas), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(to_numpy(gpu.index), to_numpy(cpu.index))


def test_energy_is_that_of_the_returned_replicas():
    pt = hb.ParallelTempering(hb.DoubleWell(), 5, sampler=hb.LangevinMove(0.05))
    for n_rounds in (0, 7):
        res = pt.run(np.linspace(-2, 2, 6)[:, None], n_rounds, seed=3)
        expected = hb.energy(hb.DoubleWell(), np.asarray(res.replicas).reshape(-1, 1)).reshape(5, 6)
        np.testing.assert_allclose(np.asarray(res.energy), expected, rtol=1e-12)
