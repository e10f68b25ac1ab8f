# SPDX-License-Identifier: Apache-2.0
"""Progress bars are fed by the compiled loop between chunks and never change the numbers."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from helpers import bowl_potential

X0 = np.linspace(-2, 2, 2**16, dtype=np.float32)[:, None]
N_STEPS = 1200  # 2**16 chains: 256 steps a chunk, so five chunks


def test_the_core_reports_each_finished_chunk():
    seen = []
    _core.set_progress(seen.append)
    try:
        hb.langevin(hb.DoubleWell(), X0, N_STEPS, 0.01, progress=False)
    finally:
        _core.set_progress(None)
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == N_STEPS


class RecordingBar:
    """Stands in for tqdm: keeps what the bar was told."""
    made = []

    def __init__(self, total, desc, **kwargs):
        self.total, self.desc, self.n, self.closed = total, desc, 0, False
        self.backwards = False  # told of fewer units than before: counts from two different runs mixed
        RecordingBar.made.append(self)

    def update(self, k):
        self.backwards = self.backwards or k < 0
        self.n += k

    def close(self):
        self.closed = True


@pytest.fixture
def recording_bar(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto", reason="progress bars need tqdm")
    RecordingBar.made = []
    monkeypatch.setattr(tqdm_auto, "tqdm", RecordingBar)
    return RecordingBar.made


def test_the_bar_reaches_the_whole_run(recording_bar):
    hb.langevin(hb.DoubleWell(), X0, N_STEPS, 0.01, "baoab", progress=True)
    (bar,) = recording_bar
    assert (bar.desc, bar.total, bar.n, bar.closed) == ("langevin baoab", N_STEPS, N_STEPS, True)


def test_a_bar_shows_the_run_and_leaves_the_numbers_alone(capsys):
    pytest.importorskip("tqdm", reason="progress bars need tqdm")
    with_bar = hb.langevin(hb.DoubleWell(), X0, N_STEPS, 0.01, "mala", seed=3, progress=True)
    assert "langevin mala" in capsys.readouterr().err
    without = hb.langevin(hb.DoubleWell(), X0, N_STEPS, 0.01, "mala", seed=3, progress=False)
    np.testing.assert_array_equal(with_bar.x, without.x)
    assert capsys.readouterr().err == ""


def test_no_bar_when_not_at_a_terminal(capsys):
    hb.langevin(hb.DoubleWell(), X0, N_STEPS, 0.01)  # pytest's captured stderr is not a terminal
    assert capsys.readouterr().err == ""


def test_numba_chunk_loops_feed_the_bar_too(recording_bar):
    pytest.importorskip("numba", reason="user potentials need numba")
    hb.langevin(bowl_potential(), X0[:4096], 5000, 0.01, progress=True)
    (bar,) = recording_bar
    assert bar.n == 5000 and bar.closed


def test_bad_progress_argument():
    with pytest.raises(TypeError, match="argument 'progress'"):
        hb.langevin(hb.DoubleWell(), X0, 1, 0.01, progress="yes")


@pytest.mark.parametrize("model", ["langevin", "ising", "ising thinned", "user potential"])
def test_tempering_rounds_feed_the_bar(recording_bar, model):
    # The bar counts rounds: a thinned Ising run is several compiled calls (their counts are offset),
    # and a user potential's steps inside a round report nothing of their own.
    thin = 7 if model == "ising thinned" else 0
    if model == "langevin":
        pt = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.05))
        x0 = np.zeros((16, 1))
    elif model == "user potential":
        pytest.importorskip("numba", reason="user potentials need numba")
        pt = hb.ParallelTempering(bowl_potential(), 4, sampler=hb.LangevinMove(0.05, n_local=3))
        x0 = np.zeros((16, 1), np.float32)
    else:
        pt = hb.ParallelTempering(hb.Ising((4, 4)), 4)
        x0 = np.ones((4, 4, 4), np.int8)
    pt.run(x0, 40, seed=1, progress=True, thin=thin)
    (bar,) = recording_bar
    assert (bar.desc, bar.total, bar.n, bar.closed, bar.backwards) == ("tempering", 40, 40, True, False)
