# SPDX-License-Identifier: Apache-2.0
"""heatbath and autograd: tensors the core writes into in place have their version counters moved, so
that a graph that saved their old values refuses backward() as after torch's own in-place ops; inputs
that are only read may require grad; a TorchPotential's fn is always run in grad mode, so an energy that
takes derivatives itself works in every path; and tempering checks what fn returns before broadcasting
could hide a wrong shape."""
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the autograd contract is torch's")

import heatbath as hb  # noqa: E402


def _backward_refuses(loss):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_random_fill_moves_the_version_counter():
    w = torch.ones(3, requires_grad=True)
    y = torch.zeros(4, 3)
    loss = (w * y).sum()
    before = y._version
    hb.random.normal(y, seed=0)
    assert y._version > before
    _backward_refuses(loss)


def test_an_in_place_rbm_run_moves_the_version_counters():
    g = torch.Generator().manual_seed(0)
    weights = torch.nn.Parameter(0.1 * torch.randn(6, 4, generator=g))
    rbm = hb.RBM(weights, torch.zeros(6), torch.zeros(4))
    res = hb.gibbs(rbm, (torch.rand(5, 6, generator=g) < 0.5).float(), 2, seed=0)
    loss = (res.state.v @ weights).sum()  # saves v for the gradient of weights
    versions = (res.state.v._version, res.state.h._version)
    cont = hb.gibbs(rbm, res.state, 3, inplace=True)
    assert cont.v is res.state.v
    assert (cont.v._version, cont.h._version) > versions
    _backward_refuses(loss)


def test_an_in_place_ising_run_moves_the_version_counter():
    spins = torch.ones((2, 4, 4), dtype=torch.int8)
    before = spins._version
    hb.gibbs(hb.Ising((4, 4)), spins, 3, beta=0.3, seed=0, inplace=True)
    assert spins._version > before


def test_a_fill_refuses_a_tensor_that_requires_grad():
    with pytest.raises(ValueError, match="argument 'out'.*requires grad"):
        hb.random.uniform(torch.zeros(3, 4, requires_grad=True), seed=0)


def test_energy_and_grad_read_states_that_require_grad():
    x = torch.randn(8, 3, dtype=torch.float64, requires_grad=True)
    plain = x.detach().clone()
    e, g = hb.energy(hb.DoubleWell(), x), hb.grad(hb.DoubleWell(), x)
    np.testing.assert_array_equal(e.numpy(), hb.energy(hb.DoubleWell(), plain).numpy())
    np.testing.assert_array_equal(g.numpy(), (4 * plain**3 - 8 * plain + 1).numpy())
    assert not e.requires_grad and x.grad is None


def _score_energy(x):
    # An energy that differentiates inside: it needs grad mode and an x that requires grad.
    (g,) = torch.autograd.grad((torch.sin(x) * x).sum(), x, create_graph=True)
    return 0.5 * (g * g).sum(-1) + 0.5 * (x * x).sum(-1)


@pytest.mark.parametrize("mode", ["grad", "no_grad", "inference_mode"])
@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
def test_an_energy_that_differentiates_inside_runs_with_every_method(method, mode):
    pot = hb.TorchPotential(_score_energy)
    x0 = torch.randn(10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    ctx = {"grad": torch.enable_grad, "no_grad": torch.no_grad, "inference_mode": torch.inference_mode}[mode]
    with ctx():
        res = hb.langevin(pot, x0, 5, 0.01, method, seed=0)
    # The reported energy is E at the final states, as an evaluation outside the run gives it.
    np.testing.assert_array_equal(res.energy.numpy(), hb.energy(pot, res.x.clone()).numpy())


def _score_energy_written_out(x):
    g = torch.sin(x) + x * torch.cos(x)  # d/dx (x sin x), what _score_energy gets from autograd
    return 0.5 * (g * g).sum(-1) + 0.5 * (x * x).sum(-1)


def test_tempering_an_energy_that_differentiates_inside():
    # The same energy written out: the same stream, so the runs agree but for the rounding of the
    # two ways of computing E and its gradient (float64, a few rounds: far below 1e-9).
    x0 = torch.randn(20, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    runs = [hb.ParallelTempering(hb.TorchPotential(fn), 4, sampler=hb.LangevinMove(0.05, "ula", n_local=2))
            .run(x0, 5, seed=0) for fn in (_score_energy, _score_energy_written_out)]
    np.testing.assert_allclose(runs[0].replicas.numpy(), runs[1].replicas.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(runs[0].log_z_pairs, runs[1].log_z_pairs, rtol=1e-9, atol=1e-12)
    assert np.isfinite(runs[0].log_z)


@pytest.mark.parametrize("fn, shape", [(lambda x: (x**4 - 4 * x**2 + x).sum(), ()),
                                       (lambda x: x**4 - 4 * x**2 + x, (80, 1))])
def test_tempering_refuses_energies_of_the_wrong_shape(fn, shape):
    # Broadcast against the per-row β, a scalar or a column would run silently as a wrong energy.
    pt = hb.ParallelTempering(hb.TorchPotential(fn, name="bad"), 4, sampler=hb.LangevinMove(0.05, "mala", n_local=2))
    with pytest.raises(ValueError, match=re.escape(f"'bad' returned shape {shape}; expected one energy per state, (80,) "
                                                   f"for states of shape (80, 1)")):
        pt.run(torch.zeros(20, 1), 3, seed=0)


def test_accept_rates_are_float64_in_every_framework():
    x0 = np.zeros((4, 2), np.float32)
    for x in (x0, torch.from_numpy(x0)):
        rate = hb.langevin(hb.DoubleWell(), x, 3, 0.05, "mala", seed=0).accept_rate
        assert str(rate.dtype).endswith("float64")


def test_a_read_only_numpy_input_to_a_torch_energy_is_read_without_a_warning(recwarn):
    x = np.ones((3, 2))
    x.flags.writeable = False
    e = hb.energy(hb.TorchPotential(lambda t: (t * t).sum(-1)), x)
    np.testing.assert_array_equal(np.asarray(e), [2.0, 2.0, 2.0])
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]

