# SPDX-License-Identifier: Apache-2.0
"""Raw row pointers for Numba kernels.

``numba.carray(row_ptr(x, c), d)`` is row c of x as a 1-D array *without* a reference count. A view
``x[c]`` shares x's reference count, which Numba increments and decrements atomically around every
use: with the chains of a tile visited step by step, that is two atomic operations on one cache line
per chain-step, shared by every thread, and it cost the kernels more than the user's gradient.
The views made here must not outlive their array: Numba frees an array after its last use *by
name*, so a kernel keeps using the array itself (passing it on, taking further pointers) for as long
as views of it are alive, or takes views only of arrays its caller keeps alive.
"""
from __future__ import annotations

from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

__all__ = ["borrowed", "elem_ptr", "row_ptr"]


@intrinsic
def row_ptr(typingctx, arr, row):
    """A typed pointer to arr[row, 0] (arr 1-D: to arr[row]); no bounds check."""
    if not isinstance(arr, types.Array) or not isinstance(row, types.Integer):
        return None
    signature = types.CPointer(arr.dtype)(arr, row)

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        stride = builder.extract_value(array.strides, 0)
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        # A byte GEP, not integer arithmetic: LLVM's alias analysis and loop vectoriser follow GEPs
        # but give up on inttoptr, so loops over rows reached this way could not vectorise.
        base = builder.bitcast(array.data, cgutils.voidptr_t)
        address = builder.gep(base, [builder.mul(index, stride)], inbounds=True)
        return builder.bitcast(address, array.data.type)

    return signature, codegen


def borrowed(params):
    """The tuple params with every (C-contiguous) array replaced by a view without a reference count.

    The kernels inline the user's functions, and inside them every use of a parameter array would
    increment and decrement that array's count atomically; all threads share the caller's arrays, so
    those counts bounce between cores and a run stopped scaling with threads. The launcher passes
    C-contiguous arrays (langevin_launch.py) and keeps them alive for the call.
    """


@overload(borrowed)
def _borrowed_impl(params):
    if not isinstance(params, types.BaseTuple):
        return None
    parts = []
    for i, t in enumerate(params.types):
        if isinstance(t, types.Array) and t.layout == "C" and t.ndim >= 1:
            parts.append(f"carray(row_ptr(params[{i}], 0), params[{i}].shape)")
        else:
            parts.append(f"params[{i}]")
    body = ", ".join(parts) + ("," if len(parts) == 1 else "")
    namespace = {"carray": carray, "row_ptr": row_ptr}
    exec(compile(f"def impl(params):\n    return ({body})\n", "<heatbath borrowed params>", "exec"), namespace)
    return namespace["impl"]


@intrinsic
def elem_ptr(typingctx, arr, index):
    """A typed pointer to the element at flat index `index` of a C-contiguous array; no bounds check.

    With a row length known at compile time, (row * dim) gives LLVM constant strides between rows,
    which it needs to vectorise a loop over rows; row_ptr's strides are run-time values."""
    if not isinstance(arr, types.Array) or arr.layout != "C" or not isinstance(index, types.Integer):
        return None
    signature = types.CPointer(arr.dtype)(arr, index)

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        offset = context.cast(builder, args[1], sig.args[1], types.intp)
        return builder.gep(array.data, [offset], inbounds=True)

    return signature, codegen
