#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run HERE (a machine with network) before the GPU check: downloads into <repo>/.whl/ (git-ignored) the wheels
# the GPU machine lacks and cannot download, for its Python (3.12 by default), and builds heatbath's own wheel
# for it into .whl/prebuilt/ (a few minutes here, none of the GPU's time). gpu_check.sh installs them.
#
#   bash benchmarks/gpu_wheels.sh              # then carry ".whl" to the GPU machine with the checkout
#   PYVER=3.11 bash benchmarks/gpu_wheels.sh
#   PREBUILT=0 bash benchmarks/gpu_wheels.sh   # downloads only: gpu_check.sh builds on the GPU machine
#
# The GPU machines' image has torch, cupy, numba(-cuda), nvidia-cublas, pybind11, scikit-build-core, cmake,
# ninja, pytest and hypothesis, but a NumPy (2.5) under which its numba.cuda does not import (see below).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pyver="${PYVER:-3.12}"
mkdir -p "$root/.whl"
# numba-cuda (0.30.4 and older) registers np.row_stack, which NumPy 2.5 removed, so numba.cuda does not import
# under the GPU image's NumPy 2.5: the NumPy this machine tests with goes along, installed ahead of the image's.
numpy_version="$(python3 -c 'import numpy; print(numpy.__version__)')"
python3 -m pip download --no-deps --only-binary=:all: --python-version "$pyver" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$root/.whl" "numpy==$numpy_version"
ls -la "$root/.whl"

# A heatbath wheel built here for that Python and GPU (CUDA architecture 90: H100 and H200), so that the
# check spends its device time on the GPU rather than on nvcc. gpu_check.sh installs it only when the tree
# it runs on has the same source stamp (benchmarks/prebuilt_wheel.sh) and its GPU the same architecture;
# otherwise it builds there. PREBUILT=0 skips this; BUILD_PYTHON names a python$pyver (default: found on
# PATH or under pyenv). Its build environment is kept in build/ for the next run.
if [ "${PREBUILT:-1}" = 1 ]; then
    # shellcheck source=benchmarks/prebuilt_wheel.sh
    . "$root/benchmarks/prebuilt_wheel.sh"
    arch="${PREBUILT_ARCH:-90}"
    build_python="${BUILD_PYTHON:-}"
    if [ -z "$build_python" ]; then
        for candidate in "python$pyver" "$(pyenv root 2>/dev/null)/versions/$pyver"*/bin/"python$pyver"; do
            if "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$pyver'.split('.'))))" \
                    2>/dev/null; then
                build_python="$candidate"; break
            fi
        done
    fi
    [ -n "$build_python" ] || { echo "no python$pyver here to build the GPU machine's wheel: set BUILD_PYTHON," \
        "or PREBUILT=0 to let gpu_check.sh build there" >&2; exit 1; }
    venv="$root/build/gpu_wheel_py$pyver"
    [ -x "$venv/bin/python" ] || "$build_python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q scikit-build-core pybind11 nvidia-cublas cmake ninja
    rm -rf "$root/.whl/prebuilt"
    mkdir -p "$root/.whl/prebuilt"
    stamp="$(source_stamp "$root")"
    # The same build as gpu_check.sh's (CUDA forced on), in a build dir of its own.
    (cd "$root" && HEATBATH_CUDA=ON CUDAARCHS="$arch" "$venv/bin/python" -m pip wheel --no-build-isolation \
        -q --no-deps --config-settings=build-dir="build/gpu_wheel_cp${pyver/./}" -w "$root/.whl/prebuilt" .)
    # Built from the tree it stamps: a file changed during the build makes the stamp stale, and the check builds.
    [ "$(source_stamp "$root")" = "$stamp" ] || { echo "the sources changed during the build; run again" >&2; exit 1; }
    printf 'stamp=%s\narch=%s\n' "$stamp" "$arch" >"$root/.whl/prebuilt/heatbath.stamp"
    ls -la "$root/.whl/prebuilt"
fi
