# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering of hb.Ising and hb.RBM runs whole rounds in one compiled call on the CPU. It must
give the numbers of the round loop in Python (hb.gibbs sweeps or steps, the models' energies, one
pt_swap call per round): for Ising exactly, whatever the model (uniform, per-bond couplings, per-site
fields, 2-D or 3-D), the swap scheme, thinning and the thread count; for the RBM the same states, with
energies summed in float64 from the last step's W h (equal to float32 rounding)."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from heatbath.pt_gibbs import TemperedIsing, TemperedRBM
from helpers import to_numpy
from rbm_reference import random_rbm


def same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def spins(rng, shape):
    return (2 * rng.integers(0, 2, shape) - 1).astype(np.int8)


def uniform_2d():
    rng = np.random.default_rng(1)
    return hb.Ising((6, 8), coupling=0.6, field=0.05), spins(rng, (9, 6, 8))


def spin_glass_3d():
    rng = np.random.default_rng(2)
    shape = (4, 4, 6)
    coupling = rng.choice([-1.0, 1.0], size=(3, *shape)).astype(np.float32)
    field = (0.2 * rng.standard_normal(shape)).astype(np.float32)
    return hb.Ising(shape, coupling=coupling, field=field), spins(rng, (5, *shape))


def field_only():
    rng = np.random.default_rng(3)
    field = (0.3 * rng.standard_normal((4, 4))).astype(np.float32)
    return hb.Ising((4, 4), coupling=0.4, field=field), spins(rng, (3, 4, 4))


CASES = {"uniform_2d": uniform_2d, "spin_glass_3d": spin_glass_3d, "field_only": field_only}


def compiled_and_loop(monkeypatch, adapter, run):
    """run() twice: through the adapter's compiled rounds (checked to have been taken every call), then
    with them refused, so that heatbath.pt_model's round loop runs. Returns both results and the number
    of compiled calls."""
    compiled_calls = []
    original = adapter.pt_compiled_rounds

    def counting(self, *args, **kwargs):
        compiled_calls.append(original(self, *args, **kwargs))
        return compiled_calls[-1]

    with monkeypatch.context() as m:
        m.setattr(adapter, "pt_compiled_rounds", counting)
        compiled = run()
    assert compiled_calls and all(compiled_calls), "the run should have taken the compiled rounds"
    with monkeypatch.context() as m:
        m.setattr(adapter, "pt_compiled_rounds", lambda self, *a, **k: False)
        loop = run()
    return compiled, loop, len(compiled_calls)


def run_both(monkeypatch, case, swap, adapter=TemperedIsing, **kw):
    model, x0 = {**CASES, **RBM_CASES}[case]()
    pt = hb.ParallelTempering(model, 6, sampler=hb.GibbsMove(n_sweeps=2), swap=swap)
    return compiled_and_loop(monkeypatch, adapter, lambda: pt.run(x0, 25, seed=7, **kw))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("swap", ["deo", "seo"])
def test_compiled_rounds_equal_the_python_loop(monkeypatch, case, swap):
    compiled, loop, calls = run_both(monkeypatch, case, swap, thin=4, record_index=True)
    assert calls == 7  # one call per thinned sample (6 of 4 rounds), then the last round
    for name in ("x", "replicas", "energy", "index", "trace", "round_trips", "swap_rate", "rejection"):
        same(getattr(compiled, name), getattr(loop, name))
    same(compiled.state.x, loop.state.x)
    same(compiled.state.slot_of, loop.state.slot_of)
    same(compiled.state.phase, loop.state.phase)
    assert compiled.log_z_forward == loop.log_z_forward and compiled.log_z_reverse == loop.log_z_reverse


def test_one_call_without_thinning(monkeypatch):
    compiled, loop, calls = run_both(monkeypatch, "uniform_2d", "deo")
    assert calls == 1
    same(compiled.state.x, loop.state.x)
    assert compiled.log_z == loop.log_z


@pytest.mark.parametrize("chains", [1, 3, 17])
def test_thread_count_and_column_count_do_not_change_the_bits(chains):
    # 17 columns: two whole groups of the swap pass's 8 lanes and a single column left over.
    model = hb.Ising((4, 6), coupling=0.5)
    x0 = spins(np.random.default_rng(chains), (chains, 4, 6))
    pt = hb.ParallelTempering(model, 5, sampler=hb.GibbsMove(n_sweeps=1))
    hb.set_num_threads(1)
    try:
        one = pt.run(x0, 15, seed=11, record_index=True)
    finally:
        hb.set_num_threads(2)
    two = pt.run(x0, 15, seed=11, record_index=True)
    same(one.state.x, two.state.x)
    same(one.index, two.index)
    assert one.log_z == two.log_z
    # a batch's columns are independent: column 0 of the batch is the one-column run of its start
    alone = pt.run(x0[:1], 15, seed=11)
    same(to_numpy(alone.replicas)[:, 0], to_numpy(two.replicas)[:, 0])


def test_core_rejects_inconsistent_arrays():
    model, x0 = uniform_2d()
    pt = hb.ParallelTempering(model, 4)
    res = pt.run(x0, 1, seed=0)
    swap = dict(betas=res.betas, energy=np.zeros(4 * 9), beta_row=None, slot_of=np.zeros((4, 9), np.int64),
                phase=np.zeros(36, np.int64), round_trips=np.zeros(36, np.int64), local_accepted=None,
                accepted_at=None, ell=np.zeros((4, 9)), rejection=np.zeros((3, 9)),
                tried=np.zeros((3, 9), np.int64), accepted=np.zeros((3, 9), np.int64), fwd_max=np.zeros((3, 9)),
                fwd_sum=np.zeros((3, 9)), rev_max=np.zeros((3, 9)), rev_sum=np.zeros((3, 9)), index_trace=None,
                trace=None, energy_trace=None)
    states = np.ones((35, 6, 8), np.int8)  # one lattice short of 4 × 9
    kw = dict(coupling=None, field=None, j=0.6, h=0.0, method="heatbath", swap=swap, ref_log_norm=0.0, scheme=0,
              seed=0, n_sweeps=1, round0=0, n_rounds=1)
    with pytest.raises(ValueError, match="spins"):
        _core.pt_ising(spins=states, **kw)
    with pytest.raises(ValueError, match="n_sweeps"):
        _core.pt_ising(spins=np.ones((36, 6, 8), np.int8), **{**kw, "n_sweeps": 0})
    with pytest.raises(ValueError, match="even side lengths"):
        _core.pt_ising(spins=np.ones((36, 5, 8), np.int8), **kw)
    with pytest.raises(ValueError, match="method"):
        _core.pt_ising(spins=np.ones((36, 6, 8), np.int8), **{**kw, "method": "glauber"})


def rbm_case(dtype):
    rbm, _ = random_rbm(9, 6, seed=5, dtype=dtype)
    return rbm, (np.random.default_rng(2).random((11, 9)) < 0.5).astype(dtype)


RBM_CASES = {"rbm32": lambda: rbm_case("float32"), "rbm64": lambda: rbm_case("float64")}


@pytest.mark.parametrize("case", ["rbm32", "rbm64"])
@pytest.mark.parametrize("swap", ["deo", "seo"])
def test_rbm_compiled_rounds_match_the_python_loop(monkeypatch, case, swap):
    compiled, loop, calls = run_both(monkeypatch, case, swap, adapter=TemperedRBM, thin=4, record_index=True)
    assert calls == 7
    # The states: bit for bit (a swap decision could flip only if a uniform fell within float
    # rounding of its acceptance probability: probability ~1e-7 per proposal, fixed by the seed).
    for name in ("x", "replicas", "index", "trace", "round_trips", "swap_rate"):
        same(getattr(compiled, name), getattr(loop, name))
    same(compiled.state.slot_of, loop.state.slot_of)
    # The energies: float64 sums of the last step's W h against pt_energy's products in the model's dtype.
    rtol = 1e-5 if case == "rbm32" else 1e-12
    np.testing.assert_allclose(to_numpy(compiled.energy), to_numpy(loop.energy), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(compiled.rejection, loop.rejection, rtol=rtol, atol=rtol)
    np.testing.assert_allclose([compiled.log_z_forward, compiled.log_z_reverse],
                               [loop.log_z_forward, loop.log_z_reverse], rtol=rtol)


def test_rbm_compiled_energies_are_the_joint_energies():
    model, x0 = rbm_case("float64")
    res = hb.ParallelTempering(model, 5, sampler=hb.GibbsMove(n_sweeps=3)).run(x0, 7, seed=3)
    w, b, c = (np.asarray(a, np.float64) for a in (model.weights, model.visible_bias, model.hidden_bias))
    pairs = to_numpy(res.replicas).reshape(-1, 15)
    v, h = pairs[:, :9], pairs[:, 9:]
    exact = -(v @ b) - (h @ c) - np.einsum("ri,ij,rj->r", v, w, h)
    np.testing.assert_allclose(to_numpy(res.energy).ravel(), exact, rtol=1e-12, atol=1e-12)


def test_rbm_core_rejects_a_row_count_that_does_not_match():
    model, _ = rbm_case("float32")
    rows = 3 * 4
    swap = dict(betas=np.linspace(0, 1, 3), energy=np.zeros(rows), beta_row=np.zeros(rows),
                slot_of=np.zeros((3, 4), np.int64), phase=np.zeros(rows, np.int64),
                round_trips=np.zeros(rows, np.int64), local_accepted=None, accepted_at=None, ell=np.zeros((3, 4)),
                rejection=np.zeros((2, 4)), tried=np.zeros((2, 4), np.int64),
                accepted=np.zeros((2, 4), np.int64), fwd_max=np.zeros((2, 4)), fwd_sum=np.zeros((2, 4)),
                rev_max=np.zeros((2, 4)), rev_sum=np.zeros((2, 4)), index_trace=None, trace=None, energy_trace=None)
    kw = dict(sigma=1.0, weights=model.weights, visible_bias=model.visible_bias, hidden_bias=model.hidden_bias,
              swap=swap, ref_log_norm=0.0, scheme=0, seed=0, n_sweeps=1, round0=0, n_rounds=1)
    with pytest.raises(ValueError, match="'v'"):
        _core.pt_rbm(v=np.zeros((rows - 1, 9), np.float32), h=np.zeros((rows - 1, 6), np.float32), **kw)
    with pytest.raises(ValueError, match="n_sweeps"):
        _core.pt_rbm(v=np.zeros((rows, 9), np.float32), h=np.zeros((rows, 6), np.float32), **{**kw, "n_sweeps": 0})
    with pytest.raises(ValueError, match="beta_row"):
        _core.pt_rbm(v=np.zeros((rows, 9), np.float32), h=np.zeros((rows, 6), np.float32),
                     **{**kw, "swap": {**swap, "beta_row": None}})


@pytest.mark.gpu
@pytest.mark.parametrize("case", CASES)
def test_cuda_rounds_equal_the_cpu_and_the_cuda_loop(monkeypatch, case):
    # On CUDA the rounds are queued from one call (hb::cuda::ising_pt_run): the sweeps and the energy
    # sums are the CPU's bodies in the CPU's order, so the whole run matches the CPU bit for bit, and
    # the plug-in loop on CUDA too.
    if not hb.cuda_available():
        pytest.skip("no CUDA device is present")
    torch = pytest.importorskip("torch", reason="the CUDA states are torch tensors")
    model, x0 = CASES[case]()
    pt = hb.ParallelTempering(model, 6, sampler=hb.GibbsMove(n_sweeps=2))
    cpu = pt.run(x0, 25, seed=7, thin=4, record_index=True)
    gpu, gpu_loop, _ = compiled_and_loop(
        monkeypatch, TemperedIsing,
        lambda: pt.run(torch.as_tensor(x0, device="cuda"), 25, seed=7, thin=4, record_index=True))
    assert gpu.x.is_cuda
    for other in (cpu, gpu_loop):
        for name in ("x", "replicas", "energy", "index", "trace", "round_trips", "swap_rate", "rejection"):
            same(getattr(gpu, name), getattr(other, name))


@pytest.mark.gpu
@pytest.mark.parametrize("case", ["rbm32", "rbm64"])
def test_cuda_rbm_rounds_equal_the_cuda_loop_and_follow_the_cpu(monkeypatch, case):
    # hb::cuda::rbm_pt_run queues every round from one call. Its states are those of the CUDA plug-in
    # loop bit for bit (the same cuBLAS products and sampling passes); against the CPU they agree except
    # where a uniform falls between two roundings of a probability (rare), and the energies to rounding.
    if not hb.cuda_available():
        pytest.skip("no CUDA device is present")
    torch = pytest.importorskip("torch", reason="the CUDA model is made of torch tensors")
    model, x0 = RBM_CASES[case]()
    dev = lambda a: torch.as_tensor(np.asarray(a), device="cuda")  # noqa: E731
    gpu_model = hb.RBM(dev(model.weights), dev(model.visible_bias), dev(model.hidden_bias))
    pt, pt_gpu = (hb.ParallelTempering(m, 6, sampler=hb.GibbsMove(n_sweeps=2)) for m in (model, gpu_model))
    gpu, gpu_loop, _ = compiled_and_loop(monkeypatch, TemperedRBM,
                                         lambda: pt_gpu.run(dev(x0), 25, seed=7, thin=4, record_index=True))
    cpu = pt.run(x0, 25, seed=7, thin=4, record_index=True)
    for name in ("x", "replicas", "index", "trace", "round_trips"):
        same(getattr(gpu, name), getattr(gpu_loop, name))
    rtol = 1e-5 if case == "rbm32" else 1e-12
    np.testing.assert_allclose(to_numpy(gpu.energy), to_numpy(gpu_loop.energy), rtol=rtol, atol=rtol)
    assert (to_numpy(gpu.replicas) == to_numpy(cpu.replicas)).mean() > 0.99
