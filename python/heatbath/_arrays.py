# SPDX-License-Identifier: Apache-2.0
"""Arrays from the caller's framework: where they live, and how to allocate outputs beside them.

The core reads and writes memory through DLPack; this module only decides *which* framework and
device an output belongs to, so that torch in gives torch out, numpy in gives numpy out, cupy in
gives cupy out, always on the input's device, and knows the caller's current CUDA stream.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import numpy as np

# DLPack device types (https://dmlc.github.io/dlpack/latest/c_api.html)
_DL_CPU, _DL_CUDA, _DL_CUDA_HOST, _DL_CUDA_MANAGED = 1, 2, 3, 13

_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int8": np.int8,
    "uint8": np.uint8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "uint32": np.uint32,
    "bool": np.bool_,
}


@dataclass(frozen=True)
class Device:
    """Where an array lives: kind 'cpu' or 'cuda', and the CUDA ordinal."""

    kind: str
    index: int = 0

    def __str__(self) -> str:
        return self.kind if self.kind == "cpu" else f"cuda:{self.index}"


def framework_of(x) -> str:
    """'numpy', 'torch', 'cupy', 'jax' or 'other' (any other DLPack producer)."""
    mod = type(x).__module__.split(".")[0]
    if isinstance(x, np.ndarray):
        return "numpy"
    if mod in ("torch", "cupy", "jax", "jaxlib"):
        return "jax" if mod == "jaxlib" else mod
    return "other"


def host_view(x):
    """What a CPU core call is handed for x: a numpy view of a CPU torch tensor (the same memory, written
    in place just the same), else x itself. numpy's DLPack export costs a small fraction of torch's
    (about 0.1 against 4 µs with the device query), which adds up over the several arrays of a short call:
    a PCD step's Gibbs call on 100 chains of a small model hands over eight."""
    torch = sys.modules.get("torch")
    if (torch is not None and isinstance(x, torch.Tensor) and x.device.type == "cpu" and not x.requires_grad
            and not x.is_conj() and not x.is_neg()):
        return x.numpy()
    return x


def _same(x):
    return x


class SameStreamTensor:
    """A torch tensor handed to a core call that runs on the stream torch itself is queued on. torch's
    __dlpack__ spends tens of µs per tensor on its stream handshake (stream objects made and compared in
    Python), which has nothing to order when producer and consumer share the stream; this exports the
    tensor directly. The core may export an argument more than once: each call makes a new capsule."""

    __slots__ = ("tensor", "_device")

    def __init__(self, tensor, dl_device: tuple):
        self.tensor, self._device = tensor, dl_device

    def __len__(self) -> int:  # the core reads some batch sizes as len(array)
        return len(self.tensor)

    def __dlpack_device__(self) -> tuple:
        return self._device

    def __dlpack__(self, stream=None, max_version=None, **_):
        legacy, versioned = _torch_exports()
        return (legacy if max_version is None or max_version[0] < 1 else versioned)(self.tensor)


@functools.cache
def _torch_exports() -> tuple:
    """torch's own exporters (legacy, versioned): what its __dlpack__ calls after the stream handshake."""
    import torch  # noqa: PLC0415 (only torch tensors are wrapped)

    legacy = torch._C._to_dlpack
    return legacy, getattr(torch._C, "_to_dlpack_versioned", None) or legacy


def device_view(stream: int, device: Device):
    """host_view's counterpart for a CUDA core call launched on `stream`: a function that wraps each torch
    CUDA tensor in a SameStreamTensor when `stream` is torch's current stream on `device`, and else leaves
    arrays as they are (the core's __dlpack__ call then passes the stream, and the producer orders its
    work before it). A PCD step's Gibbs call hands over eight arrays, and each step of a TorchPotential
    run three or more, so the handshake was a good part of their time on a GPU."""
    torch = sys.modules.get("torch")
    # No torch CUDA tensor can exist before torch has set up CUDA, and asking for its stream would set it up.
    if device.kind != "cuda" or torch is None or not torch.cuda.is_initialized():
        return _same
    try:
        if stream != torch_current_stream(torch, device.index):
            return _same
    except (AssertionError, RuntimeError):  # a torch without CUDA: no torch CUDA tensors either
        return _same
    plain, strided, dl_device = (torch.Tensor, torch.nn.Parameter), torch.strided, (_DL_CUDA, device.index)

    def view(x):
        # Plain tensors on this device only: subclasses (which may export themselves), tensors that require
        # grad, the conj and neg bits and other layouts are left to torch's __dlpack__, which refuses them
        # by name or does what the subclass says.
        if (type(x) in plain and x.is_cuda and x.get_device() == device.index and x.layout == strided
                and not x.requires_grad and not x.is_conj() and not x.is_neg()):
            return SameStreamTensor(x, dl_device)
        return x
    return view


def read_only(x):
    """x for a call that only reads it: a torch tensor that requires grad is detached (the same memory),
    since torch refuses to export it through DLPack; anything else is x itself."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor) and x.requires_grad:
        return x.detach()
    return x


def indexable(x, arg: str):
    """x as an array that slicing and reshape work on: a bare DLPack producer on the CPU is read through a
    numpy view of the same memory (its run's results are numpy arrays anyway); one on a device is refused,
    naming arg, since only its own framework could copy from it."""
    if framework_of(x) != "other" or not supports_dlpack(x):
        return x
    device = device_of(x, arg)
    if device.kind != "cpu":
        raise TypeError(f"argument '{arg}': a bare DLPack array on {device} cannot be read here; pass it as "
                        f"a torch or cupy array (torch.from_dlpack, cupy.from_dlpack)")
    return np.from_dlpack(x)


def mark_written(*arrays) -> None:
    """Moves the version counters of the torch tensors among ``arrays`` after the core wrote into them.
    torch does not see writes through DLPack; without this, autograd would silently use the new values
    in a graph that saved the old ones, where torch's own in-place ops make backward() refuse."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    for a in arrays:
        if isinstance(a, torch.Tensor):
            torch.autograd.graph.increment_version(a)


def supports_dlpack(x) -> bool:
    return hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__")


def device_of(x, arg: str) -> Device:
    """The device of a DLPack-capable array, asked first as the protocol requires."""
    if not supports_dlpack(x):
        raise TypeError(
            f"argument '{arg}': expected an array that supports DLPack (numpy, torch, cupy, jax, ...), "
            f"got {type(x).__name__}"
        )
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor) and (x.is_neg() or x.is_conj()):
        # DLPack carries the memory, not these lazy bits: the core would read or fill the values negated.
        bit, held = ("negative", "negated") if x.is_neg() else ("conjugate", "unconjugated")
        raise ValueError(f"argument '{arg}': a torch tensor with its {bit} bit set (a lazy view such as "
                         f"z.conj().imag), whose memory holds the values {held}; pass a tensor without it "
                         f"(x.resolve_neg() / x.resolve_conj() makes a copy)")
    if isinstance(x, np.ndarray) and not x.dtype.isnative:
        raise TypeError(f"argument '{arg}': dtype {x.dtype.str} is not in this machine's byte order, which DLPack "
                        f"cannot carry; convert it, e.g. x.astype(x.dtype.newbyteorder('='))")
    dev_type, dev_id = x.__dlpack_device__()
    dev_type = int(dev_type)
    if dev_type in (_DL_CPU, _DL_CUDA_HOST):
        return Device("cpu")
    if dev_type in (_DL_CUDA, _DL_CUDA_MANAGED):
        if framework_of(x) == "cupy":
            _require_cupy_current(int(dev_id), arg)
        return Device("cuda", int(dev_id))
    raise ValueError(f"argument '{arg}': DLPack device type {dev_type} is not supported; heatbath runs on cpu and cuda")


def _require_cupy_current(index: int, arg: str) -> None:
    # heatbath allocates, fills and queues beside a cupy array on cupy's current device and stream, as
    # cupy itself does; an array on another GPU would get its scratch there, unordered with its kernels.
    # (torch refuses to export a tensor off its current device in the same way.)
    import cupy  # noqa: PLC0415 (a cupy array is in hand)

    current = cupy.cuda.runtime.getDevice()
    if current != index:
        raise ValueError(f"argument '{arg}': a cupy array on cuda:{index}, while cupy's current device is "
                         f"cuda:{current}; call heatbath under `with cupy.cuda.Device({index}):`")


def same_device(arrays: dict) -> Device:
    """The one device that all named arrays share, or a ValueError naming the odd one out."""
    first_name, first_dev = None, None
    for name, arr in arrays.items():
        dev = device_of(arr, name)
        if first_dev is None:
            first_name, first_dev = name, dev
        elif dev != first_dev:
            raise ValueError(f"argument '{name}' is on {dev} but '{first_name}' is on {first_dev}")
    return first_dev


def current_stream(x, device: Device) -> int:
    """The caller's current CUDA stream handle for x's framework (0 = legacy default stream)."""
    if device.kind != "cuda":
        return 0
    fw = framework_of(x)
    if fw == "torch":
        import torch

        return torch_current_stream(torch, device.index)
    if fw == "cupy":
        import cupy

        with cupy.cuda.Device(device.index):
            return int(cupy.cuda.get_current_stream().ptr)
    return 0


def torch_current_stream(torch, index: int) -> int:
    """torch's current CUDA stream on device `index`, as a handle (0: the legacy default stream).
    torch.cuda.current_stream builds a Stream object to say it, several µs, and a short Gibbs call asks
    twice; torch's compiled code reads the raw handle instead, and so does this once CUDA is set up (before,
    the public call sets it up)."""
    raw = getattr(torch._C, "_cuda_getCurrentRawStream", None)
    if raw is not None and torch.cuda.is_initialized():
        return int(raw(index))
    return int(torch.cuda.current_stream(index).cuda_stream)


def dtype_name(dtype) -> str:
    """Canonical name of a dtype given as a string, numpy dtype or torch dtype. A dtype heatbath does not
    run in (float16, bfloat16, complex) still gets its name: each caller's check then names its argument
    and what it takes."""
    if dtype is None:
        raise TypeError("dtype must not be None")
    text = str(dtype).replace("torch.", "")
    if text in _DTYPES or str(dtype).startswith("torch."):
        return text
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}") from None


def dtype_of(x) -> str:
    return dtype_name(x.dtype)


def empty(shape, dtype: str, like=None):
    """An uninitialised array of the given shape and dtype in like's framework and device (numpy if None)."""
    fw = "numpy" if like is None else framework_of(like)
    if fw == "torch":
        import torch

        return torch.empty(shape, dtype=getattr(torch, dtype), device=like.device)
    if fw == "cupy":
        import cupy

        with like.device:
            return cupy.empty(shape, dtype=_DTYPES[dtype])
    if fw in ("numpy", "jax", "other"):
        # jax arrays are immutable, and an unknown producer offers no allocator: results for them
        # are numpy arrays, which both accept back through DLPack.
        if like is not None and device_of(like, "like").kind != "cpu":
            raise TypeError(f"cannot allocate an output beside a {fw} array on {device_of(like, 'like')}")
        return np.empty(shape, dtype=_DTYPES[dtype])
    raise AssertionError(fw)


def _read_int(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
        return None if text == "max" else int(text)
    except (OSError, ValueError):
        return None


def _host_memory_left() -> int | None:
    """Bytes the kernel could still hand this process: Linux's MemAvailable + SwapFree, or less when a
    cgroup (a container) limits the process's memory; None where neither can be read."""
    left = None
    try:
        with open("/proc/meminfo") as f:
            fields = dict(line.split(":", 1) for line in f)
        left = sum(int(fields[k].split()[0]) * 1024 for k in ("MemAvailable", "SwapFree"))
    except (OSError, KeyError, ValueError):
        pass
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",                  # cgroup v1
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 2**62:  # v1 writes "no limit" as a huge number
            left = max(0, limit - usage) if left is None else min(left, max(0, limit - usage))
            break
    return left


def _nbytes(shape, dtype: str) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n * np.dtype(_DTYPES[dtype]).itemsize


def require_host_memory(nbytes: int, arg: str, what: str) -> None:
    """MemoryError naming arg when a host request above 1 GiB exceeds the memory left (smaller ones are
    not worth reading /proc for)."""
    if nbytes > 2**30:
        left = _host_memory_left()
        if left is not None and nbytes > left:
            raise MemoryError(f"argument '{arg}': {what} needs {nbytes / 2**30:.3g} GiB, more than the "
                              f"{left / 2**30:.3g} GiB of memory left")


def allocate_all(requests, like) -> list:
    """allocate() for each request (shape, dtype, arg, what), or None for a request that is None: the
    outputs of one run, whose total is compared with the memory left first (each alone might fit)."""
    wanted = [r for r in requests if r is not None]
    total = sum(_nbytes(shape, dtype) for shape, dtype, _, _ in wanted)
    if len(wanted) > 1 and total > 2**30 and (like is None or device_of(like, "like").kind == "cpu"):
        left = _host_memory_left()
        if left is not None and total > left:
            _, _, arg, _ = wanted[0]
            raise MemoryError(f"argument '{arg}': the run's outputs ({', '.join(w for *_, w in wanted)}) need "
                              f"{total / 2**30:.3g} GiB together, more than the {left / 2**30:.3g} GiB of memory left")
    return [None if r is None else allocate(*r[:2], like, *r[2:]) for r in requests]


def allocate(shape, dtype: str, like, arg: str, what: str):
    """empty(), but a request too large for memory raises MemoryError naming the argument behind it.
    Large host requests are compared with the memory left first: Linux grants more than it has (overcommit)
    and kills the process when the pages are written, long after a MemoryError could have said why."""
    nbytes = _nbytes(shape, dtype)
    if like is None or device_of(like, "like").kind == "cpu":
        require_host_memory(nbytes, arg, f"{what} of shape {tuple(shape)}")
    try:
        return empty(shape, dtype, like)
    except (MemoryError, ValueError, RuntimeError) as exc:  # numpy, cupy: MemoryError/ValueError; torch: RuntimeError
        raise MemoryError(f"argument '{arg}': {what} of shape {tuple(shape)} needs {nbytes / 2**30:.3g} GiB, which "
                          f"cannot be allocated ({type(exc).__name__}: {exc})") from None


def copy_of(x):
    """A C-contiguous copy of x in x's framework and device (numpy for producers without an allocator)."""
    fw = framework_of(x)
    if fw == "torch":
        return x.detach().clone(memory_format=__import__("torch").contiguous_format)
    if fw == "cupy":
        import cupy

        with x.device:
            return cupy.array(x, copy=True, order="C")
    if fw == "numpy":
        return np.array(x, copy=True, order="C")
    return np.array(np.from_dlpack(x), copy=True, order="C")


def from_host(a: np.ndarray, dtype: str, like):
    """The host array a as a C-contiguous array of dtype in like's framework and on its device."""
    fw = "numpy" if like is None else framework_of(like)
    if fw == "torch":
        import torch

        return torch.as_tensor(np.ascontiguousarray(a, dtype=_DTYPES[dtype]), device=like.device)
    if fw == "cupy":
        import cupy

        with like.device:
            return cupy.asarray(np.ascontiguousarray(a, dtype=_DTYPES[dtype]))
    return np.ascontiguousarray(a, dtype=_DTYPES[dtype])


def finish_uploads(like) -> None:
    """Waits for the copies that from_host queued for like's framework, for arrays that are kept and read
    by later calls, perhaps on another stream: cupy copies from the host asynchronously on its current
    stream (torch's copy from pageable host memory has finished when it returns)."""
    if framework_of(like) == "cupy":
        import cupy

        with like.device:
            cupy.cuda.get_current_stream().synchronize()


def to_host(x) -> np.ndarray:
    """A numpy view or copy of any DLPack array (a device array is copied to the host)."""
    fw = framework_of(x)
    if fw == "numpy":
        return x
    if fw == "torch":
        return x.detach().cpu().numpy()
    if fw == "cupy":
        return x.get()
    return np.from_dlpack(x)


def full(shape, value, dtype: str, like):
    """An array filled with value in like's framework and on its device."""
    out = empty(shape, dtype, like)
    out[...] = value
    return out


def _byte_range(x) -> tuple[int, int] | None:
    """[start, end) of the memory of a C-contiguous array, or None for a producer it cannot read."""
    fw = framework_of(x)
    if fw == "torch":
        start = x.data_ptr()
        return start, start + x.numel() * x.element_size()
    if fw == "numpy":
        start = x.__array_interface__["data"][0]
        return start, start + x.nbytes
    if fw == "cupy":
        return x.data.ptr, x.data.ptr + x.nbytes
    if device_of(x, "x").kind == "cpu":  # jax and other producers: a read-only numpy view shows the memory
        return _byte_range(np.from_dlpack(x))
    return None


def require_disjoint(arrays: dict) -> None:
    """A ValueError naming two of the (C-contiguous, same-device) arrays whose memory overlaps: an
    in-place run that wrote into memory it also reads would give wrong numbers, not an error. Arrays
    of other producers are refused (their memory cannot be located here)."""
    ranges = {}
    for name, x in arrays.items():
        r = _byte_range(x)
        if r is None:
            raise TypeError(f"argument '{name}': an in-place run cannot locate the memory of a "
                            f"{type(x).__name__} on {device_of(x, name)}; pass numpy, torch or cupy arrays")
        for other, (lo, hi) in ranges.items():
            if r[0] < hi and lo < r[1] and r[0] < r[1] and lo < hi:
                raise ValueError(f"argument '{name}' shares memory with '{other}'; an in-place run needs "
                                 f"separate arrays")
        ranges[name] = r
