# SPDX-License-Identifier: Apache-2.0
"""numba.cuda kernels for user potentials (heatbath.potential on torch or cupy CUDA states).

Three layers, so that `python -m pytest` checks what this machine can:
- under Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1, which must be set before numba.cuda is
  imported): the kernel bodies, launched through hb.langevin / hb.energy / hb.grad with numpy states
  standing for device memory, give the CPU Numba kernels' results bit for bit. `test_simulator_suite`
  runs this file in such a subprocess; tiny sizes, since the simulator runs every thread in Python.
- without a GPU: the kernels compile to PTX (libNVVM), and bad input is refused with a clear error.
- on a GPU (the core's CUDA backend compiled and a device present): torch and cupy states, the
  caller's stream, agreement with the CPU to rounding (NVVM contracts into FMAs; see gpu_kernels.py).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="user potentials need numba (pip install heatbath[numba])")

import heatbath as hb  # noqa: E402
from heatbath import _arrays  # noqa: E402
from heatbath.user_potential import potential  # noqa: E402

from helpers import needs_cupy, needs_torch, same_bits, to_numpy  # noqa: E402
from test_numba_langevin import cliff_energy, cliff_grad, double_well_energy, double_well_grad  # noqa: E402

SIMULATED = bool(numba.config.ENABLE_CUDASIM)
METHODS = ["ula", "mala", "baoab"]
DTYPES = ["float32", "float64"]

simulator = pytest.mark.skipif(not SIMULATED, reason="runs under Numba's CUDA simulator: test_simulator_suite "
                                                     "starts it with NUMBA_ENABLE_CUDASIM=1")
not_simulated = pytest.mark.skipif(SIMULATED, reason="checks the real numba.cuda target, not the simulator")


def _gpu_skip_reason():
    if SIMULATED:
        return "Numba's CUDA simulator is on"
    if not hb.cuda_compiled():
        return "heatbath was built without its CUDA backend"
    if not hb.cuda_available():
        return "no CUDA device is present"
    try:
        import numba.cuda  # noqa: PLC0415 (only here: the simulator must be chosen before it loads)
    except Exception as exc:  # noqa: BLE001 (e.g. a numba-cuda that does not work with this NumPy)
        return f"numba.cuda does not import here: {type(exc).__name__}: {exc}"
    if not numba.cuda.is_available():
        return "no CUDA device is present"
    return None


needs_gpu = pytest.mark.skipif(_gpu_skip_reason() is not None, reason=str(_gpu_skip_reason()))


# --- user potentials without allocations (numba.cuda cannot allocate) -----------------------------------

def gaussian_energy(x, mean, precision, scale):
    acc = 0.0
    for i in range(x.shape[0]):
        gi = 0.0
        for j in range(x.shape[0]):
            gi += precision[i, j] * (x[j] - mean[j])
        acc += (x[i] - mean[i]) * gi
    return 0.5 * scale * acc


def gaussian_grad(x, out, mean, precision, scale):
    for i in range(x.shape[0]):
        gi = 0.0
        for j in range(x.shape[0]):
            gi += precision[i, j] * (x[j] - mean[j])
        out[i] = scale * gi


def allocating_energy(x):
    y = np.empty_like(x)  # fine on the CPU, impossible in a CUDA kernel
    y[:] = x
    return y[0]


GAUSS_PARAMS = (np.array([0.5, -1.0, 0.0]), np.array([[2, .3, 0], [.3, 1, .1], [0, .1, .5]]), 1.5)


def start(chains, dim, dtype, seed=0):
    return (0.5 * np.random.default_rng(seed).standard_normal((chains, dim))).astype(dtype)


def assert_same_run(got, want, method):
    fields = ["x", "energy", "trace", "energy_trace"] + (["p"] if method == "baoab" else [])
    for field in fields:
        same_bits(getattr(got, field), getattr(want, field))
    same_bits(got.state.diverged_at, want.state.diverged_at)
    if method == "mala":
        same_bits(got.accepted, want.accepted)


# --- under the simulator: bit for bit the CPU kernels ---------------------------------------------------

@pytest.fixture
def simulated_gpu(monkeypatch):
    """hb.langevin, hb.energy and hb.grad take numpy states for CUDA states (cuda:0), so that the launch
    goes through the CUDA path with numpy arrays as the simulator's device memory."""
    langevin_module = sys.modules["heatbath.langevin"]
    describe = langevin_module._describe_states

    def on_cuda(x, arg):
        _, dtype, chains, dim = describe(x, arg)
        return _arrays.Device("cuda", 0), dtype, chains, dim

    def run(fn, *args, **kwargs):
        with monkeypatch.context() as m:
            m.setattr(langevin_module, "_describe_states", on_cuda)
            return fn(*args, **kwargs)
    return run


@simulator
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
def test_simulated_kernels_follow_the_cpu_kernels(simulated_gpu, method, dtype):
    # A β schedule (per-step noise scales), thinning that skips the last step, a chain offset.
    pot = potential(double_well_energy, double_well_grad)
    x0 = start(4, 3, dtype)
    kw = dict(method=method, seed=5, thin=2, beta=np.linspace(0.5, 2.0, 7), chain_start=3)
    want = hb.langevin(pot, x0, 7, 0.05, **kw)
    got = simulated_gpu(hb.langevin, pot, x0, 7, 0.05, **kw)
    assert_same_run(got, want, method)
    assert got.trace.shape == (3, 4, 3)


@simulator
@pytest.mark.parametrize("method", METHODS)
def test_simulated_resume_equals_one_run(simulated_gpu, method):
    # float32 with dim 3: 4 steps per noise group, so the split at step 3 falls inside one.
    pot = potential(double_well_energy, double_well_grad)
    x0 = start(4, 3, "float32", seed=1)
    whole = simulated_gpu(hb.langevin, pot, x0, 8, 0.05, method, seed=9, thin=1)
    first = simulated_gpu(hb.langevin, pot, x0, 3, 0.05, method, seed=9, thin=1)
    second = simulated_gpu(hb.langevin, pot, first.state, 5, 0.05, thin=1)
    same_bits(second.x, whole.x)
    same_bits(second.energy, whole.energy)
    same_bits(np.concatenate([first.trace, second.trace]), whole.trace)
    same_bits(np.concatenate([first.energy_trace, second.energy_trace]), whole.energy_trace)
    if method == "baoab":
        same_bits(second.p, whole.p)
    if method == "mala":
        same_bits(first.accepted + second.accepted, whole.accepted)
    assert second.state.step == 8


@simulator
@pytest.mark.parametrize("method", ["ula", "baoab"])
def test_simulated_divergence_is_flagged(simulated_gpu, method):
    pot = potential(cliff_energy, cliff_grad, dim=1)
    x0 = np.full((6, 1), 2.0)
    kw = dict(method=method, seed=2, thin=1, beta=0.3)  # hot enough that some chains fall off the cliff
    want = hb.langevin(pot, x0, 6, 0.5, **kw)
    got = simulated_gpu(hb.langevin, pot, x0, 6, 0.5, **kw)
    assert 0 < got.n_diverged < 6
    assert_same_run(got, want, method)


@simulator
def test_simulated_parameters_energy_and_grad(simulated_gpu):
    # Array and scalar parameters reach the kernels; hb.energy and hb.grad run the evaluate kernel.
    pot = potential(gaussian_energy, gaussian_grad, params=GAUSS_PARAMS)
    x0 = start(4, 3, "float64", seed=2)
    same_bits(simulated_gpu(hb.energy, pot, x0), hb.energy(pot, x0))
    same_bits(simulated_gpu(hb.grad, pot, x0), hb.grad(pot, x0))
    kw = dict(method="mala", seed=4, thin=3)
    assert_same_run(simulated_gpu(hb.langevin, pot, x0, 6, 0.1, **kw), hb.langevin(pot, x0, 6, 0.1, **kw), "mala")


@simulator
def test_simulated_energies_kernel_gives_the_energies_of_evaluate():
    # Parallel tempering's swap energies on CUDA: E alone, as hb.energy computes it on the CPU.
    pot = potential(gaussian_energy, gaussian_grad, params=GAUSS_PARAMS)
    x = start(5, 3, "float64", seed=6)
    out = np.full(5, np.nan)
    pot.energies(x, out, device=_arrays.Device("cuda", 0), stream=0)
    same_bits(out, hb.energy(pot, x))


def tempered_run(kind, method, pot=None, tempered=True):
    """A few steps of the tempered path of parallel tempering (each chain at its own β, a Gaussian
    reference) through a NumbaPotential's backend on `kind` ('cpu', or 'cuda' with numpy arrays standing
    for device memory under the simulator); or of the plain potential with tempered=False."""
    pot = pot or potential(double_well_energy, double_well_grad)
    rows, dim = 6, 2
    beta_row = np.linspace(0.0, 1.0, rows).astype(np.float32)
    mean, inv_var = np.array([0.5, -0.5], np.float32), np.array([0.25, 1.0], np.float32)
    x = start(rows, dim, "float32", seed=3)
    p = np.random.default_rng(1).standard_normal((rows, dim)).astype(np.float32) if method == "baoab" else None
    energy, accepted, diverged = np.zeros(rows, np.float32), np.zeros(rows, np.int64), np.full(rows, -1, np.int64)
    backend = pot.tempered(beta_row, mean, inv_var) if tempered else pot
    backend.run_langevin(device=_arrays.Device(kind, 0), stream=0, method=method, x=x, p=p, trace=None,
                         energy_trace=None, energy=energy, accepted=accepted, diverged_at=diverged,
                         noise_scale=np.array([np.sqrt(0.1)], np.float32), beta=np.array([1.0], np.float32),
                         h=0.05, c1=0.9, thin=0, seed=7, chain_start=0, step0=4, n_steps=5)
    return x, p, energy, accepted


@simulator
@pytest.mark.parametrize("method", METHODS)
def test_simulated_tempered_kernels_follow_the_cpu_kernels(method):
    # The kernels parallel tempering runs for a heatbath.potential on CUDA states.
    for got, want in zip(tempered_run("cuda", method), tempered_run("cpu", method)):
        if want is not None:
            same_bits(got, want)


@not_simulated
def test_simulator_suite():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "simulated",
                           __file__], env=env, capture_output=True, text=True, timeout=600,
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout.splitlines()[-1], proc.stdout[-2000:]


# --- without a GPU: compiles for one, refuses bad input -------------------------------------------------

def test_no_module_name_contains_numba_dot_cuda():
    # numba-cuda (the package that provides numba.cuda on GPU machines) installs an import hook that
    # claims every module whose dotted name contains "numba.cuda", and recurses forever on names that
    # are not its own: heatbath._numba.cuda_launch was one, and failed to import there.
    import pkgutil

    names = [m.name for m in pkgutil.walk_packages(hb.__path__, "heatbath.")]
    assert "heatbath._numba.gpu_launch" in names
    assert [n for n in names if "numba.cuda" in n] == []


@pytest.fixture
def compute_capability_80(monkeypatch):
    """Device functions compile for the current device's compute capability; without a GPU, say 8.0."""
    import numba.cuda.dispatcher

    from numba.cuda.cudadrv import nvvm

    if not nvvm.is_available():
        pytest.skip("libNVVM (CUDA toolkit) not found by numba")
    if not numba.cuda.is_available():
        monkeypatch.setattr(numba.cuda.dispatcher, "get_current_device",
                            lambda: type("Device", (), {"compute_capability": (8, 0)})())


@not_simulated
def test_kernels_compile_for_a_gpu(compute_capability_80):
    import re

    from numba import types

    from heatbath._numba.gpu_launch import CudaFunctions

    fns = CudaFunctions.for_functions(double_well_energy, double_well_grad)
    f32, i64, u64 = types.float32, types.int64, types.uint64

    def arr(dt, ndim):
        return types.Array(dt, ndim, "C")

    tail = (i64, u64, i64, i64, i64, i64, i64, arr(f32, 3))
    params = types.Tuple(())
    signatures = {
        "ula": (params, arr(f32, 2), arr(f32, 3), arr(f32, 2), arr(f32, 1), arr(i64, 1), arr(f32, 1), i64, f32) + tail,
        "mala": (params, arr(f32, 2), arr(f32, 3), arr(f32, 2), arr(f32, 1), arr(i64, 1), arr(i64, 1), arr(f32, 1),
                 arr(f32, 1), i64, f32) + tail,
        "baoab": (params, arr(f32, 2), arr(f32, 2), arr(f32, 3), arr(f32, 2), arr(f32, 1), arr(i64, 1), arr(f32, 1),
                  i64, f32, f32) + tail,
        "evaluate": (params, arr(f32, 2), arr(f32, 2), arr(f32, 1)),
        "energies": (params, arr(f32, 2), arr(f32, 1)),
    }
    assert set(signatures) == set(fns.kernels)
    for name, signature in signatures.items():
        ptx, _ = numba.cuda.compile_ptx(fns.kernels[name].py_func, signature, cc=(8, 0))
        assert ".entry" in ptx
        # float32 runs stay in float32: no double-precision arithmetic sneaks in (Python constants would).
        assert not re.search(r"\.f64\b", ptx), f"{name}: float64 arithmetic in a float32 kernel"


@not_simulated
def test_kernels_are_cached_on_disk_under_the_users_code():
    # numba.cuda's own cache=True would key every potential's kernels by the body's source location
    # alone; ours carry a fingerprint of the user's code (kernel_cache.py), as the CPU kernels do. The
    # save and load themselves need a GPU (test_torch_cuda_kernels_load_from_disk_in_a_new_process).
    from heatbath._numba.gpu_launch import CudaFunctions

    plain = CudaFunctions(double_well_energy, double_well_grad)
    again = CudaFunctions(double_well_energy, double_well_grad)
    other = CudaFunctions(cliff_energy, cliff_grad)
    tempered = CudaFunctions(double_well_energy, double_well_grad, tempered=True)
    codegen = type("Codegen", (), {"magic_tuple": lambda self: ("nvptx64", "sm_80", "")})()
    for name, kernel in plain.kernels.items():
        assert type(kernel._cache).__name__ == "_FingerprintCUDACache"
        key = kernel._cache._index_key(("sig",), codegen)
        assert key == again.kernels[name]._cache._index_key(("sig",), codegen)
        assert key != other.kernels[name]._cache._index_key(("sig",), codegen)
        assert key != tempered.kernels[name]._cache._index_key(("sig",), codegen)
    keys = {k._cache._index_key(("sig",), codegen) for k in plain.kernels.values()}
    assert len(keys) == len(plain.kernels)  # one entry per kernel body


@not_simulated
def test_tempered_kernels_compile_for_a_gpu(compute_capability_80):
    from numba import types

    from heatbath._numba.gpu_launch import CudaFunctions

    fns = CudaFunctions.for_functions(double_well_energy, double_well_grad, 0, tempered=True)
    f32, i64, u64 = types.float32, types.int64, types.uint64
    vec = types.Array(f32, 1, "C")
    params = types.Tuple((vec, vec, vec))  # beta_row, ref_mean, ref_inv_var
    tail = (i64, u64, i64, i64, i64, i64, i64, types.Array(f32, 3, "C"))
    signature = (params, types.Array(f32, 2, "C"), types.Array(f32, 3, "C"), types.Array(f32, 2, "C"), vec,
                 types.Array(i64, 1, "C"), types.Array(i64, 1, "C"), vec, vec, i64, f32) + tail
    ptx, _ = numba.cuda.compile_ptx(fns.kernels["mala"].py_func, signature, cc=(8, 0))
    assert ".entry" in ptx


@not_simulated
def test_uncompilable_cuda_function_is_named(compute_capability_80):
    from heatbath._numba.gpu_launch import CudaFunctions

    fns = CudaFunctions.for_functions(allocating_energy, double_well_grad)
    with pytest.raises(TypeError, match=r"numba.cuda cannot compile the energy function 'allocating_energy'.*"
                                        r"must not allocate"):
        fns.check_compiles(np.float32, ())


class FakeCudaArray:
    """Just enough of a CUDA array to reach heatbath's checks (never dereferenced)."""

    def __init__(self, typestr="<f8", device=0):
        self.__cuda_array_interface__ = {"shape": (3,), "typestr": typestr, "data": (0, False), "version": 3}
        self._device = device

    def __dlpack_device__(self):
        return 2, self._device  # kDLCUDA

    def __dlpack__(self, **kwargs):
        raise AssertionError("heatbath must not import the parameters of a refused call")


class FakeCudaParameter(FakeCudaArray):
    """A CUDA tensor that requires grad: torch refuses its __cuda_array_interface__ (a RuntimeError)."""

    requires_grad = True

    @property
    def __cuda_array_interface__(self):
        raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires grad")

    @__cuda_array_interface__.setter
    def __cuda_array_interface__(self, value):
        self._interface = value

    def detach(self):
        plain = FakeCudaArray()
        plain.__cuda_array_interface__ = self._interface
        return plain


def test_cuda_parameters_that_require_grad_are_read_detached():
    pot = potential(gaussian_energy, gaussian_grad, params=(FakeCudaParameter(), 1.0))
    assert type(pot.params[0]) is FakeCudaArray and pot.params[0].__cuda_array_interface__["typestr"] == "<f8"


def test_cuda_parameters_must_live_with_the_states():
    pot = potential(gaussian_energy, gaussian_grad, params=(FakeCudaArray(), np.eye(3), 1.0))
    with pytest.raises(ValueError, match=r"argument 'params': params\[0\] is on cuda:0 but argument 'x0' is on cpu"):
        hb.langevin(pot, np.zeros((2, 3)), 1, 0.1)
    with pytest.raises(ValueError, match=r"params\[0\] is on cuda:1 but argument 'x' is on cuda:0"):
        potential(gaussian_energy, gaussian_grad, params=(FakeCudaArray(device=1),)).core_params(
            None, "float64", _arrays.Device("cuda", 0), "x")
    with pytest.raises(TypeError, match=r"params\[0\] is a CUDA array of dtype complex128"):
        potential(gaussian_energy, gaussian_grad, params=(FakeCudaArray("<c16"),))


@not_simulated
def test_host_arrays_are_refused_by_the_cuda_launcher():
    from heatbath._numba.gpu_launch import device_array

    with pytest.raises(TypeError, match=r"argument 'x': expected a CUDA array .* got ndarray"):
        device_array(np.zeros((2, 3)), "x")


# --- on a GPU --------------------------------------------------------------------------------------------

def _close(got, want, dtype):
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=tol, atol=tol)


def _same_chains(got, want, dtype, method):
    """The chains whose runs agree to rounding: all of them, except under MALA, where a decision whose
    uniform falls within rounding of the acceptance probability may flip (NVVM contracts FMAs); at most
    two of these chains, with their accept counts apart, are set aside."""
    chains = want.x.shape[0]
    if method != "mala":
        return np.ones(chains, bool)
    flipped = to_numpy(got.accepted) != want.accepted
    assert flipped.sum() <= 2, f"{flipped.sum()} chains made other accept decisions on the GPU"
    return ~flipped


def _close_runs(got, want, dtype, method, fields):
    same = _same_chains(got, want, dtype, method)
    for field in fields:  # chains are the first axis of states and energies, the second of traces
        g, w = to_numpy(getattr(got, field)), to_numpy(getattr(want, field))
        axis = 1 if field in ("trace", "energy_trace") else 0
        _close(np.compress(same, g, axis), np.compress(same, w, axis), dtype)


@pytest.mark.gpu
@needs_gpu
@needs_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
def test_torch_cuda_follows_the_cpu(method, dtype):
    import torch

    pot = potential(double_well_energy, double_well_grad)
    x0 = start(300, 3, dtype)
    kw = dict(method=method, seed=5, thin=4, beta=np.linspace(0.5, 2.0, 20), chain_start=7)
    want = hb.langevin(pot, x0, 20, 0.02, **kw)
    got = hb.langevin(pot, torch.from_numpy(x0).cuda(), 20, 0.02, **kw)
    assert isinstance(got.x, torch.Tensor) and got.x.is_cuda and got.x.dtype == getattr(torch, dtype)
    fields = ["x", "energy", "trace", "energy_trace"] + (["p"] if method == "baoab" else [])
    _close_runs(got, want, dtype, method, fields)
    np.testing.assert_array_equal(to_numpy(got.state.diverged_at), want.state.diverged_at)


CUDA_CACHE_RUN = """
import sys
import numpy as np
import torch
import heatbath as hb

def energy(x):
    return 0.5 * x[0] * x[0]

def grad(x, out):
    out[0] = x[0]

pot = hb.potential(energy, grad)
res = hb.langevin(pot, torch.ones((64, 1), dtype=torch.float64, device="cuda"), 20, 0.01, "mala", seed=3)
from heatbath._numba.gpu_launch import CudaFunctions
kernel = CudaFunctions.for_functions(pot.energy, pot.grad, 0).kernels["mala"]
print(sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values()), repr(res.x[:4, 0].tolist()))
"""


@pytest.mark.gpu
@needs_gpu
@needs_torch
def test_torch_cuda_kernels_load_from_disk_in_a_new_process(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    script = tmp_path / "run.py"
    script.write_text(CUDA_CACHE_RUN)

    def run():
        out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        hits, misses, x = out.stdout.strip().splitlines()[-1].split(" ", 2)
        return int(hits), int(misses), x

    first, second = run(), run()
    assert first[:2] == (0, 1) and second[:2] == (1, 0)
    assert second[2] == first[2]


@pytest.mark.gpu
@needs_gpu
@needs_torch
@pytest.mark.parametrize("method", METHODS)
def test_torch_cuda_resume_and_side_stream(method):
    import torch

    pot = potential(gaussian_energy, gaussian_grad, params=GAUSS_PARAMS)
    x0 = torch.from_numpy(start(200, 3, "float64")).cuda()
    whole = hb.langevin(pot, x0, 30, 0.05, method, seed=3, thin=5)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # the kernels and their outputs follow the caller's current stream
        first = hb.langevin(pot, x0, 25, 0.05, method, seed=3, thin=5)
        second = hb.langevin(pot, first.state, 5, 0.05, thin=5)
    side.synchronize()
    same_bits(second.x, whole.x)
    same_bits(second.energy, whole.energy)
    same_bits(torch.cat([first.trace, second.trace]), whole.trace)
    if method == "baoab":
        same_bits(second.p, whole.p)


@pytest.mark.gpu
@needs_gpu
@needs_torch
def test_torch_cuda_energy_grad_and_device_parameters():
    import torch

    x0 = start(64, 3, "float64", seed=4)
    host = potential(gaussian_energy, gaussian_grad, params=GAUSS_PARAMS)
    on_gpu = host.with_params(*(torch.from_numpy(p).cuda() if isinstance(p, np.ndarray) else p for p in GAUSS_PARAMS))
    xd = torch.from_numpy(x0).cuda()
    for pot in (host, on_gpu):
        _close(hb.energy(pot, xd), hb.energy(host, x0), "float64")
        _close(hb.grad(pot, xd), hb.grad(host, x0), "float64")
    with pytest.raises(ValueError, match=r"params\[0\] is on cuda:0 but argument 'x0' is on cpu"):
        hb.langevin(on_gpu, x0, 1, 0.1)


@pytest.mark.gpu
@needs_gpu
@needs_cupy
def test_cupy_in_cupy_out():
    import cupy

    pot = potential(double_well_energy, double_well_grad)
    x0 = start(100, 2, "float32")
    got = hb.langevin(pot, cupy.asarray(x0), 10, 0.02, "mala", seed=1, thin=2)
    want = hb.langevin(pot, x0, 10, 0.02, "mala", seed=1, thin=2)
    assert isinstance(got.x, cupy.ndarray) and isinstance(got.trace, cupy.ndarray)
    _close_runs(got, want, "float32", "mala", ["x", "energy_trace"])


def test_a_numba_cuda_that_cannot_import_is_named(monkeypatch):
    # As numba-cuda 0.30 does under NumPy 2.5 (np.row_stack is gone): the error names numba.cuda and the
    # versions, not only the AttributeError from deep inside numba.
    from heatbath import user_potential  # noqa: PLC0415

    import heatbath._numba  # noqa: PLC0415

    monkeypatch.delattr(heatbath._numba, "gpu_user", raising=False)  # loaded by an earlier test
    monkeypatch.setitem(sys.modules, "heatbath._numba.gpu_user", None)  # makes the import raise ImportError
    with pytest.raises(RuntimeError, match=r"numba\.cuda, which fails to import here \(numba .*numpy"):
        user_potential._gpu_user()


def test_launches_silence_numbas_low_occupancy_warning():
    # numba.cuda warns at every launch of a grid smaller than the GPU (a small batch, a thread per chain):
    # the grid is heatbath's choice, so its launches drop that warning and pass every other one on.
    # Raised as numba raises it: its warning class wraps any text in terminal bold codes, which a filter
    # anchored at "Grid size" missed (seen on an H200).
    import warnings

    from numba.core.errors import NumbaPerformanceWarning

    from heatbath._numba import gpu_launch

    class Kernel:
        def __getitem__(self, config):
            def run(*args):
                warnings.warn(NumbaPerformanceWarning(
                    "Grid size 1 will likely result in GPU under-utilization due to low occupancy."))
                warnings.warn(NumbaPerformanceWarning("something else"))
            return run

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gpu_launch._launch(Kernel(), 5, 0, ())
    assert ["something else" in str(w.message) for w in caught] == [True]


@pytest.mark.gpu
@needs_gpu
@needs_torch
def test_small_batches_on_a_gpu_raise_no_low_occupancy_warning():
    import warnings

    import torch

    pot = potential(double_well_energy, double_well_grad)
    xd = torch.from_numpy(start(5, 2, "float32")).cuda()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hb.langevin(pot, xd, 3, 0.02, "mala", seed=1)
        hb.energy(pot, xd)
    assert not [w for w in caught if "under-utilization" in str(w.message)]


def test_a_numba_that_cannot_import_is_named_too(monkeypatch):
    # The versions come from the installed metadata, so the message survives numba itself failing.
    import heatbath._numba
    from heatbath import user_potential

    monkeypatch.delattr(heatbath._numba, "gpu_user", raising=False)
    monkeypatch.setitem(sys.modules, "heatbath._numba.gpu_user", None)
    monkeypatch.setitem(sys.modules, "numba", None)
    with pytest.raises(RuntimeError, match=r"fails to import here \(numba .*, numpy .*, numba-cuda"):
        user_potential._gpu_user()
