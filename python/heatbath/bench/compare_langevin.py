# SPDX-License-Identifier: Apache-2.0
"""Side-by-side batched Langevin sampling: heatbath against numpy, torch, Numba, JAX and BlackJAX, in one process.

    python -m heatbath.bench.compare_langevin                 # both items, best of 3
    python -m heatbath.bench.compare_langevin --quick         # 10x fewer steps: a smoke run
    python -m heatbath.bench.compare_langevin --only B --skip-jax --repeat 5

A. ULA on the double well E(x) = sum_i x_i^4 - 4 x_i^2 + x_i: 100,000 chains x 1,000 steps, h = 0.01.
B. MALA on a 2-D mixture of four Gaussians at (+-2, +-2), sd 0.5: 10,000 chains x 1,000 steps, h = 0.05.

The hb-numba row is heatbath with the same energies written by a user (heatbath.potential, compiled by
Numba); its compile times with a cold and a warm kernel cache are printed at the end.

Both in float32 at beta = 1. Each peer is what a competent user of that tool writes (heatbath/bench/peers/),
vectorised over chains. A rate is chain-steps per second of the best of --repeat runs, each run starting
from the same x0, after one untimed warm-up run; compilation (Numba, JAX) is timed on its own and shown
apart. The ratio column is heatbath's rate over the peer's. Each row also prints end statistics with a
known or shared expected value, and a self-check warns when an implementation disagrees with the rest.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from heatbath.bench.peers import interference, problems, selfcheck
from heatbath.bench.peers.heatbath_peer import Unavailable

# The rows run in this order, each peer on both items before the next peer, and Numba last: Numba's
# OpenMP threading layer switches on nested parallelism (max-active-levels 255) in libgomp for the whole
# process. torch shares that libgomp whenever the system's was loaded first (heatbath links it, so
# importing heatbath before torch does it), and then each torch op that nests parallel regions
# (logsumexp: 0.3 ms -> 6 ms on [10000, 4]) starts a new thread team: item B in torch ran 5x slower
# after a Numba row than before it on a 2-core machine.
PEERS = ("heatbath", "numpy", "torch", "jax", "blackjax", "hb-numba", "numba")
JAX_PEERS = ("jax", "blackjax")
PEER_MODULES = {"hb-numba": "heatbath_user"}  # row name -> peers/<module>_peer.py
# Above this share of the machine taken by other processes during a row, its rate is flagged.
BUSY_WARN = 0.10


@dataclass
class Row:
    peer: str
    chains: int
    steps: int
    threads: str = "-"
    compile_s: float | None = None
    best_s: float | None = None
    stats: dict = field(default_factory=dict)
    accept: float | None = None
    error: str = ""
    unavailable: bool = False  # heatbath without heatbath.langevin yet: reported, not a failure
    others: float | None = None  # share of the machine other processes used during the timed runs

    @property
    def rate(self) -> float | None:
        return self.chains * self.steps / self.best_s if self.best_s else None


def measure(run, repeat: int):
    return interference.best_of(run, repeat)


def run_row(peer: str, item: problems.Item, steps: int, repeat: int, mixture) -> Row:
    chains = item.chains
    row = Row(peer, chains, steps)
    x0 = problems.x0_for(item, chains)
    try:
        module = importlib.import_module(f"heatbath.bench.peers.{PEER_MODULES.get(peer, peer)}_peer")
        row.threads = module.threads()
        if item is problems.DOUBLE_WELL:
            run, row.compile_s = module.prepare_ula(x0, steps, item.step_size, item.beta, seed=1)
        else:
            run, row.compile_s = module.prepare_mala(x0, steps, item.step_size, item.beta, mixture, seed=1)
        row.best_s, (x, row.accept), row.others = measure(run, repeat)
    except Unavailable as exc:
        row.error, row.unavailable = f"not available yet: {exc}", True
    except ImportError as exc:
        row.error = f"not installed: {exc}"
    except NotImplementedError as exc:
        row.error = f"skipped: {exc}"
    except Exception as exc:  # one failing peer (an API change, a compile error) must not lose the table
        row.error = f"failed: {type(exc).__name__}: {exc}"
    else:
        if x.shape != x0.shape or not np.isfinite(x).all():
            bad = np.count_nonzero(~np.isfinite(x))
            row.error = f"failed: result of shape {x.shape} with {bad} non-finite values"
            row.best_s = None
        elif item is problems.DOUBLE_WELL:
            row.stats = problems.double_well_stats(x)
        else:
            row.stats = problems.mixture_stats(x, mixture)
    return row


def _fmt(value, spec: str, width: int) -> str:
    return f"{value:{width}{spec}}" if value is not None else f"{'-':>{width}}"


def print_table(item: problems.Item, rows: list[Row]) -> None:
    hb_row = next((r for r in rows if r.peer == "heatbath" and r.rate), None)
    head = (f"{'peer':<10} {'chains':>7} {'steps':>6} {'threads':>7} {'compile s':>9} {'best s':>8} "
            f"{'Mchain-steps/s':>14} {'hb/peer':>8}")
    head += "   mean x   +-se" if item is problems.DOUBLE_WELL else "  accept  (+,+)  msd(0.5)"
    print(head)
    print("-" * len(head))
    for r in rows:
        if r.error and not r.rate:
            print(f"{r.peer:<10} {r.chains:>7} {r.steps:>6} {r.threads:>7}   {r.peer}: {r.error}")
            continue
        ratio = hb_row.rate / r.rate if hb_row is not None and r is not hb_row else None
        line = (f"{r.peer:<10} {r.chains:>7} {r.steps:>6} {r.threads:>7} {_fmt(r.compile_s, '.2f', 9)} "
                f"{r.best_s:8.3f} {r.rate / 1e6:14.1f} {_fmt(ratio, '.2f', 8)}")
        if item is problems.DOUBLE_WELL:
            line += f"  {r.stats['mean']:+.4f} {r.stats['se']:.4f}"
        else:
            line += f"  {_fmt(r.accept, '.4f', 6)} {r.stats['quadrant']:6.4f} {r.stats['msd']:9.4f}"
        print(line)
    for r in rows:
        if r.others is not None and r.others > BUSY_WARN:
            print(f"note: other processes used {100 * r.others:.0f}% of the machine while {r.peer} was timed; "
                  "its rate is not to be trusted")


@dataclass
class RngLimit:
    rates: dict = field(default_factory=dict)  # label -> float32 normals per second
    others: float | None = None
    error: str = ""


def measure_rng_limit(chains: int, steps: int, repeat: int) -> RngLimit:
    """Item A is bound by making the noise (DESIGN.md): heatbath's generator alone on the same count."""
    from heatbath.bench.peers.heatbath_peer import normal_rates  # noqa: PLC0415

    result = RngLimit()
    try:
        with interference.Meter() as meter:
            result.rates = normal_rates(chains, steps, repeat)
        result.others = meter.others
    except Exception as exc:  # noqa: BLE001 (a broken heatbath.random must not lose the tables)
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def print_rng_limit(limit: RngLimit, chains: int, steps: int, rows: list[Row]) -> None:
    if limit.error:
        print(f"heatbath RNG-only limit: failed: {limit.error}")
        return
    print(f"heatbath RNG only, {chains * steps / 1e6:g} M float32 normals: "
          + ", ".join(f"{label} {rate / 1e6:.1f} M/s" for label, rate in limit.rates.items()))
    if limit.others is not None and limit.others > BUSY_WARN:
        print(f"note: other processes used {100 * limit.others:.0f}% of the machine while the generator was timed")
    best = max(limit.rates.values())
    hb_row = next((r for r in rows if r.peer == "heatbath"), None)
    if hb_row is not None and hb_row.rate:
        print(f"heatbath ULA runs at {100 * hb_row.rate / best:.0f}% of its fastest generator-only rate "
              f"({hb_row.rate / 1e6:.1f} vs {best / 1e6:.1f} M/s)")
    else:
        print("heatbath ULA: no rate to compare with the generator-only rate"
              + (f" ({hb_row.error})" if hb_row is not None and hb_row.error else ""))


def versions() -> str:
    return interference.versions(("heatbath", "torch", "numba", "jax", "blackjax"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x fewer steps: a smoke run")
    parser.add_argument("--only", choices=("A", "B"), help="run one work item")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per row; the best is kept (default 3)")
    parser.add_argument("--skip-jax", action="store_true", help="leave out the JAX and BlackJAX rows")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    print(versions())
    print(interference.machine() + " (a busy machine slows the multi-threaded rows most)")
    peers = [p for p in PEERS if not (args.skip_jax and p in JAX_PEERS)]
    if args.skip_jax:
        print("JAX and BlackJAX rows skipped (--skip-jax)")

    mixture = problems.four_gaussians()
    items = [i for i in (problems.DOUBLE_WELL, problems.MIXTURE) if args.only in (None, i.key)]
    steps = {i.key: i.steps // 10 if args.quick else i.steps for i in items}
    rows: dict[str, list[Row]] = {i.key: [] for i in items}
    rng_limit = None
    start = time.perf_counter()
    for peer in peers:
        for item in items:
            print(f"  timing {peer} on {item.key} ...", file=sys.stderr, flush=True)
            rows[item.key].append(run_row(peer, item, steps[item.key], args.repeat, mixture))
        if peer == "heatbath" and problems.DOUBLE_WELL in items:
            item = problems.DOUBLE_WELL
            rng_limit = measure_rng_limit(item.chains, steps[item.key], args.repeat)

    failed = False
    for item in items:
        item_rows = rows[item.key]
        print(f"\n{item.key}. {item.title}: float32, h = {item.step_size:g}, beta = {item.beta:g}, "
              f"best of {args.repeat} after a warm-up run")
        print_table(item, item_rows)
        good = {r.peer: r.stats for r in item_rows if r.stats}
        if item is problems.DOUBLE_WELL:
            if rng_limit is not None:
                print_rng_limit(rng_limit, item.chains, steps[item.key], item_rows)
            lines = selfcheck.double_well(good)
        else:
            lines = selfcheck.mixture(good, float(item.dim * mixture.sds[0] ** 2))
            accepts = [r.accept for r in item_rows if r.accept is not None]
            if accepts:
                lines.append(f"acceptance rates range over [{min(accepts):.4f}, {max(accepts):.4f}]")
        for line in lines:
            print(line)
        failed |= any(r.peer == "heatbath" and r.error and not r.unavailable for r in item_rows)
    if "hb-numba" in peers:
        try:
            from heatbath.bench.peers.heatbath_user_peer import compile_times  # noqa: PLC0415

            times = compile_times()
            print("\nheatbath user potential (hb.potential), first ULA call in a fresh process: "
                  + ", ".join(f"{label} {sec:.2f} s" for label, sec in times.items()))
        except Exception as exc:  # noqa: BLE001 (the tables above stand on their own)
            print(f"\nheatbath user potential compile times: failed: {type(exc).__name__}: {exc}")
    print(f"\n{time.perf_counter() - start:.1f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
