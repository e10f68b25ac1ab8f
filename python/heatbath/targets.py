# SPDX-License-Identifier: Apache-2.0
"""Built-in continuous targets p(x) ∝ exp(−β E(x)), evaluated by the compiled core.

Parameters are validated once, when the target is built, and kept on the host in float64. A call
then hands the core a copy in the dtype, framework and device of its x: small arrays, cached per
(framework, device, dtype). Parameters given as arrays fix the dtype a call must use, and those given
on a GPU the device (host arrays serve states anywhere); Python numbers and lists adopt x's dtype.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from heatbath import _arrays


def _host(value, name: str):
    """(float64 host copy, declared dtype or None, declared device or None) of a parameter. A copy even of
    a float64 host array: the values validated here are the ones every later call reads, whichever device
    it runs on (a CUDA call reads a copy cached at its first call)."""
    if _arrays.supports_dlpack(value) and not isinstance(value, (float, int)):
        device = _arrays.device_of(value, name)
        dtype = _arrays.dtype_of(value)
        if dtype.startswith(("int", "uint")):  # integers declare no precision, as a list of them does not
            return np.array(_arrays.to_host(value), dtype=np.float64), None, device
        if dtype not in ("float32", "float64"):
            raise TypeError(f"argument '{name}': expected a float32, float64 or integer array, got {dtype}")
        return np.array(_arrays.to_host(value), dtype=np.float64), dtype, device
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"argument '{name}': expected numbers or an array, got {type(value).__name__}") from None
    return arr, None, None


def _finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        raise ValueError(f"argument '{name}': contains NaN or infinity")


class Target:
    """A potential E(x). Built-ins are evaluated by the compiled core (subclasses set `kind`, `dim` and
    `_params`); other targets set `compiled_by_core = False` and provide `run_langevin(**run)` and
    `evaluate(x, grad, energy, device, stream)` with the core's argument conventions. host_schedules: its
    run_langevin reads the per-step noise scales and β on the host (numpy arrays), not in the states'
    framework on their device."""

    kind: str = ""
    dim: int | None = None  # None: any dimension
    compiled_by_core: bool = True
    host_schedules: bool = False

    def __init__(self):
        self._params: dict[str, np.ndarray] = {}
        self._scalars: dict[str, float] = {}
        self._dtype: str | None = None
        self._device = None
        self._cache: dict = {}

    def _declare(self, name: str, value) -> np.ndarray:
        arr, dtype, device = _host(value, name)
        _finite(arr, name)
        if dtype is not None:
            if self._dtype is not None and dtype != self._dtype:
                raise TypeError(f"argument '{name}' is {dtype} but other parameters are {self._dtype}")
            # Host arrays go with GPU ones (they are copied there); two different GPUs do not.
            if self._device is not None and self._device.kind == device.kind == "cuda" and device != self._device:
                raise ValueError(f"argument '{name}' is on {device} but other parameters are on {self._device}")
            self._dtype = dtype
            if self._device is None or device.kind == "cuda":
                self._device = device
        return arr

    def check_dim(self, dim: int, arg: str) -> None:
        if self.dim is not None and dim != self.dim:
            raise ValueError(f"argument '{arg}': {type(self).__name__} has dimension {self.dim}, got states of "
                             f"dimension {dim}")

    def core_params(self, x, dtype: str, device, arg: str) -> dict:
        """The parameters as the core reads them, in x's dtype, framework and device."""
        if self._dtype is not None and self._dtype != dtype:
            raise TypeError(f"argument '{arg}' is {dtype} but {type(self).__name__}'s parameters are {self._dtype}; "
                            f"build the target from {dtype} arrays or pass {self._dtype} states")
        # Host parameters (numpy, CPU torch) serve states anywhere: they are copied to the states' device once
        # (cached below). Parameters given on a GPU pin the target to that GPU.
        if self._device is not None and self._device.kind == "cuda" and self._device != device:
            raise ValueError(f"argument '{arg}' is on {device} but {type(self).__name__}'s parameters are on "
                             f"{self._device}")
        key = (_arrays.framework_of(x), str(device), dtype)
        if key not in self._cache:
            self._check_representable(dtype)
            params = {name: _arrays.from_host(arr, dtype, x) for name, arr in self._params.items()}
            _arrays.finish_uploads(x)  # cached: later calls may run on other streams
            params.update(self._scalars)
            self._cache[key] = params
        return self._cache[key]

    # A derived parameter -> (the argument it comes from, what it is), for the message when it overflows.
    _PARAM_SOURCES: dict = {}

    def _check_representable(self, dtype: str) -> None:
        """Every parameter the core reads must be finite in the run's dtype: a scale of 1e-20 is a fine
        float32 number, but its 1/sd² is not, and every energy would come out NaN."""
        for name, arr in {**self._params, **self._scalars}.items():  # Rosenbrock's a and b are scalars
            with np.errstate(over="ignore", invalid="ignore"):
                finite = np.isfinite(np.asarray(arr).astype(dtype)).all()
            if not finite:
                source, what = self._PARAM_SOURCES.get(name, (name, name))
                raise ValueError(f"argument '{source}': {what} overflows {dtype} (beyond ±{np.finfo(dtype).max:.3g}); "
                                 f"rescale the model, or build it from float64 arrays and run float64 states")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"


class DoubleWell(Target):
    """E(x) = Σ_i x_i⁴ − 4 x_i² + x_i: two wells per coordinate, at x ≈ −1.47 (deeper) and x ≈ 1.35."""

    kind = "double_well"

    def __repr__(self) -> str:
        return "DoubleWell()"


class Gaussian(Target):
    """E(x) = ½ (x − μ)ᵀ P (x − μ): a normal distribution with mean μ and covariance (βP)⁻¹.

    Give exactly one of ``precision`` [dim, dim] or ``covariance`` [dim, dim] (symmetric positive
    definite); a 1-D array is taken as a diagonal.
    """

    kind = "gaussian"

    def __init__(self, mean, precision=None, covariance=None):
        super().__init__()
        mean = self._declare("mean", mean)
        if mean.ndim != 1 or mean.size == 0:
            raise ValueError(f"argument 'mean': expected a non-empty 1-D array [dim], got shape {mean.shape}")
        if (precision is None) == (covariance is None):
            raise TypeError("Gaussian takes exactly one of 'precision' or 'covariance'")
        name = "precision" if precision is not None else "covariance"
        mat = self._declare(name, precision if precision is not None else covariance)
        d = mean.size
        if mat.ndim == 1:
            mat = np.diag(mat)
        if mat.shape != (d, d):
            raise ValueError(f"argument '{name}': expected shape ({d}, {d}) to match 'mean', got {mat.shape}")
        if not np.allclose(mat, mat.T, rtol=1e-10, atol=0):
            raise ValueError(f"argument '{name}': must be symmetric")
        try:
            np.linalg.cholesky(mat)
        except np.linalg.LinAlgError:
            raise ValueError(f"argument '{name}': must be positive definite") from None
        precision = mat if name == "precision" else np.linalg.inv(mat)
        self.dim = d
        self.mean = mean
        self.precision = 0.5 * (precision + precision.T)
        self._params = {"mean": mean, "precision": self.precision}
        self._PARAM_SOURCES = {"precision": (name, "the precision" if name == "precision"
                                             else "its inverse (the precision)")}

    @property
    def covariance(self) -> np.ndarray:
        """Σ = P⁻¹ (float64, host): the covariance at β = 1."""
        return np.linalg.inv(self.precision)


class GaussianMixture(Target):
    """E(x) = −log Σ_c w_c N(x; μ_c, diag σ_c²).

    means [components, dim]; sds: one scale per component [components] (isotropic), per coordinate
    [components, dim] (diagonal), or a single number; weights [components], positive (normalised here).
    """

    kind = "gaussian_mixture"

    def __init__(self, means, sds, weights=None):
        super().__init__()
        means = self._declare("means", means)
        if means.ndim != 2 or means.shape[0] == 0 or means.shape[1] == 0:
            raise ValueError(f"argument 'means': expected a 2-D array [components, dim], got shape {means.shape}")
        k, d = means.shape
        sds = self._declare("sds", sds)
        if sds.ndim == 0:
            sds = np.full((k, d), float(sds))
        elif sds.shape == (k,):
            sds = np.repeat(sds[:, None], d, axis=1)
        elif sds.shape != (k, d):
            raise ValueError(f"argument 'sds': expected a number, shape ({k},) or ({k}, {d}), got {sds.shape}")
        if (sds <= 0).any():
            raise ValueError("argument 'sds': scales must be positive")
        weights = np.full(k, 1.0 / k) if weights is None else self._declare("weights", weights)
        if weights.shape != (k,):
            raise ValueError(f"argument 'weights': expected shape ({k},), got {weights.shape}")
        if (weights <= 0).any():
            raise ValueError("argument 'weights': weights must be positive (drop a component instead of zeroing it)")
        with np.errstate(over="ignore"):
            total = weights.sum()
        if not np.isfinite(total):  # relative weights near the float64 limit: scale them first
            weights = weights / weights.max()
        weights = weights / weights.sum()
        self.dim = d
        self.means, self.sds, self.weights = means, sds, weights
        log_norm = np.log(weights) - np.log(sds).sum(axis=1) - 0.5 * d * math.log(2 * math.pi)
        self._params = {"means": means, "inv_var": 1.0 / sds**2, "log_norm": log_norm}
        self._PARAM_SOURCES = {"inv_var": ("sds", "1/sd²"), "log_norm": ("sds", "the normalising constant")}


class Rosenbrock(Target):
    """E(x) = Σ_{i<d−1} b (x_{i+1} − x_i²)² + (a − x_i)², for any dim ≥ 2; minimum at x = (a, a², ...)."""

    kind = "rosenbrock"

    def __init__(self, a: float = 1.0, b: float = 100.0):
        super().__init__()
        for name, v in (("a", a), ("b", b)):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise TypeError(f"argument '{name}': expected a finite number, got {v!r}")
        if b <= 0:
            raise ValueError(f"argument 'b': expected a positive number, got {b}")
        self.a, self.b = float(a), float(b)
        self._scalars = {"a": self.a, "b": self.b}

    def check_dim(self, dim: int, arg: str) -> None:
        if dim < 2:
            raise ValueError(f"argument '{arg}': Rosenbrock needs dimension >= 2, got {dim}")

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a}, b={self.b})"
