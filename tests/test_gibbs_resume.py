# SPDX-License-Identifier: Apache-2.0
"""The discrete samplers keep the reliability contract of the Langevin ones: Ctrl-C gives a state that
continues the run exactly, states survive a trip to disk, and progress bars leave the numbers alone."""
import os

import numpy as np
import pytest

import heatbath as hb
from helpers import SigintAfter

MORE = 3


def interrupted(call):
    with SigintAfter(0.3), pytest.raises(hb.Interrupted) as info:
        call()
    return info.value


def ising_case():
    model = hb.Ising((128, 128))
    spins = np.ones((4, 128, 128), np.int8)
    return model, spins, dict(beta=0.44, seed=3)


def rbm_case():
    rng = np.random.default_rng(0)
    model = hb.RBM((0.05 * rng.standard_normal((784, 500))).astype(np.float32), np.zeros(784, np.float32),
                   np.zeros(500, np.float32))
    return model, np.zeros((512, 784), np.float32), dict(seed=3)


def final(res):
    return res.spins if hasattr(res, "spins") else res.v


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
@pytest.mark.parametrize("case", [ising_case, rbm_case])
def test_ctrl_c_state_continues_exactly(case):
    model, x0, kw = case()
    stop = interrupted(lambda: hb.gibbs(model, x0, 10**7, **kw))
    assert 0 < stop.steps_done < 10**7
    resumed = hb.gibbs(model, stop.state, MORE, **{k: v for k, v in kw.items() if k != "seed"})
    whole = hb.gibbs(model, x0, stop.steps_done + MORE, **kw)
    np.testing.assert_array_equal(final(resumed), final(whole))


@pytest.mark.parametrize("case", [ising_case, rbm_case])
def test_saved_state_continues_exactly(case, tmp_path):
    model, x0, kw = case()
    x0 = x0[:2]
    first = hb.gibbs(model, x0, 4, **kw)
    first.state.save(tmp_path / "s.npz")
    back = hb.load_state(tmp_path / "s.npz")
    assert type(back) is type(first.state)
    more = hb.gibbs(model, back, 3, **{k: v for k, v in kw.items() if k != "seed"})
    whole = hb.gibbs(model, x0, 7, **kw)
    np.testing.assert_array_equal(final(more), final(whole))


@pytest.mark.parametrize("case", [ising_case, rbm_case])
def test_progress_bar_leaves_the_numbers_alone(case, capsys):
    pytest.importorskip("tqdm", reason="progress bars need tqdm")
    model, x0, kw = case()
    x0 = x0[:2]
    with_bar = hb.gibbs(model, x0, 5, progress=True, **kw)
    assert capsys.readouterr().err != ""
    np.testing.assert_array_equal(final(with_bar), final(hb.gibbs(model, x0, 5, progress=False, **kw)))
    with pytest.raises(TypeError, match="argument 'progress'"):
        hb.gibbs(model, x0, 5, progress="yes", **kw)
