# SPDX-License-Identifier: Apache-2.0
"""Side-by-side random-number throughput: heatbath against numpy, torch and cupy, in one process.

    python -m heatbath.bench.compare_rng                  # CPU: heatbath (1 and all threads), numpy, torch
    python -m heatbath.bench.compare_rng --device cuda    # GPU: heatbath, torch, cupy (when installed)

Every generator fills a preallocated [chains, n] array where its API allows it; a rate is the number
of values of the best of --repeat timed samples divided by that sample's time. The asv suite
(benchmarks/benchmarks/) tracks the same CPU figures over commits; this script answers "how does it
compare here, now" in one table. Peers draw different streams, so only speed is compared
(heatbath's uniform is on (0, 1), the others' on [0, 1)).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

import heatbath as hb

KINDS = ("normal", "uniform")
DTYPES = ("float32", "float64")


@dataclass
class Case:
    generator: str          # the row label, e.g. "numpy PCG64"
    kind: str
    dtype: str
    threads: str            # as shown; "-" where the setting does not apply
    make: Callable[[], Callable[[], object]]  # sets up (threads, arrays) and returns the timed call
    sync: Callable[[], None]
    is_heatbath: bool = False
    rate: float | None = None
    error: str = ""


def _optional(name):
    try:
        return __import__(name)
    except ImportError:
        return None


def measure(call, sync, repeat: int, inner: int, values: int) -> float:
    """Values per second of the best of `repeat` samples, each `inner` calls and one sync.

    On a GPU one call of a few hundred MB takes well under a millisecond, so several calls per sample
    keep launch latency and the synchronisation out of the rate."""
    call()
    sync()  # warm-up: thread pools, page faults, CUDA context and module loading
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            call()
        sync()
        best = min(best, time.perf_counter() - start)
    return values * inner / best


def _no_sync():
    pass


def cpu_cases(shape, torch) -> list[Case]:
    all_threads = hb.get_num_threads()  # OpenMP's default: every core, or OMP_NUM_THREADS
    cases = []
    for kind in KINDS:
        for dtype in DTYPES:
            out = np.empty(shape, dtype=dtype)
            fill = getattr(hb.random, kind)
            for threads in sorted({1, all_threads}):
                def make(fill=fill, out=out, threads=threads):
                    hb.set_num_threads(threads)
                    return lambda: fill(out, seed=0, step=1)
                cases.append(Case("heatbath", kind, dtype, str(threads), make, _no_sync, is_heatbath=True))
            for bit_generator in ("PCG64", "Philox"):
                def make(bit_generator=bit_generator, out=out, kind=kind, dtype=dtype):
                    rng = np.random.Generator(getattr(np.random, bit_generator)(0))
                    if kind == "normal":
                        return lambda: rng.standard_normal(out=out, dtype=dtype)
                    return lambda: rng.random(out=out, dtype=dtype)
                cases.append(Case(f"numpy {bit_generator}", kind, dtype, "1", make, _no_sync))
            if torch is not None:
                def make(kind=kind, dtype=dtype):
                    t = torch.empty(shape, dtype=getattr(torch, dtype))
                    draw = torch.randn if kind == "normal" else torch.rand
                    return lambda: draw(shape, out=t)
                cases.append(Case("torch", kind, dtype, str(torch.get_num_threads()), make, _no_sync))
    return cases


def cuda_cases(shape, torch, cupy) -> list[Case]:
    cases = []
    torch_sync = torch.cuda.synchronize if torch is not None else _no_sync
    cupy_sync = (lambda: cupy.cuda.get_current_stream().synchronize()) if cupy is not None else _no_sync
    for kind in KINDS:
        for dtype in DTYPES:
            fill = getattr(hb.random, kind)
            # heatbath writes into the caller's array on the caller's current stream: torch's if
            # torch is here, else cupy's.
            if torch is not None:
                def make(fill=fill, dtype=dtype):
                    out = torch.empty(shape, dtype=getattr(torch, dtype), device="cuda")
                    return lambda: fill(out, seed=0, step=1)
                cases.append(Case("heatbath (torch tensor)", kind, dtype, "-", make, torch_sync, is_heatbath=True))
            elif cupy is not None:
                def make(fill=fill, dtype=dtype):
                    out = cupy.empty(shape, dtype=dtype)
                    return lambda: fill(out, seed=0, step=1)
                cases.append(Case("heatbath (cupy array)", kind, dtype, "-", make, cupy_sync, is_heatbath=True))
            if torch is not None:
                # torch's CUDA generator is Philox4x32-10 too: the closest peer.
                def make(kind=kind, dtype=dtype):
                    t = torch.empty(shape, dtype=getattr(torch, dtype), device="cuda")
                    draw = torch.randn if kind == "normal" else torch.rand
                    return lambda: draw(shape, out=t)
                cases.append(Case("torch (Philox)", kind, dtype, "-", make, torch_sync))
            if cupy is not None:
                def make(kind=kind, dtype=dtype):
                    rng = cupy.random.default_rng(0)  # XORWOW
                    # 1-D on purpose: cupy fills a large array in chunks of its state size by
                    # slicing out[i*chunk:], which on a 2-D array slices rows, not elements.
                    n = shape[0] * shape[1]
                    out = cupy.empty(n, dtype=dtype)
                    if kind == "normal":
                        return lambda: rng.standard_normal(n, dtype=dtype, out=out)
                    return lambda: rng.random(n, dtype=dtype, out=out)
                cases.append(Case("cupy Generator (XORWOW)", kind, dtype, "-", make, cupy_sync))

                def make(kind=kind, dtype=dtype):
                    # cuRAND's own Philox4_32_10; this legacy API has no out=, so each call also
                    # takes an array from cupy's memory pool (cheap once the pool holds one).
                    rs = cupy.random.RandomState(0, method=cupy.cuda.curand.CURAND_RNG_PSEUDO_PHILOX4_32_10)
                    if kind == "normal":
                        return lambda: rs.standard_normal(shape, dtype=dtype)
                    return lambda: rs.random_sample(shape, dtype=dtype)
                cases.append(Case("cupy cuRAND Philox", kind, dtype, "-", make, cupy_sync))
    return cases


def print_table(cases: list[Case]) -> None:
    refs = [c for c in cases if c.is_heatbath]
    ref_labels = sorted({c.threads for c in refs}, key=lambda s: (s != "-", int(s) if s.isdigit() else 0))
    ratio_heads = [("hb/peer" if label == "-" else f"hb({label}t)/peer") for label in ref_labels]
    head = f"{'generator':<26} {'kind':<8} {'dtype':<8} {'threads':>7} {'Mvalues/s':>11}"
    head += "".join(f" {h:>14}" for h in ratio_heads)
    print(head)
    print("-" * len(head))
    for case in cases:
        rate = f"{case.rate / 1e6:11.1f}" if case.rate else f"{'failed':>11}"
        line = f"{case.generator:<26} {case.kind:<8} {case.dtype:<8} {case.threads:>7} {rate}"
        if not case.is_heatbath and case.rate:
            for label in ref_labels:
                ref = next((r for r in refs if (r.kind, r.dtype, r.threads) == (case.kind, case.dtype, label)), None)
                line += f" {ref.rate / case.rate:14.2f}" if ref is not None and ref.rate else f" {'-':>14}"
        print(line)
    for case in cases:
        if case.error:
            print(f"  {case.generator} {case.kind} {case.dtype}: {case.error}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--shape", type=int, nargs=2, metavar=("CHAINS", "N"),
                        help="array shape; default 10000 400 on cpu, 25000 4000 on cuda")
    parser.add_argument("--repeat", type=int, default=5, help="timed samples; the best is kept (default 5)")
    parser.add_argument("--inner", type=int, help="calls per timed sample; default 1 on cpu, 10 on cuda")
    args = parser.parse_args(argv)

    cuda = args.device == "cuda"
    # On a GPU, 4M values is a few microseconds of work; 100M values measures the kernel, not the launch.
    shape = tuple(args.shape) if args.shape else ((25_000, 4_000) if cuda else (10_000, 400))
    inner = args.inner if args.inner else (10 if cuda else 1)
    values = shape[0] * shape[1]
    torch, cupy = _optional("torch"), (_optional("cupy") if cuda else None)

    from heatbath import _core

    print(f"heatbath {hb.__version__} (CPU kernels: {_core.cpu_isa()}), numpy {np.__version__}"
          + (f", torch {torch.__version__}" if torch is not None else ", torch missing")
          + (f", cupy {cupy.__version__}" if cupy is not None else ""))
    if cuda:
        if not hb.cuda_available():
            print("error: --device cuda, but heatbath.cuda_available() is False "
                  f"(cuda_compiled={hb.cuda_compiled()})", file=sys.stderr)
            return 2
        if torch is None and cupy is None:
            print("error: --device cuda needs torch or cupy to allocate device arrays", file=sys.stderr)
            return 2
        if torch is not None and torch.cuda.is_available():
            print(f"device: {torch.cuda.get_device_name()}")
        cases = cuda_cases(shape, torch if torch is not None and torch.cuda.is_available() else None, cupy)
    else:
        cases = cpu_cases(shape, torch)
    print(f"{args.device}: [{shape[0]}, {shape[1]}] = {values / 1e6:g} M values per call, "
          f"{inner} call(s) per sample, best of {args.repeat}\n")

    saved_threads = hb.get_num_threads()
    start = time.perf_counter()
    for case in cases:
        try:
            case.rate = measure(case.make(), case.sync, args.repeat, inner, values)
        except Exception as exc:  # one failing peer (an API change, no memory) must not lose the table
            case.error = f"{type(exc).__name__}: {exc}"
        finally:
            hb.set_num_threads(saved_threads)
    print_table(cases)
    print(f"\n{time.perf_counter() - start:.1f} s of measurement")
    return 1 if any(c.error and c.is_heatbath for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
