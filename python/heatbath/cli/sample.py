# SPDX-License-Identifier: Apache-2.0
"""`heatbath sample MODEL`: run a built-in model, or a user module's potential, from the shell.

    heatbath sample double_well --chains 10000 --steps 2000 --thin 10 --out run.npz
    heatbath sample mypotentials.py:bowl --method mala --step-size 0.1
    heatbath sample ising --size 64 --beta 0.44 --chains 8 --steps 1000 --out ising.npz
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np

import heatbath as hb
from heatbath.cli.errors import (UserError, from_library, non_negative_float, positive_float, positive_int, seed,
                                 writable_file)


def _mixture(dim: int, dtype: str):
    corners = np.array([[2.0, 2.0], [2.0, -2.0], [-2.0, 2.0], [-2.0, -2.0]])
    means = np.zeros((4, dim), dtype)
    means[:, :min(dim, 2)] = corners[:, :min(dim, 2)]
    return hb.GaussianMixture(means, 0.5)


# name -> (target from (dim, dtype), its default dimension, its default step size, what it is). The step
# sizes keep chains started from standard normals finite: Rosenbrock's curvature there reaches ~10^4.
MODELS = {
    "double_well": (lambda d, t: hb.DoubleWell(), 1, 0.01, "E = Σ x⁴ − 4x² + x, the seed post's landscape"),
    "gaussian": (lambda d, t: hb.Gaussian(np.zeros(d, t), np.eye(d, dtype=t)), 2, 0.01,
                 "standard normal in --dim dimensions"),
    "mixture": (_mixture, 2, 0.01, "four Gaussians at (±2, ±2), sd 0.5"),
    "rosenbrock": (lambda d, t: hb.Rosenbrock(1.0, 100.0), 2, 1e-4,
                   "Rosenbrock's banana, a = 1, b = 100 (dim ≥ 2)"),
}
USER_STEP_SIZE = 0.01


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="run a model from the shell and save the samples",
                       description=__doc__.splitlines()[0],
                       epilog="models: " + "; ".join(f"{k}: {v[3]}" for k, v in MODELS.items())
                       + "; ising: the ferromagnet J = 1 on a periodic lattice (--size, --lattice-dims), "
                       "--chains lattices, --steps sweeps"
                       + "; or FILE.py:NAME / module:NAME, a heatbath target (or a function returning one)")
    p.add_argument("model", help="a built-in model name, or FILE.py:NAME / module:NAME")
    p.add_argument("--method", default=None,
                   help="ula (default), mala or baoab; for ising: heatbath (default) or metropolis")
    p.add_argument("--chains", type=positive_int, default=1000)
    p.add_argument("--steps", type=positive_int, default=1000)
    p.add_argument("--step-size", type=positive_float, default=None,
                   help="h (default: the model's, " + ", ".join(f"{k} {v[2]:g}" for k, v in MODELS.items())
                   + f"; {USER_STEP_SIZE:g} for your own)")
    p.add_argument("--beta", type=positive_float, default=1.0, help="inverse temperature (default 1)")
    p.add_argument("--friction", type=non_negative_float, default=None, help="BAOAB friction (default 1)")
    p.add_argument("--dim", type=positive_int, default=None, help="state dimension (default: the model's, "
                   + ", ".join(f"{k} {v[1]}" for k, v in MODELS.items()) + "; your potential's dim, else 1)")
    p.add_argument("--size", type=positive_int, default=None, help="ising: lattice side, even (default 32)")
    p.add_argument("--lattice-dims", type=int, choices=(2, 3), default=None,
                   help="ising: 2-D or 3-D (default 2)")
    p.add_argument("--dtype", choices=("float32", "float64"), default=None,
                   help="of the states (default float32; not for ising, whose spins are int8)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--thin", type=int, default=0, help="keep every THIN-th state in a trace (default 0: none)")
    p.add_argument("--out", default=None, help="write the results to this .npz file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def _load_user_target(spec: str):
    where, _, name = spec.rpartition(":")
    try:
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise UserError(f"model {spec!r}: no file {where!r}")
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            # A module in the current folder is found, as under `python -m`; but last on the path, so that a
            # stray file there named like an installed package cannot replace it mid-run.
            if "" not in sys.path and os.getcwd() not in sys.path:
                sys.path.append(os.getcwd())
            module = importlib.import_module(where)
    except UserError:
        raise
    except Exception as exc:  # the user's module failed to import: say so in one line
        raise UserError(f"model {spec!r}: importing {where!r} failed: {type(exc).__name__}: {exc}") from None
    if not hasattr(module, name):
        raise UserError(f"model {spec!r}: {where!r} has no attribute {name!r}")
    target = getattr(module, name)
    if callable(target) and not isinstance(target, hb.Target):
        try:
            target = target()
        except Exception as exc:  # the user's factory failed: say so in one line
            raise UserError(f"model {spec!r}: calling {name}() failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(target, hb.Target):
        raise UserError(f"model {spec!r}: expected a heatbath target (e.g. made by heatbath.potential), "
                        f"got {type(target).__name__}")
    return target


def resolve_model(spec: str, dim: int | None, dtype: str = "float32"):
    """(target, dim) for a model name (its parameters in dtype) or a user module's potential."""
    if spec in MODELS:
        make, default_dim, _, _ = MODELS[spec]
        d = dim or default_dim
        target = make(d, dtype)
    elif ":" in spec:
        target = _load_user_target(spec)
        d = dim or getattr(target, "dim", None) or 1
    else:
        raise UserError(f"unknown model {spec!r}: choose one of {', '.join(MODELS)}, ising, or give FILE.py:NAME")
    try:
        target.check_dim(d, "--dim")
    except ValueError as exc:
        raise UserError(str(exc).replace("argument '--dim'", "--dim")) from None
    return target, d


def _on_device(args, x0):
    """x0 on the device of --device (a torch CUDA tensor for cuda)."""
    if args.device == "cpu":
        return x0
    if not hb.cuda_available():
        raise UserError("--device cuda: no CUDA device, or heatbath was built without its CUDA backend")
    try:
        import torch
    except ImportError:
        raise UserError("--device cuda needs torch to hold the states: pip install 'heatbath[torch]'") from None
    return torch.as_tensor(x0, device="cuda")


def _start(args, target, dim):
    x0 = np.random.default_rng(args.seed).standard_normal((args.chains, dim)).astype(args.dtype)
    dtype = getattr(target, "_dtype", None)
    if dtype is not None and dtype != args.dtype:
        raise UserError(f"--dtype {args.dtype}: the model's parameters are {dtype}; pass --dtype {dtype} "
                        f"or leave the option out")
    return _on_device(args, x0)


def _save(out, args, arrays: dict) -> None:
    meta = {k: v for k, v in vars(args).items() if k != "run"}
    try:
        np.savez(out, **{k: hb._arrays.to_host(v) for k, v in arrays.items() if v is not None},
                 meta=np.array(json.dumps(meta)))
    except OSError as exc:  # the folder went away during the run, the disk filled up, ...
        raise UserError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    print(f"  wrote {out}")


def run_ising(args, out) -> int:
    method = args.method or "heatbath"
    if method not in ("heatbath", "metropolis"):
        raise UserError(f"--method: the ising model runs heatbath or metropolis, got {method!r}")
    if args.size % 2:
        raise UserError(f"--size: checkerboard sweeps need an even side, got {args.size}")
    if args.thin:
        raise UserError("--thin: the ising model records E and M after every sweep and keeps no trace of spins")
    if args.dtype is not None:
        raise UserError("--dtype: the ising model's spins are int8")
    if args.step_size is not None:
        raise UserError("--step-size: the ising model's sweeps take no step size")
    if args.friction is not None:
        raise UserError("--friction: the ising model's sweeps have no friction (BAOAB's)")
    if args.dim is not None:
        raise UserError("--dim: the ising lattice's shape is --size and --lattice-dims")
    shape = (args.size,) * args.lattice_dims
    args.method = method  # what --out's metadata records
    try:
        model = hb.Ising(shape)
        if args.chains >= 2**32:  # before the allocation of the lattices, not after
            raise ValueError("argument 'chain_start': chain indices must stay below 2**32")
        spins0 = _on_device(args, np.ones((args.chains, *shape), np.int8))
        res = hb.gibbs(model, spins0, args.steps, beta=args.beta, seed=args.seed, method=method,
                       progress=False if args.no_progress else None)
    except (TypeError, ValueError) as exc:
        raise from_library(exc) from None
    n = model.n_sites
    burn = args.steps // 2
    print(f"ising {'x'.join(map(str, shape))}: {args.chains} lattices x {args.steps} {method} sweeps, "
          f"β = {args.beta:g}, seed {args.seed}")
    energy, mag = (np.asarray(hb._arrays.to_host(a)) for a in (res.energy, res.magnetization))
    print(f"  E/N {energy[burn:].mean() / n:+.5f}   |m| {np.abs(mag[burn:]).mean() / n:.5f} "
          f"(means over the second half of the sweeps)")
    if out is not None:
        _save(out, args, {"spins": res.spins, "energy": res.energy, "magnetization": res.magnetization})
    return 0


def run(args) -> int:
    if args.thin < 0:
        raise UserError(f"--thin: expected an integer >= 0, got {args.thin}")
    out = writable_file(args.out, ".npz") if args.out else None
    if args.model == "ising":
        args.size = 32 if args.size is None else args.size
        args.lattice_dims = 2 if args.lattice_dims is None else args.lattice_dims
        return run_ising(args, out)
    # An option that does not apply is refused: silently ignored, --size 6 would look like a 6-site run.
    for given, option in ((args.size, "--size"), (args.lattice_dims, "--lattice-dims")):
        if given is not None:
            raise UserError(f"{option}: only the ising model has a lattice; {args.model!r} takes --dim")
    dtype_given = args.dtype is not None
    args.dtype = args.dtype or "float32"
    method = args.method or "ula"
    if method not in ("ula", "mala", "baoab"):
        raise UserError(f"--method: expected ula, mala or baoab, got {method!r}")
    args.method = method
    if args.friction is not None and method != "baoab":
        raise UserError(f"--friction: only BAOAB has a friction, not {method.upper()}")
    args.friction = 1.0 if args.friction is None else args.friction
    target, dim = resolve_model(args.model, args.dim, args.dtype)
    if not dtype_given and getattr(target, "_dtype", None) is not None:
        args.dtype = target._dtype  # a user's model brings its parameters' dtype
    args.dim = dim  # what --out's metadata records: the run's, not the option's default
    if args.step_size is None:
        args.step_size = MODELS[args.model][2] if args.model in MODELS else USER_STEP_SIZE
    x0 = _start(args, target, dim)
    try:
        res = hb.langevin(target, x0, args.steps, args.step_size, args.method, beta=args.beta,
                          friction=args.friction, seed=args.seed, thin=args.thin,
                          progress=False if args.no_progress else None)
    except (TypeError, ValueError) as exc:
        raise from_library(exc) from None
    energy = np.asarray(hb._arrays.to_host(res.energy), np.float64)
    x = np.asarray(hb._arrays.to_host(res.x), np.float64)
    print(f"{args.model}: {args.chains} chains x {args.steps} {args.method.upper()} steps, h = {args.step_size:g}, "
          f"β = {args.beta:g}, seed {args.seed}")
    finite = ~np.asarray(hb._arrays.to_host(res.diverged))
    mean_e = f"{energy[finite].mean():+.5f}" if finite.any() else "n/a"
    mean_x = np.array2string(x[finite].mean(axis=0)[:4], precision=4) if finite.any() else "n/a"
    print(f"  mean E {mean_e}   mean x {mean_x}   diverged {res.n_diverged}   (means over chains that did not)")
    if res.n_diverged:
        print(f"  note: {res.n_diverged} of {args.chains} chains diverged; a smaller --step-size keeps them finite")
    if res.accept_rate is not None:
        print(f"  acceptance {float(np.mean(hb._arrays.to_host(res.accept_rate))):.4f}")
    if out is not None:
        _save(out, args, {"x": res.x, "energy": res.energy, "diverged": res.diverged, "trace": res.trace,
                          "energy_trace": res.energy_trace, "accept_rate": res.accept_rate})
    return 0
