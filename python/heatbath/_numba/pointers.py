# SPDX-License-Identifier: Apache-2.0
"""Raw row pointers for Numba kernels.

``numba.carray(row_ptr(x, c), d)`` is row c of x as a 1-D array *without* a reference count. A view
``x[c]`` shares x's reference count, which Numba increments and decrements atomically around every
use: with the chains of a tile visited step by step, that is two atomic operations on one cache line
per chain-step, shared by every thread, and it cost the kernels more than the user's gradient.
The views made here must not outlive their array, which the kernels guarantee by construction.
"""
from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["row_ptr"]


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
        address = builder.add(builder.ptrtoint(array.data, cgutils.intp_t), builder.mul(index, stride))
        return builder.inttoptr(address, array.data.type)

    return signature, codegen
