# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering with user potentials (heatbath.TorchPotential, heatbath.potential): the rounds of
pt._LangevinRun.

The core cannot call a user's energy, so a round is three pieces instead of one compiled loop:

1. the potential's own Langevin backend (the torch loop, or the Numba kernels) runs n_local steps of
   every row on the tempered potential E_β(x) = β E(x) + (1 − β) E_ref(x) at unit temperature, each row
   at its own β (the swap pass keeps β_row current);
2. the target's E(x) at every row (a forward pass, no gradient);
3. the core's swap pass, handed the states and the Gaussian reference, so ℓ, the statistics, the
   index process and the thinned trace are those of the compiled rounds.

Numba potentials on the CPU run whole chunks of rounds in compiled code (heatbath/_numba/pt_rounds.py:
the Numba kernels call the core's pass through a function pointer). Torch potentials, and Numba ones on
CUDA, run one round at a time from Python; on the CPU their pass comes from a SwapSession that imported
the arrays once. Both give the same bits for the same kernels.

The steps are numbered as in the compiled rounds (round n runs steps [n·n_local, (n+1)·n_local) of
chain = row, from seed), with the same update rules and stream, so a user potential written like a
built-in one gives the built-in's run up to floating-point rounding, and a run resumes bitwise from its
state. Ctrl-C is deferred to the end of a round (of a chunk of rounds for compiled rounds; the calls
inside see the deferring handler and do not stop on their own), so an interrupted run stops between rounds.
"""
from __future__ import annotations

from heatbath import _arrays, _backend
from heatbath.interrupted import sigint_at_chunk_boundaries
from heatbath.progress import report as report_progress
from heatbath.progress import silenced as silenced_progress

__all__ = ["supported", "user_rounds"]

# Whether Numba potentials on the CPU run whole chunks of rounds compiled (_compiled_numba_rounds). False
# runs them round by round from Python, as on CUDA: for the tests and benchmarks that compare the two.
COMPILED_NUMBA_ROUNDS = True


def _torch_tempered(target, beta_row, ref_mean, ref_inv_var):
    """A TorchPotential for E_β of `target` with β from the live array beta_row [rows] (which the swap
    pass rewrites in place), in the operation order of the core's tempered tile (tempered.h)."""
    import torch  # noqa: PLC0415

    from heatbath.torch_potential import TorchPotential, as_torch  # noqa: PLC0415

    beta, mean, inv_var = (as_torch(a) for a in (beta_row, ref_mean, ref_inv_var))
    # Arrays allocated inside torch.inference_mode() cannot enter autograd: the constant reference is
    # copied once, and β, which must stay live, is copied at each evaluation (one value per row).
    with torch.inference_mode(False):
        mean, inv_var = (t.clone() if t.is_inference() else t for t in (mean, inv_var))
    live_copy = beta.is_inference()
    checked = False

    def tempered(x):
        nonlocal checked
        b = beta.clone() if live_copy else beta
        r = x - mean
        reference = 0.5 * ((inv_var * r) * r).sum(-1)
        e = target.call(x)
        if not checked:  # before broadcasting could hide a wrong shape; as the plain loop, at the first call
            target.check_energy(e, x)
            checked = True
        return b * e + (1 - b) * reference

    potential = TorchPotential(tempered, name=f"tempered {target.name}")
    # replicas at small β may sit where E overflows: a non-finite start is a diverged row here, not an error
    potential.finite_start_required = False
    return potential


def supported(target) -> bool:
    """Whether this module can temper the user potential `target`."""
    from heatbath.torch_potential import TorchPotential  # noqa: PLC0415 (imports no torch by itself)
    from heatbath.user_potential import NumbaPotential  # noqa: PLC0415 (imports no numba by itself)

    return isinstance(target, (TorchPotential, NumbaPotential))


def _is_torch(target) -> bool:
    from heatbath.torch_potential import TorchPotential  # noqa: PLC0415

    return isinstance(target, TorchPotential)


def _tempered(run, swap):
    target = run.pt.target
    if _is_torch(target):
        return _torch_tempered(target, swap["beta_row"], run.ref_mean, run.ref_inv_var)
    return target.tempered(swap["beta_row"], run.ref_mean, run.ref_inv_var)


def _energy_of_rows(run):
    """out -> E(x) of every row of run.x into out [rows] (x's dtype), without a gradient: a torch forward
    pass; a Numba potential's energy kernel (CPU or numba.cuda), after one evaluate (∇E into scratch)
    that checks the user's functions on the first round's states."""
    target, x = run.pt.target, run.x
    if _is_torch(target):
        from heatbath.torch_potential import as_torch  # noqa: PLC0415

        checked = False

        def torch_energy(out):
            nonlocal checked
            as_torch(out).copy_(target.energy_only(as_torch(x), check=not checked))
            checked = True
        return torch_energy
    grad = _arrays.empty(tuple(x.shape), _arrays.dtype_of(x), x)
    checked = False

    def evaluated_energy(out):
        nonlocal checked
        if checked:
            target.energies(x, out, device=run.device, stream=run.stream)
        else:
            target.evaluate(x, grad, out, device=run.device, stream=run.stream)
            checked = True
    return evaluated_energy


def user_rounds(run, swap: dict, n_rounds: int, thin: int) -> None:
    """n_rounds rounds of `run` (a pt._LangevinRun over a user potential), accumulating into `swap`."""
    if COMPILED_NUMBA_ROUNDS and not _is_torch(run.pt.target) and run.device.kind == "cpu":
        return _compiled_numba_rounds(run, swap, n_rounds, thin)
    sampler = run.pt.sampler
    local = _tempered(run, swap)
    energy_of_rows = _energy_of_rows(run)
    if sampler.method == "mala":
        swap["local_accepted"] = run.accepted
    swap_pass = _swap_pass(run, swap, n_rounds, thin)
    # The torch loop reads the two coefficients on the host: host copies spare it a device sync a round.
    noise, unit_beta = ((_arrays.to_host(run.noise), _arrays.to_host(run.unit_beta)) if _is_torch(run.pt.target)
                        else (run.noise, run.unit_beta))

    with sigint_at_chunk_boundaries() as guard:
        for done in range(n_rounds):
            rnd = run.round + done
            with silenced_progress():  # the bar counts rounds, not the steps inside them
                local.run_langevin(device=run.device, stream=run.stream, method=sampler.method, x=run.x, p=run.p,
                                   trace=None, energy_trace=None, energy=run.energy_beta, accepted=run.accepted,
                                   diverged_at=run.diverged_at, noise_scale=noise, beta=unit_beta,
                                   h=sampler.step_size, c1=run.c1, thin=0, seed=run.seed, chain_start=0,
                                   step0=rnd * sampler.n_local, n_steps=sampler.n_local)
            energy_of_rows(swap["energy"])
            swap_pass(rnd)
            guard.check(done + 1)
            report_progress(done + 1)


def _swap_arrays(run, swap: dict):
    """(swap's arrays, x, ref_mean, ref_inv_var) as the core's swap pass is handed them: numpy views of CPU
    torch tensors (the same memory), since torch's DLPack export costs several times numpy's."""
    view = _arrays.host_view
    return {name: view(a) for name, a in swap.items()}, view(run.x), view(run.ref_mean), view(run.ref_inv_var)


def _swap_session(run, swap: dict, n_rounds: int, thin: int):
    """A heatbath._core.SwapSession over this call's swap arrays (CPU): imported once, where pt_swap imports
    some twenty arrays at every pass."""
    arrays, x, ref_mean, ref_inv_var = _swap_arrays(run, swap)
    return _backend.module_for("cpu").SwapSession(
        arrays, _arrays.dtype_of(x), run.ref_log_norm, _scheme(run), run.seed, run.stream, x=x, ref_mean=ref_mean,
        ref_inv_var=ref_inv_var, thin=thin, round0=run.round, n_rounds=n_rounds)


def _swap_pass(run, swap: dict, n_rounds: int, thin: int):
    """round -> the swap pass of that round of this call: a session's on the CPU, pt_swap on CUDA."""
    if run.device.kind == "cpu":
        return _swap_session(run, swap, n_rounds, thin).run
    core = _backend.module_for(run.device.kind)
    arrays, x, ref_mean, ref_inv_var = _swap_arrays(run, swap)
    dtype, scheme = _arrays.dtype_of(x), _scheme(run)

    def one_pass(rnd: int) -> None:
        core.pt_swap(arrays, dtype, run.ref_log_norm, scheme, run.seed, rnd, run.stream, x=x, ref_mean=ref_mean,
                     ref_inv_var=ref_inv_var, thin=thin, round0=run.round, n_rounds=n_rounds)
    return one_pass


def _compiled_numba_rounds(run, swap: dict, n_rounds: int, thin: int) -> None:
    """The rounds of a Numba potential on the CPU, whole chunks of them in compiled code
    (heatbath/_numba/pt_rounds.py): the same kernels, pass and bits as the round-by-round loop above."""
    from heatbath._numba.pt_rounds import run_rounds  # noqa: PLC0415

    sampler = run.pt.sampler
    if sampler.method == "mala":
        swap["local_accepted"] = run.accepted
    session = _swap_session(run, swap, n_rounds, thin)
    view = _arrays.host_view
    x, energy, beta_row = view(run.x), view(swap["energy"]), view(swap["beta_row"])
    tempered, plain = run.pt.target.tempered(beta_row, run.ref_mean, run.ref_inv_var).functions(x)
    run_rounds(tempered, plain, session, method=sampler.method, x=x, p=None if run.p is None else view(run.p),
               energy_beta=view(run.energy_beta), accepted=view(run.accepted), diverged_at=view(run.diverged_at),
               energy=energy, noise_scale=view(run.noise), unit_beta=view(run.unit_beta), h=sampler.step_size,
               c1=run.c1, seed=run.seed, n_local=sampler.n_local, round0=run.round, n_rounds=n_rounds,
               replicas=int(run.betas.size))


def _scheme(run) -> int:
    from heatbath.pt import SWAPS  # noqa: PLC0415

    return SWAPS[run.pt.swap]
