# SPDX-License-Identifier: Apache-2.0
"""The README's Python examples run as written."""
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch):
    pytest.importorskip("torch", reason="the README's examples use torch")
    if ".summary()" in BLOCKS[index] or ".to_arviz()" in BLOCKS[index]:
        pytest.importorskip("arviz", reason="this example shows the ArviZ diagnostics (heatbath[arviz])")
    monkeypatch.chdir(tmp_path)  # examples that save files write them here
    exec(compile(BLOCKS[index], f"README.md example {index}", "exec"), {})


def test_readme_has_examples():
    assert len(BLOCKS) >= 2
