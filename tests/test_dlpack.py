# SPDX-License-Identifier: Apache-2.0
"""The core's DLPack consumer: round trips with numpy and torch, strides, offsets, read-only
memory, capsule protocol (rename to used_*, deleter run once), and clear errors."""
import sys

import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from dlpack_producer import Producer
from helpers import needs_torch


def test_numpy_view_is_seen_as_is():
    a = np.zeros((6, 8), dtype=np.float64)
    v = a[1:, 2::3]
    d = _core.describe(v)
    assert d["shape"] == (5, 2)
    assert d["strides"] == (8, 3)
    assert d["dtype"] == "float64" and d["device"] == "cpu" and not d["readonly"]
    assert d["data_ptr"] == v.ctypes.data  # no copy


def test_numpy_read_only_is_flagged_and_refused_for_output():
    a = np.zeros((3, 4), dtype=np.float32)
    a.flags.writeable = False
    assert _core.describe(a)["readonly"]
    with pytest.raises(ValueError, match="'out'.*read-only"):
        hb.random.normal(a, seed=0)


def test_reference_released_after_use():
    a = np.zeros((3, 4), dtype=np.float32)
    before = sys.getrefcount(a)
    for _ in range(10):
        _core.describe(a)
        hb.random.normal(a, seed=1)
    assert sys.getrefcount(a) == before


@needs_torch
def test_torch_round_trip_shares_memory():
    import torch

    t = torch.zeros(10, 6, dtype=torch.float32)
    view = t[2:, 1:5]
    d = _core.describe(view)
    assert d["data_ptr"] == view.data_ptr()
    assert d["shape"] == (8, 4) and d["strides"] == (6, 1)
    out = hb.random.uniform(view, seed=3)
    assert out is view and out.data_ptr() == view.data_ptr()
    assert (t[2:, 1:5] > 0).all() and (t[:2] == 0).all() and (t[:, 0] == 0).all()


@needs_torch
def test_torch_tensor_needing_grad_is_refused_clearly():
    import torch

    t = torch.zeros(3, 3, requires_grad=True)
    with pytest.raises(Exception, match="grad"):
        hb.random.normal(t, seed=0)


def test_byte_offset_and_explicit_strides():
    base = np.zeros(100, dtype=np.float32)
    p = Producer(base, shape=(4, 5), strides=(10, 2), offset_elements=7)
    d = _core.describe(p)
    assert d["byte_offset"] == 28 and d["data_ptr"] == base.ctypes.data + 28
    hb.random.normal(p, seed=12)
    ref = hb.random.normal((4, 5), seed=12)
    got = np.lib.stride_tricks.as_strided(base[7:], shape=(4, 5), strides=(40, 8))
    np.testing.assert_array_equal(got, ref)
    assert base[:7].sum() == 0


def test_compact_layout_when_strides_are_null():
    base = np.zeros(12, dtype=np.float64)
    p = Producer(base, shape=(3, 4), strides=None)
    assert _core.describe(p)["strides"] == (4, 1)


def test_capsule_is_renamed_and_deleter_runs_once():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4))
    hb.random.normal(p, seed=0)
    assert p.capsule_names() == ["used_dltensor_versioned"]
    assert p.deleted == 1
    assert p.last_stream is None  # CPU producers are asked with stream=None


def test_legacy_producer_without_max_version():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), understands_max_version=False)
    hb.random.normal(p, seed=0)
    assert p.capsule_names() == ["used_dltensor"]
    assert p.deleted == 1


def test_read_only_flag_from_versioned_capsule():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), readonly=True)
    with pytest.raises(ValueError, match="read-only"):
        hb.random.normal(p, seed=0)
    assert p.deleted == 1


def test_future_major_version_is_refused_and_not_consumed():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), major=2)
    with pytest.raises(BufferError, match="major version 2"):
        hb.random.normal(p, seed=0)
    assert p.capsule_names() == ["dltensor_versioned"] and p.deleted == 0


@pytest.mark.parametrize("dtype,name", [((2, 16, 1), "float16"), ((5, 64, 1), "complex64"),
                                        ((4, 16, 1), "bfloat16"), ((2, 32, 4), "float32x4")])
def test_unsupported_dtype(dtype, name):
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), dtype=dtype)
    with pytest.raises(TypeError, match="dtype"):
        _core.describe(p)
    assert p.deleted == 1


@needs_torch
@pytest.mark.parametrize("name", ["float16", "bfloat16", "complex64", "uint16"])
def test_torch_dtypes_heatbath_does_not_run_in_are_named_by_argument(name):
    # "unsupported dtype torch.float16" came from a shared helper, before each call's own check could name
    # its argument and what it takes
    import torch

    x = torch.zeros((4, 4), dtype=getattr(torch, name))
    expected = f"expected dtype float32 or float64, got {name}"
    with pytest.raises(TypeError, match=f"argument 'x0': {expected}"):
        hb.langevin(hb.DoubleWell(), x, 1, 0.1)
    with pytest.raises(TypeError, match=f"argument 'x': {expected}"):
        hb.energy(hb.DoubleWell(), x)
    with pytest.raises(TypeError, match=f"argument 'weights': {expected}"):
        hb.RBM(x, x[:, 0], x[0])
    with pytest.raises(TypeError, match=f"argument 'spins0': expected int8 spins \\(\\+1/-1\\), got {name}"):
        hb.gibbs(hb.Ising((2, 2)), x.reshape(4, 2, 2), 1)
    with pytest.raises(TypeError, match=f"argument 'out': dtype {name} is not supported"):
        hb.random.normal(x, seed=1)


def test_unsupported_device_is_refused_before_export():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), device_type=10)  # ROCm
    with pytest.raises(ValueError, match="not supported"):
        hb.random.normal(p, seed=0)
    assert p.capsules == []


def test_cuda_tensor_sent_to_cpu_backend_is_refused():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), device_type=2)
    with pytest.raises(ValueError, match="is on cuda but this call runs on cpu"):
        _core.describe(p)
    assert p.capsules == []


def test_null_data_with_elements_is_refused():
    p = Producer(np.zeros(8, dtype=np.float32), shape=(2, 4), null_data=True)
    with pytest.raises(ValueError, match="null data pointer"):
        _core.describe(p)


def test_misaligned_data_is_refused():
    base = np.zeros(16, dtype=np.uint8)
    p = Producer(base, shape=(1, 2), offset_elements=1, dtype=(2, 32, 1))
    with pytest.raises(ValueError, match="aligned"):
        _core.describe(p)


@pytest.mark.parametrize("obj", [[1.0, 2.0], 3.0, "x", None, object()])
def test_non_dlpack_objects(obj):
    with pytest.raises(TypeError, match="'out'.*DLPack"):
        hb.random.normal(obj, seed=0)
    with pytest.raises(TypeError, match="DLPack"):
        _core.describe(obj)


def test_zero_size_outputs():
    for shape in [(0, 5), (5, 0), (0, 0)]:
        assert hb.random.normal(shape, seed=0).shape == shape


def test_int_dtypes_for_spin_states_import():
    for dt in ["int8", "uint8", "int16", "int32", "int64", "uint32", "bool"]:
        assert _core.describe(np.zeros((2, 2), dtype=dt))["dtype"] == dt


def test_arrays_on_different_devices_are_named():
    from heatbath import _arrays

    cpu = np.zeros((2, 2), np.float32)
    gpu = Producer(np.zeros(4, dtype=np.float32), shape=(2, 2), device_type=2)
    assert str(_arrays.same_device({"x": cpu, "y": np.zeros(3)})) == "cpu"
    with pytest.raises(ValueError, match="'y' is on cuda:0 but 'x' is on cpu"):
        _arrays.same_device({"x": cpu, "y": gpu})
    with pytest.raises(TypeError, match="'z'.*DLPack"):
        _arrays.same_device({"x": cpu, "z": [1.0]})



@needs_torch
def test_same_stream_wrapper_exports_the_tensor_itself_each_time_it_is_asked():
    # device_view hands CUDA calls on torch's own stream such wrappers; on the CPU the same class can be
    # checked against the CPU core (device type 1): the memory is the tensor's, and a second export works.
    import torch  # noqa: PLC0415

    from heatbath import _arrays  # noqa: PLC0415

    t = torch.zeros(3, 4)
    wrapped = _arrays.SameStreamTensor(t, (1, 0))
    assert _core.describe(wrapped)["data_ptr"] == _core.describe(wrapped)["data_ptr"] == t.data_ptr()
    assert _core.describe(wrapped)["versioned"]
    _core.fill_random(wrapped, "normal", 3, 0, 0, 0)
    want = torch.zeros(3, 4)
    _core.fill_random(want, "normal", 3, 0, 0, 0)
    assert torch.equal(t, want) and float(t.abs().sum()) > 0


@needs_torch
def test_device_view_leaves_cpu_calls_and_cpu_only_torch_alone():
    import torch  # noqa: PLC0415

    from heatbath import _arrays  # noqa: PLC0415

    t = torch.zeros(3, 4)
    assert _arrays.device_view(0, _arrays.Device("cpu"))(t) is t
    if not torch.cuda.is_available():  # a torch without CUDA cannot name a current stream
        assert _arrays.device_view(0, _arrays.Device("cuda", 0))(t) is t


def test_a_cupy_array_off_cupys_current_device_is_refused(monkeypatch):
    # Stands in for cupy (not installed here): an array type of a module named cupy on cuda:1, and a
    # cupy whose current device is 0.
    import types

    from heatbath import _arrays  # noqa: PLC0415

    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDevice=lambda: 0))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    on_gpu1 = type("ndarray", (), {"__module__": "cupy", "__dlpack__": lambda self, **kw: None,
                                   "__dlpack_device__": lambda self: (2, 1)})()
    with pytest.raises(ValueError, match=r"argument 'x0': a cupy array on cuda:1, while cupy's current device "
                                         r"is cuda:0; call heatbath under `with cupy.cuda.Device\(1\):`"):
        _arrays.device_of(on_gpu1, "x0")
    fake.cuda.runtime.getDevice = lambda: 1
    assert _arrays.device_of(on_gpu1, "x0") == _arrays.Device("cuda", 1)


def test_a_bare_exporter_of_bernoulli_units_is_read_and_checked():
    """An RBM's 0/1 check ran on the object it was given, with array operators a bare DLPack exporter does
    not have (an AttributeError); it reads such an object's values through numpy, as the copy does."""
    rbm = hb.RBM(np.full((6, 4), 0.1, np.float32), np.zeros(6, np.float32), np.zeros(4, np.float32))
    units = np.tile(np.array([1, 0, 1, 1, 0, 0], np.float32), 3)
    from_bare = hb.gibbs(rbm, Producer(units, shape=(3, 6)), 2, seed=4)
    np.testing.assert_array_equal(from_bare.v, hb.gibbs(rbm, units.reshape(3, 6), 2, seed=4).v)
    units[4] = 0.5
    with pytest.raises(ValueError, match="argument 'v0': Bernoulli units take the values 0 and 1 only"):
        hb.gibbs(rbm, Producer(units, shape=(3, 6)), 2)


def test_unaligned_states_are_copied_for_energy_and_grad():
    """hb.langevin copies x0; hb.energy and hb.grad copied non-contiguous states but handed an unaligned numpy
    view (one byte into a buffer) to the core, which refused it."""
    x = np.random.default_rng(0).normal(size=(50, 3))
    for dtype in (np.float32, np.float64):
        buffer = np.zeros(x.size * np.dtype(dtype).itemsize + 1, np.uint8)
        unaligned = buffer[1:].view(dtype).reshape(x.shape)
        unaligned[:] = x
        assert not unaligned.flags.aligned
        for evaluate in (hb.energy, hb.grad):
            expected = evaluate(hb.DoubleWell(), x.astype(dtype))
            np.testing.assert_array_equal(evaluate(hb.DoubleWell(), unaligned), expected)


def test_parallel_tempering_reads_a_bare_exporter_as_numpy_does():
    """PT slices and reshapes its start, which a bare DLPack exporter cannot do (a TypeError from inside
    the run before); it reads such a start through numpy, so it runs as the numpy start does."""
    x = np.random.default_rng(1).normal(size=(4, 2))
    spins = np.where(np.random.default_rng(2).random((3, 4, 4)) < 0.5, 1, -1).astype(np.int8)
    units = (np.random.default_rng(3).random((3, 6)) < 0.5).astype(np.float32)
    rbm = hb.RBM(np.full((6, 4), 0.1, np.float32), np.zeros(6, np.float32), np.zeros(4, np.float32))
    for target, start in ((hb.DoubleWell(), x), (hb.Ising((4, 4)), spins), (rbm, units)):
        move = {"sampler": hb.LangevinMove(step_size=0.1)} if isinstance(target, hb.DoubleWell) else {}
        pt = hb.ParallelTempering(target, 3, **move)
        producer = Producer(start.ravel(), shape=start.shape)  # owns the DLPack structs: kept alive
        bare = pt.run(producer, 3, seed=5)
        np.testing.assert_array_equal(bare.replicas, pt.run(start, 3, seed=5).replicas)
    with pytest.raises(TypeError, match="argument 'x0': a bare DLPack array on cuda:0 cannot be read here"):
        on_gpu = Producer(x.ravel(), shape=x.shape, device_type=2)
        hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(step_size=0.1)).run(on_gpu, 3)


def test_an_unaligned_rbm_state_for_inplace_is_refused_by_its_name():
    # The core refused it too, but named its own argument 'v' rather than the caller's 'v0'
    rbm = hb.RBM(np.full((6, 4), 0.1, np.float32), np.zeros(6, np.float32), np.zeros(4, np.float32))
    buffer = np.zeros(3 * 6 * 4 + 1, np.uint8)
    unaligned = buffer[1:].view(np.float32).reshape(3, 6)
    with pytest.raises(ValueError, match="argument 'v0': inplace=True needs an aligned array"):
        hb.gibbs(rbm, unaligned, 1, inplace=True)
