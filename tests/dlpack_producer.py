# SPDX-License-Identifier: Apache-2.0
"""A hand-made DLPack producer (ctypes), to test the core's consumer on cases that numpy and torch
never produce: byte offsets, legacy capsules, foreign devices and dtypes, future major versions,
and to observe that the consumer renames the capsule and runs the deleter exactly once."""
from __future__ import annotations

import ctypes

import numpy as np

c_int32, c_int64, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p = (
    ctypes.c_int32, ctypes.c_int64, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64,
    ctypes.c_void_p)


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", c_int32), ("device_id", c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", c_uint8), ("bits", c_uint8), ("lanes", c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", c_void_p), ("device", DLDevice), ("ndim", c_int32), ("dtype", DLDataType),
                ("shape", ctypes.POINTER(c_int64)), ("strides", ctypes.POINTER(c_int64)),
                ("byte_offset", c_uint64)]


DELETER = ctypes.CFUNCTYPE(None, c_void_p)


class DLPackVersion(ctypes.Structure):
    _fields_ = [("major", c_uint32), ("minor", c_uint32)]


class DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("version", DLPackVersion), ("manager_ctx", c_void_p), ("deleter", DELETER),
                ("flags", c_uint64), ("dl_tensor", DLTensor)]


class DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", c_void_p), ("deleter", DELETER)]


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [c_void_p, ctypes.c_char_p, c_void_p]
_capsule_name = ctypes.pythonapi.PyCapsule_GetName
_capsule_name.restype = ctypes.c_char_p
_capsule_name.argtypes = [ctypes.py_object]

_NAMES = {True: b"dltensor_versioned", False: b"dltensor"}
_DTYPE_CODES = {"f": 2, "i": 0, "u": 1, "b": 6}


class Producer:
    """Exports `base` (a numpy array) with the given DLPack quirks.

    offset_elements: the view starts that many elements into base, expressed as byte_offset.
    """

    def __init__(self, base: np.ndarray, shape, strides=None, offset_elements=0, *, versioned=True,
                 understands_max_version=True, readonly=False, device_type=1, major=1, dtype=None,
                 null_data=False):
        self.base = base
        self.shape = (c_int64 * len(shape))(*shape)
        self.strides = None if strides is None else (c_int64 * len(strides))(*strides)
        self.offset = offset_elements * base.itemsize
        self.versioned, self.understands_max_version = versioned, understands_max_version
        self.readonly, self.device_type, self.major = readonly, device_type, major
        self.dtype = dtype or (_DTYPE_CODES[base.dtype.kind], base.dtype.itemsize * 8, 1)
        self.null_data = null_data
        self.deleted = 0
        self.capsules = []
        self._keep = []
        self.last_stream = "unset"

    def __dlpack_device__(self):
        return (self.device_type, 0)

    def __dlpack__(self, stream=None, max_version=None, **_):
        self.last_stream = stream
        if max_version is not None and not self.understands_max_version:
            raise TypeError("__dlpack__() got an unexpected keyword argument 'max_version'")
        versioned = self.versioned and max_version is not None and max_version[0] >= 1
        tensor = DLTensor(
            None if self.null_data else self.base.ctypes.data, DLDevice(self.device_type, 0), len(self.shape),
            DLDataType(*self.dtype), self.shape, self.strides, self.offset)

        def deleter(_ptr):
            self.deleted += 1

        cb = DELETER(deleter)
        if versioned:
            managed = DLManagedTensorVersioned(DLPackVersion(self.major, 0), None, cb, 1 if self.readonly else 0,
                                               tensor)
        else:
            managed = DLManagedTensor(tensor, None, cb)
        self._keep += [cb, managed]
        name = _NAMES[versioned]
        capsule = _capsule_new(ctypes.addressof(managed), name, None)
        self.capsules.append(capsule)
        return capsule

    def capsule_names(self):
        return [_capsule_name(c).decode() for c in self.capsules]
