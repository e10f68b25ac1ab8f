# SPDX-License-Identifier: Apache-2.0
"""Saving a sampler's ``state`` to disk and loading it in another process, to continue a run bitwise.

A state is a frozen dataclass of arrays (in the caller's framework, on its device) and plain numbers
and strings. On disk it is one ``.npz`` file: each array as a numpy array, the rest as JSON beside
them, with the class name and a format version. Loading never unpickles anything.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import zipfile
from typing import Any

import numpy as np

from heatbath import _arrays

FORMAT_VERSION = 1
_META_KEY = "__heatbath_state__"
_STATE_CLASSES: dict[str, type] = {}


class SavableState:
    """Mixin for state dataclasses: registers the class for :func:`load_state` and adds ``save``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _STATE_CLASSES[cls.__name__] = cls

    def save(self, path) -> None:
        """Write this state to ``path`` (an .npz file); see :func:`heatbath.load_state`."""
        save_state(self, path)


def _path(path) -> str:
    """A path given as str, bytes or os.PathLike, as str (a bytes path's repr would otherwise end up
    in the name of the partial file)."""
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(f"argument 'path': expected a file path (str, bytes or os.PathLike), got "
                        f"{type(path).__name__}") from None


def save_state(state: SavableState, path) -> None:
    """Write ``state`` to the file ``path`` (numpy's .npz format; arrays are copied to the host)."""
    if not isinstance(state, SavableState) or not dataclasses.is_dataclass(state):
        raise TypeError(f"argument 'state': expected the state of a heatbath result, got {type(state).__name__}")
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for field in dataclasses.fields(state):
        value = getattr(state, field.name)
        if value is None or isinstance(value, (bool, int, float, str)):
            scalars[field.name] = value
        else:
            arrays[field.name] = np.ascontiguousarray(_arrays.to_host(value))
    meta = {"class": type(state).__name__, "version": FORMAT_VERSION, "scalars": scalars}
    # Written beside the target and renamed over it: a checkpoint being replaced survives a crash or
    # Ctrl-C during the write.
    given = _path(path)
    where = os.path.realpath(given)  # through a symbolic link, not over it
    partial = f"{where}.partial-{os.getpid()}-{threading.get_ident()}"  # one per saving thread
    try:
        try:
            with open(partial, "wb") as f:
                np.savez(f, **arrays, **{_META_KEY: np.frombuffer(json.dumps(meta).encode(), np.uint8)})
            os.replace(partial, where)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise
    except OSError as exc:
        raise OSError(f"argument 'path': cannot write the state to {given!r}: {exc.strerror}") from exc


def load_state(path, like=None) -> SavableState:
    """Read a state written by ``state.save(path)``.

    Its arrays come back as numpy arrays, or, when ``like`` is an array, in like's framework and on
    like's device (e.g. ``like=torch.empty(0, device="cuda")``), ready to pass to the sampler.
    """
    where = _path(path)
    if like is not None and not _arrays.supports_dlpack(like):
        raise TypeError(f"argument 'like': expected an array (numpy, torch, cupy, ...) whose framework and device "
                        f"the state's arrays take, or None, got {type(like).__name__}")

    def foreign(why: str):
        return ValueError(f"argument 'path': {where!r} is not a saved heatbath state ({why})")

    try:
        with open(where, "rb") as f:
            magic = f.read(4)
        # Anything but a zip archive (an .npz) is foreign: numpy would take it for a pickle and say so.
        if magic != b"PK\x03\x04":
            raise foreign("a single array, not an .npz archive" if magic == b"\x93NUM" else "not an .npz archive")
        data = np.load(where, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):  # a lone .npy array
            raise foreign("a single array, not an .npz archive")
        with data:
            if _META_KEY not in data.files:
                raise foreign(f"no {_META_KEY!r} entry")
            meta = json.loads(data[_META_KEY].tobytes().decode())
            stored = {name: data[name] for name in data.files if name != _META_KEY}
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise OSError(f"argument 'path': cannot read a state from {where!r}: {exc}") from exc
    except ValueError as exc:
        if str(exc).startswith("argument 'path'"):
            raise
        # numpy's refusal of a pickle (which it would load only unsafely) or of a malformed member
        raise foreign(f"{type(exc).__name__}: {exc}".split(" If you trust")[0]) from exc
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, AttributeError, UnicodeDecodeError,
            json.JSONDecodeError, RecursionError, NotImplementedError, RuntimeError) as exc:
        # numpy's errors for empty, truncated or foreign files; zipfile's for a member it cannot read
        # (an unknown compression method or version, encryption: a damaged header); json's for absurd nesting
        raise foreign(f"{type(exc).__name__}: {exc}") from exc
    except MemoryError as exc:
        raise MemoryError(f"argument 'path': {where!r} declares arrays larger than the memory left ({exc}): a "
                          f"damaged file, or a state saved on a machine with more memory") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("scalars"), dict):
        raise foreign("its metadata is not a heatbath state's")
    if type(meta.get("version")) is not int or meta["version"] != FORMAT_VERSION:  # true and 1.0 equal 1
        raise ValueError(f"argument 'path': state format version {meta.get('version')!r}; this heatbath "
                         f"reads version {FORMAT_VERSION}")
    cls = _STATE_CLASSES.get(meta.get("class")) if isinstance(meta.get("class"), str) else None
    if cls is None:
        raise ValueError(f"argument 'path': unknown state class {meta.get('class')!r}")
    values = dict(meta["scalars"])
    for name, a in stored.items():
        if not isinstance(a, np.ndarray):
            raise foreign(f"its entry {name!r} is not an array")
        values[name] = a if like is None else _arrays.from_host(a, a.dtype.name, like)
    names = {f.name for f in dataclasses.fields(cls)}
    if set(values) != names:
        raise ValueError(f"argument 'path': the file's fields {sorted(values)} do not match {cls.__name__}'s "
                         f"{sorted(names)}")
    return cls(**values)
