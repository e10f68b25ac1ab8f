# SPDX-License-Identifier: Apache-2.0
"""heatbath.bench.compare_pcd: one PCD training update driven by heatbath against the same update in torch.
The two must do the same work apart from the sampler, and the comparison must run as `heatbath bench pcd`."""
import pytest

torch = pytest.importorskip("torch", reason="the PCD comparison trains torch parameters")

from heatbath.bench import compare_pcd  # noqa: E402
from heatbath.cli.bench import COMPARISONS  # noqa: E402


def test_both_implementations_apply_the_same_statistics(one_torch_thread):
    # k = 0: the chains stay at their common start, so the updates differ only if the statistics do.
    runs = [compare_pcd.prepare(name, 64, 16, 0) for name in compare_pcd.IMPLEMENTATIONS]
    for run in runs:
        run(5)
    for mine, theirs in zip(*(run.params for run in runs)):
        assert torch.allclose(mine, theirs, atol=1e-6)
    assert not torch.equal(runs[0].params[1], torch.zeros(64))  # the updates did something


def test_the_chains_are_persistent_and_sample_the_model(one_torch_thread):
    run = compare_pcd.prepare("heatbath", 64, 16, 1)
    w_before = run.params[0].detach().clone()
    v = run(3)
    assert v.shape == (100, 64) and bool(((v == 0) | (v == 1)).all())
    assert not torch.equal(run.params[0].detach(), w_before)  # the borrowed parameters were trained in place


def test_the_comparison_prints_a_table(capsys, one_torch_thread):
    assert "pcd" in COMPARISONS and COMPARISONS["pcd"][0] == "compare_pcd"
    code = compare_pcd.main(["--quick", "--repeat", "1", "--only", "digits", "--k", "1", "--chains", "100",
                             "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "digits 64x64" in out and "heatbath / torch" in out
