# SPDX-License-Identifier: Apache-2.0
"""heatbath.potential: an energy written in Python, compiled by Numba into fused Langevin kernels.

    def energy(x, k):            # one state x [dim] -> E(x)
        return 0.5 * k * (x @ x)

    def grad(x, out, k):         # writes dE/dx into out [dim]; returns nothing
        for i in range(x.shape[0]):
            out[i] = k * x[i]

    pot = hb.potential(energy, grad, params=(2.0,))
    res = hb.langevin(pot, x0, 1000, 0.01, "mala")

The kernels (heatbath/_numba/langevin_kernels.py on the CPU, gpu_kernels.py for torch or cupy CUDA
states) run the update rules of the C++ core with its random stream, so a user potential gives the
trajectory its built-in twin gives, and a run resumes exactly from ``res.state``. Importing this module
does not need numba; building a potential does.
"""
from __future__ import annotations

import numbers

import numpy as np

from heatbath import _arrays
from heatbath.targets import Target

__all__ = ["NumbaPotential", "potential"]

_NO_GRADIENT = (
    "argument 'grad': heatbath.potential needs the gradient: pass grad(x, out, *params), a function that "
    "writes dE/dx into out. heatbath does not take finite differences (they cost 2·dim energy calls per step and bias "
    "the dynamics). Either write the gradient by hand (a symbolic tool such as sympy can derive it), or "
    "write the energy in torch and use heatbath.TorchPotential, which takes gradients by autograd."
)


def _check_params(params) -> tuple:
    if isinstance(params, list):
        params = tuple(params)
    if not isinstance(params, tuple):
        raise TypeError(f"argument 'params': expected a tuple of numbers and numpy arrays, got "
                        f"{type(params).__name__} (for a single parameter write params=(value,))")
    # A torch parameter that requires grad refuses __cuda_array_interface__ (a RuntimeError, which
    # hasattr lets through); the kernels only read it, so a detached view of the same memory serves.
    params = tuple(v.detach() if getattr(v, "requires_grad", False) and hasattr(v, "detach") else v for v in params)
    for i, value in enumerate(params):
        if hasattr(value, "__cuda_array_interface__"):  # torch CUDA tensor, cupy array: for runs on that device
            typestr = value.__cuda_array_interface__["typestr"]
            if np.dtype(typestr).kind not in "biuf" or not np.dtype(typestr).isnative:
                raise TypeError(f"argument 'params': params[{i}] is a CUDA array of dtype {np.dtype(typestr)}; "
                                f"expected booleans, integers or floats in native byte order")
        elif isinstance(value, np.ndarray):
            if value.dtype.kind not in "biuf" or not value.dtype.isnative:
                raise TypeError(f"argument 'params': params[{i}] is an array of dtype {value.dtype}; expected "
                                f"booleans, integers or floats in native byte order")
        elif not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            # Numba compiles the machine types only: a Fraction or a Decimal is no number to it
            raise TypeError(f"argument 'params': params[{i}] is a {type(value).__name__}; expected a number "
                            f"(bool, int, float or a numpy scalar), a numpy array or a CUDA array (convert "
                            f"CPU tensors and lists with np.asarray)")
        elif isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
            raise ValueError(f"argument 'params': params[{i}] = {value} does not fit in int64; pass it as a "
                             f"float or a numpy scalar of the type the energy needs")
    # The kernels read arrays through raw pointers (pointers.borrowed): a non-contiguous one is copied,
    # once, here (a 0-d array stays as it is: np.ascontiguousarray would make it 1-d).
    return tuple(np.ascontiguousarray(v) if isinstance(v, np.ndarray) and v.ndim and not v.flags.c_contiguous
                 else v for v in params)


def _numpy(a):
    """A numpy view of a CPU array from langevin's allocations (numpy or torch), sharing its memory."""
    if a is None or isinstance(a, np.ndarray):
        return a
    if _arrays.framework_of(a) == "torch":
        return a.detach().numpy()
    view = np.from_dlpack(a)
    if not view.flags.writeable:
        raise TypeError(f"a {type(a).__name__} array was imported read-only; Numba potentials need numpy or torch "
                        f"arrays on the CPU")
    return view


class NumbaPotential(Target):
    """A user-defined energy E(x) with its gradient, compiled with Numba; build it with :func:`potential`.

    energy and grad are the user's functions, params the tuple passed to every call, dim the fixed
    dimension (None: any), name a label. Compiled code is shared: by every potential built from the
    same functions (the jitted functions) and by every potential whose parameters have the same types
    (the kernels, which also persist in Numba's on-disk cache).
    """

    compiled_by_core = False
    kind = "numba"

    def __init__(self, energy, grad, params=(), dim=None, name=None):
        super().__init__()
        if not callable(energy):
            raise TypeError(f"argument 'energy': expected a function energy(x, *params), got {type(energy).__name__}")
        if grad is None:
            raise TypeError(_NO_GRADIENT)
        if not callable(grad):
            raise TypeError(f"argument 'grad': expected a function grad(x, out, *params), got {type(grad).__name__}")
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 1):
            raise ValueError(f"argument 'dim': expected a positive integer or None, got {dim!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"argument 'name': expected a string, got {type(name).__name__}")
        self.energy, self.grad = energy, grad
        self.params = _check_params(params)
        self.dim = None if dim is None else int(dim)
        py = getattr(energy, "py_func", energy)
        self.name = name if name is not None else getattr(py, "__name__", type(py).__name__)
        self._functions: dict = {}  # (dtype, parameter types) -> compiled functions, see _functions_for
        self._device_params: dict = {}  # (CUDA device, stream) -> params on that device, see _numba/gpu_user.py

    def with_params(self, *params) -> "NumbaPotential":
        """The same potential with other parameter values: nothing is recompiled when their types match."""
        return NumbaPotential(self.energy, self.grad, params, self.dim, self.name)

    def core_params(self, x, dtype: str, device, arg: str) -> dict:
        # The kernels read their parameters from self.params; here only that they live where x does.
        for i, value in enumerate(self.params):
            if hasattr(value, "__cuda_array_interface__"):
                where = _arrays.device_of(value, "params")
                if where != device:
                    raise ValueError(f"argument 'params': params[{i}] is on {where} but argument '{arg}' is on "
                                     f"{device}; put the array parameters on the states' device, or pass numpy "
                                     f"arrays (copied to the GPU once for CUDA runs)")
        return {}

    def _functions_for(self, dtype):
        from heatbath._numba.arg_types import type_of
        from heatbath._numba.langevin_user import compile_functions

        key = (np.dtype(dtype), tuple(type_of(p) for p in self.params))
        fns = self._functions.get(key)
        if fns is None:
            fns = self._functions[key] = compile_functions(self.energy, self.grad, key[0], self.params)
        return fns

    def run_langevin(self, *, device, stream, method, x, p, trace, energy_trace, energy, accepted, diverged_at,
                     noise_scale, beta, h, c1, thin, seed, chain_start, step0, n_steps) -> None:
        """heatbath.langevin's backend for this potential (the core's argument conventions)."""
        self.core_params(x, _arrays.dtype_of(x), device, "x0")
        if device.kind == "cuda":
            gpu_user = _gpu_user()
            return gpu_user.run_langevin(self, device=device, stream=stream, method=method, x=x, p=p, trace=trace,
                                          energy_trace=energy_trace, energy=energy, accepted=accepted,
                                          diverged_at=diverged_at, noise_scale=noise_scale, beta=beta, h=h, c1=c1,
                                          thin=thin, seed=seed, chain_start=chain_start, step0=step0, n_steps=n_steps)
        from heatbath._numba import langevin_launch
        from heatbath._numba.langevin_user import check_functions

        x, p, trace, energy_trace, energy, accepted, diverged_at, noise_scale, beta = (
            _numpy(a) for a in (x, p, trace, energy_trace, energy, accepted, diverged_at, noise_scale, beta))
        fns = self._functions_for(x.dtype)
        # Finite E and ∇E are asked of starting states only: a run continued from its state (or its next
        # chunk) may sit where E has overflowed, as the one long run it continues would.
        check_functions(fns, self.energy, self.grad, x, "x0", usable=diverged_at < 0, require_finite=step0 == 0)
        langevin_launch.run_langevin(fns, method=method, x=x, p=p, trace=trace, energy_trace=energy_trace,
                                     energy=energy, accepted=accepted, diverged_at=diverged_at,
                                     noise_scale=noise_scale, beta=beta, h=h, c1=c1, thin=thin, seed=seed,
                                     chain_start=chain_start, step0=step0, n_steps=n_steps)

    def tempered(self, beta_row, ref_mean, ref_inv_var) -> "_TemperedNumba":
        """This potential on the tempered path of parallel tempering (heatbath/pt_user.py): each row at
        β = beta_row[row] (read live), with the Gaussian reference (ref_mean, ref_inv_var), on the
        states' device (arrays of that device)."""
        return _TemperedNumba(self, beta_row, ref_mean, ref_inv_var)

    def evaluate(self, x, grad, energy, *, device, stream) -> None:
        """heatbath.energy and heatbath.grad for this potential: E into energy [chains], ∇E into grad."""
        self.core_params(x, _arrays.dtype_of(x), device, "x")
        if device.kind == "cuda":
            gpu_user = _gpu_user()
            return gpu_user.evaluate(self, x, grad, energy, device=device, stream=stream)
        from heatbath._numba import langevin_launch
        from heatbath._numba.langevin_user import check_functions

        x, grad, energy = (_numpy(a) for a in (x, grad, energy))
        fns = self._functions_for(x.dtype)
        check_functions(fns, self.energy, self.grad, x, "x", require_finite=False)
        langevin_launch.evaluate(fns, x, grad, energy)

    def energies(self, x, energy, *, device=None, stream=0) -> None:
        """E alone of every row of the states x into energy [chains]: no gradient, and none of evaluate's
        checks of the functions (for callers that had evaluate check them on these states, as parallel
        tempering's rounds do). device: a CUDA device for CUDA states (numba.cuda), else the CPU."""
        if device is not None and device.kind == "cuda":
            gpu_user = _gpu_user()
            return gpu_user.energies(self, x, energy, device=device, stream=stream)
        from heatbath._numba import langevin_launch

        x, energy = _numpy(x), _numpy(energy)
        langevin_launch.energies(self._functions_for(x.dtype), x, energy)

    def __repr__(self) -> str:
        return f"NumbaPotential(name={self.name!r}, dim={self.dim}, params={len(self.params)})"


def _gpu_user():
    """heatbath._numba.gpu_user, or a RuntimeError saying why numba.cuda cannot load here: it fails inside
    numba itself when the installed numba-cuda does not work with the installed NumPy (numba-cuda up to
    0.30 registers np.row_stack, which NumPy 2.5 removed), and that AttributeError alone names neither."""
    try:
        from heatbath._numba import gpu_user  # noqa: PLC0415 (numba.cuda loads only for CUDA states)
    except Exception as exc:  # noqa: BLE001 (whatever numba.cuda's import raises is reported)
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        def installed(dist: str) -> str:  # from the metadata: numba itself may be what fails to import
            try:
                return f"{dist} {version(dist)}"
            except PackageNotFoundError:
                return f"{dist} not installed"

        versions = f"{installed('numba')}, numpy {np.__version__}, {installed('numba-cuda')}"
        raise RuntimeError(f"user potentials on CUDA states need numba.cuda, which fails to import here "
                           f"({versions}): {type(exc).__name__}: {exc}") from exc
    return gpu_user


def potential(energy, grad=None, *, params=(), dim=None, name=None) -> NumbaPotential:
    """A user-defined energy for :func:`heatbath.langevin`, compiled with Numba into fused CPU kernels, and
    with numba.cuda into one-thread-per-chain kernels for torch or cupy CUDA states.

    Parameters
    ----------
    energy : energy(x, *params) -> E, for ONE state x (a 1-D array [dim] of the run's dtype). A plain
        Python function in the subset of Python and numpy that Numba compiles (functions it calls must
        be ``@njit`` functions themselves, or math and numpy functions Numba supports), or an ``@njit`` function
        (re-jitted with ``error_model='numpy'`` if it was not: a division by zero must give inf or NaN,
        which marks the chain as diverged or rejects the MALA proposal, as with the built-in targets).
    grad : grad(x, out, *params) writes dE/dx into out (1-D, same length as x) and returns nothing.
        Required: heatbath does not take finite differences.
    params : a tuple of numbers and numpy arrays passed to every call. Arrays are borrowed: on the CPU a
        change made in place shows in the next run, except in a non-contiguous array, which is copied
        once, here. For CUDA runs numpy arrays are copied to the device once per potential and stream
        (later changes are not seen: use :meth:`NumbaPotential.with_params`); CUDA arrays (torch, cupy)
        are used in place and must be on the states' device. Kernels are compiled per parameter
        *types*, so ``with_params`` with new values of the same types compiles nothing.
    dim : the dimension the functions expect (None: any; x0's is then used).
    name : a label for messages (default: energy's name).

    Float32 runs call the functions with float32 arrays; a Python float or int constant promotes
    float32 arithmetic to float64 in Numba, so write ``x.dtype.type(4)`` for a constant that keeps the
    run's precision. E is rounded to the run's dtype. Compilation happens at the first run for each
    dtype, parameter types and state length (seconds): the kernels, with the functions inlined, are
    kept in Numba's on-disk cache under a fingerprint of the functions' code (the functions they call
    and the global constants they read included, also as attributes of your own modules, ``mod.f(x)``),
    so a new process loads them in well under a second.

    Each CPU run first calls the functions once from Python on its first finite starting state, compiled
    with bounds checking: an index past the end of x or out in the two functions themselves (not in
    ``@njit`` helpers they call), an unset entry of out, a change to x, or a non-finite E or ∇E there
    raises ValueError naming the function. The kernels run without bounds checks;
    ``NUMBA_BOUNDSCHECK=1`` in the environment turns them on everywhere, to debug an index that goes wrong
    only at other states.

    On CUDA (torch or cupy states) each thread runs one chain and calls the functions on device
    memory: they must not allocate (no ``np.empty``, ``np.zeros`` or array expressions; write loops).
    Their kernels are cached on disk in the same way, per GPU architecture.
    """
    return NumbaPotential(energy, grad, params, dim, name)


class _TemperedNumba:
    """NumbaPotential.tempered: run_langevin on E_β = β E + (1 − β) E_ref with a β per row."""

    def __init__(self, base: NumbaPotential, beta_row, ref_mean, ref_inv_var):
        self.base = base
        self.arrays = (beta_row, ref_mean, ref_inv_var)
        self._functions: dict = {}

    def run_langevin(self, *, device, stream, method, x, **run) -> None:
        self.base.core_params(x, _arrays.dtype_of(x), device, "x0")
        if device.kind == "cuda":
            gpu_user = _gpu_user()
            return gpu_user.run_langevin(self.base, device=device, stream=stream, method=method, x=x,
                                          tempered=self.arrays, **run)
        from heatbath._numba import langevin_launch

        x = _numpy(x)
        fns, _ = self.functions(x)
        run = {k: _numpy(v) if k in ("p", "trace", "energy_trace", "energy", "accepted", "diverged_at",
                                      "noise_scale", "beta") else v for k, v in run.items()}
        langevin_launch.run_langevin(fns, method=method, x=x, **run)

    def functions(self, x: np.ndarray):
        """(the UserFunctions of E_β, those of the target) for CPU states x, built once per dtype; the
        first call checks the user's functions on x."""
        from heatbath._numba.langevin_user import check_functions, tempered_functions

        key = x.dtype
        fns = self._functions.get(key)
        if fns is None:
            # The probe of hb.langevin's runs, before the first local moves (an index out of bounds would
            # crash the kernels); not for finiteness: replicas at small β may sit where E overflows.
            check_functions(self.base._functions_for(x.dtype), self.base.energy, self.base.grad, x, "x0",
                            require_finite=False)
            beta_row, mean, inv_var = (np.ascontiguousarray(_numpy(a)) for a in self.arrays)
            if not np.shares_memory(beta_row, _numpy(self.arrays[0])):
                raise ValueError("internal error: beta_row must be read in place")
            fns = self._functions[key] = tempered_functions(self.base._functions_for(x.dtype), beta_row, mean,
                                                            inv_var)
        return fns, self.base._functions_for(x.dtype)
