# SPDX-License-Identifier: Apache-2.0
"""result.to_arviz() round-trips shapes and values; result.summary() reports ArviZ's diagnostics."""
import numpy as np
import pytest

import heatbath as hb

az = pytest.importorskip("arviz", reason="diagnostics need arviz")

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::UserWarning")


def run(thin=5, n_steps=400):
    x0 = np.random.default_rng(0).standard_normal((6, 3))
    return hb.langevin(hb.Gaussian(np.zeros(3), np.eye(3)), x0, n_steps, 0.5, "mala", seed=2, thin=thin)


def test_to_arviz_round_trips_shapes_and_values():
    res = run()
    idata = res.to_arviz()
    x = idata.posterior["x"]
    assert x.dims == ("chain", "draw", "x_dim") and x.shape == (6, 80, 3)
    np.testing.assert_array_equal(x.values, np.swapaxes(res.trace, 0, 1))
    np.testing.assert_array_equal(idata.sample_stats["potential_energy"].values, res.energy_trace.T)


def test_summary_reports_ess_and_rhat_for_each_coordinate():
    res = run(thin=4, n_steps=4000)
    table = res.summary(round_to="none")
    assert list(table.index) == ["x[0]", "x[1]", "x[2]"]
    np.testing.assert_allclose(table["mean"], res.trace.mean(axis=(0, 1)), rtol=1e-12)
    # MALA at h = 0.5 on N(0, I) mixes in a few steps: 6000 draws give an ESS in the thousands
    assert (table["ess_bulk"] > 1000).all() and (table["r_hat"] < 1.01).all()


def test_to_arviz_without_a_trace_says_what_to_do():
    with pytest.raises(ValueError, match=r"diagnostics \(to_arviz, summary\) need a trace.*thin > 0"):
        run(thin=0).summary()
    with pytest.raises(ValueError, match="thin > 0"):
        run(thin=0).to_arviz()


def test_every_sampler_result_goes_to_arviz():
    ising = hb.gibbs(hb.Ising((4, 4)), np.ones((3, 4, 4), np.int8), 50, beta=0.3, seed=1)
    idata = ising.to_arviz()
    assert idata.posterior["energy"].shape == (3, 50)
    np.testing.assert_array_equal(idata.posterior["magnetization"].values, ising.magnetization.T)
    assert list(ising.summary().index) == ["energy", "magnetization"]

    rng = np.random.default_rng(0)
    rbm = hb.RBM(rng.standard_normal((5, 3)).astype(np.float32), np.zeros(5, np.float32), np.zeros(3, np.float32))
    res = hb.gibbs(rbm, np.zeros((4, 5), np.float32), 20, seed=1, thin=2, trace_hidden=True)
    idata = res.to_arviz()
    assert idata.posterior["v"].dims == ("chain", "draw", "visible") and idata.posterior["v"].shape == (4, 10, 5)
    np.testing.assert_array_equal(idata.sample_stats["h"].values, np.swapaxes(res.trace_hidden, 0, 1))

    pt = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.05))
    tempered = pt.run(np.zeros((6, 1)), 30, seed=2, thin=3)
    np.testing.assert_array_equal(tempered.to_arviz().posterior["x"].values, np.swapaxes(tempered.trace, 0, 1))


def test_results_without_traces_say_how_to_get_them():
    with pytest.raises(ValueError, match="record=True"):
        hb.gibbs(hb.Ising((4, 4)), np.ones((2, 4, 4), np.int8), 5, beta=0.3, record=False).to_arviz()
    rbm = hb.RBM(np.zeros((3, 2), np.float32), np.zeros(3, np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="thin > 0"):
        hb.gibbs(rbm, np.zeros((2, 3), np.float32), 5).to_arviz()


def test_summary_of_a_trace_without_draws_names_the_cause():
    res = run(thin=10, n_steps=5)
    assert res.trace.shape[0] == 0 and res.to_arviz().posterior["x"].shape == (6, 0, 3)
    with pytest.raises(ValueError, match="at least one draw.*thin larger than the run's steps"):
        res.summary()
    # an Ising run has no thin: its cause is named; no chains at all is said as such (ArviZ's message before)
    ising = hb.gibbs(hb.Ising((4, 4)), np.ones((3, 4, 4), np.int8), 0, beta=0.4)
    with pytest.raises(ValueError, match=r"at least one draw in the trace: the run recorded none \(a run of 0 "
                                         r"sweeps\)"):
        ising.summary()
    rbm = hb.RBM(np.full((4, 3), 0.1, np.float32), np.zeros(4, np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="summary needs at least one chain: the run had none"):
        hb.gibbs(rbm, np.zeros((0, 4), np.float32), 4, thin=1).summary()
