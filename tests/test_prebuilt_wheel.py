# SPDX-License-Identifier: Apache-2.0
"""The GPU check installs a wheel built elsewhere only when it was built from the very sources it runs on, for
its Python and its GPU's architecture (benchmarks/prebuilt_wheel.sh); a stale wheel must never be tested in
place of the tree."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "prebuilt_wheel.sh"
TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"

if shutil.which("bash") is None or shutil.which("sha256sum") is None:
    pytest.skip("needs bash and sha256sum", allow_module_level=True)


def bash(*lines):
    script = "\n".join([f". {SCRIPT}", *lines])
    return subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def tree(tmp_path):
    """The files that go into a wheel, copied as a checkout without .git or build outputs would hold them."""
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("CMakeLists.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    for name in ("cmake", "csrc", "python"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.so"))
    return root


def stamp(root):
    return bash(f"source_stamp {root}")


def test_the_stamp_is_that_of_the_sources_alone(tree):
    assert len(stamp(tree)) == 16
    assert stamp(tree) == stamp(ROOT)
    # Caches and compiled modules beside the sources are not sources.
    (tree / "python" / "heatbath" / "__pycache__").mkdir(exist_ok=True)
    (tree / "python" / "heatbath" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (tree / "python" / "heatbath" / "_core.so").write_bytes(b"\0")
    assert stamp(tree) == stamp(ROOT)


@pytest.mark.parametrize("change", ["edit python", "edit csrc", "add file", "rename file"])
def test_any_change_to_the_sources_changes_the_stamp(tree, change):
    before = stamp(tree)
    init = tree / "python" / "heatbath" / "__init__.py"
    if change == "edit python":
        init.write_text(init.read_text() + "\n")
    elif change == "edit csrc":
        header = next((tree / "csrc" / "heatbath").glob("*.h"))
        header.write_text(header.read_text().replace(" ", "  ", 1))
    elif change == "add file":
        (tree / "csrc" / "extra.h").write_text("")
    else:
        init.rename(init.with_name("__init2__.py"))
    assert stamp(tree) != before


def prebuilt(root, arch="90"):
    return bash(f"prebuilt_wheel {root} {sys.executable} {arch}")


def put_wheel(root, tag=TAG, arch="90", source_stamp=None):
    folder = root / ".whl" / "prebuilt"
    folder.mkdir(parents=True)
    wheel = folder / f"heatbath-0.1.0-{tag}-{tag}-linux_x86_64.whl"
    wheel.write_bytes(b"")
    (folder / "heatbath.stamp").write_text(f"stamp={source_stamp or stamp(root)}\narch={arch}\n")
    return wheel


def test_a_wheel_of_these_sources_for_this_python_and_gpu_is_used(tree):
    wheel = put_wheel(tree)
    assert prebuilt(tree) == f"use {wheel}"


def test_any_mismatch_builds_instead_and_says_why(tree):
    assert prebuilt(tree) == "no prebuilt wheel in .whl/prebuilt"
    put_wheel(tree, tag="cp27")
    assert prebuilt(tree) == f"no prebuilt wheel for {TAG}"
    shutil.rmtree(tree / ".whl")
    put_wheel(tree, source_stamp="0" * 16)
    assert prebuilt(tree) == "the prebuilt wheel is of other sources"
    shutil.rmtree(tree / ".whl")
    put_wheel(tree)
    assert prebuilt(tree, arch="80") == "the prebuilt wheel is not for CUDA architecture 80"
    init = tree / "python" / "heatbath" / "__init__.py"
    init.write_text(init.read_text() + "\n")
    assert prebuilt(tree) == "the prebuilt wheel is of other sources"
