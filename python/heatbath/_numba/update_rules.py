# SPDX-License-Identifier: Apache-2.0
"""The Langevin update rules, once, for the Numba CPU kernels and the numba.cuda kernels.

The twins of csrc/heatbath/langevin.h's euler_move, proposal_residual, mala_log_alpha, momentum_kick
and drift_noise_drift, with the same order of every operation, so that both Numba paths make the
core's step. ``inline='always'``: Numba inlines them into the kernels' loops, which must stay plain
arithmetic for the CPU kernels to vectorise across chains.
"""
from __future__ import annotations

from numba import njit

from heatbath._numba.stream_blocks import typed

__all__ = ["drift_noise_drift", "euler_move", "mala_log_alpha", "momentum_kick", "proposal_residual"]


@njit(inline="always")
def euler_move(x, g, h, scale, noise):
    """ULA's step and MALA's proposal: x − h g + scale ξ."""
    return x - h * g + scale * noise


@njit(inline="always")
def proposal_residual(to, frm, g_from, h):
    """to − (from − h ∇E(from)), the argument of MALA's proposal density q(to | from)."""
    return to - frm + h * g_from


@njit(inline="always")
def mala_log_alpha(beta, e_from, e_to, forward, reverse, h):
    """log of MALA's acceptance probability from the energies and the summed squared residuals."""
    return -beta * (e_to - e_from) - beta * (reverse - forward) / (typed(4, h) * h)


@njit(inline="always")
def momentum_kick(p, g, half):
    """BAOAB's B: p − (h/2) g."""
    return p - half * g


@njit(inline="always")
def drift_noise_drift(x, p, c1, scale, noise, half):
    """BAOAB's A O A: (x, p) after x ← x + (h/2) p; p ← c1 p + scale ξ; x ← x + (h/2) p."""
    xk = x + half * p
    pk = c1 * p + scale * noise
    return xk + half * pk, pk
