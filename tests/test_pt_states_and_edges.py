# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering at its edges: a run of no rounds reports the energies of its states and NaN
statistics, and a pair never proposed NaN statistics; a continued state must suit the model (its
lattice, its RBM's layers) and carry labels that are a permutation in every column; the Gibbs models
return an energy trace with their trace; a torch start that requires grad is read like any other."""
import dataclasses
import warnings

import numpy as np
import pytest

import heatbath as hb
from rbm_reference import random_rbm


def _ising_start(lattices=4, side=4):
    return np.where(np.random.default_rng(0).random((lattices, side, side)) < 0.5, 1, -1).astype(np.int8)


def test_no_rounds_report_the_energies_of_the_states():
    ising = hb.Ising((4, 4), coupling=0.3)
    spins = _ising_start()
    res = hb.ParallelTempering(ising, 3).run(spins, 0)
    np.testing.assert_array_equal(res.energy, np.stack([ising.energy(spins)] * 3))
    rbm, _ = random_rbm(5, 3, seed=1)
    v = (np.random.default_rng(2).random((6, 5)) < 0.5).astype(np.float32)
    out = hb.ParallelTempering(rbm, 3).run(v, 0)
    h = np.zeros((6, 3), np.float32)
    joint = -(v @ np.asarray(rbm.visible_bias, np.float64)) - (v @ np.asarray(rbm.weights, np.float64) * h).sum(1)
    np.testing.assert_allclose(out.energy, np.stack([joint] * 3), rtol=1e-6)


def test_no_rounds_give_nan_statistics():
    res = hb.ParallelTempering(hb.Ising((4, 4)), 3).run(_ising_start(), 0)
    for name in ("swap_rate", "rejection", "log_z_pairs"):
        assert np.isnan(getattr(res, name)).all(), name
    for name in ("barrier", "round_trip_rate", "log_z", "log_z_forward", "log_z_reverse"):
        assert np.isnan(getattr(res, name)), name


def test_a_pair_is_measured_only_at_the_rounds_that_propose_it():
    # DEO proposes the even pairs at round 0 and the odd ones at round 1: one round leaves the odd pairs
    # without a sample (NaN, not zero), two rounds measure every pair once per column.
    pt = hb.ParallelTempering(hb.Ising((4, 4), coupling=0.3), 5)
    one = pt.run(_ising_start(), 1, seed=2)
    assert np.isfinite(one.rejection[0::2]).all() and np.isnan(one.rejection[1::2]).all()
    assert np.isfinite(one.swap_rate[0::2]).all() and np.isnan(one.swap_rate[1::2]).all()
    assert np.isfinite(one.log_z_pairs[0::2]).all() and np.isnan(one.log_z_pairs[1::2]).all()
    assert np.isnan(one.log_z) and np.isnan(one.barrier)
    two = pt.run(_ising_start(), 2, seed=2)
    assert np.isfinite(two.rejection).all() and np.isfinite(two.log_z) and np.isfinite(two.barrier)
    # Round 0 is the same in both runs, so the even pairs' statistics of the first round are unchanged.
    np.testing.assert_array_equal(two.rejection[0::2], one.rejection[0::2])


def test_a_state_of_another_lattice_is_refused():
    big = hb.ParallelTempering(hb.Ising((4, 4), coupling=0.3), 4).run(_ising_start(), 5, seed=1)
    with pytest.raises(ValueError, match=r"argument 'x0': the state holds lattices of shape \(4, 4\); this "
                                         r"model's are \(2, 2\)"):
        hb.ParallelTempering(hb.Ising((2, 2), coupling=0.3), 4).run(big.state, 5)


def test_a_state_of_another_rbm_is_refused():
    rbm, _ = random_rbm(6, 4, seed=1)
    other, _ = random_rbm(5, 5, seed=1)  # V + H is the same: only the split differs
    st = hb.ParallelTempering(rbm, 3).run(np.zeros((4, 6), np.float32), 3, seed=0).state
    with pytest.raises(ValueError, match=r"argument 'x0': the state comes from a RBM\(n_visible=6, n_hidden=4"):
        hb.ParallelTempering(other, 3).run(st, 3)
    wider, _ = random_rbm(6, 5, seed=1)
    edited = dataclasses.replace(st, method="RBM(n_visible=6, n_hidden=5, n_sweeps=1)")  # by hand
    with pytest.raises(ValueError, match=r"argument 'x0': the state holds rows of shape \(10,\)"):
        hb.ParallelTempering(wider, 3).run(edited, 3)


@pytest.mark.parametrize("kind", ["ising", "langevin"])
def test_labels_that_are_not_a_permutation_are_refused(kind):
    if kind == "ising":
        pt, x0 = hb.ParallelTempering(hb.Ising((4, 4)), 3), _ising_start()
    else:
        pt, x0 = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(0.1)), np.zeros((4, 1))
    st = pt.run(x0, 3, seed=0).state
    labels = np.array(st.slot_of)
    labels[1, 2] = labels[0, 2]  # two temperatures on one slot, one slot at none
    with pytest.raises(ValueError, match="argument 'x0': the state's slot_of is not a permutation"):
        pt.run(dataclasses.replace(st, slot_of=labels), 3)


@pytest.mark.parametrize("model", ["ising", "rbm"])
def test_gibbs_models_trace_their_energies(model):
    if model == "ising":
        target, x0 = hb.Ising((4, 4), coupling=0.4), _ising_start()
        energy_of = target.energy
    else:
        target, _ = random_rbm(5, 3, seed=4)
        x0 = np.zeros((4, 5), np.float32)
        w, b, c = (np.asarray(a, np.float64) for a in (target.weights, target.visible_bias, target.hidden_bias))

        def energy_of(states):
            v, h = states[:, :5].astype(np.float64), states[:, 5:].astype(np.float64)
            return -(v @ b) - (h @ c) - ((v @ w) * h).sum(1)
    res = hb.ParallelTempering(target, 3).run(x0, 12, seed=2, thin=4)
    assert res.energy_trace.shape == (3, 4)
    for sample, states in zip(res.energy_trace, res.trace):
        np.testing.assert_allclose(sample, energy_of(np.asarray(states)), rtol=1e-6, atol=1e-9)
    # The last sample is the final state (the compiled RBM rounds sum E their own way: to rounding).
    np.testing.assert_allclose(res.energy_trace[-1], res.energy[-1], rtol=1e-6)


def test_a_torch_start_that_requires_grad_is_read():
    torch = pytest.importorskip("torch", reason="requires_grad is torch's")
    pt = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(0.1))
    x = torch.randn(5, 1, dtype=torch.float64, requires_grad=True)
    got = pt.run(x, 4, seed=0)
    want = pt.run(x.detach().clone(), 4, seed=0)
    np.testing.assert_array_equal(got.x.numpy(), want.x.numpy())
    assert x.grad is None


def test_a_continued_langevin_run_stays_below_the_step_limit():
    pt = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(0.1, n_local=4))
    st = pt.run(np.zeros((4, 1)), 2, seed=0).state
    with pytest.raises(ValueError, match=r"argument 'n_rounds': 2 rounds from round 18014398509481983 would pass "
                                         r"the step counter's limit \(2\*\*56 local steps\)"):
        pt.run(dataclasses.replace(st, round=2**54 - 1), 2)


def test_every_state_a_run_returns_continues():
    """A state's round was refused from 2**55 on, while a run with one step a round may count on to 2**56:
    the state it returned could not be continued."""
    pt = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(0.1, n_local=1))
    st = pt.run(np.zeros((4, 1)), 2, seed=0).state
    late = pt.run(dataclasses.replace(st, round=2**55 - 1), 2).state
    assert late.round == 2**55 + 1
    assert pt.run(late, 1).state.round == 2**55 + 2
    with pytest.raises(ValueError, match=r"the state's round must be an integer in \[0, 2\*\*56\]"):
        pt.run(dataclasses.replace(st, round=2**56 + 1), 0)
    ising = hb.ParallelTempering(hb.Ising((4, 4)), 3)
    ist = ising.run(_ising_start(), 1, seed=0).state
    with pytest.raises(ValueError, match=r"argument 'n_rounds': 2 rounds from round 36028797018963967 would pass "
                                         r"the sweep counter's limit \(2\*\*55 sweeps\)"):
        ising.run(dataclasses.replace(ist, round=2**55 - 1), 2)



def test_the_energies_of_a_trace_do_not_keep_the_trace():
    # The trace's energies are made with buffers of their own: the model keeps only the run's states.
    pt = hb.ParallelTempering(hb.Ising((4, 4), coupling=0.4), 3)
    res = pt.run(_ising_start(), 12, seed=2, thin=1)
    kept = pt.target._per_states[0]
    assert kept.shape[0] == 3 * 4 and not np.shares_memory(np.asarray(kept), np.asarray(res.trace))


_EDITS = {"values": "(spins must be \\+1 or -1|the state's v and h must hold 0 and 1 only)",
          "round 3.5": "the state's round must be an integer in \\[0, 2\\*\\*56\\], got 3.5",
          "round -5": "the state's round must be an integer .*got -5",
          "seed -5": "the state's seed must be an integer in \\[0, 2\\*\\*64\\), got -5",
          "seed 2**70": "the state's seed must be an integer .*got 1180591620717411303424",
          "seed 1.5": "the state's seed must be an integer .*got 1.5",
          "phase": "the state's phase must be 16 integers 0, 1 or 2",
          "slot_of": "the state's slot_of must hold integers, got dtype float64"}


# Every edit for every kind, but values for Langevin: any finite x is a Langevin state.
@pytest.mark.parametrize("kind, edit", [(k, e) for k in ("ising", "rbm", "langevin") for e in _EDITS
                                        if (k, e) != ("langevin", "values")])
def test_an_edited_state_is_refused(kind, edit):
    """A state is an .npz file one can edit: values hb.gibbs would refuse, a round counter that is not one,
    or phases that would count round trips that never happened."""
    if kind == "ising":
        pt, x0 = hb.ParallelTempering(hb.Ising((4, 4)), 4), _ising_start()
    elif kind == "rbm":
        pt, x0 = hb.ParallelTempering(random_rbm(5, 3, seed=1)[0], 4), np.zeros((4, 5), np.float32)
    else:
        pt, x0 = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.1)), np.zeros((4, 1))
    st = pt.run(x0, 3, seed=0).state
    if edit == "values":
        x = np.array(st.x)
        x[0] = 0 if kind == "ising" else 7
        st = dataclasses.replace(st, x=x)
    elif edit.startswith("seed"):
        st = dataclasses.replace(st, seed={"seed -5": -5, "seed 2**70": 2**70, "seed 1.5": 1.5}[edit])
    elif edit.startswith("round"):
        st = dataclasses.replace(st, round=float(edit.split()[1]) if "." in edit else int(edit.split()[1]))
    elif edit == "slot_of":  # a permutation once truncated: taken before
        st = dataclasses.replace(st, slot_of=np.asarray(st.slot_of) + 0.7)
    else:
        phase = np.array(st.phase)
        phase[3] = 2**62
        st = dataclasses.replace(st, phase=phase)
    with pytest.raises(ValueError, match="argument 'x0': " + _EDITS[edit]):
        pt.run(st, 2)


def test_a_diverged_chain_leaves_the_statistics_of_the_others_alone():
    """Columns are independent, so a diverged chain added as the last column leaves the others' states to
    the bit; its pairs are never swapped and not counted, so every pair statistic is the one of the run
    without it (to the rounding of one more zero in the sums over columns). Counted as proposals, the one
    bad chain of 61 moved each forward log Z estimate by −log(61/60) and raised the rejections."""
    chains = 60
    good = np.random.default_rng(0).normal(size=(chains, 1)).astype(np.float32)
    bad = np.concatenate([good, np.full((1, 1), 1e10, np.float32)])
    pt = hb.ParallelTempering(hb.DoubleWell(), 5, sampler=hb.LangevinMove(0.05, "ula", n_local=2))
    clean, mixed = pt.run(good, 200, seed=0), pt.run(bad, 200, seed=0)
    assert clean.n_diverged == 0 and mixed.n_diverged > 0
    assert np.array_equal(mixed.replicas[:, :chains], clean.replicas)
    assert np.isfinite(clean.log_z)
    for name in ("swap_rate", "rejection", "log_z_pairs", "log_z_forward", "log_z_reverse", "log_z"):
        np.testing.assert_allclose(getattr(mixed, name), getattr(clean, name), rtol=1e-12, atol=0, err_msg=name)


def test_mala_acceptance_counts_the_steps_of_finite_chains_only():
    """A diverged chain keeps its temperature and accepts nothing: counted among the steps, it diluted that
    temperature's acceptance rate (by 5/6 here). At the temperature it sits at, the rate is that of the run
    without its column."""
    x0 = np.zeros((5, 6, 1))
    x0[2, -1, 0] = 1e100  # the last column's replica at β_2 diverges at its first step
    pt = hb.ParallelTempering(hb.DoubleWell(), 5, sampler=hb.LangevinMove(0.05, "mala", n_local=2))
    mixed, clean = pt.run(x0, 40, seed=4), pt.run(x0[:, :-1], 40, seed=4)
    assert mixed.n_diverged == 1 and clean.n_diverged == 0
    assert mixed.accept_rate[2] == clean.accept_rate[2]
    continued = pt.run(mixed.state, 10)
    assert continued.accept_rate[2] == pt.run(clean.state, 10).accept_rate[2]


def test_healthy_steps_count_a_chain_until_the_step_it_diverged_at():
    from heatbath.pt import _healthy_steps_by_temperature

    # 2 temperatures × 2 columns, rows column · 2 + slot; slot_of[k, c] is the slot of temperature k
    slot_of = np.array([[1, 0], [0, 1]])
    # rounds 10 .. 14 of 3 steps: first step 30, 15 steps; row 1 (column 0, temperature 0) diverged at step
    # 37, row 3 (column 1, temperature 1) in an earlier call
    diverged_at = np.array([-1, 37, -1, 12])
    steps = _healthy_steps_by_temperature(5, 3, 30, slot_of, diverged_at)
    assert steps.tolist() == [7 + 15, 15 + 0]


def test_a_new_ladder_is_checked_when_assigned():
    """pt.betas is the ladder later runs start from (the adaptive ladder is kept there): assigning one goes
    through the constructor's checks, and it cannot be edited in place past them."""
    pt = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.1))
    for ladder, message in (([0.0, 0.8, 0.3, 1.0], "strictly increasing"), ([0.2, 0.5, 1.5], r"\[0, 1\]"),
                            ([0.0, 0.5], "end at"), (np.array([0.0, 0.5, 1.0]) + 0j, "dtype complex128"),
                            (["0", "0.5", "1"], "dtype <U3")):
        with pytest.raises((ValueError, TypeError), match="argument 'betas': .*" + message):
            pt.betas = ladder
    with pytest.raises(ValueError, match="read-only"):
        pt.betas[1] = 0.9
    pt.betas = [0.0, 0.25, 1.0]
    assert pt.betas.dtype == np.float64
    assert np.array_equal(pt.run(np.zeros((3, 1), np.float32), 2).betas, [0.0, 0.25, 1.0])


def test_columns_without_values_raise_no_warning():
    """SEO with few chains leaves some columns without a value of a pair; with a large log Z their
    zero sums must not overflow an exp on the way to the pooled estimate (which discards them)."""
    pt = hb.ParallelTempering(hb.DoubleWell(), 2, sampler=hb.LangevinMove(0.01, "mala", n_local=5), swap="seo",
                              reference=hb.GaussianReference(-1.4, 0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = pt.run(np.full((8, 200), -1.47), 3, seed=1)
    assert np.isfinite(res.log_z) and res.log_z > 900


def test_an_rbm_start_must_hold_real_zeros_and_ones_as_given():
    """Complex values lost their imaginary part in the cast to the RBM's dtype (with a mere warning), and
    the 0/1 check ran after the cast, where float32 rounds 1 + 1e-9 to 1."""
    rbm = random_rbm(3, 2, seed=0)[0]
    pt = hb.ParallelTempering(rbm, 3)
    with pytest.raises(TypeError, match="argument 'x0': expected real values, got an array of dtype complex128"):
        pt.run(np.array([[1 + 5j, 0 - 3j, 1 + 0j]] * 4), 2)
    with pytest.raises(ValueError, match="argument 'x0': Bernoulli units take the values 0 and 1 only"):
        pt.run(np.array([[1 + 1e-9, 0.0, 1.0]] * 4), 2)
    with pytest.raises(ValueError, match="argument 'v0': Bernoulli units take the values 0 and 1 only"):
        hb.gibbs(rbm, np.array([[1 + 1e-9, 0.0, 1.0]] * 4), 2)
    assert pt.run(np.array([[1.0, 0.0, 1.0]] * 4), 2).x.dtype == np.float32  # float64 0/1 values are fine


@pytest.mark.parametrize("kind", ["ising", "langevin"])
def test_a_continued_state_may_carry_its_ladder_as_a_list(kind):
    """An edited state's betas go through the constructor's checks whatever their type (the Gibbs path
    read them through DLPack and failed on a list)."""
    if kind == "ising":
        pt, x0 = hb.ParallelTempering(hb.Ising((4, 4), coupling=0.4), 4), _ising_start()
    else:
        pt, x0 = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.1)), np.zeros((4, 1))
    st = pt.run(x0, 3, seed=1).state
    assert np.array_equal(pt.run(dataclasses.replace(st, betas=[0, 0.3, 0.6, 1.0]), 2).betas, [0, 0.3, 0.6, 1.0])
    with pytest.raises(ValueError, match="argument 'x0.betas': inverse temperatures must be strictly increasing"):
        pt.run(dataclasses.replace(st, betas=[0, 0.6, 0.3, 1.0]), 2)
