# SPDX-License-Identifier: Apache-2.0
"""The GPU figures script (benchmarks/gpu_check.sh runs it on a GPU) works end to end: here its smoke run on the
CPU, the same code at small sizes, so that a session with a GPU spends its minutes on figures, not on fixes."""
import pytest

pytest.importorskip("torch", reason="the script's peers are torch loops")


def test_every_row_runs_on_the_cpu(capsys):
    from heatbath.bench.gpu_figures import main

    only = "langevin,mala,rbm,ising,torch,pt"
    assert main(["--device", "cpu", "--quick", "--repeat", "1", "--only", only]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out
    for work in ("ULA double well", "MALA mixture4", "RBM 64x32", "Ising 2-D", "TorchPotential MLP", "PT double well"):
        assert work in out
    for ratio in ("heatbath / torch", "heatbath / sgemm"):
        assert ratio in out
    assert out.count("torch loop") == 5


def test_the_numba_row_runs_on_the_cpu(capsys):
    pytest.importorskip("numba", reason="the row's user potential needs numba")
    from heatbath.bench.gpu_figures import main

    assert main(["--device", "cpu", "--quick", "--repeat", "1", "--only", "numba"]) == 0
    out = capsys.readouterr().out
    assert "heatbath numba / torch" in out and "failed" not in out
    assert "with an empty kernel cache" in out and "with its cache" in out


def test_the_call_overhead_table_runs_on_the_cpu(capsys):
    from heatbath.bench.call_overhead import main

    assert main(["--device", "cpu", "--quick", "--repeat", "1", "--profile"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()[1:8]
    assert "rbm.py" in out and "tottime" in out  # the profile of the Gibbs calls follows the table
    assert all(float(line.split()[-1]) > 0 for line in lines)
    assert sum("torch's __dlpack__ for each tensor" in line for line in lines) == 1  # the TorchPotential's
    assert sum(line.startswith(("hb.gibbs", "torch Gibbs step")) for line in lines) == 2
