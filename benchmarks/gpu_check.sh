#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One command for a machine with an NVIDIA GPU and no network: install the heatbath wheel that gpu_wheels.sh
# built from this tree (or else build heatbath there with its CUDA backend forced on), prove the GPU is usable, run the GPU tests, the GPU figures of every issue
# (heatbath.bench.gpu_figures) and the peer comparisons that take a device, then the rest of the suite.
#
#   bash benchmarks/gpu_wheels.sh      # first, on a machine with network: wheels the GPU machine lacks and
#                                      # heatbath's own, built for it → .whl/
#   bash benchmarks/gpu_check.sh       # on the GPU machine, from any directory; logs in ${OUT:-/tmp}/gpu_check/
#   CUDAARCHS=90 PYTHON=python3.12 bash benchmarks/gpu_check.sh   # defaults: the GPU's own architecture, python3
#   SKIP="figures rng suite asv" bash benchmarks/gpu_check.sh      # leave out steps (names: figures, unmarked,
#                                                                   # pcd, overhead, rng, suite, asv)
#
# Needs, already installed: pybind11, scikit-build-core, nvidia-cublas (or a toolkit with cuBLAS headers; cuBLAS
# is loaded at run time), cmake, ninja, pytest, torch (CUDA build); the NumPy wheel that gpu_wheels.sh carries
# in <repo>/.whl/; cupy, numba and asv are optional. Nothing is downloaded (--no-index --no-build-isolation).
# Seven log files at most (a device tool returns eight): env, build, pytest_gpu, pytest, figures, pcd, rng.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
logs="${OUT:-/tmp}/gpu_check"
python="${PYTHON:-python3}"
mkdir -p "$logs"
cd "$root"
export PYTHONUNBUFFERED=1

step() { printf '\n==== %s  (%ss)\n' "$*" "$SECONDS"; }
fail() { printf '\nFAIL: %s\n' "$*" >&2; exit 1; }

# The whole script keeps within BUDGET seconds (a device call allows 600, and the device time of a task is
# short): each step gets at most its own limit and never more than what is left; a step that would start
# with under 20 s left is skipped, named in the last line. Steps run most important first.
budget="${BUDGET:-560}"
for name in ${SKIP:-}; do  # a misspelt step would otherwise run unasked
    case "$name" in
        figures|unmarked|pcd|overhead|rng|suite|asv) ;;
        *) echo "SKIP: unknown step '$name'; the steps are figures unmarked pcd overhead rng suite asv" >&2; exit 2 ;;
    esac
done
skipped_list="$(mktemp)"  # steps run in pipelines (subshells): they note their skips in a file, not $OUT
trap 'rm -f "$skipped_list"' EXIT
within() {
    local want="$1"; shift
    if [ -n "${step_name:-}" ] && [[ " ${SKIP:-} " == *" $step_name "* ]]; then
        echo "SKIPPED (SKIP names $step_name): $*"; echo "[$step_name, asked]" >>"$skipped_list"; return 0
    fi
    local left=$(( budget - SECONDS - 5 ))
    if [ "$left" -lt 20 ]; then
        echo "SKIPPED (time budget spent): $*"; echo "[$*]" >>"$skipped_list"; return 0
    fi
    timeout "$(( want < left ? want : left ))" "$@"
}

# CUDA images often ship nvcc outside PATH; CMake's check_language(CUDA) needs to find it.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
fi

if compgen -G "$root/.whl/*.whl" >/dev/null; then
    step "carried wheels from .whl/"
    "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/hb_site \
        "$root"/.whl/*.whl || fail "installing the carried wheels"
    export PYTHONPATH="/tmp/hb_site${PYTHONPATH:+:$PYTHONPATH}"
fi

step "GPU, toolkit, Python; log: $logs/env.log"
{
    nvidia-smi || fail "nvidia-smi failed: no NVIDIA driver or GPU visible"
    nvcc --version || fail "nvcc not found: put the CUDA toolkit's bin/ on PATH"
    "$python" -c "import sys, torch; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda,
          'device', torch.cuda.get_device_name() if torch.cuda.is_available() else None)"
} 2>&1 | tee "$logs/env.log"
if [ -z "${CUDAARCHS:-}" ]; then
    # This GPU's architecture only (nvcc builds one instead of two): 9.0 → 90.
    CUDAARCHS="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1 | tr -d ' .')"
    export CUDAARCHS
fi

# A wheel that gpu_wheels.sh built elsewhere from this very tree, for this Python and this GPU, saves the build;
# anything else (no wheel, another tree, Python or architecture) builds here, and says why.
# shellcheck source=benchmarks/prebuilt_wheel.sh
. "$root/benchmarks/prebuilt_wheel.sh"
prebuilt="$(prebuilt_wheel "$root" "$python" "$CUDAARCHS")"
if [ "${prebuilt#use }" != "$prebuilt" ]; then
    step "install the prebuilt ${prebuilt#use }; log: $logs/build.log"
    if ! within 120 "$python" -m pip install --no-index --no-deps --force-reinstall --disable-pip-version-check \
            "${prebuilt#use }" >"$logs/build.log" 2>&1; then
        tail -n 40 "$logs/build.log"
        fail "installing the prebuilt wheel (full log: $logs/build.log)"
    fi
    # Built on another machine: if this one lacks a library it links (libgomp, libstdc++), build here instead.
    # And if its CUDA runtime (linked statically, from the toolkit there) is newer than this driver allows, it
    # sees no device where nvidia-smi saw one: a build with this machine's toolkit matches its driver.
    if ! (cd / && "$python" -c "import heatbath._core, heatbath._cuda") >>"$logs/build.log" 2>&1; then
        tail -n 5 "$logs/build.log"
        prebuilt="the prebuilt wheel does not load here"
    elif ! (cd / && "$python" -c "import heatbath; raise SystemExit(not heatbath.cuda_available())") \
            >>"$logs/build.log" 2>&1; then
        prebuilt="the prebuilt wheel sees no CUDA device here (a driver older than its CUDA runtime?)"
    else
        # The stamp covers the compiled sources only: the tree's Python files replace the wheel's.
        site="$(cd / && "$python" -c 'import importlib.util as u; print(u.find_spec("heatbath").submodule_search_locations[0])')" &&
            overlay_python "$root" "$site" >>"$logs/build.log" 2>&1 ||
            fail "laying the tree's Python files over the prebuilt wheel (log: $logs/build.log)"
        echo "the tree's python/heatbath laid over the wheel at $site" | tee -a "$logs/build.log"
    fi
fi
if [ "${prebuilt#use }" = "$prebuilt" ]; then
    step "build and install heatbath with HEATBATH_CUDA=ON, CUDAARCHS=$CUDAARCHS ($prebuilt); log: $logs/build.log"
    # Its own build dir: a CMake cache left by a CPU-only build would remember "no CUDA compiler".
    export HEATBATH_CUDA=ON CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)"
    if ! within 300 "$python" -m pip install --no-index \
            --no-build-isolation --no-deps --disable-pip-version-check -v --config-settings=build-dir=build/gpu_check . \
            >"$logs/build.log" 2>&1; then
        tail -n 80 "$logs/build.log"
        fail "build (full log: $logs/build.log)"
    fi
    grep -E "heatbath: |Successfully installed" "$logs/build.log" || true
fi

step "CUDA available?"
# From / so that nothing in the checkout can shadow the installed package.
probe='import heatbath, heatbath._backend as b
print("cuda_compiled", heatbath.cuda_compiled(), "cuda_available", heatbath.cuda_available())
m = b._import_cuda()[0]
print("devices:", m.device_status() if m else None, "- CUDA runtime", m.runtime_version() if m else None)
raise SystemExit(0 if heatbath.cuda_available() else 1)'
(cd / && "$python" -c "$probe") 2>&1 | tee -a "$logs/env.log" ||
    fail "heatbath was installed but CUDA is not available; see above and $logs/build.log"

# Later steps run to the end even when one fails, so that one run gives every figure; the exit
# status still reports the failure.
status=0
# A GPU test that skips for want of CUDA here means the backend did not load: a failure, not a pass.
no_cuda='SKIPPED.*(no CUDA device|needs the CUDA backend|needs a CUDA device|built without its CUDA backend|torch sees no CUDA|numba.cuda does not import)'

# Every test that needs a device is marked gpu (tests/conftest.py marks the `device` fixture's CUDA cases), so
# this first step is the CUDA correctness check. -v: each outcome is logged as it happens, so a run cut short
# by its limit still shows what passed.
# A kernel that never returns would hold the step to its limit: with pytest-timeout there (the GPU image has it),
# a test stuck that long is reported with its stack, and the process ends (a hung CUDA call ignores signals).
per_test=()
if "$python" -c "import pytest_timeout" 2>/dev/null; then per_test=(--timeout=90 --timeout-method=thread); fi
step "GPU tests (-m gpu); log: $logs/pytest_gpu.log"
within 240 "$python" -m pytest tests -v -rs -p no:cacheprovider "${per_test[@]}" -m gpu 2>&1 | tee "$logs/pytest_gpu.log" |
    grep -vE " (PASSED|SKIPPED)" || { status=1; echo "FAIL: GPU tests" >&2; }
skipped_for_want_of_cuda() {
    if grep -hE "$no_cuda" "$1"; then
        status=1; echo "FAIL: the tests above skipped for want of CUDA on a machine that has it" >&2
    fi
}

step_name=figures
step "GPU figures; log: $logs/figures.log"
within 180 "$python" -m heatbath.bench.gpu_figures 2>&1 | tee "$logs/figures.log" ||
    { status=1; echo "FAIL: gpu figures" >&2; }

# Unmarked tests about CUDA: the Numba kernels compiled for a real GPU (libNVVM is here), CUDA-array checks.
# Not the simulator suite: CPU work, which CI runs.
step_name=unmarked
step "the other tests named cuda, gpu or device (appended to $logs/pytest_gpu.log)"
within 120 "$python" -m pytest tests -q -rs -p no:cacheprovider -m "not gpu" \
    -k "(cuda or gpu or device) and not simulator_suite" 2>&1 |
    tee -a "$logs/pytest_gpu.log" || { status=1; echo "FAIL: GPU tests (unmarked)" >&2; }
skipped_for_want_of_cuda "$logs/pytest_gpu.log"

step_name=pcd
step "PCD on cuda; log: $logs/pcd.log"
within 60 "$python" -m heatbath.bench.compare_pcd --device cuda --quick 2>&1 | tee "$logs/pcd.log" ||
    { status=1; echo "FAIL: compare_pcd cuda" >&2; }

step_name=overhead
step "fixed costs of short calls (appended to $logs/pcd.log)"
within 90 "$python" -m heatbath.bench.call_overhead --profile --pcd 2>&1 | tee -a "$logs/pcd.log" ||
    { status=1; echo "FAIL: call_overhead" >&2; }

step_name=rng
step "random numbers, cuda then cpu; log: $logs/rng.log"
{ within 30 "$python" benchmarks/compare_rng.py --device cuda && within 30 "$python" benchmarks/compare_rng.py \
    --device cpu; } 2>&1 | tee "$logs/rng.log" || { status=1; echo "FAIL: compare_rng" >&2; }

# Last: CI runs these on the CPU; here they check this machine's Python, torch and numba, if time remains.
step_name=suite
step "the rest of the suite; log: $logs/pytest.log"
# pytest-xdist (the GPU image has it) spreads them over the machine's cores: about a minute instead of four.
workers=()
if "$python" -c "import xdist" 2>/dev/null; then workers=(-n "$(( $(nproc) < 8 ? $(nproc) : 8 ))"); fi
within 600 "$python" -m pytest tests -q -rs -p no:cacheprovider "${workers[@]}" -m "not gpu" \
    -k "not cuda and not gpu and not device" \
    2>&1 | tee "$logs/pytest.log" || { status=1; echo "FAIL: tests (or out of time)" >&2; }
skipped_for_want_of_cuda "$logs/pytest.log"

if "$python" -c "import asv" 2>/dev/null; then
    step_name=asv
    step "asv suite, quick (appended to $logs/rng.log)"
    (cd benchmarks && "$python" -m asv machine --yes >/dev/null &&
        within 600 "$python" -m asv run --python=same --quick --show-stderr) >>"$logs/rng.log" 2>&1 ||
        { status=1; echo "FAIL: asv" >&2; }
fi

skipped="$(tr '\n' ' ' <"$skipped_list")"
step "done: exit status $status; logs in $logs${skipped:+; skipped for time: $skipped}"
exit "$status"
