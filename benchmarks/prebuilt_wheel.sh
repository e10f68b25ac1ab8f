# SPDX-License-Identifier: Apache-2.0
# Sourced by gpu_wheels.sh, which builds a heatbath wheel for the GPU machine, and gpu_check.sh, which installs
# it there only when it was built from exactly the tree it runs on, for its Python and its GPU.

# A digest of every file that goes into a heatbath wheel. Plain find + sha256sum, not git: the GPU machine's
# copy of the checkout need not carry .git.
source_stamp() {
    (cd "$1" && find CMakeLists.txt pyproject.toml cmake csrc python -type f \
        ! -name '*.pyc' ! -name '*.so' ! -path '*/__pycache__/*' -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# prebuilt_wheel ROOT PYTHON ARCH: "use <wheel>" when ROOT/.whl/prebuilt holds a wheel of ROOT's sources for
# PYTHON and CUDA architecture ARCH; else why not, in a few words.
prebuilt_wheel() {
    local dir="$1/.whl/prebuilt" tag wheel
    tag="$("$2" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')" ||
        { echo "$2 does not run"; return; }
    [ -f "$dir/heatbath.stamp" ] || { echo "no prebuilt wheel in .whl/prebuilt"; return; }
    wheel="$(compgen -G "$dir/heatbath-*-$tag-$tag-*.whl" | head -n 1)" || true
    [ -n "$wheel" ] || { echo "no prebuilt wheel for $tag"; return; }
    grep -qx "stamp=$(source_stamp "$1")" "$dir/heatbath.stamp" || { echo "the prebuilt wheel is of other sources"; return; }
    grep -qx "arch=$3" "$dir/heatbath.stamp" || { echo "the prebuilt wheel is not for CUDA architecture $3"; return; }
    echo "use $wheel"
}
