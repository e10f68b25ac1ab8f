# SPDX-License-Identifier: Apache-2.0
"""Local moves for parallel tempering, and the interface a sampler implements to plug in.

Parallel tempering (heatbath.ParallelTempering) runs replicas × chains as one batch of stored states
("rows": row = column · replicas + slot, states [chains · replicas, ...]). Swaps exchange temperature
labels, so each row carries its own inverse temperature β_row and never moves in memory. A local move
therefore has to update a batch of states *each at its own β*, and report each state's energy.

The interface (:class:`TemperedModel`) for samplers whose rounds run from Python, e.g. the Gibbs
models hb.Ising and hb.RBM (their adapters are in heatbath.pt_gibbs; :class:`GibbsMove` sets their
moves). States are one array whose leading axis is the rows ([chains · replicas, ...], any framework
and device); the model implements

- ``pt_reference_log_norm(states) -> float``: log Z_ref of the β = 0 distribution the model's
  energies are tempered from. For E_β = β E over a finite state space (the uniform reference), it is
  log |X|, e.g. N log 2 for N ±1 spins; log Z at β = 1 is then estimated as log Σ_x exp(−E(x)).
- ``pt_local_move(states, beta_row, *, seed, round) -> None``: one round of local moves (as many
  sweeps as the model is configured for) of every row at its own β, in place. ``beta_row`` is a
  float64 array [rows] in the states' framework and device. The random numbers must be a function
  of (seed, round, row) only, so that runs resume bitwise and do not depend on thread count.
- ``pt_energy(states, out) -> None``: E(x) of every row into ``out`` [rows] (float64, same device).
- optionally ``pt_initial_states(x0, replicas)``: the user's start as states [replicas, chains, ...]
  (e.g. broadcast from [chains, ...], validated, converted); the default takes x0 as it is.
- optionally ``pt_check_states(states)``: refuse (ValueError naming 'x0') a continued state whose rows
  do not suit the model; the default accepts any.
- optionally ``pt_compiled_rounds(states, swap, *, seed, round0, n_rounds, scheme, ref_log_norm, stream)
  -> bool``: whole rounds (local moves, energies into ``swap["energy"]``, swap passes on the arrays of
  the dict ``swap``) in one compiled call, with the same numbers as the loop below; False when there is
  no such call for these states (the default), and the loop runs instead.

A round is otherwise ``pt_local_move``, ``pt_energy`` and one compiled swap pass (a heatbath._core.SwapSession's
on the CPU, pt_swap on CUDA; heatbath.pt_model runs the loop). hb.Ising and hb.RBM on the CPU run their rounds
compiled.

Continuous built-in targets do not go through Python per round: :class:`LangevinMove` runs whole runs
of rounds in compiled code, on the tempered potential E_β = (1 − β) E_ref + β E with a Gaussian
reference (csrc/heatbath/tempered.h). User potentials (TorchPotential, heatbath.potential) run the same
rounds through heatbath.pt_user: Numba ones on the CPU in chunks of compiled rounds, the others one at a
time from Python.
"""
from __future__ import annotations

import math

import numpy as np

from heatbath import _arrays
from heatbath._validate import as_int
from heatbath.langevin import METHODS, _friction, _positive


class TemperedModel:
    """Base class of samplers that plug into ParallelTempering through Python (see the module text)."""

    def pt_reference_log_norm(self, states) -> float:
        raise NotImplementedError

    def pt_local_move(self, states, beta_row, *, seed: int, round: int) -> None:
        raise NotImplementedError

    def pt_energy(self, states, out) -> None:
        raise NotImplementedError

    def pt_initial_states(self, x0, replicas: int):
        """The start of a new run as states [replicas, chains, ...]; the default is x0 itself."""
        return x0

    def pt_check_states(self, states) -> None:
        """Raises ValueError naming 'x0' when a continued state's rows [rows, ...] do not suit the model
        (another lattice, another RBM's layers); the default accepts any."""

    def pt_compiled_rounds(self, states, swap: dict, *, seed: int, round0: int, n_rounds: int, scheme: int,
                           ref_log_norm: float, stream: int) -> bool:
        """Whole rounds in one compiled call, if the model has one for these states (see the module text)."""
        return False


class _Sealed:
    """Read-only once constructed: the constructor checks every setting, and a move edited afterwards (a NaN
    or negative step size, a float n_local) would reach the compiled rounds unchecked. Make a new one."""

    _sealed = False

    def __setattr__(self, name, value):
        if self._sealed:
            raise AttributeError(f"{type(self).__name__} is read-only once made (its settings are checked then); "
                                 f"make a new one with {name}={value!r}")
        object.__setattr__(self, name, value)

    def _seal(self) -> None:
        object.__setattr__(self, "_sealed", True)


class LangevinMove(_Sealed):
    """Langevin local moves at every replica: ``n_local`` steps of ULA, MALA or BAOAB per round, with
    one step size for all temperatures, at unit temperature on E_β = (1 − β) E_ref + β E.

    MALA (the default) is exact at every β; ULA and BAOAB carry their step-size bias.
    """

    def __init__(self, step_size: float, method: str = "mala", *, friction: float = 1.0, n_local: int = 1):
        if method not in METHODS:
            raise ValueError(f"argument 'method': expected one of {METHODS}, got {method!r}")
        self.step_size = _positive(step_size, "step_size")
        self.method = method
        self.friction = _friction(friction)
        self.n_local = as_int(n_local, "n_local", 1, 2**31)
        self._seal()

    def coefficients(self) -> tuple[float, float]:
        """(noise scale, BAOAB's c1) at unit temperature."""
        h = self.step_size
        if self.method == "baoab":
            # the same expressions as hb.langevin, so that a row at β = 1 gets the same bits
            return math.sqrt(1.0 - math.exp(-2.0 * self.friction * h)), math.exp(-self.friction * h)
        return math.sqrt(2.0 * h), 0.0

    def __repr__(self) -> str:
        return f"LangevinMove(step_size={self.step_size}, method={self.method!r}, n_local={self.n_local})"


class GibbsMove(_Sealed):
    """Gibbs local moves at every replica of hb.Ising or hb.RBM (heatbath.pt_gibbs): per round,
    ``n_sweeps`` checkerboard heat-bath sweeps of each lattice (Ising) or block-Gibbs steps h | v, v | h
    (RBM), each row at its own β. Both are exact at every β, including the reference β = 0.

    method : None (the model's heat-bath update) or 'heatbath'. Metropolis sweeps are refused: at β = 0
        they flip every spin every sweep, so the reference replica would not be sampled.
    """

    def __init__(self, n_sweeps: int = 1, method: str | None = None):
        if method == "metropolis":
            raise ValueError("argument 'method': parallel tempering runs heat-bath moves; Metropolis sweeps flip "
                             "every spin at β = 0 and would not sample the reference")
        if method not in (None, "heatbath"):
            raise ValueError(f"argument 'method': expected None or 'heatbath', got {method!r}")
        self.n_sweeps = as_int(n_sweeps, "n_sweeps", 1, 2**31)
        self.method = "heatbath"
        self._seal()

    def __repr__(self) -> str:
        return f"GibbsMove(n_sweeps={self.n_sweeps})"


def _host(value):
    """A DLPack array (a torch CUDA tensor, say) as a host array; numbers and lists as they are."""
    return _arrays.to_host(value) if hasattr(value, "__dlpack__") else value


class GaussianReference:
    """The β = 0 end of the tempered path: π_ref = N(mean, diag scale²), normalised.

    mean and scale: numbers (the same for every coordinate) or 1-D arrays [dim] of any framework or
    device (they are read once, to the host); scale > 0.
    """

    def __init__(self, mean=0.0, scale=1.0):
        self.mean = np.asarray(_host(mean), dtype=np.float64)
        self.scale = np.asarray(_host(scale), dtype=np.float64)
        for name, v in (("mean", self.mean), ("scale", self.scale)):
            if v.ndim > 1:
                raise ValueError(f"argument '{name}': expected a number or a 1-D array [dim], got shape {v.shape}")
            if not np.isfinite(v).all():
                raise ValueError(f"argument '{name}': contains NaN or infinity")
        if (self.scale <= 0).any():
            raise ValueError("argument 'scale': scales must be positive")

    def for_dim(self, dim: int, dtype: str = "float64"):
        """(mean [dim], 1/scale² [dim], log Z_ref) for states of dimension dim and type dtype (in which the
        core reads the mean and 1/scale²: a scale of 1e-20 is a fine float32 number, its 1/scale² is not)."""
        for name, v in (("mean", self.mean), ("scale", self.scale)):
            if v.ndim == 1 and v.size != dim:
                raise ValueError(f"argument 'reference': its {name} has {v.size} values but the states have "
                                 f"dimension {dim}")
        mean = np.broadcast_to(self.mean, (dim,)).astype(np.float64)
        scale = np.broadcast_to(self.scale, (dim,)).astype(np.float64)
        # ∫ exp(−E_ref) = Π_i sqrt(2π) s_i
        log_norm = float(np.log(scale).sum() + 0.5 * dim * math.log(2.0 * math.pi))
        with np.errstate(over="ignore", divide="ignore"):
            inv_var = 1.0 / scale**2
            for what, values in (("mean", mean), ("1/scale²", inv_var)):
                if not np.isfinite(values.astype(dtype)).all():
                    advice = "rescale the problem" + (", or run float64 states" if dtype != "float64" else "")
                    raise ValueError(f"argument 'reference': its {what} overflows {dtype} (beyond "
                                     f"±{np.finfo(dtype).max:.3g}); {advice}")
        return mean, inv_var, log_norm

    def __repr__(self) -> str:
        return f"GaussianReference(mean={self.mean.tolist()}, scale={self.scale.tolist()})"
