# SPDX-License-Identifier: Apache-2.0
"""The GPU check installs a wheel built elsewhere only when it was built from the very compiled sources it runs
on, for its Python and its GPU's architecture, and lays the tree's Python files over it
(benchmarks/prebuilt_wheel.sh); a stale wheel must never be tested in place of the tree."""
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


@pytest.mark.parametrize("change", ["edit csrc", "add file", "rename file", "edit CMakeLists.txt",
                                    "edit pyproject.toml", "edit cmake"])
def test_any_change_to_the_compiled_sources_changes_the_stamp(tree, change):
    before = stamp(tree)
    header = next((tree / "csrc" / "heatbath").glob("*.h"))
    if change == "edit csrc":
        header.write_text(header.read_text().replace(" ", "  ", 1))
    elif change == "add file":
        (tree / "csrc" / "extra.h").write_text("")
    elif change == "rename file":
        header.rename(header.with_name("renamed.h"))
    elif change == "edit cmake":
        module = next(p for p in (tree / "cmake").rglob("*") if p.is_file())
        module.write_text(module.read_text() + "\n")
    else:
        (tree / change.split()[1]).write_text((tree / change.split()[1]).read_text() + "\n")
    assert stamp(tree) != before


def test_python_edits_keep_the_stamp_as_the_check_lays_them_over_the_wheel(tree):
    before = stamp(tree)
    init = tree / "python" / "heatbath" / "__init__.py"
    init.write_text(init.read_text() + "\n")
    (tree / "python" / "heatbath" / "new_module.py").write_text("")
    assert stamp(tree) == before


def test_overlay_gives_the_installed_package_exactly_the_trees_python_files(tree, tmp_path):
    site = tmp_path / "site" / "heatbath"
    (site / "bench").mkdir(parents=True)
    (site / "_core.cpython-312-x86_64-linux-gnu.so").write_bytes(b"compiled")
    (site / "__init__.py").write_text("# the wheel's, older than the tree's")
    (site / "removed_from_tree.py").write_text("")
    (site / "gone_package").mkdir()
    (site / "gone_package" / "__init__.py").write_text("")
    (tree / "python" / "heatbath" / "__pycache__").mkdir(exist_ok=True)
    (tree / "python" / "heatbath" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    bash(f"overlay_python {tree} {site}")
    installed = {p.relative_to(site) for p in site.rglob("*") if p.is_file()}
    sources = {p.relative_to(tree / "python" / "heatbath") for p in (tree / "python" / "heatbath").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".so"}
    assert installed == sources | {Path("_core.cpython-312-x86_64-linux-gnu.so")}
    assert (site / "_core.cpython-312-x86_64-linux-gnu.so").read_bytes() == b"compiled"
    assert (site / "__init__.py").read_text() == (tree / "python" / "heatbath" / "__init__.py").read_text()
    assert not (site / "gone_package").exists()


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
    kernel = next((tree / "csrc").rglob("*.cpp"))
    kernel.write_text(kernel.read_text() + "\n")
    assert prebuilt(tree) == "the prebuilt wheel is of other sources"
