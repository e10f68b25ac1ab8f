# SPDX-License-Identifier: Apache-2.0
"""Calls from several Python threads at once (Langevin, random fills, Ising and RBM Gibbs, tempering) are safe
and give the numbers of sequential calls."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import heatbath as hb
from helpers import bowl_potential

N_THREADS = 4
ISING = hb.Ising((16, 16))
RBM = hb.RBM(np.random.default_rng(0).standard_normal((12, 5)).astype(np.float32), np.zeros(12, np.float32),
             np.zeros(5, np.float32))


def job(i):
    x0 = np.linspace(-2, 2, 3000, dtype=np.float32).reshape(1000, 3)
    method = ("ula", "mala", "baoab")[i % 3]
    res = hb.langevin(hb.DoubleWell(), x0, 200, 0.01, method, seed=i, thin=50)
    noise = hb.random.normal(np.empty((500, 7), np.float64), seed=i)
    spins = hb.gibbs(ISING, np.ones((3, 16, 16), np.int8), 20, beta=0.4, seed=i).spins
    v = hb.gibbs(RBM, np.zeros((300, 12), np.float32), 10, seed=i).v
    pt = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.05)).run(np.zeros((50, 1)), 20, seed=i)
    return res.x, res.trace, res.energy, noise, spins, v, pt.replicas


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_at_once_give_the_sequential_numbers(threads):
    hb.set_num_threads(threads)
    sequential = [job(i) for i in range(2 * N_THREADS)]
    with ThreadPoolExecutor(N_THREADS) as pool:
        concurrent = list(pool.map(job, range(2 * N_THREADS)))
    for seq, con in zip(sequential, concurrent):
        for a, b in zip(seq, con):
            np.testing.assert_array_equal(a, b)


def test_numba_user_potentials_from_threads_at_once():
    pytest.importorskip("numba", reason="user potentials need numba")

    target = bowl_potential()
    x0 = np.linspace(-2, 2, 3000, dtype=np.float32).reshape(1000, 3)

    def user_job(i):
        return hb.langevin(target, x0, 100, 0.01, "ula", seed=i).x

    sequential = [user_job(i) for i in range(2 * N_THREADS)]
    with ThreadPoolExecutor(N_THREADS) as pool:
        concurrent = list(pool.map(user_job, range(2 * N_THREADS)))
    for a, b in zip(sequential, concurrent):
        np.testing.assert_array_equal(a, b)
