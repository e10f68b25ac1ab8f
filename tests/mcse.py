# SPDX-License-Identifier: Apache-2.0
"""Checks of Monte Carlo estimates against exact values, with the standard error taken from the spread of
independent estimates (chains, lattices, runs of different seeds) and the Student t quantile of a fixed
false-alarm rate, so that a tolerance is never a hand-picked number."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

FALSE_ALARM = 1e-5  # per check, two-sided


def t_quantile(n: int) -> float:
    """The multiple of a standard error estimated from n independent values beyond which their mean
    falls with probability FALSE_ALARM."""
    return float(stats.t.ppf(1 - FALSE_ALARM / 2, n - 1))


def assert_mean_within(values, truth, what: str, model_error=0.0) -> None:
    """The mean of independent estimates (along axis 0) agrees with truth within the t quantile of its
    standard error, plus a stated model error (a bias the reference is known to carry, if any)."""
    values = np.asarray(values, dtype=np.float64)
    mean, se = values.mean(axis=0), values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
    bound = t_quantile(values.shape[0]) * se + model_error
    assert np.all(np.abs(mean - truth) < bound), (what, mean, truth, bound)
