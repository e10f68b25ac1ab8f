#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One command for a machine with an NVIDIA GPU and no network: build heatbath with its CUDA backend
# forced on, prove the GPU is usable, then run the tests, the asv suite (quick) and the peer comparison.
#
#   bash benchmarks/gpu_check.sh                 # from any directory; logs in ${OUT:-/tmp}/gpu_check/
#   CUDAARCHS=90 bash benchmarks/gpu_check.sh    # build for one architecture only (default: 80-real;90)
#   PYTHON=python3.12 bash benchmarks/gpu_check.sh
#
# Needs, already installed: pybind11, scikit-build-core, scipy-openblas32, nvidia-cublas (headers; cuBLAS is
# loaded at run time), cmake, ninja, pytest, torch (CUDA build);
# cupy and asv are optional. Nothing is downloaded (--no-build-isolation --no-deps).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
logs="${OUT:-/tmp}/gpu_check"
python="${PYTHON:-python}"
mkdir -p "$logs"
cd "$root"

step() { printf '\n==== %s\n' "$*"; }
fail() { printf '\nFAIL: %s\n' "$*" >&2; exit 1; }

# CUDA images often ship nvcc outside PATH; CMake's check_language(CUDA) needs to find it.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
fi

step "GPU and toolkit"
nvidia-smi 2>&1 | tee "$logs/nvidia-smi.log" || fail "nvidia-smi failed: no NVIDIA driver or GPU visible"
nvcc --version 2>&1 | tee "$logs/nvcc.log" || fail "nvcc not found: put the CUDA toolkit's bin/ on PATH"

step "build and install heatbath with HEATBATH_CUDA=ON (CUDAARCHS=${CUDAARCHS:-default}); log: $logs/build.log"
# Its own build dir: a CMake cache left by a CPU-only build would remember "no CUDA compiler".
if ! HEATBATH_CUDA=ON "$python" -m pip install --no-build-isolation --no-deps -v \
        --config-settings=build-dir=build/gpu_check . >"$logs/build.log" 2>&1; then
    tail -n 80 "$logs/build.log"
    fail "build (full log: $logs/build.log)"
fi
grep -E "heatbath: |Successfully installed" "$logs/build.log" || true

step "CUDA available?"
# From / so that nothing in the checkout can shadow the installed package.
available="$(cd / && "$python" -c "import heatbath; print(heatbath.cuda_available())" 2>&1 | tee "$logs/cuda_available.log")" || true
echo "heatbath.cuda_available() -> $available"
if [ "$(tail -n 1 <<<"$available")" != "True" ]; then
    (cd / && "$python" -c "import heatbath, heatbath._backend as b; print('cuda_compiled:', heatbath.cuda_compiled(), b._import_cuda()[1])") 2>&1 || true
    fail "heatbath was installed but CUDA is not available; see above and $logs/build.log"
fi

# Later steps run to the end even when one fails, so that one run gives every figure; the exit
# status still reports the failure.
status=0

step "tests; log: $logs/pytest.log"
"$python" -m pytest tests -q -rs 2>&1 | tee "$logs/pytest.log" || { status=1; echo "FAIL: tests" >&2; }

step "asv suite, quick; log: $logs/asv.log"
if "$python" -c "import asv" 2>/dev/null; then
    (cd benchmarks && "$python" -m asv machine --yes >/dev/null &&
        "$python" -m asv run --python=same --quick --show-stderr) 2>&1 | tee "$logs/asv.log" ||
        { status=1; echo "FAIL: asv" >&2; }
else
    echo "SKIP: asv is not installed for $python" | tee "$logs/asv.log"
fi

step "peer comparison on cuda and cpu; logs: $logs/compare_{cuda,cpu}.log"
"$python" benchmarks/compare_rng.py --device cuda 2>&1 | tee "$logs/compare_cuda.log" || { status=1; echo "FAIL: compare cuda" >&2; }
"$python" benchmarks/compare_rng.py --device cpu 2>&1 | tee "$logs/compare_cpu.log" || { status=1; echo "FAIL: compare cpu" >&2; }

step "done: exit status $status; logs in $logs"
exit "$status"
