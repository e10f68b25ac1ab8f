# SPDX-License-Identifier: Apache-2.0
"""Goodness-of-fit checks of independent draws against exact probabilities, at a fixed false-alarm
rate so that no tolerance is a hand-picked number."""
from __future__ import annotations

import numpy as np
from scipy import stats

FALSE_ALARM = 1e-6  # per check


def merge_small_cells(counts, expected, min_expected=5.0):
    """Pool the cells whose expected count is below min_expected into one cell (and, if that pool is
    still below min_expected, the smallest of the other cells into it), so that Pearson's statistic is
    close to its χ² law: the usual rule of at least 5 expected per cell."""
    counts, expected = np.asarray(counts, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    small = expected < min_expected
    if not small.any():
        return counts, expected
    big_c, big_e = counts[~small], expected[~small]
    pool_c, pool_e = counts[small].sum(), expected[small].sum()
    while pool_e < min_expected and big_e.size > 1:
        i = int(np.argmin(big_e))
        pool_c, pool_e = pool_c + big_c[i], pool_e + big_e[i]
        big_c, big_e = np.delete(big_c, i), np.delete(big_e, i)
    return np.append(big_c, pool_c), np.append(big_e, pool_e)


def chi2_statistic(counts, p):
    """Pearson's χ² of counts of independent draws against probabilities p (cells merged as above):
    (statistic, degrees of freedom = cells − 1, its χ² quantile at 1 − FALSE_ALARM)."""
    counts = np.asarray(counts, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    assert counts.shape == p.shape and abs(p.sum() - 1) < 1e-9
    obs, exp = merge_small_cells(counts, counts.sum() * p)
    df = obs.size - 1
    return float(((obs - exp) ** 2 / exp).sum()), df, float(stats.chi2.ppf(1 - FALSE_ALARM, df))


def assert_counts_match(counts, p, what=""):
    """The counts of independent draws are consistent with p: Pearson's χ² below its quantile at
    1 − FALSE_ALARM. Only valid for independent draws (final states of independent chains)."""
    stat, df, bound = chi2_statistic(counts, p)
    assert stat < bound, f"{what}: χ² = {stat:.1f} on {df} df, above {bound:.1f} (false-alarm rate {FALSE_ALARM})"
