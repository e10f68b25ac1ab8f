# SPDX-License-Identifier: Apache-2.0
"""An RBM borrows its torch parameters, and training code often rebinds them (``param.data = new``),
which gives the same Parameter other memory: every sampler must then read the new values (never the
old, possibly freed storage), and a rebinding to another shape, layout or dtype must be refused."""
import numpy as np
import pytest

import heatbath as hb
from rbm_reference import hidden_probs, visible_probs

torch = pytest.importorskip("torch", reason="rebinding is a torch parameter's")

V, H = 6, 4


def fresh():
    rng = np.random.default_rng(3)
    w = torch.nn.Parameter(torch.from_numpy((0.3 * rng.standard_normal((V, H))).astype(np.float64)))
    b = torch.nn.Parameter(torch.zeros(V, dtype=torch.float64))
    c = torch.nn.Parameter(torch.zeros(H, dtype=torch.float64))
    return w, b, c


def rebind(w, b, c):
    """New storage with new values for all three, as an optimiser that swaps tensors would leave them."""
    rng = np.random.default_rng(4)
    with torch.no_grad():
        w.data = torch.from_numpy(rng.standard_normal((V, H)))
        b.data = torch.from_numpy(rng.standard_normal(V))
        c.data = torch.from_numpy(rng.standard_normal(H))


def as_numpy(*tensors):
    return tuple(t.detach().numpy().astype(np.float64) for t in tensors)


def test_every_sampler_reads_the_rebound_values():
    w, b, c = fresh()
    rbm = hb.RBM(w, b, c)
    v = torch.from_numpy((np.random.default_rng(5).random((8, V)) < 0.5).astype(np.float64))
    h = torch.from_numpy((np.random.default_rng(6).random((8, H)) < 0.5).astype(np.float64))
    rbm.hidden_probs(v), hb.free_energy(rbm, v), hb.gibbs(rbm, v, 1)  # the views of the first storage are made
    old_ptr = rbm.weights.data_ptr()
    rebind(w, b, c)
    params = as_numpy(w, b, c)
    np.testing.assert_allclose(rbm.hidden_probs(v).numpy(), hidden_probs(params, v.numpy()), rtol=1e-12)
    np.testing.assert_allclose(rbm.visible_probs(h).numpy(), visible_probs(params, h.numpy()), rtol=1e-12)
    assert rbm.weights.data_ptr() == w.data_ptr() != old_ptr
    # A new RBM over the rebound tensors is the reference for everything else.
    new = hb.RBM(w, b, c)
    np.testing.assert_array_equal(hb.free_energy(rbm, v).numpy(), hb.free_energy(new, v).numpy())
    np.testing.assert_array_equal(hb.gibbs(rbm, v, 5, seed=2).v.numpy(), hb.gibbs(new, v, 5, seed=2).v.numpy())
    assert hb.exact_log_z(rbm) == hb.exact_log_z(new)
    pt, pt_new = (hb.ParallelTempering(m, 3) for m in (rbm, new))
    np.testing.assert_array_equal(pt.run(v, 4, seed=1).x.numpy(), pt_new.run(v, 4, seed=1).x.numpy())


@pytest.mark.parametrize("change, match", [
    (lambda w: torch.zeros(V + 1, H, dtype=torch.float64), r"rebound .* shape \(7, 4\), where this RBM was built"),
    (lambda w: torch.zeros(V, H, dtype=torch.float32), r"rebound .* float32 .* built for float64"),
    (lambda w: torch.zeros(H, V, dtype=torch.float64).T, r"rebound to a non-contiguous layout"),
    (lambda w: torch.full((V, H), float("nan"), dtype=torch.float64), "rebound to values with NaN"),
])
def test_a_rebinding_the_rbm_cannot_follow_is_refused(change, match):
    w, b, c = fresh()
    rbm = hb.RBM(w, b, c)
    v = torch.zeros(2, V, dtype=torch.float64)
    rbm.hidden_probs(v)
    with torch.no_grad():
        w.data = change(w)
    with pytest.raises(ValueError, match="argument 'weights': the tensor was " + match):
        rbm.hidden_probs(v)


def test_a_rebinding_before_the_first_call_is_followed_too():
    w, b, c = fresh()
    rbm = hb.RBM(w, b, c)
    rebind(w, b, c)  # no call in between: nothing was cached yet
    v = torch.ones(3, V, dtype=torch.float64)
    np.testing.assert_allclose(rbm.hidden_probs(v).numpy(), hidden_probs(as_numpy(w, b, c), v.numpy()), rtol=1e-12)
    with torch.no_grad():
        c.data = torch.full((H,), float("nan"), dtype=torch.float64)
    with pytest.raises(ValueError, match="argument 'hidden_bias': the tensor was rebound to values with NaN"):
        hb.exact_log_z(rbm)


def test_a_refused_rebinding_changes_nothing():
    """The model keeps the parameters it last accepted until a rebinding passes every check: exact log Z,
    the overlap check of inplace runs and tempering read the same tensors as the samplers."""
    w, b, c = fresh()
    rbm = hb.RBM(w, b, c)
    before = hb.exact_log_z(rbm)
    kept = w.data
    with torch.no_grad():
        w.data = torch.zeros(V + 1, H, dtype=torch.float64)
    with pytest.raises(ValueError, match="rebound"):
        rbm.hidden_probs(torch.zeros(1, V, dtype=torch.float64))
    assert rbm.weights.shape == (V, H)
    with torch.no_grad():
        w.data = kept  # back to the memory the model last accepted
    assert hb.exact_log_z(rbm) == before
