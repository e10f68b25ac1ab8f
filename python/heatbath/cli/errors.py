# SPDX-License-Identifier: Apache-2.0
"""Errors the user can fix, and the checks that raise them before any work starts."""
from __future__ import annotations

import importlib
import os
from pathlib import Path


class UserError(Exception):
    """Printed as one line, exit status 2: the message says what to do."""


def require_extra(module: str, extra: str):
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"this needs {module}: pip install 'heatbath[{extra}]' (or pip install {module})") from None


def writable_folder(path: str) -> Path:
    """Create the output folder if needed and check that files can be written there."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the output folder {str(folder)!r}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write into the output folder {str(folder)!r}: permission denied")
    return folder


def writable_file(path: str, suffix: str = "") -> Path:
    """Check that the output file's folder exists and is writable, before a long run; the path gets
    `suffix` when it lacks it (numpy's savez adds .npz: the path printed is the one written)."""
    target = Path(path)
    if target.is_dir():
        raise UserError(f"cannot write {str(target)!r}: it is a folder")
    if suffix and target.suffix != suffix:
        target = target.with_name(target.name + suffix)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {str(target)!r}: the folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UserError(f"cannot write {str(target)!r}: permission denied")
    # os.access says yes to root everywhere, and nothing of file systems such as /proc: open it once.
    existed = os.path.lexists(target)  # a dangling link counts: its unlink would remove the user's link
    try:
        with open(target, "ab"):
            pass
    except OSError as exc:
        raise UserError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    if not existed:
        target.unlink()
    return target


# heatbath's argument names in messages -> the command-line options that set them.
_OPTIONS = {"'beta'": "--beta", "'step_size'": "--step-size", "'friction'": "--friction", "'shape'": "--size",
            "'chain_start'": "--chains", "'n_steps'": "--steps", "'thin'": "--thin", "'seed'": "--seed"}


def from_library(exc: Exception) -> UserError:
    """A library error about a value the command line passed on, in one line naming the option."""
    text = str(exc)
    for argument, option in _OPTIONS.items():
        text = text.replace(f"argument {argument}", option).replace(argument, option)
    return UserError(text)


def positive_int(text: str) -> int:
    """argparse type: an integer > 0."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        import argparse

        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _finite_number(text: str, ok, expected: str) -> float:
    """argparse type helper: a finite number for which ok(value) holds."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and ok(value)):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _finite_number(text, lambda v: v > 0, "a positive number")


def non_negative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    return _finite_number(text, lambda v: v >= 0, "a number >= 0")


def seed(text: str) -> int:
    """argparse type: a seed, an integer in [0, 2**64)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**64), got {text!r}")
    return value

