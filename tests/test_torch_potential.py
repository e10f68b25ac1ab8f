# SPDX-License-Identifier: Apache-2.0
"""heatbath.TorchPotential: torch energies with autograd gradients run the core's Langevin dynamics.

An energy whose autograd gradient is computed in the core's operation order reproduces the built-in
double well bit for bit (the update phases are the fused kernels' arithmetic and stream); plain torch
double wells and Gaussians follow the built-ins to floating-point tolerance with the same MALA decisions;
runs resume bitwise and stop cleanly on Ctrl-C; MALA samples a Gaussian exactly; bad callables raise
clear errors naming the user's function.
"""
import os
import signal

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="TorchPotential needs torch")

import heatbath as hb  # noqa: E402
from helpers import (SigintAfter, assert_follows_builtin, assert_resumes_bitwise, same_bits as same,  # noqa: E402
                     to_numpy)

METHODS = ["ula", "mala", "baoab"]
DTYPES = ["float32", "float64"]
GAUSS_MEAN = np.array([0.5, -1.0, 0.0])
GAUSS_PRECISION = np.array([[2, .3, 0], [.3, 1, .1], [0, .1, .5]])


def double_well(x):
    return (x**4 - 4 * x**2 + x).sum(-1)


class CoreOrderDoubleWell(torch.autograd.Function):
    """E and ∇E of the double well in csrc/heatbath/potentials.h's operation order (one op per kernel, so
    no FMA), for dim 1 where the sum over coordinates is exact: the built-in's bits."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        v2 = x * x
        return (v2 * v2 - 4 * v2 + x)[:, 0]

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        v2 = x * x
        return (4 * v2 * x - 8 * x + 1) * grad_out[:, None]


def gaussian_pair(dtype):
    builtin = hb.Gaussian(GAUSS_MEAN.tolist(), GAUSS_PRECISION.tolist())
    mean = torch.tensor(builtin.mean, dtype=getattr(torch, dtype))
    prec = torch.tensor(builtin.precision, dtype=getattr(torch, dtype))

    def gaussian(x):
        d = x - mean
        return 0.5 * ((d @ prec) * d).sum(-1)

    return hb.TorchPotential(gaussian, dim=3), builtin


def start(chains, dim, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return torch.from_numpy((0.5 * rng.standard_normal((chains, dim))).astype(dtype))


def close(a, b, dtype):
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


# --- the built-in trajectories ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("chains", [50, 2053])
def test_core_order_double_well_is_bitwise_the_builtin(method, dtype, chains):
    # 50 = full tiles of 16 or 8 chains plus a tail run one by one; each phase draws its own noise.
    # 2053: enough values for the CPU loop to make the noise in blocks of steps (_NoiseBlocks), plus a tail.
    pot = hb.TorchPotential(CoreOrderDoubleWell.apply, dim=1)
    x0 = start(chains, 1, dtype, seed=4)
    kw = dict(seed=2**63 + 5, thin=3, chain_start=1000, beta=np.linspace(0.5, 2.0, 41))  # a schedule: per-step noise
    got = hb.langevin(pot, x0, 41, 0.05, method, **kw)
    want = hb.langevin(hb.DoubleWell(), x0, 41, 0.05, method, **kw)
    for field in ("x", "p", "energy", "trace", "energy_trace", "accepted", "diverged"):
        if getattr(want, field) is not None:
            same(getattr(got, field), getattr(want, field))
    if method == "mala":
        assert 0 < got.accept_rate.float().mean() < 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["double_well", "gaussian"])
def test_torch_energy_follows_the_builtin(name, method, dtype):
    if name == "double_well":
        pot, builtin = hb.TorchPotential(double_well), hb.DoubleWell()
    else:
        pot, builtin = gaussian_pair(dtype)
    # Same update rules and stream; autograd sums E and ∇E in its own order (last bits).
    assert_follows_builtin(pot, builtin, start(37, 3, dtype), method, 1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_every_device_follows_the_builtin(device, method):
    # On CUDA the phases run one chain per thread on torch's current stream.
    x0 = start(37, 3, "float64").to(device)
    assert_follows_builtin(hb.TorchPotential(double_well), hb.DoubleWell(), x0, method, 1e-12)


def test_energy_and_grad_follow_the_builtin():
    x = start(9, 4, "float64", seed=1)
    pot = hb.TorchPotential(double_well)
    close(hb.energy(pot, x), hb.energy(hb.DoubleWell(), x), "float64")
    close(hb.grad(pot, x), hb.grad(hb.DoubleWell(), x), "float64")
    exact = hb.TorchPotential(CoreOrderDoubleWell.apply)
    x1 = x[:, :1].contiguous()
    same(hb.grad(exact, x1), hb.grad(hb.DoubleWell(), x1))


def test_the_backward_seed_follows_the_batch_it_is_given():
    # The backward pass starts from a kept vector of ones, not from E.sum(): it must give the gradient of the
    # sum, to the bit, and follow the batch size and dtype of each evaluation (a stale seed makes autograd
    # refuse the call).
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.SiLU(), torch.nn.Linear(16, 1)).double()
    pot = hb.TorchPotential(lambda x: net(x).squeeze(-1), dim=3)
    for chains, dtype in ((7, "float64"), (7, "float64"), (5, "float64"), (5, "float32"), (7, "float64")):
        if dtype == "float32":
            net.float()
        else:
            net.double()
        x = start(chains, 3, dtype, seed=chains)
        xg = x.clone().requires_grad_(True)
        (want,) = torch.autograd.grad(net(xg).squeeze(-1).sum(), (xg,))
        same(hb.grad(pot, x), want)


def test_numpy_states_give_numpy_results():
    x0 = start(16, 2, "float64").numpy()
    got = hb.langevin(hb.TorchPotential(double_well), x0, 10, 0.02, "mala", seed=3, thin=5)
    want = hb.langevin(hb.DoubleWell(), x0, 10, 0.02, "mala", seed=3, thin=5)
    assert isinstance(got.x, np.ndarray) and isinstance(got.trace, np.ndarray)
    close(got.x, want.x, "float64")


# --- reproducibility -------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_resume_is_bitwise_identical(method):
    assert_resumes_bitwise(hb.TorchPotential(double_well), start(23, 3, "float32"), method)


def test_zero_steps_report_the_energy():
    x0 = start(5, 1, "float64")
    pot = hb.TorchPotential(CoreOrderDoubleWell.apply)
    for method in METHODS:
        res = hb.langevin(pot, x0, 0, 0.1, method)
        same(res.energy, hb.energy(hb.DoubleWell(), x0))
        same(res.x, x0)


def test_thread_counts_do_not_change_results():
    pot = hb.TorchPotential(double_well)
    x0 = start(3000, 8, "float32")  # large enough for the core to start a thread team
    hb.set_num_threads(1)
    one = hb.langevin(pot, x0, 5, 0.02, "baoab", seed=3)
    hb.set_num_threads(2)
    two = hb.langevin(pot, x0, 5, 0.02, "baoab", seed=3)
    same(one.x, two.x)
    same(one.p, two.p)


@pytest.mark.parametrize("method", METHODS)
def test_instruction_set_variants_agree(method):
    from heatbath import _core

    pot = hb.TorchPotential(double_well)
    x0 = start(45, 3, "float32")
    runs = []
    try:
        for name in _core.cpu_isa_variants():
            _core.limit_cpu_isa(name)
            runs.append(hb.langevin(pot, x0, 9, 0.05, method, seed=6, thin=3))
    finally:
        _core.limit_cpu_isa("avx512")  # "at most the best": back to the default
    for run in runs[1:]:
        for field in ("x", "p", "trace", "accepted"):
            if getattr(run, field) is not None:
                same(getattr(run, field), getattr(runs[0], field))


# --- exact answers ---------------------------------------------------------------------------------

def test_mala_samples_a_gaussian_exactly():
    # Chains start from the exact N(μ, Σ) and MALA must keep them there: mean and covariance of the final
    # states within Z = 5 Monte Carlo standard errors (the chains are independent). A large step (h = 0.6)
    # makes ULA's O(h) bias visible, so a sampler without the Metropolis correction fails this.
    n, z = 40_000, 5.0
    sigma = np.array([[1.0, 0.5], [0.5, 2.0]])
    prec = torch.tensor(np.linalg.inv(sigma))
    mu = torch.tensor([1.0, -2.0], dtype=torch.float64)
    pot = hb.TorchPotential(lambda x: 0.5 * (((x - mu) @ prec) * (x - mu)).sum(-1), dim=2)
    rng = np.random.default_rng(0)
    x0 = torch.from_numpy(rng.multivariate_normal(mu.numpy(), sigma, n))
    res = hb.langevin(pot, x0, 40, 0.6, "mala", seed=9)
    x = res.x.numpy()
    assert 0.3 < float(res.accept_rate.mean()) < 0.95
    se_mean = np.sqrt(np.diag(sigma) / n)
    assert (np.abs(x.mean(0) - mu.numpy()) < z * se_mean).all()
    cov = np.cov(x.T)
    se_cov = np.sqrt((sigma**2 + np.outer(np.diag(sigma), np.diag(sigma))) / n)
    assert (np.abs(cov - sigma) < z * se_cov).all()
    ula = hb.langevin(pot, x0, 40, 0.6, "ula", seed=9).x.numpy()
    assert np.abs(np.cov(ula.T) - sigma).max() > z * se_cov.max()


# --- autograd hygiene and torch modes --------------------------------------------------------------

def mlp(dim=2, dtype=torch.float32):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(dim, 16), torch.nn.SiLU(), torch.nn.Linear(16, 1)).to(dtype)


def test_module_parameters_are_untouched():
    net = mlp()
    before = [t.detach().clone() for t in net.parameters()]
    pot = hb.TorchPotential(lambda x: net(x).squeeze(-1), name="mlp")
    res = hb.langevin(pot, torch.zeros(64, 2), 20, 0.05, "mala", seed=1)
    assert torch.isfinite(res.x).all()
    for t, b in zip(net.parameters(), before):
        assert t.grad is None
        same(t, b)
    assert not res.x.requires_grad and res.x.grad_fn is None


@pytest.mark.parametrize("method", METHODS)
def test_end_energy_is_the_energy_of_the_end_state(method):
    # ULA's last energy comes from a forward pass alone (no step needs its gradient): it must still be
    # E of the final states, and the last trace sample's energy the same number.
    net = mlp()
    pot = hb.TorchPotential(lambda x: net(x).squeeze(-1), name="mlp")
    res = hb.langevin(pot, start(32, 2, "float32"), 12, 0.05, method, seed=3, thin=4)
    close(res.energy, hb.energy(pot, res.x), "float32")
    same(res.energy_trace[-1], res.energy)
    same(res.trace[-1], res.x)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
@pytest.mark.parametrize("method", METHODS)
def test_works_under_no_grad_and_inference_mode(mode, method):
    pot = hb.TorchPotential(double_well)
    x0 = start(20, 2, "float32")
    want = hb.langevin(pot, x0, 12, 0.02, method, seed=4, thin=3)
    with getattr(torch, mode)():
        got = hb.langevin(pot, x0, 12, 0.02, method, seed=4, thin=3)
        e = hb.energy(pot, x0)
        g = hb.grad(pot, x0)
    for field in ("x", "p", "energy", "trace", "energy_trace", "accepted"):
        if getattr(want, field) is not None:
            same(getattr(got, field), getattr(want, field))
    same(e, hb.energy(pot, x0))
    same(g, hb.grad(pot, x0))


def test_module_as_the_callable():
    class Quadratic(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.k = torch.nn.Parameter(torch.tensor(2.0, dtype=torch.float64))

        def forward(self, x):
            return 0.5 * self.k * (x * x).sum(-1)

    q = Quadratic()
    pot = hb.TorchPotential(q)
    assert pot.name == "Quadratic"
    x = start(4, 3, "float64")
    close(hb.grad(pot, x), 2 * x, "float64")
    assert q.k.grad is None


# --- divergence, interrupts, progress --------------------------------------------------------------

LIMIT = 2.5


def cliff(x):
    # E and ∇E are NaN past the cliff (a torch.where alone would give a zero gradient there).
    v = x[:, 0]
    past = torch.where(v < LIMIT, torch.zeros_like(v), torch.full_like(v, float("nan")))
    return 0.5 * v * v + past * v


@pytest.mark.parametrize("method", ["ula", "baoab"])
def test_nan_energy_mid_run_flags_the_chain(method):
    steps = 80
    res = hb.langevin(hb.TorchPotential(cliff), torch.zeros(64, 1, dtype=torch.float64), steps, 0.5, method,
                      seed=2, thin=1)
    trace = res.trace[:, :, 0].numpy()
    assert 0 < res.n_diverged < 64
    for c in range(64):
        crossed = np.flatnonzero(~(trace[:, c] < LIMIT))
        expected = -1
        if crossed.size:
            expected = crossed[0] + 1 if method == "ula" else crossed[0]
        assert int(res.state.diverged_at[c]) == (expected if expected < steps else -1)
    assert torch.isfinite(res.x[~res.diverged]).all()


def test_nan_energy_rejects_mala_proposals():
    res = hb.langevin(hb.TorchPotential(cliff), torch.zeros(64, 1, dtype=torch.float64), 80, 0.5, "mala", seed=2)
    assert res.n_diverged == 0
    assert (res.x < LIMIT).all() and torch.isfinite(res.energy).all()
    assert 0.2 < float(res.accept_rate.mean()) < 1


@pytest.mark.parametrize("method", METHODS)
def test_a_fresh_run_refuses_a_non_finite_start_as_numba_potentials_do(method):
    # It ran on with NaN energies (ULA never even looks at E), where hb.potential's probe refused them.
    x0 = torch.zeros(6, 1, dtype=torch.float64)
    x0[4] = 3.0  # past the cliff
    with pytest.raises(ValueError, match=r"TorchPotential: the energy function 'cliff' returned nan at x0\[4\]; "
                                         r"it must be finite at the starting states"):
        hb.langevin(hb.TorchPotential(cliff), x0, 2, 0.1, method)
    # infinite ∇E with a finite E
    with pytest.raises(ValueError, match=r"the gradient of the energy function '<lambda>' is not finite at x0\[0\]"):
        hb.langevin(hb.TorchPotential(lambda x: x.abs().sqrt().sum(-1)), torch.zeros(2, 1), 2, 0.1, method)
    # a continued run starts where the last one left off: a chain that diverged there is no error
    state = hb.langevin(hb.TorchPotential(cliff), torch.zeros(64, 1, dtype=torch.float64), 80, 0.5, method,
                        seed=2).state
    hb.langevin(hb.TorchPotential(cliff), state, 2, 0.5)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
@pytest.mark.parametrize("method", METHODS)
def test_ctrl_c_hands_back_a_state_that_resumes_exactly(method):
    pot = hb.TorchPotential(double_well)
    x0 = start(2000, 2, "float32")
    hb.langevin(pot, x0, 1, 0.01, method)  # warm up torch before the clock runs
    with SigintAfter(0.3), pytest.raises(hb.Interrupted) as info:
        hb.langevin(pot, x0, 10**7, 0.01, method, seed=5)
    exc = info.value
    assert 0 < exc.steps_done < 10**7 and exc.state.step == exc.steps_done
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    resumed = hb.langevin(pot, exc.state, 7, 0.01)
    whole = hb.langevin(pot, x0, exc.steps_done + 7, 0.01, method, seed=5)
    same(resumed.x, whole.x)
    if method == "baoab":
        same(resumed.p, whole.p)


def test_progress_bar_is_fed(monkeypatch):
    seen = []
    from heatbath._torch import langevin_loop

    monkeypatch.setattr(langevin_loop, "current_progress", lambda: seen.append)  # the bar's update function
    hb.langevin(hb.TorchPotential(double_well), start(8, 1, "float32"), 5, 0.01, progress=False)
    assert seen == [1, 2, 3, 4, 5]


# --- bad input -------------------------------------------------------------------------------------

def named_energy(x):
    return x.sum(-1, keepdim=True)


@pytest.mark.parametrize("fn, error, match", [
    (lambda x: (x * x).sum(-1, keepdim=True), ValueError,
     r"returned shape \(6, 1\); expected one energy per state, \(6,\) for states of shape \(6, 2\)"),
    (lambda x: x * x, ValueError, r"returned shape \(6, 2\); expected one energy per state"),
    (lambda x: (x * x).sum(-1).double(), TypeError, "returned float64 energies for float32 states"),
    (lambda x: [0.0] * x.shape[0], TypeError, "returned a list; expected a torch tensor"),
    (lambda x: (x * x).sum(-1).detach(), ValueError, "not differentiable with respect to x"),
    (lambda x: torch.ones(x.shape[0], requires_grad=True) * 2, ValueError, "do not depend on x"),
    (lambda x: (x * x).sum(-1).to("meta"), ValueError, "returned energies on meta for states on cpu"),
])
def test_bad_energies_are_named(fn, error, match):
    pot = hb.TorchPotential(fn, name="my_energy")
    x0 = torch.zeros(6, 2)
    with pytest.raises(error, match=match) as info:
        hb.langevin(pot, x0, 3, 0.01)
    assert "'my_energy'" in str(info.value)
    with pytest.raises(error, match=match):
        hb.energy(pot, x0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("change, error, match", [
    (lambda e: e[:1], ValueError, r"returned shape \(1,\); expected one energy per state, \(6,\)"),
    (lambda e: e.double(), TypeError, "returned float64 energies for float32 states"),
])
def test_an_energy_that_changes_its_output_mid_run_is_refused(method, change, error, match):
    """Steps after a run's first skip the full check of fn's output, not the cheap part: one energy for all
    chains from the second call on would otherwise be broadcast, and float64 energies cast."""
    calls = [0]

    def fn(x):
        calls[0] += 1
        e = 0.5 * (x * x).sum(-1)
        return e if calls[0] == 1 else change(e)

    with pytest.raises(error, match=match):
        hb.langevin(hb.TorchPotential(fn, name="drifting"), torch.ones(6, 2), 5, 0.01, method)
    assert calls[0] == 2


def test_the_function_name_is_the_default_label():
    with pytest.raises(ValueError, match="'named_energy' returned shape"):
        hb.grad(hb.TorchPotential(named_energy), torch.zeros(3, 2))


def test_module_on_another_dtype_or_device():
    net = mlp()
    with pytest.raises(TypeError, match=r"parameter '0.weight' of TorchPotential 'Sequential' is float32"):
        hb.langevin(hb.TorchPotential(net), torch.zeros(4, 2, dtype=torch.float64), 1, 0.1)
    meta = mlp().to("meta")
    with pytest.raises(ValueError, match=r"is on cpu but the parameter '0.weight' .* is on meta"):
        hb.langevin(hb.TorchPotential(meta), torch.zeros(4, 2), 1, 0.1)


def test_user_exceptions_pass_through_with_a_note():
    def broken(x):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom") as info:
        hb.langevin(hb.TorchPotential(broken), torch.zeros(2, 1), 1, 0.1)
    notes = getattr(info.value, "__notes__", ["'broken'"])
    assert any("'broken'" in n for n in notes)


def test_a_closure_over_a_module_of_another_dtype_is_explained_by_the_note():
    """A module inside a lambda is out of sight of the up-front check: the note names the states' dtype."""
    net = mlp()
    with pytest.raises(RuntimeError) as info:
        hb.langevin(hb.TorchPotential(lambda x: net(x).squeeze(-1)), torch.zeros(4, 2, dtype=torch.float64), 1, 0.1)
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert "called on float64 states of shape [4, 2] on cpu" in notes


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="argument 'fn': expected a torch callable"):
        hb.TorchPotential(3)
    with pytest.raises(ValueError, match="argument 'dim'"):
        hb.TorchPotential(double_well, dim=0)
    with pytest.raises(TypeError, match="argument 'name'"):
        hb.TorchPotential(double_well, name=1)
    with pytest.raises(ValueError, match="has dimension 3"):
        hb.langevin(hb.TorchPotential(double_well, dim=3), torch.zeros(2, 2), 1, 0.1)


def test_update_phase_entry_refuses_bad_calls():
    from heatbath import _core

    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="argument 'phase'"):
        _core.langevin_update("leapfrog", x=x, g=x)
    with pytest.raises(ValueError, match="argument 'g': the phase 'ula_move' needs it"):
        _core.langevin_update("ula_move", x=x, diverged_at=torch.full((4,), -1))
    with pytest.raises(ValueError, match="argument 'g'"):
        _core.langevin_update("ula_move", x=x, g=torch.zeros(4, 3), diverged_at=torch.full((4,), -1))
    with pytest.raises(TypeError, match="argument 'g'"):
        _core.langevin_update("ula_move", x=x, g=torch.zeros(4, 2, dtype=torch.float64),
                              diverged_at=torch.full((4,), -1))
