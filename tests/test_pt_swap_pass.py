# SPDX-License-Identifier: Apache-2.0
"""The swap pass (csrc/heatbath/pt_swap.h) against a plain Python reading of its specification, to the bit:
the Philox words of each pair (purpose swap, step = round, chain = column; word ⌊k/2⌋ mod 4 of block
1 + 2⌊k/8⌋ + (k mod 2), u = (2w + 1)/2^33; SEO's coin in block 0), DEO's and SEO's parities, α and its
exp in the target's precision, the Rao–Blackwellised rejection, the running log-sum-exps of the
stepping-stone terms (a shift that moves, a sum that starts, a diverged state left out), the labels and
the rewritten β. 45 columns: the pass runs them as a tile of 32, one of 8 and five single columns, and
every column must come out as if alone."""
import math

import numpy as np
import pytest

import heatbath as hb
from heatbath import _core

R, C = 12, 45  # 11 pairs: the uniforms of pairs 8–10 come from the second block of each parity
SLACK = 64.0


def uniform_of_word(w: int) -> float:
    return (2.0 * w + 1.0) * 2.0**-33


def exp_in(dtype, x: float) -> float:
    """rn::exp in the pass's precision, of x rounded to it (as the pass's loop of T does)."""
    return _core.rn_exp_f32(x) if dtype == np.float32 else _core.rn_exp_f64(x)


def lse_add(m: float, s: float, v: float, e_same: float) -> tuple[float, float]:
    """pt_swap.h's lse_add for a counted, finite value."""
    if s == 0.0:
        return v, 1.0
    diff = v - m
    if diff > SLACK:
        return v, s * _core.rn_exp_f64(-diff) + 1.0
    return m, s + e_same


def reference_pass(st: dict, betas, dtype, scheme: str, seed: int, rnd: int, log_norm: float) -> None:
    """One round of the pass on the dict of arrays st, in place, column by column."""
    words = hb.random.bits((C, 4 * (1 + 2 * ((R - 2) // 8 + 1))), seed=seed, step=rnd, purpose="swap")
    for c in range(C):
        slot = st["slot_of"][:, c]
        ell = [(0.0 - float(st["energy"][c * R + slot[k]])) + log_norm for k in range(R)]
        st["ell"][:, c] = ell
        parity = (int(words[c, 0]) & 1) if scheme == "seo" else rnd & 1
        for k in range(R - 1):
            if k % 2 != parity:
                continue
            dbeta = betas[k + 1] - betas[k]
            lo, hi = ell[k], ell[k + 1]
            vf, vr = dbeta * lo, -(dbeta * hi)
            take = math.isfinite(vf) and math.isfinite(vr)
            if lo - hi >= 0.0:
                alpha = 1.0
            else:
                alpha = exp_in(dtype, dbeta * (lo - hi))
            alpha = alpha if take else 0.0
            if take:
                st["rejection"][k, c] += 1.0 - alpha
                st["tried"][k, c] += 1
                ef, er = exp_in(dtype, vf - st["fwd_max"][k, c]), exp_in(dtype, vr - st["rev_max"][k, c])
                st["fwd_max"][k, c], st["fwd_sum"][k, c] = lse_add(st["fwd_max"][k, c], st["fwd_sum"][k, c], vf, ef)
                st["rev_max"][k, c], st["rev_sum"][k, c] = lse_add(st["rev_max"][k, c], st["rev_sum"][k, c], vr, er)
            w = int(words[c, 4 * (1 + 2 * (k // 8) + k % 2) + (k // 2) % 4])
            if uniform_of_word(w) < alpha:
                st["accepted"][k, c] += 1
                slot[k], slot[k + 1] = slot[k + 1], slot[k]
        for k in range(R):
            st["beta_row"][c * R + slot[k]] = betas[k]


def arrays(dtype, rng) -> dict:
    energy = rng.normal(0.0, 40.0, R * C).astype(dtype)
    energy[[7, 100, 333]] = np.inf  # three diverged states: their pairs are never accepted or counted
    fwd_sum = rng.uniform(0.5, 3.0, (R - 1, C))
    rev_sum = rng.uniform(0.5, 3.0, (R - 1, C))
    fwd_sum[:, ::7] = 0.0  # sums that start in this pass
    return dict(
        betas=np.linspace(0.0, 1.0, R) ** 2, energy=energy, beta_row=np.zeros(R * C, dtype),
        slot_of=np.array([rng.permutation(R) for _ in range(C)], np.int64).T.copy(),
        phase=np.zeros(R * C, np.int64), round_trips=np.zeros(R * C, np.int64), local_accepted=None,
        accepted_at=None, ell=np.zeros((R, C)), rejection=rng.uniform(0, 5, (R - 1, C)),
        tried=np.zeros((R - 1, C), np.int64), accepted=np.zeros((R - 1, C), np.int64),
        # shifts a value may exceed by more than 64 (it moves) or stay far above (a plain add)
        fwd_max=rng.choice([-150.0, -60.0, 0.0, 150.0], (R - 1, C)), fwd_sum=fwd_sum,
        rev_max=rng.choice([-150.0, -60.0, 0.0, 150.0], (R - 1, C)), rev_sum=rev_sum,
        index_trace=None, trace=None, energy_trace=None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scheme", ["deo", "seo"])
def test_the_pass_follows_its_specification_to_the_bit(dtype, scheme):
    rng = np.random.default_rng(5)
    core = arrays(dtype, rng)
    ref = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in core.items()}
    start_shifts = core["fwd_max"].copy()
    seed, log_norm, round0, n_rounds = 2024, 1.25, 6, 3
    session = _core.SwapSession(core, np.dtype(dtype).name, log_norm, 0 if scheme == "deo" else 1, seed,
                                round0=round0, n_rounds=n_rounds)
    for rnd in range(round0, round0 + n_rounds):
        session.run(rnd)
        reference_pass(ref, core["betas"], dtype, scheme, seed, rnd, log_norm)
        for name in ("slot_of", "ell", "rejection", "tried", "accepted", "fwd_max", "fwd_sum", "rev_max", "rev_sum",
                     "beta_row"):
            np.testing.assert_array_equal(core[name], ref[name], err_msg=f"{name} after round {rnd}")
    # The test saw every case: accepted and rejected swaps, shifts that moved, sums that started.
    assert 0 < core["accepted"].sum() < core["tried"].sum()
    assert (core["fwd_max"] != start_shifts).any()
    assert (core["fwd_sum"][:, ::7] > 0).any()
