# SPDX-License-Identifier: Apache-2.0
"""The on-disk cache of the kernels built for each user potential (heatbath/_numba/kernel_cache.py).

A second process must load the kernels instead of compiling them, and any edit to the user's code
that changes what compiles (the functions' code, a helper they call, a global constant) must miss.
"""
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="Numba potentials need numba (pip install heatbath[numba])")

from heatbath._numba.kernel_cache import code_fingerprint  # noqa: E402

SCALE = 2.0


@numba.njit
def _helper(v):
    return 3.0 * v


def energy_a(x):
    return SCALE * x[0] * x[0]


def energy_b(x):
    return SCALE * x[0] * x[0] + 0.0


def grad_a(x, out):
    out[0] = 2.0 * SCALE * x[0]
    for i in range(1, x.shape[0]):
        out[i] = 0.0


def energy_with_helper(x):
    return _helper(x[0])


def test_fingerprint_is_a_function_of_the_code():
    assert code_fingerprint(energy_a) == code_fingerprint(energy_a)
    assert code_fingerprint(energy_a) != code_fingerprint(energy_b)
    # a dispatcher counts by its Python function and its compile options
    assert code_fingerprint(numba.njit(energy_a)) == code_fingerprint(numba.njit(energy_a))
    assert code_fingerprint(numba.njit(energy_a)) != code_fingerprint(numba.njit(fastmath=True)(energy_a))


def test_fingerprint_follows_global_constants_and_helpers(monkeypatch):
    before = code_fingerprint(energy_a)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 2.5)
    assert code_fingerprint(energy_a) != before

    with_helper = code_fingerprint(energy_with_helper)

    @numba.njit
    def other(v):
        return 4.0 * v

    monkeypatch.setattr(sys.modules[__name__], "_helper", other)
    assert code_fingerprint(energy_with_helper) != with_helper


def _energy_calling(helper):
    namespace = {"helper": helper}
    exec("def energy(x):\n    return helper(x[0])", namespace)
    return namespace["energy"]


def test_fingerprint_follows_a_helpers_defaults_and_compile_options():
    """Numba compiles a left-out argument's default in as a constant, and a helper's options (fastmath)
    change the code the energy inlines: neither was fingerprinted, so an edit of `def scale(v, k=1.0)` to
    k=3.0, or an added fastmath=True, loaded the kernels built before it in the next process."""
    def positional(default, **options):
        return _energy_calling(numba.njit(**options)(eval(f"lambda v, k={default}: k * v")))

    def keyword(default):
        return _energy_calling(numba.njit(eval(f"lambda v, *, k={default}: k * v")))

    base = code_fingerprint(positional(1.0))
    assert code_fingerprint(positional(1.0)) == base
    assert code_fingerprint(positional(3.0)) != base
    assert code_fingerprint(positional(1.0, fastmath=True)) != base
    assert code_fingerprint(positional(1.0, error_model="numpy")) != base
    assert code_fingerprint(keyword(1.0)) == code_fingerprint(keyword(1.0)) != code_fingerprint(keyword(3.0))
    assert code_fingerprint(keyword(1.0)) != base


def test_fingerprint_follows_what_the_code_reads_from_a_users_module(tmp_path, monkeypatch):
    """`helpers.scale(x)` and `helpers.K`: the module counted by its name only, an edit of the helper or
    the constant loaded the kernels built from the old code in the next process (wrong numbers, no
    warning). A library module (numpy) still counts by its name: its attributes are not followed."""
    (tmp_path / "hb_fp_helpers.py").write_text(textwrap.dedent("""
        import numba
        K = 1.0

        @numba.njit
        def scale(v):
            return 1.0 * v
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    import hb_fp_helpers as helpers

    namespace = {"helpers": helpers, "np": np}
    exec("def energy(x):\n    return helpers.scale(helpers.K * np.sum(x * x))", namespace)
    energy = namespace["energy"]
    before = code_fingerprint(energy)
    assert code_fingerprint(energy) == before
    monkeypatch.setattr(helpers, "K", 3.0)
    with_k = code_fingerprint(energy)
    assert with_k != before

    @numba.njit
    def scale3(v):
        return 3.0 * v

    monkeypatch.setattr(helpers, "scale", scale3)
    with_scale = code_fingerprint(energy)
    assert with_scale not in (before, with_k)
    monkeypatch.setattr(helpers, "unused", 7.0, raising=False)  # an attribute the code does not read
    assert code_fingerprint(energy) == with_scale
    from heatbath._numba.kernel_cache import _is_user_module

    assert _is_user_module(helpers) and not _is_user_module(np) and not _is_user_module(os)


USER_MODULE = """
import numpy as np
K = {k}

def energy(x):
    return 0.5 * K * x[0] * x[0]

def grad(x, out):
    out[0] = K * x[0]
"""

RUN = """
import sys
import numpy as np
import heatbath as hb
sys.path.insert(0, sys.argv[1])
import user_pot
pot = hb.potential(user_pot.energy, user_pot.grad)
res = hb.langevin(pot, np.ones((5, 1)), 20, 0.01, "mala", seed=3)
kernel = pot._functions_for(np.float64).kernels_for(1)["mala"]
print(len(kernel.stats.cache_hits), len(kernel.stats.cache_misses), repr(res.x[:, 0].tolist()))
"""


def _run(folder, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", RUN, str(folder)], env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    hits, misses, x = out.stdout.strip().splitlines()[-1].split(" ", 2)
    return int(hits), int(misses), x


def test_a_second_process_loads_the_kernels_and_an_edit_compiles_anew(tmp_path):
    module = tmp_path / "user_pot.py"
    module.write_text(textwrap.dedent(USER_MODULE.format(k=1.0)))
    cache = tmp_path / "cache"
    first = _run(tmp_path, cache)
    second = _run(tmp_path, cache)
    assert first[:2] == (0, 1)
    assert second[:2] == (1, 0)
    assert second[2] == first[2]
    module.write_text(textwrap.dedent(USER_MODULE.format(k=4.0)))
    edited = _run(tmp_path, cache)
    assert edited[:2] == (0, 1)
    assert edited[2] != first[2]


def test_the_cache_key_follows_heatbaths_own_numba_code(monkeypatch, tmp_path):
    # The kernels inline heatbath code from several modules (update rules, stream blocks, the wrappers
    # of the user's functions); Numba's cache only notices edits of the kernel's own file. So the key
    # carries a digest of the whole layer: an edit anywhere in it must change the key.
    from heatbath._numba import kernel_cache, langevin_user

    seen = []
    monkeypatch.setattr(langevin_user, "make_kernels", lambda e, g, dim, fingerprint: seen.append(fingerprint) or {})
    monkeypatch.setattr(langevin_user, "_KERNELS", {})
    fns = langevin_user.compile_functions(energy_a, grad_a, np.float64, ())
    fns.kernels_for(2)
    assert kernel_cache.heatbath_code_digest() in seen[0]
    # the digest reads the package's files: a copy with one module edited digests differently
    folder = tmp_path / "numba_layer"
    folder.mkdir()
    sources = sorted((p.name, p.read_bytes()) for p in pathlib.Path(kernel_cache.__file__).parent.glob("*.py"))
    for name, text in sources:
        (folder / name).write_bytes(text + (b"\n# edited\n" if name == "update_rules.py" else b""))
    monkeypatch.setattr(kernel_cache, "__file__", str(folder / "kernel_cache.py"))
    kernel_cache.heatbath_code_digest.cache_clear()
    try:
        assert kernel_cache.heatbath_code_digest() not in seen[0]
    finally:
        monkeypatch.undo()
        kernel_cache.heatbath_code_digest.cache_clear()


def test_kernels_compile_with_the_vectorising_first_pass():
    # langevin_launch switches two private settings of Numba's CPU codegen while it compiles the kernels;
    # if a Numba release renames them, the kernels still compile (slower), and this test says so.
    from numba.core.registry import cpu_target

    from heatbath._numba.langevin_launch import _inlined_loops_vectorised

    codegen = cpu_target.target_context.codegen()
    before = codegen._loopvect, codegen._opt_level
    with _inlined_loops_vectorised():
        assert (codegen._loopvect, codegen._opt_level) == (True, 3)
    assert (codegen._loopvect, codegen._opt_level) == before
