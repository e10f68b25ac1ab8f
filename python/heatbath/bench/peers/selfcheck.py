# SPDX-License-Identifier: Apache-2.0
"""Statistical agreement between the peers' results: warnings, never failures.

A fast row is worthless if it computes something else, and the peers draw different random streams,
so results can only agree in distribution: each end statistic is compared with its expected value or
with the other implementations' within Z_WARN standard errors."""
from __future__ import annotations

import math

# Four standard errors: with a dozen comparisons per run a correct peer trips this about once in
# a thousand runs, while a wrong drift or noise scale shifts these statistics by far more.
Z_WARN = 4.0


def double_well(stats: dict[str, dict]) -> list[str]:
    """Each implementation's final mean of x against the inverse-variance pooled mean of all the others.

    ULA's discretisation bias is the same for every correct implementation of the same update, and
    all start from draws of the same x0 distribution, so their means estimate the same number."""
    lines = []
    if len(stats) < 2:
        return ["self-check A: fewer than two implementations ran; nothing to compare"]
    worst = 0.0
    for name, s in stats.items():
        others = [o for n, o in stats.items() if n != name]
        weights = [1 / o["se"] ** 2 for o in others]
        pooled = sum(w * o["mean"] for w, o in zip(weights, others)) / sum(weights)
        z = (s["mean"] - pooled) / math.sqrt(s["se"] ** 2 + 1 / sum(weights))
        worst = max(worst, abs(z))
        if abs(z) > Z_WARN:
            lines.append(f"WARNING self-check A: {name}'s final mean x {s['mean']:+.4f} is {z:+.1f} standard "
                         f"errors from the others' {pooled:+.4f}")
    if not lines:
        lines.append(f"self-check A: final mean x of all {len(stats)} implementations agree "
                     f"(largest deviation from the others {worst:.1f} standard errors, limit {Z_WARN:g})")
    return lines


def mixture(stats: dict[str, dict], dim_sd2: float) -> list[str]:
    """The (+, +) quadrant fraction against 1/4 (binomial error) and the mean squared distance to the
    nearest mode against dim * sd^2; acceptance rates are listed side by side."""
    lines = []
    worst = 0.0
    for name, s in stats.items():
        z_quadrant = (s["quadrant"] - 0.25) / math.sqrt(0.25 * 0.75 / s["n"])
        z_msd = (s["msd"] - dim_sd2) / s["msd_se"]
        worst = max(worst, abs(z_quadrant), abs(z_msd))
        if abs(z_quadrant) > Z_WARN:
            lines.append(f"WARNING self-check B: {name}'s (+,+) fraction {s['quadrant']:.4f} is {z_quadrant:+.1f} "
                         "standard errors from 0.25")
        if abs(z_msd) > Z_WARN:
            lines.append(f"WARNING self-check B: {name}'s squared distance to the nearest mode {s['msd']:.4f} is "
                         f"{z_msd:+.1f} standard errors from {dim_sd2:g}")
    if stats and not lines:
        lines.append(f"self-check B: (+,+) fraction and squared distance to the nearest mode of all {len(stats)} "
                     f"implementations match 0.25 and {dim_sd2:g} (largest deviation {worst:.1f} standard errors, "
                     f"limit {Z_WARN:g})")
    return lines
