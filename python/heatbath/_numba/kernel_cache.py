# SPDX-License-Identifier: Apache-2.0
"""On-disk caching of kernels built for one user potential.

The kernels inline the user's energy and gradient (langevin_kernels.py), so each potential has its
own compiled kernels, made by a factory whose closure holds the user's dispatchers. Numba keys a
closure's cache entries by pickling the closure's contents, and a pickled dispatcher carries a random
per-process id: every process would miss the cache and append a new entry. Here the key is instead a
fingerprint of the user's code: the bytecode, constants and names of the energy and gradient and of
every function they reach through their globals and closures, and the values of plain-data globals
(numbers, strings, arrays), which Numba compiles in as constants; through a module of the user's own
(one outside the interpreter's library folders), the functions and constants the code reads from it as
attributes (``helpers.scale(x)``, ``helpers.K``). Editing any of these compiles anew. A library module
counts by its name only (its code changes with its version, which the user does not edit in place).
Numba's own cache has the same blind spot this has: code reached some other way (a method of an
imported object, say) is not fingerprinted, so clear the cache (``NUMBA_CACHE_DIR``) after changing it.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pathlib
import site
import sysconfig
import types as pytypes

import numpy as np
from numba.core.caching import FunctionCache

__all__ = ["code_fingerprint", "enable_cuda_fingerprint_cache", "enable_fingerprint_cache", "heatbath_code_digest"]


def _function_of(obj):
    py = getattr(obj, "py_func", obj)
    return py if isinstance(py, pytypes.FunctionType) else None


def _constant_bytes(value) -> bytes | None:
    if isinstance(value, (bool, int, float, complex, str, bytes, type(None), np.generic)):
        return repr((type(value).__name__, value)).encode()
    if isinstance(value, np.ndarray):
        return repr((value.dtype.str, value.shape)).encode() + np.ascontiguousarray(value).tobytes()
    if isinstance(value, tuple):
        parts = [_constant_bytes(v) for v in value]
        return None if any(p is None for p in parts) else b"(" + b",".join(parts) + b")"
    return None


def _code_bytes(code: pytypes.CodeType, update) -> None:
    update(code.co_code)
    update(repr(code.co_names).encode() + repr(code.co_varnames).encode())
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):  # nested functions and comprehensions
            _code_bytes(const, update)
        else:
            update(repr(const).encode())


def code_fingerprint(*functions) -> str:
    """sha256 over the code the given functions (or dispatchers) reach, as described above."""
    digest = hashlib.sha256()
    seen: set[int] = set()
    pending = [f for f in functions]
    while pending:
        obj = pending.pop()
        fn = _function_of(obj)
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        digest.update(f"{fn.__module__}.{fn.__qualname__}".encode())
        _code_bytes(fn.__code__, digest.update)
        digest.update(_options_bytes(obj))
        # defaults are compiled in as constants where a call leaves the argument out
        keyword_defaults = sorted((fn.__kwdefaults__ or {}).items())
        digest.update(repr([name for name, _ in keyword_defaults]).encode())
        for default in list(fn.__defaults__ or ()) + [value for _, value in keyword_defaults]:
            constant = _constant_bytes(default)
            digest.update(constant if constant is not None else b"<default>")
            if _function_of(default) is not None:
                pending.append(default)
        names = sorted(set(_names(fn.__code__)))
        referenced = [fn.__globals__[name] for name in names if name in fn.__globals__]
        referenced += [cell.cell_contents for cell in (fn.__closure__ or ()) if _cell_filled(cell)]
        modules_seen: set[int] = set()
        for value in referenced:  # grows while it runs: a user module adds what the code reads from it
            constant = _constant_bytes(value)
            if constant is not None:
                digest.update(constant)
            elif _function_of(value) is not None:
                pending.append(value)
            elif isinstance(value, pytypes.ModuleType) and id(value) not in modules_seen:
                modules_seen.add(id(value))
                digest.update(value.__name__.encode())
                if _is_user_module(value):
                    # the attributes the code names (co_names holds attribute names too), read without
                    # __getattr__'s side effects
                    members = vars(value)
                    for name in names:
                        if name in members:
                            digest.update(name.encode())
                            referenced.append(members[name])
    return digest.hexdigest()


def _options_bytes(dispatcher) -> bytes:
    """A dispatcher's compile options (fastmath, error_model, boundscheck...), which change the
    machine code a caller inlines as much as an edit of its body does."""
    options = getattr(dispatcher, "targetoptions", None)
    if not isinstance(options, dict):
        return b""
    return repr(sorted((str(k), _canonical(v)) for k, v in options.items())).encode()


def _canonical(value):
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    return repr(value)


@functools.lru_cache(maxsize=None)
def _library_folders() -> tuple:
    paths = sysconfig.get_paths()
    folders = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    folders |= {p for p in (site.getsitepackages() + [site.getusersitepackages()]) if p}
    return tuple(str(pathlib.Path(f).resolve()) for f in folders)


def _is_user_module(module) -> bool:
    """A module the user may edit in place: one with a source file outside the interpreter's library
    folders (the standard library, site-packages), where installed packages change only by version."""
    file = getattr(module, "__file__", None)
    if not file:
        return False  # built in, or a namespace package
    where = str(pathlib.Path(file).resolve())
    return not any(where == folder or where.startswith(folder + os.sep) for folder in _library_folders())


@functools.lru_cache(maxsize=None)
def heatbath_code_digest() -> str:
    """sha256 over the source of heatbath's Numba layer (the modules of this package), for the kernels'
    cache key: the kernels inline code from several of them (the update rules, the stream's building
    blocks, the wrappers around the user's functions), and Numba's cache checks only the stamp of the
    file that defines the kernel. An edit of another module (an editable install, say) would otherwise
    load kernels built from the old code."""
    digest = hashlib.sha256()
    for path in sorted(pathlib.Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _names(code: pytypes.CodeType):
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, pytypes.CodeType):
            yield from _names(const)


def _cell_filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


class _FingerprintKey:
    """The index key of a Numba cache with its closure part replaced by a fingerprint (mixed into the
    CPU's FunctionCache and numba.cuda's CUDACache, which share the index format)."""

    def __init__(self, py_func, fingerprint: str):
        self._fingerprint = fingerprint
        super().__init__(py_func)

    def _index_key(self, sig, codegen):
        code = hashlib.sha256(self._py_func.__code__.co_code).hexdigest()
        return (sig, codegen.magic_tuple(), (code, self._fingerprint))


class _FingerprintCache(_FingerprintKey, FunctionCache):
    pass


@functools.lru_cache(maxsize=None)
def _cuda_cache_class():
    from numba.cuda.dispatcher import CUDACache  # noqa: PLC0415 (numba.cuda loads only when used)

    return type("_FingerprintCUDACache", (_FingerprintKey, CUDACache), {})


def enable_fingerprint_cache(dispatcher, fingerprint: str) -> None:
    """Caches the dispatcher's compilations on disk under `fingerprint` (see the module docstring)."""
    dispatcher._cache = _FingerprintCache(dispatcher.py_func, fingerprint)


def enable_cuda_fingerprint_cache(dispatcher, fingerprint: str) -> None:
    """The same for a numba.cuda kernel: its compiled code (PTX and the cubin, per compute capability, as
    numba.cuda's own cache=True keeps them) is saved and loaded under `fingerprint`."""
    dispatcher._cache = _cuda_cache_class()(dispatcher.py_func, fingerprint)
