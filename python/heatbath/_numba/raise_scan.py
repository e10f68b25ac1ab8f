# SPDX-License-Identifier: Apache-2.0
"""Whether a user's functions can raise: a raise or assert statement in them or in the functions they
reach (through their globals and closures, and attributes of the user's own modules, as the kernel
cache's fingerprint follows them).

Numba passes on an exception raised inside a parallel loop only from the thread that launched the
loop; another thread's is lost. The kernels of functions that can raise therefore run on the calling
thread alone (parallel_parts.py notices any other exception, without its message).
"""
from __future__ import annotations

import dis
import types as pytypes

from heatbath._numba.kernel_cache import _cell_filled, _function_of, _is_user_module, _names

__all__ = ["may_raise"]

_RAISES = {"RAISE_VARARGS", "RERAISE"}


def _code_raises(code: pytypes.CodeType) -> bool:
    if any(ins.opname in _RAISES for ins in dis.get_instructions(code)):
        return True
    return any(_code_raises(c) for c in code.co_consts if isinstance(c, pytypes.CodeType))


def may_raise(*functions) -> bool:
    """True if any of the functions (or dispatchers), or a function they reach, has a raise or assert."""
    seen: set[int] = set()
    pending = list(functions)
    while pending:
        fn = _function_of(pending.pop())
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        if _code_raises(fn.__code__):
            return True
        names = set(_names(fn.__code__))
        referenced = [fn.__globals__[name] for name in names if name in fn.__globals__]
        referenced += [cell.cell_contents for cell in (fn.__closure__ or ()) if _cell_filled(cell)]
        referenced += list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
        for value in referenced:
            if isinstance(value, pytypes.ModuleType) and _is_user_module(value):
                members = vars(value)
                pending.extend(members[name] for name in names if name in members)
            else:
                pending.append(value)
    return False
