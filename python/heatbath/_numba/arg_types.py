# SPDX-License-Identifier: Apache-2.0
"""Numba's types of kernel arguments, cached on what they depend on.

numba.typeof builds a type anew at every call (through functools.singledispatch and types.Array's
interning), about 8 µs an array: the 17 arguments of a MALA launch took 140 µs, more than half of an
8-chain heatbath.langevin call and of a user potential's tempering round. An array's type depends only on
its class, dtype, number of dimensions, layout and writeability; a numpy scalar's on its class and dtype.
Hashing a tuple of Numba types runs Python code for each one (10 µs for a launch's), so the tuples that
types_of hands out are made once per combination and carry their hash.
"""
from __future__ import annotations

import numpy as np
from numba import typeof

__all__ = ["tuple_type_of", "type_of", "types_of"]

_TYPES: dict = {}
_TUPLES: dict = {}
_TUPLE_TYPES: dict = {}


class TypeTuple(tuple):
    """A tuple of Numba types that hashes once."""

    def __new__(cls, items):
        self = super().__new__(cls, items)
        self._hash = tuple.__hash__(self)
        return self

    def __hash__(self):
        return self._hash


def _key(value):
    if isinstance(value, np.ndarray):
        flags = value.flags
        return (type(value), value.dtype, value.ndim, flags.c_contiguous, flags.f_contiguous, flags.writeable)
    if isinstance(value, np.generic):
        return (type(value), value.dtype)
    return None


def _cached(cache: dict, key, value):
    """numba.typeof(value), made once per key."""
    found = cache.get(key)
    if found is None:
        found = cache[key] = typeof(value)
    return found


def type_of(value):
    """numba.typeof(value), from a cache for numpy arrays and scalars (anything else is typed afresh)."""
    key = _key(value)
    return typeof(value) if key is None else _cached(_TYPES, key, value)


def types_of(values) -> TypeTuple:
    """The types of values (numpy arrays and scalars) as one TypeTuple, the same object each time."""
    keys = tuple(map(_key, values))
    found = _TUPLES.get(keys)
    if found is None:
        if None in keys:
            return TypeTuple(map(typeof, values))
        found = _TUPLES[keys] = TypeTuple(map(type_of, values))
    return found


def tuple_type_of(values: tuple):
    """numba.typeof(values) for a tuple, from a cache when its items are numpy arrays and scalars (a user
    potential's parameters, with the tempering arrays in front, typed at every call: 0.1 ms afresh)."""
    keys = tuple(map(_key, values))
    return typeof(values) if None in keys else _cached(_TUPLE_TYPES, keys, values)
