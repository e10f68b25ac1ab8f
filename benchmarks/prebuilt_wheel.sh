# SPDX-License-Identifier: Apache-2.0
# Sourced by gpu_wheels.sh, which builds a heatbath wheel for the GPU machine, and gpu_check.sh, which installs
# it there only when it was built from the compiled sources of the tree it runs on, for its Python and its GPU,
# and then lays the tree's Python files over it.

# A digest of every file that goes into heatbath's compiled modules and its packaging. Not the Python sources:
# the check lays the tree's own over the installed wheel's (overlay_python), so a Python edit needs no rebuild.
# Plain find + sha256sum, not git: the GPU machine's copy of the checkout need not carry .git.
source_stamp() {
    (cd "$1" && find CMakeLists.txt pyproject.toml cmake csrc -type f -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# overlay_python ROOT DEST: make the installed package at DEST hold ROOT/python/heatbath's Python files and
# nothing else beside its compiled modules, so that a file deleted from the tree is gone there too.
overlay_python() {
    [ -d "$2" ] && [ -f "$1/python/heatbath/__init__.py" ] || { echo "overlay_python: no package at $2 or $1" >&2; return 1; }
    find "$2" -mindepth 1 \( -type f -o -type l \) ! -name '*.so' -delete
    find "$2" -mindepth 1 -depth -type d -empty -delete
    (cd "$1/python/heatbath" && tar -cf - --exclude='__pycache__' --exclude='*.pyc' --exclude='*.so' .) |
        (cd "$2" && tar -xf -)
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
