# SPDX-License-Identifier: Apache-2.0
"""The cached Numba types of kernel arguments are numba.typeof's, whatever the order values arrive in."""
import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="the kernels of user potentials are compiled by numba")

from heatbath._numba.arg_types import tuple_type_of, type_of, types_of  # noqa: E402


def values():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    readonly = base.copy()
    readonly.flags.writeable = False
    return [
        base, base.T, base[:, ::2], base[::2], readonly, readonly.T, base[:1], base[:, :1], np.zeros((0, 3)),
        np.zeros(()), np.zeros(5, np.int64), np.zeros(5, np.uint8), np.zeros((2, 2, 2), np.complex128),
        np.zeros(3, np.float64)[::-1], np.float32(1.5), np.float64(1.5), np.int64(3), np.uint64(3), np.int32(3),
        np.bool_(True), 7, 2**63, 1.5, (np.int64(1), np.float32(2)),
    ]


def test_every_value_gets_numbas_own_type():
    for value in values():
        assert type_of(value) == numba.typeof(value), value


def test_arrays_that_differ_only_in_layout_or_writeability_get_their_own_types():
    # The same dtype and dimensions in every order: a cache keyed on too little would hand back the type
    # of whichever came first (a C-contiguous type for a strided view reads the wrong memory).
    for order in (values(), values()[::-1]):
        got = [type_of(v) for v in order]
        assert got == [numba.typeof(v) for v in order]
    base = np.zeros((4, 6), np.float32)
    readonly = base.copy()
    readonly.flags.writeable = False
    kinds = {type_of(base), type_of(base.T), type_of(base[:, ::2]), type_of(readonly)}
    assert len(kinds) == 4


def test_a_tuple_of_types_is_made_once_and_equals_the_plain_tuple():
    arrays = values()[:14] + values()[14:20]  # arrays and numpy scalars: cached
    first, again = types_of(arrays), types_of(values()[:14] + values()[14:20])
    assert first is again
    plain = tuple(numba.typeof(v) for v in arrays)
    assert first == plain and hash(first) == hash(plain)
    assert {plain: "entry"}[first] == "entry"  # a dict keyed by either finds the other
    swapped = types_of([arrays[1], arrays[0]] + arrays[2:])  # the same values, two layouts swapped
    assert swapped != first and swapped == (plain[1], plain[0]) + plain[2:]
    mixed = [np.zeros(3), 7]  # a Python int is typed afresh (its type depends on its value)
    assert types_of(mixed) == (numba.typeof(mixed[0]), numba.typeof(7))
    assert types_of([np.zeros(3), 2**63])[1] == numba.typeof(2**63)


def test_a_tuple_value_gets_numbas_own_tuple_type():
    # A potential's parameters, typed at every call: arrays and numpy scalars from a cache, anything else afresh.
    readonly = np.zeros(3)
    readonly.flags.writeable = False
    cases = [tuple(values()[:3]), (np.zeros(3, np.float32),) * 4, (np.zeros(3), readonly), (readonly, np.zeros(3)),
             (np.zeros(3), np.float32(2)), (np.zeros(3), 1.5), (np.zeros(3), (np.zeros(2), 3)), ()]
    for order in (cases, cases[::-1]):
        for params in order:
            assert tuple_type_of(params) == numba.typeof(params), params
    assert tuple_type_of(cases[1]) is tuple_type_of((np.ones(5, np.float32),) * 4)
