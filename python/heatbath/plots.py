# SPDX-License-Identifier: Apache-2.0
"""Figures of runs, one call each (matplotlib, the optional 'plots' extra).

Every function returns a matplotlib Figure built without pyplot, so it works headless and never
touches a global figure state; save it with ``fig.savefig("name.png")``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from heatbath import _arrays


def _figure(ncols: int = 1, width: float = 5.0, height: float = 3.6):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'heatbath[plots]' (or pip install matplotlib)") from None
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _host(a) -> np.ndarray:
    return np.asarray(_arrays.to_host(a), dtype=np.float64)


def _energy_1d(target, grid: np.ndarray) -> np.ndarray:
    """E along one coordinate of a separable target (the double well) or of a 1-D target."""
    from heatbath.langevin import energy

    return _host(energy(target, grid[:, None].astype(target_dtype(target))))


def target_dtype(target) -> str:
    return getattr(target, "_dtype", None) or "float64"


def marginal_density(target, grid: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """exp(−β E) along grid, normalised by the trapezoid rule: the exact density of a 1-D target, and
    each coordinate's marginal for a separable one such as the double well."""
    e = _energy_1d(target, grid)
    w = np.exp(-beta * (e - e.min()))
    return w / float(np.sum((w[1:] + w[:-1]) * np.diff(grid)) / 2)  # trapezoid rule


def _takes_one_coordinate(target) -> bool:
    """Whether the target is defined on 1-D states (Rosenbrock, say, needs two coordinates)."""
    try:
        target.check_dim(1, "x")
    except ValueError:
        return False
    return True


def _positive_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"argument '{name}': expected a positive number of chains, got {value!r}")
    return value


def _require_coordinates(result, what: str) -> None:
    """These plots draw coordinates of continuous states [chains, dim]: the results of hb.langevin and of
    parallel tempering over a continuous target. A Gibbs result (an RBM's units, an Ising lattice) has
    neither such states nor an energy trace, and is refused by name rather than failing inside."""
    x = getattr(result, "x", None)
    if x is None or not hasattr(result, "energy_trace"):
        raise TypeError(f"argument 'result': {what} plots the coordinates of a Langevin or parallel-tempering "
                        f"result, got a {type(result).__name__} (plot its recorded arrays directly)")
    if len(x.shape) != 2:
        raise ValueError(f"argument 'result': {what} plots states [chains, dim], got states of shape "
                         f"{tuple(x.shape)} (a lattice's)")


def _require_trace(result, what: str):
    _require_coordinates(result, what)
    if getattr(result, "trace", None) is None:
        raise ValueError(f"argument 'result': {what} needs a trace; run with thin > 0")
    return _host(result.trace)


def landscape(target, result=None, *, xlim=(-2.5, 2.5), chains: int = 3, title: str | None = None):
    """The energy landscape E(x) with the trajectories of a few chains on it (the seed post's
    figure): a curve for 1-D states, contours with paths for 2-D states."""
    _positive_count(chains, "chains")
    trace = _require_trace(result, "landscape") if result is not None else None
    dim = trace.shape[2] if trace is not None else getattr(target, "dim", None) or \
        (1 if _takes_one_coordinate(target) else 2)
    fig, (ax,) = _figure()
    grid = np.linspace(*xlim, 400)
    if dim == 1:
        ax.plot(grid, _energy_1d(target, grid), color="black", lw=1.5, label="E(x)")
        if trace is not None:
            e = _host(result.energy_trace)
            steps = np.arange(trace.shape[0])
            for c in range(min(chains, trace.shape[1])):
                points = ax.scatter(trace[:, c, 0], e[:, c], c=steps, s=6, cmap="viridis", zorder=3)
            fig.colorbar(points, ax=ax, label="sample")
        ax.set_xlabel("x")
        ax.set_ylabel("E(x)")
    elif dim == 2:
        from heatbath.langevin import energy

        gx, gy = np.meshgrid(grid, grid)
        pts = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(target_dtype(target))
        e = _host(energy(target, pts)).reshape(gx.shape)
        levels = np.quantile(e, np.linspace(0.0, 0.9, 15))
        ax.contour(gx, gy, e, levels=np.unique(levels), cmap="Greys", linewidths=0.8)
        if trace is not None:
            for c in range(min(chains, trace.shape[1])):
                ax.plot(trace[:, c, 0], trace[:, c, 1], lw=0.8, marker=".", ms=2)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
    else:
        raise ValueError(f"argument 'target': landscape draws 1-D or 2-D states, got dimension {dim}")
    ax.set_title(title or f"{type(target).__name__} landscape")
    return fig


def trace(result, *, chains: int = 4, dim: int = 0, title: str | None = None):
    """Coordinate ``dim`` of a few chains against the sample index, and their energies."""
    _positive_count(chains, "chains")
    x = _require_trace(result, "trace")
    if not 0 <= dim < x.shape[2]:
        raise ValueError(f"argument 'dim': expected a coordinate in [0, {x.shape[2]}), got {dim}")
    fig, (ax_x, ax_e) = _figure(2)
    e = _host(result.energy_trace)
    for c in range(min(chains, x.shape[1])):
        ax_x.plot(x[:, c, dim], lw=0.8)
        ax_e.plot(e[:, c], lw=0.8)
    ax_x.set_xlabel("sample")
    ax_x.set_ylabel(f"x[{dim}]")
    ax_e.set_xlabel("sample")
    ax_e.set_ylabel("E")
    fig.suptitle(title or "trace")
    return fig


def histogram(result, target=None, *, beta: float = 1.0, dim: int = 0, bins: int = 80, burn_in: float = 0.5,
              title: str | None = None):
    """Histogram of coordinate ``dim`` (the trace after ``burn_in``, or the final states) against the
    exact density exp(−βE)/Z where it is known: 1-D targets and separable ones like the double well."""
    _require_coordinates(result, "histogram")
    states = _host(result.trace) if getattr(result, "trace", None) is not None else _host(result.x)[None]
    if not 0 <= dim < states.shape[2]:
        raise ValueError(f"argument 'dim': expected a coordinate in [0, {states.shape[2]}), got {dim}")
    values = states[int(burn_in * states.shape[0]):, :, dim].ravel()
    fig, (ax,) = _figure()
    ax.hist(values, bins=bins, density=True, alpha=0.6, label="samples")
    separable = type(target).__name__ == "DoubleWell"  # each coordinate's marginal is the 1-D density
    one_d = getattr(target, "dim", None) == 1 or (getattr(target, "dim", None) is None and states.shape[2] == 1)
    if target is not None and _takes_one_coordinate(target) and (one_d or separable):
        lo, hi = np.quantile(values, [0.0005, 0.9995])
        pad = 0.2 * (hi - lo)
        grid = np.linspace(lo - pad, hi + pad, 600)
        ax.plot(grid, marginal_density(target, grid, beta), color="black", lw=1.5, label=f"exact (β = {beta:g})")
    ax.set_xlabel(f"x[{dim}]")
    ax.set_ylabel("density")
    ax.legend()
    ax.set_title(title or "samples against the exact density")
    return fig


def save(fig: Any, path) -> None:
    """Write a figure as a PNG (or any format matplotlib knows from the suffix)."""
    fig.savefig(path, dpi=110)


def ising_scan(temps, energy, energy_se, energy_exact, abs_m, m_exact, size: int, title: str | None = None):
    """Energy per site and |m| against temperature, with the exact curves (a temperature scan or the
    replicas of parallel tempering)."""
    fig, (ax_e, ax_m) = _figure(2)
    ax_e.errorbar(temps, energy, yerr=energy_se, fmt="o", ms=4, label="heatbath")
    ax_e.plot(temps, energy_exact, color="black", lw=1.2, label=f"exact, {size}×{size} torus")
    ax_e.set_xlabel("T")
    ax_e.set_ylabel("E / N")
    ax_e.legend()
    ax_m.plot(temps, abs_m, "o", ms=4, label="heatbath ⟨|m|⟩")
    ax_m.plot(temps, m_exact, color="black", lw=1.2, label="Onsager, infinite lattice")
    ax_m.set_xlabel("T")
    ax_m.set_ylabel("|m|")
    ax_m.legend()
    fig.suptitle(title or "2-D Ising model")
    return fig


def lattices(spins, titles=None):
    """Snapshots of 2-D spin configurations [n, L1, L2] (int8 ±1) side by side."""
    s = _host(spins)
    if s.ndim != 3:
        raise ValueError(f"argument 'spins': expected 2-D lattices [n, L1, L2], got shape {s.shape}")
    fig, axes = _figure(s.shape[0], width=3.2, height=3.4)
    for i, ax in enumerate(axes):
        ax.imshow(s[i], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i])
    return fig


def tempering(result, title: str | None = None):
    """Parallel-tempering diagnostics: swap acceptance per pair, the local barrier λ(β) with Λ, and
    the round trips per chain."""
    fig, (ax_s, ax_l, ax_r) = _figure(3, width=4.2)
    betas = np.asarray(result.betas)
    mid = np.asarray(result.midpoints)
    ax_s.plot(mid, np.asarray(result.swap_rate), "o-", ms=4)
    ax_s.set_xlabel("β (pair midpoint)")
    ax_s.set_ylabel("swap acceptance")
    ax_s.set_ylim(0, 1.05)
    ax_l.step(mid, np.asarray(result.local_barrier), where="mid")
    for b in betas:
        ax_l.axvline(b, color="grey", lw=0.4)
    ax_l.set_xlabel("β")
    ax_l.set_ylabel("local barrier λ(β)")
    ax_l.set_title(f"Λ = {result.barrier:.2f}")
    trips = _host(result.round_trips)
    ax_r.hist(trips, bins=np.arange(trips.max() + 2) - 0.5)
    ax_r.set_xlabel("round trips per chain")
    ax_r.set_ylabel("chains")
    fig.suptitle(title or "parallel tempering")
    return fig
