# SPDX-License-Identifier: Apache-2.0
"""Side-by-side checkerboard heat-bath sweeps of the 2-D Ising model: heatbath against numpy and torch,
in one process.

    python -m heatbath.bench.compare_ising              # L = 256, 200 sweeps at T = 2.269, best of 3
    python -m heatbath.bench.compare_ising --quick      # 10x fewer sweeps: a smoke run

One L × L periodic lattice, J = 1, h = 0, heat-bath at T = 2.269 (near T_c), all spins up at the start.
Each peer is what a competent user of that tool writes (heatbath/bench/peers/ising_peers.py). A rate is spin
updates per nanosecond of the best of --repeat runs after one untimed warm-up run; the ratio column is
heatbath's rate over the peer's. 'heatbath+rec' also records E and M after every sweep. Each row prints
the final energy and |magnetisation| per site: all peers sample the same chain law, so they should agree
to within the spread of one short run.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from heatbath.bench.peers import interference, ising_peers

BUSY_WARN = 0.10


def stats(s: np.ndarray) -> tuple[float, float]:
    s = s.astype(np.int64)
    e = -(s * np.roll(s, -1, 0) + s * np.roll(s, -1, 1)).sum() / s.size
    return float(e), float(abs(s.mean()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="side length L (even; default 256)")
    parser.add_argument("--sweeps", type=int, default=200, help="sweeps per run (default 200)")
    parser.add_argument("--temperature", type=float, default=2.269, help="T = 1/beta (default 2.269)")
    parser.add_argument("--quick", action="store_true", help="10x fewer sweeps: a smoke run")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per row; the best is kept (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="threads of heatbath and torch (default: all cores)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.size < 2 or args.size % 2 or args.sweeps < 1:
        parser.error("need --repeat >= 1, an even --size >= 2 and --sweeps >= 1")
    sweeps = max(1, args.sweeps // 10) if args.quick else args.sweeps
    if args.threads is not None:
        if args.threads < 1:
            parser.error("--threads must be at least 1")
        ising_peers.THREADS = args.threads
    n, beta = args.size, 1 / args.temperature
    spins0 = np.ones((n, n), np.int8)
    updates = n * n * sweeps

    print(interference.versions(("heatbath", "torch")))
    print(interference.machine())
    print(f"\n2-D Ising heat-bath, L = {n}, {sweeps} sweeps at T = {args.temperature:g}, "
          f"best of {args.repeat} after a warm-up run")
    head = f"{'peer':<13} {'threads':>7} {'best s':>8} {'updates/ns':>10} {'hb/peer':>8}  {'e/site':>8} {'|m|':>6}"
    print(head)
    print("-" * len(head))
    rows, failed = [], False
    for name in ising_peers.PEERS:
        print(f"  timing {name} ...", file=sys.stderr, flush=True)
        try:
            best, s, others = interference.best_of(ising_peers.prepare(name, spins0, sweeps, beta, 1), args.repeat)
        except ImportError as exc:
            print(f"{name:<13} not installed: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 (one failing peer must not lose the table)
            print(f"{name:<13} failed: {type(exc).__name__}: {exc}")
            failed |= name.startswith("heatbath")
            continue
        rows.append((name, ising_peers.threads(name), best, updates / best / 1e9, stats(np.asarray(s)), others))
    hb_rate = next((r[3] for r in rows if r[0] == "heatbath"), None)
    for name, threads, best, rate, (e, m), _ in rows:
        ratio = f"{hb_rate / rate:8.2f}" if hb_rate and not name.startswith("heatbath") else f"{'-':>8}"
        print(f"{name:<13} {threads:>7} {best:8.3f} {rate:10.3f} {ratio}  {e:8.4f} {m:6.3f}")
    for name, *_, others in rows:
        if others is not None and others > BUSY_WARN:
            print(f"note: other processes used {100 * others:.0f}% of the machine while {name} was timed; "
                  "its rate is not to be trusted")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
