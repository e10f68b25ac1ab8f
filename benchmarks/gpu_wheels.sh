#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run HERE (a machine with network) before the GPU check: downloads into <repo>/.whl/ (git-ignored) the wheels
# the GPU machine lacks and cannot download, for its Python (3.12 by default). gpu_check.sh installs them.
#
#   bash benchmarks/gpu_wheels.sh              # then carry ".whl" to the GPU machine with the checkout
#   PYVER=3.11 bash benchmarks/gpu_wheels.sh
#
# The GPU machines' image has torch, cupy, numba(-cuda), nvidia-cublas, pybind11, scikit-build-core, cmake,
# ninja, pytest and hypothesis, but not scipy-openblas32, heatbath's CPU BLAS (a build and run dependency).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pyver="${PYVER:-3.12}"
# The version this machine builds with, so that both machines build the same thing.
openblas="$(python3 -m pip show scipy-openblas32 2>/dev/null | sed -n 's/^Version: //p')"
mkdir -p "$root/.whl"
python3 -m pip download --no-deps --only-binary=:all: --python-version "$pyver" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$root/.whl" "scipy-openblas32${openblas:+==$openblas}"
ls -la "$root/.whl"
