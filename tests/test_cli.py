# SPDX-License-Identifier: Apache-2.0
"""The command line end to end (small sizes): outputs checked, user errors give one line and exit 2."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from heatbath.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


SMALL = ["--chains", "4000", "--steps", "20000", "--ising-size", "8", "--sweeps", "600", "--rbm-chains", "4000",
         "--pt-size", "6", "--pt-chains", "8", "--pt-rounds", "150"]


def test_demo_tells_the_story_and_writes_figures(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the demo's figures need matplotlib")
    code = main(["demo", "--out", str(tmp_path / "figs"), *SMALL])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "gradient descent (no noise)" in text and "annealed" in text and "MALA at β = 1" in text
    assert "phase transition" in text and "Parallel tempering" in text and "Boltzmann machine" in text
    assert " NO" not in text  # every summary line agrees with its exact value
    pngs = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert pngs == ["double_well_annealing.png", "double_well_histogram.png", "ising_lattices.png",
                    "ising_tempering.png", "ising_transition.png"]
    for name in pngs:
        assert (tmp_path / "figs" / name).read_bytes()[:8] == PNG_SIGNATURE


def test_demo_without_plots_writes_nothing(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "none"), "--no-plots", "--chains", "500", "--steps", "200",
                 "--ising-size", "4", "--sweeps", "40", "--rbm-chains", "500", "--pt-size", "4", "--pt-chains", "2",
                 "--pt-rounds", "10"]) in (0, 1)
    assert not (tmp_path / "none").exists()
    assert "Summary" in capsys.readouterr().out


def test_sample_writes_an_npz_with_the_run(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert main(["sample", "gaussian", "--dim", "3", "--method", "mala", "--chains", "200", "--steps", "300",
                 "--step-size", "0.3", "--thin", "10", "--dtype", "float64", "--seed", "4", "--out", str(out)]) == 0
    assert "acceptance" in capsys.readouterr().out
    with np.load(out) as data:
        assert data["x"].shape == (200, 3) and data["trace"].shape == (30, 200, 3)
        assert json.loads(str(data["meta"]))["seed"] == 4
        # standard normal: the mean of 200 chains' final states is within 5 standard errors of 0
        assert np.all(np.abs(data["x"].mean(axis=0)) < 5 / np.sqrt(200))


@pytest.mark.parametrize("model", ["gaussian", "mixture"])
def test_sample_builds_models_in_the_default_dtype(model, tmp_path, capsys):
    out = tmp_path / "run"  # numpy adds .npz; the path printed is the one written
    assert main(["sample", model, "--chains", "20", "--steps", "20", "--out", str(out)]) == 0
    assert f"wrote {out}.npz" in capsys.readouterr().out
    with np.load(f"{out}.npz") as data:
        assert data["x"].dtype == np.float32


def test_sample_reports_diverged_chains(capsys):
    assert main(["sample", "rosenbrock", "--chains", "10", "--steps", "100", "--step-size", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "10 of 10 chains diverged; a smaller --step-size" in out and "mean E n/a" in out


@pytest.mark.parametrize("model", ["double_well", "gaussian", "mixture", "rosenbrock"])
@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
def test_every_model_runs_with_its_default_step_size(model, method, capsys):
    """Rosenbrock's curvature near standard-normal starts (~10^4) diverges at the others' h = 0.01."""
    assert main(["sample", model, "--method", method, "--chains", "2000", "--steps", "100", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "diverged 0" in out and "note:" not in out
    assert ("h = 0.0001" if model == "rosenbrock" else "h = 0.01") in out


def test_sample_runs_the_ising_model(tmp_path, capsys):
    out = tmp_path / "ising.npz"
    assert main(["sample", "ising", "--size", "8", "--beta", "0.2", "--chains", "16", "--steps", "400",
                 "--out", str(out), "--seed", "2"]) == 0
    assert "ising 8x8: 16 lattices x 400 heatbath sweeps" in capsys.readouterr().out
    with np.load(out) as data:
        assert data["spins"].shape == (16, 8, 8) and data["energy"].shape == (400, 16)
        assert json.loads(str(data["meta"]))["method"] == "heatbath"  # the method that ran (it said null)
        # high temperature: E/N near its exact value on the 8 x 8 torus (within 5 standard errors of the
        # spread of independent lattices)
        from heatbath.exact import ising2d_energy_per_site

        per_lattice = data["energy"][200:].mean(0) / 64
        se = per_lattice.std(ddof=1) / np.sqrt(16)
        assert abs(per_lattice.mean() - ising2d_energy_per_site(0.2, 8)) < 5 * se


def test_sample_runs_a_user_module(tmp_path, capsys):
    pytest.importorskip("numba", reason="user potentials need numba")
    module = tmp_path / "mypot.py"
    module.write_text(textwrap.dedent("""
        import heatbath as hb

        def energy(x):
            return 0.5 * (x[0] * x[0])

        def grad(x, out):
            out[0] = x[0]

        bowl = hb.potential(energy, grad, dim=1, name="bowl")
    """))
    assert main(["sample", f"{module}:bowl", "--chains", "100", "--steps", "50", "--dtype", "float64"]) == 0
    assert "bowl" in capsys.readouterr().out


def test_sample_takes_a_user_models_dtype_and_records_the_runs_dim(tmp_path, monkeypatch, capsys):
    # Without --dtype, a float64 model was refused as "--dtype float32: ...", an option never passed; and
    # --out's metadata said dim null where the run had one
    module = tmp_path / "g64.py"
    module.write_text("import numpy as np, heatbath as hb\ng = hb.Gaussian(np.zeros(2), np.eye(2))\n")
    out = tmp_path / "run.npz"
    assert main(["sample", f"{module}:g", "--chains", "4", "--steps", "2", "--no-progress", "--out", str(out)]) == 0
    with np.load(out) as data:
        meta = json.loads(str(data["meta"]))
        assert data["x"].dtype == np.float64 and meta["dtype"] == "float64" and meta["dim"] == 2
    capsys.readouterr()
    assert main(["sample", f"{module}:g", "--chains", "4", "--steps", "2", "--dtype", "float32"]) == 2
    assert "--dtype float32: the model's parameters are float64; pass --dtype float64" in capsys.readouterr().err
    assert main(["sample", "double_well", "--chains", "2", "--steps", "2", "--no-progress", "--out", str(out)]) == 0
    with np.load(out) as data:
        assert json.loads(str(data["meta"]))["dim"] == 1


def test_a_refused_demo_leaves_no_folder(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "figures"), "--steps", "5"]) == 2
    assert "--steps" in capsys.readouterr().err and not (tmp_path / "figures").exists()


def test_sample_finds_a_module_in_the_current_folder(tmp_path, monkeypatch, capsys):
    pytest.importorskip("numba", reason="user potentials need numba")
    (tmp_path / "hb_cli_cwd_module.py").write_text(textwrap.dedent("""
        import heatbath as hb

        def energy(x):
            return 0.5 * (x[0] * x[0])

        def grad(x, out):
            out[0] = x[0]

        bowl = hb.potential(energy, grad, dim=1, name="bowl")
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert main(["sample", "hb_cli_cwd_module:bowl", "--chains", "10", "--steps", "5", "--dtype", "float64"]) == 0
    assert "bowl" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["sample", "nosuchmodel"], "unknown model 'nosuchmodel'"),
    (["sample", "missing.py:x"], "no file 'missing.py'"),
    (["sample", "rosenbrock", "--dim", "1"], "--dim"),
    (["sample", "double_well", "--out", "/nonexistent/dir/run.npz"], "does not exist"),
    (["sample", "double_well", "--thin", "-1"], "--thin"),
    (["demo", "--no-plots", "--ising-size", "5"], "--ising-size"),
    (["demo", "--no-plots", "--pt-size", "3"], "--pt-size"),
    (["bench", "lattice"], "unknown comparison 'lattice'"),
    (["sample", "ising", "--size", "5"], "--size"),
    (["sample", "ising", "--method", "mala"], "--method"),
    (["sample", "double_well", "--method", "heatbath"], "--method"),
    (["sample", "ising", "--thin", "2"], "--thin"),
    (["sample", "ising", "--dtype", "float64"], "--dtype"),
    (["sample", "ising", "--step-size", "0.1"], "--step-size"),
    # options that do not apply are refused, not ignored (--dim 3 ran a 2-D lattice)
    (["sample", "ising", "--dim", "3"], "--dim: the ising lattice's shape is --size and --lattice-dims"),
    (["sample", "ising", "--friction", "5"], "--friction: the ising model's sweeps have no friction"),
    (["sample", "double_well", "--size", "6"], "--size: only the ising model has a lattice"),
    (["sample", "double_well", "--lattice-dims", "3"], "--lattice-dims: only the ising model has a lattice"),
    (["sample", "double_well", "--method", "mala", "--friction", "2"], "--friction: only BAOAB has a friction"),
    (["sample", "double_well", "--out", "."], "it is a folder"),
    (["sample", "nosuchmodule_hb:make"], "importing 'nosuchmodule_hb' failed"),
    (["sample", "heatbath:Gaussian"], "calling Gaussian() failed"),
    (["sample", "ising", "--size", "4", "--steps", "1", "--beta", "1e-50"], "--beta: every inverse temperature"),
    (["sample", "ising", "--size", "2147483648", "--chains", "1"], "--size: expected an integer in [1, 2147483648)"),
    (["sample", "ising", "--size", "2", "--chains", "4294967297"], "--chains: chain indices must stay below 2**32"),
    (["sample", "double_well", "--steps", "1", "--beta", "1e300"], "--beta"),
    (["sample", "double_well", "--out", "/proc/run.npz"], "cannot write '/proc/run.npz'"),
])
def test_user_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_unwritable_demo_folder(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the demo's figures need matplotlib")
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        folder = blocker / "sub"  # a folder inside a file cannot be made, even by root
    else:
        folder = tmp_path / "ro" / "sub"
        (tmp_path / "ro").mkdir(mode=0o500)
    assert main(["demo", "--out", str(folder)]) == 2
    assert "cannot create the output folder" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["demo", "--chains", "0"], ["demo", "--sweeps", "x"],
                                  ["sample", "double_well", "--step-size", "-1"],
                                  ["sample", "ising", "--lattice-dims", "4"], ["frobnicate"],
                                  ["sample", "double_well", "--seed", "-1"], ["sample", "ising", "--seed", str(2**64)],
                                  ["demo", "--seed", "-1"], ["sample", "double_well", "--friction", "-1"]])
def test_bad_options_exit_2_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "heatbath", "sample", "double_well", "--chains", "50",
                           "--steps", "10"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "double_well: 50 chains x 10 ULA steps" in done.stdout


def test_bench_hands_repeat_to_every_comparison(monkeypatch, capsys):
    # --help promises "timed runs per row"; pt's comparison did not take it, and the option was dropped
    import heatbath.bench.compare_pt as compare_pt

    seen = []
    monkeypatch.setattr(compare_pt, "main", lambda argv: seen.append(argv) or 0)
    assert main(["bench", "pt", "--repeat", "2"]) == 0
    assert seen == [["--quick", "--repeat", "2"]]
    monkeypatch.undo()
    with pytest.raises(SystemExit):
        compare_pt.main(["--only", "", "--repeat", "0"])
    assert "--repeat must be at least 1" in capsys.readouterr().err
    assert compare_pt.main(["--only", "", "--repeat", "2"]) == 0


def test_bench_prints_a_table_of_ratios(capsys):
    assert main(["bench", "rng", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "=== rng" in out and "numpy PCG64" in out and "hb(1t)/peer" in out
