# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering with user potentials (heatbath.TorchPotential and heatbath.potential): the rounds
run the potential's own Langevin backend on the tempered path, then the core's swap pass, with the
step numbering, stream and update rules of the compiled rounds. So a user's double well gives the
built-in double well's run to floating-point rounding, for every method; runs resume bit for bit from
their state and after Ctrl-C, whatever the thread count."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import heatbath as hb
from helpers import check_pt_ctrl_c_resumes_bitwise, to_numpy
from mcse import assert_mean_within

METHODS = ["ula", "mala", "baoab"]


def same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def torch_double_well():
    torch = pytest.importorskip("torch", reason="TorchPotential needs torch")
    return hb.TorchPotential(lambda x: (x**4 - 4 * x**2 + x).sum(-1), name="double well"), torch


def numba_double_well():
    pytest.importorskip("numba", reason="heatbath.potential needs numba")
    # the double well as the README advises writing it for float32 (the peer comparison's hb-numba)
    from heatbath.bench.peers.heatbath_user_peer import double_well_energy, double_well_grad

    return hb.potential(double_well_energy, double_well_grad, name="double well")


def compare_with_builtin(user, x0_user, method):
    move = hb.LangevinMove(0.05, method, n_local=3)
    x0 = np.linspace(-2, 2, 40, dtype=np.float32)[:, None]
    ref = hb.ParallelTempering(hb.DoubleWell(), 6, sampler=move).run(x0, 12, seed=4, thin=3, record_index=True)
    res = hb.ParallelTempering(user, 6, sampler=move).run(x0_user(x0), 12, seed=4, thin=3, record_index=True)
    # Same swaps and acceptances: the energies differ in the last bits at most, far from any decision.
    same(res.index, ref.index)
    np.testing.assert_array_equal(res.swap_rate, ref.swap_rate)
    if method == "mala":
        np.testing.assert_array_equal(res.accept_rate, ref.accept_rate)
    for name in ("replicas", "trace", "energy", "energy_trace"):
        np.testing.assert_allclose(to_numpy(getattr(res, name)), to_numpy(getattr(ref, name)), rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose([res.log_z_forward, res.log_z_reverse], [ref.log_z_forward, ref.log_z_reverse],
                               rtol=1e-5)
    return res


@pytest.mark.parametrize("method", METHODS)
def test_torch_double_well_runs_like_the_builtin(method):
    pot, torch = torch_double_well()
    res = compare_with_builtin(pot, torch.as_tensor, method)
    assert isinstance(res.x, torch.Tensor) and isinstance(res.trace, torch.Tensor)


@pytest.mark.parametrize("method", METHODS)
def test_numba_double_well_runs_like_the_builtin(method):
    res = compare_with_builtin(numba_double_well(), lambda x: x, method)
    assert isinstance(res.x, np.ndarray)


def test_module_parameters_are_untouched():
    torch = pytest.importorskip("torch", reason="TorchPotential needs torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    before = [p.detach().clone() for p in net.parameters()]
    pot = hb.TorchPotential(lambda x: net(x).squeeze(-1) + 0.5 * (x * x).sum(-1), name="mlp")
    res = hb.ParallelTempering(pot, 4, sampler=hb.LangevinMove(0.05, "mala")).run(torch.zeros(10, 2), 5, seed=1)
    assert all(p.grad is None for p in net.parameters())
    for p, q in zip(net.parameters(), before):
        assert torch.equal(p.detach(), q)
    assert np.isfinite(res.log_z)


@pytest.mark.parametrize("kind", ["torch", "numba"])
@pytest.mark.parametrize("method", ["mala", "baoab"])
def test_runs_resume_bitwise_and_ignore_thread_count(kind, method, tmp_path):
    if kind == "torch":
        pot, torch = torch_double_well()
        x0 = torch.zeros(7, 1)
    else:
        pot, x0 = numba_double_well(), np.zeros((7, 1), np.float32)
    pt = hb.ParallelTempering(pot, 5, sampler=hb.LangevinMove(0.05, method, n_local=2))
    whole = pt.run(x0, 10, seed=3, record_index=True)
    first = pt.run(x0, 4, seed=3, record_index=True)
    first.state.save(tmp_path / "pt.npz")
    second = pt.run(hb.load_state(tmp_path / "pt.npz"), 6, record_index=True)
    same(second.state.x, whole.state.x)
    same(np.concatenate([to_numpy(first.index), to_numpy(second.index)]), whole.index)
    hb.set_num_threads(1)
    try:
        one = pt.run(x0, 10, seed=3)
    finally:
        hb.set_num_threads(2)
    same(one.state.x, whole.state.x)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
def test_ctrl_c_stops_between_rounds_and_resumes_bitwise():
    pt = hb.ParallelTempering(numba_double_well(), 6, sampler=hb.LangevinMove(0.05, "mala", n_local=4))
    check_pt_ctrl_c_resumes_bitwise(pt, np.zeros((200, 1), np.float32))


def test_adapted_ladder_and_tempered_gaussians():
    # Standard normal target, N(0, 4) reference: at β the tempered law is N(0, 1 / (β + (1 − β) / 4)).
    torch = pytest.importorskip("torch", reason="TorchPotential needs torch")
    pot = hb.TorchPotential(lambda x: 0.5 * (x * x).sum(-1), name="normal")
    pt = hb.ParallelTempering(pot, 5, sampler=hb.LangevinMove(0.2, "mala", n_local=5), adapt=31,
                              reference=hb.GaussianReference(0.0, 2.0))
    res = pt.run(torch.zeros(2000, 1, dtype=torch.float64), 60, seed=2)
    assert len(res.tuning) > 1 and np.all(np.diff(res.betas) > 0)
    variance = 1.0 / (res.betas + (1.0 - res.betas) / 4.0)
    x = to_numpy(res.replicas)[..., 0]
    # 2,000 independent chains per temperature (60 rounds of 5 MALA steps mix these well): the sample
    # variance's standard error is about variance · sqrt(2 / 2000); five of them at 4.5 standard errors.
    np.testing.assert_allclose(x.var(axis=1), variance, rtol=4.5 * np.sqrt(2 / 2000))
    # log Z of a standard normal, log sqrt(2π): 24 independent smaller runs (each tunes its own ladder), their
    # spread giving the standard error (24, not a handful: the t quantile of 6 values is 18 standard errors).
    runs = [hb.ParallelTempering(pot, 5, sampler=hb.LangevinMove(0.2, "mala", n_local=5), adapt=31,
                                 reference=hb.GaussianReference(0.0, 2.0)).run(torch.zeros(100, 1, dtype=torch.float64),
                                                                               60, seed=10 + s)
            for s in range(24)]
    assert_mean_within([r.log_z for r in runs], 0.5 * np.log(2 * np.pi), "log Z")


@pytest.mark.parametrize("method", METHODS)
def test_numba_tempered_path_is_the_potential_at_beta_one(method):
    # Row 5 of tempered_run sits at β = 1, where E_β = 1·E + 0·E_ref is E exactly: the plain kernels'
    # bits. Rows at β < 1 feel the reference and move differently.
    from test_numba_cuda import tempered_run

    pot = numba_double_well()
    tempered = tempered_run("cpu", method, pot)
    plain = tempered_run("cpu", method, pot, tempered=False)
    same(tempered[0][5], plain[0][5])
    same(tempered[2][5:], plain[2][5:])
    assert not np.array_equal(tempered[0][0], plain[0][0])


def _cuda_skip_reason():
    if not hb.cuda_compiled():
        return "heatbath was built without its CUDA backend"
    if not hb.cuda_available():
        return "no CUDA device is present"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    return None if torch.cuda.is_available() else "torch sees no CUDA device"


@pytest.mark.gpu
@pytest.mark.skipif(_cuda_skip_reason() is not None, reason=str(_cuda_skip_reason()))
@pytest.mark.parametrize("kind", ["torch", "numba"])
def test_cuda_states_run_like_the_cpu(kind):
    import torch

    pot = torch_double_well()[0] if kind == "torch" else numba_double_well()
    pt = hb.ParallelTempering(pot, 6, sampler=hb.LangevinMove(0.05, "mala", n_local=3))
    # Float64: the device may contract a*b+c into FMAs, and a MALA or swap decision whose uniform falls
    # within rounding of its probability would then flip; in float64 that is ~1e-11 per decision.
    x0 = np.linspace(-2, 2, 40, dtype=np.float64)[:, None]
    cpu = pt.run(torch.as_tensor(x0), 10, seed=4, thin=2, record_index=True)
    gpu = pt.run(torch.as_tensor(x0, device="cuda"), 10, seed=4, thin=2, record_index=True)
    assert gpu.x.is_cuda and gpu.trace.is_cuda
    # Compared closely, not bitwise; the swaps are the same.
    np.testing.assert_array_equal(to_numpy(gpu.index), to_numpy(cpu.index))
    np.testing.assert_allclose(to_numpy(gpu.replicas), to_numpy(cpu.replicas), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("kind", ["torch", "numba"])
def test_a_correlated_gaussian_with_its_own_reference_runs_like_the_builtin(kind):
    # Float64, three coordinates, a reference with its own mean and scale per coordinate: the tempered
    # wrappers' E_ref and ∇E_ref must use m_i and 1/s_i² coordinate by coordinate, as tempered.h does.
    mean = np.array([0.5, -1.0, 0.0])
    precision = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.1], [0.0, 0.1, 0.5]])
    builtin = hb.Gaussian(mean, precision)
    if kind == "torch":
        torch = pytest.importorskip("torch", reason="TorchPotential needs torch")
        m, p = torch.as_tensor(mean), torch.as_tensor(precision)

        def energy(x):
            r = x - m
            return 0.5 * ((r @ p) * r).sum(-1)
        pot, convert = hb.TorchPotential(energy, name="gaussian"), torch.as_tensor
    else:
        pytest.importorskip("numba", reason="heatbath.potential needs numba")
        from test_numba_cuda import gaussian_energy, gaussian_grad

        pot, convert = hb.potential(gaussian_energy, gaussian_grad, params=(mean, precision, 1.0)), (lambda a: a)
    reference = hb.GaussianReference([1.0, 0.0, -2.0], [0.5, 2.0, 1.5])
    move = hb.LangevinMove(0.1, "mala", n_local=2)
    x0 = np.random.default_rng(5).standard_normal((30, 3))
    ref = hb.ParallelTempering(builtin, 5, sampler=move, reference=reference).run(x0, 10, seed=6, record_index=True)
    res = hb.ParallelTempering(pot, 5, sampler=move, reference=reference).run(convert(x0), 10, seed=6,
                                                                              record_index=True)
    same(res.index, ref.index)
    np.testing.assert_array_equal(res.accept_rate, ref.accept_rate)
    np.testing.assert_allclose(to_numpy(res.replicas), to_numpy(ref.replicas), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(res.log_z, ref.log_z, rtol=1e-10)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_torch_runs_under_no_grad_and_inference_mode(mode):
    # The contract for torch users: the same bits inside torch.no_grad() and
    # torch.inference_mode() (whose tensors cannot enter autograd: the tempered energy copies them).
    pot, torch = torch_double_well()
    pt = hb.ParallelTempering(pot, 4, sampler=hb.LangevinMove(0.05, "mala", n_local=2))
    plain = pt.run(torch.zeros(6, 1), 6, seed=1, thin=2)
    with getattr(torch, mode)():
        res = pt.run(torch.zeros(6, 1), 6, seed=1, thin=2)
    same(res.replicas, plain.replicas)
    same(res.trace, plain.trace)
    assert res.log_z == plain.log_z


def test_a_reference_from_framework_arrays_reads_them_to_the_host():
    # Torch tensors (a parameter that requires grad included, which np.asarray refuses) give the same
    # reference as the numbers they hold; on a GPU the same path copies CUDA tensors to the host.
    torch = pytest.importorskip("torch", reason="the arrays are torch tensors")
    mean = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    from_torch = hb.GaussianReference(mean, torch.tensor(2.0)).for_dim(2)
    from_numbers = hb.GaussianReference([0.5, -1.0], 2.0).for_dim(2)
    for got, want in zip(from_torch, from_numbers):
        np.testing.assert_array_equal(got, want)


def test_an_out_of_bounds_numba_energy_is_an_error_before_the_first_round():
    # Unchecked, the local moves' kernels read ten million values past a state and crash the interpreter:
    # a subprocess, so that a regression fails this test instead of ending the session.
    code = textwrap.dedent("""
        import numpy as np, heatbath as hb
        def energy(x):
            return x[x.shape[0] + 10_000_000]
        def grad(x, out):
            for i in range(x.shape[0]):
                out[i] = 0.0
        pt = hb.ParallelTempering(hb.potential(energy, grad), 4, sampler=hb.LangevinMove(0.1, "mala", n_local=2))
        try:
            pt.run(np.zeros((4, 2)), 3, seed=0)
        except ValueError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "the energy function 'energy' indexed an array out of bounds at x0[0]" in done.stdout
