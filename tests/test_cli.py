# SPDX-License-Identifier: Apache-2.0
"""`heatbath demo` runs end to end and reports what it claims."""
import subprocess
import sys

import pytest

from heatbath.cli import main


def test_demo_runs_and_reports_reproducibility(capsys):
    assert main(["demo", "--chains", "300", "--n", "20", "--seed", "5"]) == 0
    text = capsys.readouterr().out
    assert "identical with 1 thread: True" in text
    assert "identical when split in two calls: True" in text
    assert "throughput" in text


def test_demo_rejects_bad_sizes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--chains", "0"])
    assert exc.value.code != 0
    assert "--chains" in capsys.readouterr().err


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "heatbath", "demo", "--chains", "50", "--n", "4"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Philox4x32-10" in done.stdout
