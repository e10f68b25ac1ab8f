# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering throughput (CPU): replica-steps per second of MALA local moves plus DEO swaps,
and the share of a round spent outside the Langevin steps (energy evaluation for the swaps, the swap
pass, per-round calls), against plain hb.langevin on the same rows and steps; PT over Ising Gibbs (time
per round at 32 temperatures); and the swap step's share of a round at 32 temperatures, timed directly
(heatbath.bench.pt_workloads: the issue's target is at most 5 %)."""
from __future__ import annotations

import contextlib

import numpy as np

import heatbath as hb
from heatbath.bench.pt_workloads import (WORKLOADS, ising_pt, ising_start, measure, swap_share_ising,
                                         swap_share_langevin)

CHAINS = 1000
ROUNDS = 50


class ParallelTempering:
    params = (list(WORKLOADS), [8, 32], [1, 10])
    param_names = ["workload", "replicas", "n_local"]

    def setup(self, workload, replicas, n_local):
        make, dim, h = WORKLOADS[workload]
        self.pt = hb.ParallelTempering(make(), replicas, sampler=hb.LangevinMove(h, "mala", n_local=n_local),
                                       reference=hb.GaussianReference(0.0, 2.0))
        self.x0 = np.zeros((CHAINS, dim), np.float32)
        self.pt.run(self.x0, 2, seed=0)  # warm-up

    def time_run(self, *args):
        self.pt.run(self.x0, ROUNDS, seed=0)

    def track_replica_steps_per_second(self, workload, replicas, n_local):
        return float(f"{measure(workload, replicas, CHAINS, n_local, ROUNDS, repeat=2)['replica_steps_per_s']:.4g}")

    track_replica_steps_per_second.unit = "replica-steps/s"

    def track_round_overhead(self, workload, replicas, n_local):
        return round(measure(workload, replicas, CHAINS, n_local, ROUNDS, repeat=2)["overhead"], 3)

    track_round_overhead.unit = "fraction of a round"


ISING_CHAINS = 64
ISING_ROUNDS = 20


class ParallelTemperingIsing:
    """PT over hb.Ising 32 × 32 (heat-bath sweeps, DEO) at 32 temperatures × 64 chains: time per round."""

    params = ([1, 5],)
    param_names = ["n_sweeps"]

    def setup(self, n_sweeps):
        self.pt = ising_pt(32, n_sweeps)
        self.x0 = ising_start(ISING_CHAINS)
        self.pt.run(self.x0, 2, seed=0)  # warm-up

    def time_round(self, n_sweeps):
        self.pt.run(self.x0, ISING_ROUNDS, seed=0)

    time_round.number = 1

    def track_seconds_per_round(self, n_sweeps):
        return swap_share_ising(32, ISING_CHAINS, n_sweeps, ISING_ROUNDS, repeat=2)["round_s"]

    track_seconds_per_round.unit = "seconds"


class ParallelTemperingSpinGlass:
    """PT over Edwards–Anderson spin glasses (±J couplings, per-bond: the per-site heat-bath loop), the
    workload parallel tempering is most used for: 32 temperatures × 64 chains, one sweep a round, 2-D 32 × 32
    and 3-D 8³: time per round (the rounds are compiled on the CPU)."""

    params = (["2d", "3d"],)
    param_names = ["lattice"]
    SHAPES = {"2d": (32, 32), "3d": (8, 8, 8)}

    def setup(self, lattice):
        shape = self.SHAPES[lattice]
        self.pt = hb.ParallelTempering(hb.Ising.spin_glass(shape, "pm", seed=0), 32, sampler=hb.GibbsMove(n_sweeps=1))
        self.state = self.pt.run(ising_start(ISING_CHAINS, shape), 2, seed=0).state

    def time_round(self, lattice):
        self.pt.run(self.state, ISING_ROUNDS)


class ParallelTemperingRBM:
    """PT over an RBM with Bernoulli units (block Gibbs, DEO), 8 temperatures × 100 chains, one step per
    round: time per round (the rounds are compiled on the CPU)."""

    params = ([(64, 64), (784, 500)],)
    param_names = ["model"]

    def setup(self, model):
        V, H = model
        rng = np.random.default_rng(0)
        rbm = hb.RBM((0.1 * rng.standard_normal((V, H))).astype(np.float32), np.zeros(V, np.float32),
                     np.zeros(H, np.float32))
        self.rounds = 100 if V < 100 else 10
        self.pt = hb.ParallelTempering(rbm, 8, sampler=hb.GibbsMove(n_sweeps=1))
        self.state = self.pt.run((rng.random((100, V)) < 0.5).astype(np.float32), 2, seed=0).state

    def time_round(self, model):
        self.pt.run(self.state, self.rounds)


class ParallelTemperingUserPotential:
    """PT (MALA, n_local 10, DEO, 8 temperatures × 8 or 1,000 chains) on the double well written by the user
    (heatbath.potential, heatbath.TorchPotential) beside the built-in one: time per round. Numba potentials
    run whole chunks of rounds in compiled code (heatbath/_numba/pt_rounds.py), torch ones a round at a
    time from Python (heatbath/pt_user.py); "numba-loop" is the Numba potential run round by round, as on
    CUDA."""

    params = (["builtin", "numba", "numba-loop", "torch"], [8, 1000])
    param_names = ["potential", "chains"]

    def setup(self, potential, chains):
        x0 = np.zeros((chains, 1), np.float32)
        if potential == "builtin":
            target = hb.DoubleWell()
        elif potential.startswith("numba"):
            from heatbath.bench.peers.heatbath_user_peer import double_well_energy, double_well_grad

            target = hb.potential(double_well_energy, double_well_grad, name="double well")
        else:
            import torch

            target = hb.TorchPotential(lambda x: (x**4 - 4 * x**2 + x).sum(-1), name="double well")
            x0 = torch.as_tensor(x0)
        self.compiled = potential != "numba-loop"
        self.pt = hb.ParallelTempering(target, 8, sampler=hb.LangevinMove(0.05, "mala", n_local=10))
        with self._rounds():
            self.state = self.pt.run(x0, 3, seed=0).state  # compiles and warms up

    @contextlib.contextmanager
    def _rounds(self):
        """Numba rounds compiled, or round by round for "numba-loop" (heatbath.pt_user's switch)."""
        from heatbath import pt_user

        saved, pt_user.COMPILED_NUMBA_ROUNDS = pt_user.COMPILED_NUMBA_ROUNDS, self.compiled
        try:
            yield
        finally:
            pt_user.COMPILED_NUMBA_ROUNDS = saved

    def time_round(self, potential, chains):
        with self._rounds():
            self.pt.run(self.state, 20)


class SwapShare:
    """The swap step's share of a round at 32 temperatures (target: at most 0.05), its pieces timed
    directly inside the compiled rounds: the swap pass over 32 × 1000 chains (Langevin PT) or 32 × 64
    lattices of 32 × 32 (Ising PT) against the whole round. Local work per round: short = n_local 1 /
    n_sweeps 1, long = n_local 10 / n_sweeps 5."""

    LOCAL = {"short": (1, 1), "long": (10, 5)}
    params = (["double_well", "mixture4", "ising"], list(LOCAL))
    param_names = ["workload", "local_work"]

    def track_swap_share(self, workload, local_work):
        n_local, n_sweeps = self.LOCAL[local_work]
        if workload == "ising":
            return round(swap_share_ising(32, ISING_CHAINS, n_sweeps, ISING_ROUNDS, repeat=2)["share"], 4)
        return round(swap_share_langevin(workload, 32, CHAINS, n_local, ROUNDS, repeat=2)["share"], 4)

    track_swap_share.unit = "fraction of a round"
