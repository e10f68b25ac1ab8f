# SPDX-License-Identifier: Apache-2.0
"""Each plot is one call on a result and writes a valid PNG; the exact density it draws is normalised."""
import numpy as np
import pytest

import heatbath as hb

pytest.importorskip("matplotlib", reason="plots need matplotlib")
from heatbath import plots  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    height, width, _ = imread(path).shape
    assert height > 100 and width > 100


@pytest.fixture(scope="module")
def run_1d():
    return hb.langevin(hb.DoubleWell(), np.zeros((50, 1)), 500, 0.01, seed=1, thin=10)


@pytest.fixture(scope="module")
def run_2d():
    return hb.langevin(hb.Rosenbrock(1.0, 5.0), np.zeros((20, 2)), 500, 0.005, seed=1, thin=10)


def test_landscape_1d_and_2d(tmp_path, run_1d, run_2d):
    plots.save(plots.landscape(hb.DoubleWell(), run_1d), tmp_path / "l1.png")
    plots.save(plots.landscape(hb.Rosenbrock(1.0, 5.0), run_2d, xlim=(-2, 2)), tmp_path / "l2.png")
    assert_png(tmp_path / "l1.png")
    assert_png(tmp_path / "l2.png")


def test_trace_and_histogram(tmp_path, run_1d):
    plots.save(plots.trace(run_1d), tmp_path / "t.png")
    plots.save(plots.histogram(run_1d, hb.DoubleWell()), tmp_path / "h.png")
    assert_png(tmp_path / "t.png")
    assert_png(tmp_path / "h.png")


def test_the_exact_marginal_is_a_normalised_density():
    grid = np.linspace(-4, 4, 4001)
    for beta in (0.5, 1.0, 3.0):
        p = plots.marginal_density(hb.DoubleWell(), grid, beta)
        assert abs(np.sum((p[1:] + p[:-1]) * np.diff(grid)) / 2 - 1) < 1e-12
    # a Gaussian's marginal is the normal density
    g = hb.Gaussian(np.zeros(1), np.array([[4.0]]))
    np.testing.assert_allclose(plots.marginal_density(g, grid), np.sqrt(4 / (2 * np.pi)) * np.exp(-2 * grid**2),
                               atol=1e-9)


def test_bad_arguments_are_named(run_1d):
    with pytest.raises(ValueError, match="argument 'dim'"):
        plots.trace(run_1d, dim=3)
    no_trace = hb.langevin(hb.DoubleWell(), np.zeros((5, 1)), 5, 0.01)
    with pytest.raises(ValueError, match="thin > 0"):
        plots.trace(no_trace)
    with pytest.raises(ValueError, match="argument 'target'"):
        plots.landscape(hb.Gaussian(np.zeros(3), np.eye(3)))


def test_two_dimensional_targets_get_no_one_dimensional_curve(run_2d, tmp_path):
    # Rosenbrock takes any dimension from two: no 1-D exact density, and its landscape is drawn in 2-D.
    fig = plots.histogram(run_2d, hb.Rosenbrock(1.0, 5.0))
    assert [line.get_label() for line in fig.axes[0].get_lines()] == []
    plots.save(plots.landscape(hb.Rosenbrock(1.0, 5.0)), tmp_path / "rosenbrock.png")
    assert_png(tmp_path / "rosenbrock.png")


def test_bad_plot_arguments_are_named(run_1d):
    with pytest.raises(ValueError, match="argument 'chains'"):
        plots.landscape(hb.DoubleWell(), run_1d, chains=0)
    with pytest.raises(ValueError, match="argument 'chains'"):
        plots.trace(run_1d, chains=0)
    with pytest.raises(ValueError, match=r"argument 'dim': expected a coordinate in \[0, 1\)"):
        plots.histogram(run_1d, dim=9)


def test_gibbs_results_are_refused_by_name():
    # An RBM result raised AttributeError ('energy_trace', 'x'); an Ising result was told to run with thin,
    # which hb.gibbs does not take; a tempered Ising trace drew a lattice row as a coordinate.
    rbm = hb.RBM(np.full((4, 3), 0.1, np.float32), np.zeros(4, np.float32), np.zeros(3, np.float32))
    rbm_run = hb.gibbs(rbm, np.zeros((5, 4), np.float32), 6, seed=1, thin=2)
    ising_run = hb.gibbs(hb.Ising((4, 4)), np.ones((3, 4, 4), np.int8), 4, beta=0.4, seed=1)
    for result in (rbm_run, ising_run):
        for plot in (plots.trace, plots.histogram):
            kind = type(result).__name__
            with pytest.raises(TypeError, match=f"argument 'result': {plot.__name__} plots the coordinates of a "
                                                f"Langevin or parallel-tempering result, got a {kind}"):
                plot(result)
    tempered = hb.ParallelTempering(hb.Ising((4, 4)), 3).run(np.ones((3, 4, 4), np.int8), 4, seed=1, thin=1)
    with pytest.raises(ValueError, match=r"argument 'result': trace plots states \[chains, dim\], got states of "
                                         r"shape \(3, 4, 4\)"):
        plots.trace(tempered)
    plots.tempering(tempered)  # the swap statistics are the model's own
