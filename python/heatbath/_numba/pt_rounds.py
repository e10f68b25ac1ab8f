# SPDX-License-Identifier: Apache-2.0
"""Whole rounds of parallel tempering for Numba potentials on the CPU, in compiled code.

A round is n_local tempered Langevin steps of every row (the potential's own kernel, langevin_kernels.py,
on E_β), the target's E at every row, then the core's swap pass. From Python (heatbath/pt_user.py) that
is three launches a round, plus some twenty arrays imported by the core for its pass: at a few
chains a round was mostly that overhead. Here one launch runs a chunk of rounds:

- columns of replicas are independent between swaps, and a column's K + 1 rows are contiguous
  (row = column · (K + 1) + slot), so each thread takes groups of whole columns and runs every round of
  the chunk on them alone, as the core's compiled rounds do (pt_cpu_kernel.cpp);
- the step and energy kernels are called as first-class functions (through their addresses, as
  parallel_parts.py does), so that this loop is compiled once for all potentials, per argument types,
  and kept in Numba's on-disk cache;
- the core's swap pass for a group's columns is called through a plain function pointer that a
  heatbath._core.SwapSession hands out, with its imported arrays (csrc/bindings/pt_swap_session.h).

The steps, the energies and the pass are the kernels and the pass of the round-by-round path, on the
same counters; columns evolve independently, so grouping and threads change no number, and a run gives
the round-by-round path's bits.
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from heatbath._numba.arg_types import type_of, types_of
from heatbath._numba.langevin_launch import LAUNCH_LOCK, lost_exception, user_exception
from heatbath.interrupted import sigint_at_chunk_boundaries
from heatbath.progress import report as report_progress

__all__ = ["run_rounds"]

# About 16M coordinate-steps per launch, as langevin_launch.py's chunks: Ctrl-C stops a run between chunks.
_CHUNK_WORK = 1 << 24

# Columns a group: the swap pass's lanes (kSwapLanes in pt_swap.h), so that its pass runs whole tiles.
_SWAP_LANES = 32


@intrinsic
def _swap_columns(typingctx, fn, args, c0, c1, rnd):
    """fn(args, c0, c1, rnd): calls the column function at address fn (SwapSession.columns_function) on the
    SwapArgs at address args. Addresses come in as integers, not as constants compiled in, so that the
    compiled code can be cached on disk."""
    if not all(isinstance(t, types.Integer) for t in (fn, args, c0, c1, rnd)):
        return None
    signature = types.void(fn, args, c0, c1, rnd)

    def codegen(context, builder, sig, llargs):
        i64 = ir.IntType(64)
        void_ptr = ir.IntType(8).as_pointer()
        fn_type = ir.FunctionType(ir.VoidType(), [void_ptr, i64, i64, i64])
        target = builder.inttoptr(llargs[0], fn_type.as_pointer())
        pointer = builder.inttoptr(llargs[1], void_ptr)
        values = [context.cast(builder, v, t, types.int64) for v, t in zip(llargs[2:], sig.args[2:])]
        builder.call(target, [pointer] + values)
        return context.get_dummy_value()

    return signature, codegen


@njit(nogil=True, cache=True)
def _rounds_of_groups(step, energy_of, step_params, head, energy_params, x, energy, swap_fn, swap_args, replicas,
                      group, n_local, seed, round_begin, round_end, first_group, end_group):
    """Rounds [round_begin, round_end) of the column groups [first_group, end_group): each group's rows take
    their n_local steps (step: a Langevin kernel of langevin_kernels.py, its head arguments up to h or c1),
    then their E (energy_of: the target's energy kernel) into energy, then the group's swap pass."""
    columns = x.shape[0] // replicas
    for g in range(first_group, end_group):
        c0 = g * group
        c1 = min(columns, c0 + group)
        r0, r1 = c0 * replicas, c1 * replicas
        for rnd in range(round_begin, round_end):
            t0 = rnd * n_local
            # thin 0 (the pass records the trace), chain_start 0 (row r draws chain r's stream)
            step(step_params, *head, 0, seed, 0, t0, n_local, t0, t0 + n_local, r0, r1)
            energy_of(energy_params, x, energy, r0, r1)
            _swap_columns(swap_fn, swap_args, c0, c1, rnd)


@njit(parallel=True, nogil=True, cache=True)
def _run_parts(step, energy_of, parts, n_groups, step_params, head, energy_params, x, energy, swap_fn, swap_args,
               replicas, group, n_local, seed, round_begin, round_end, done):
    """_rounds_of_groups over `parts` contiguous ranges of the groups, in parallel; done[i] = 1 once part i
    has returned (a part that raised on another thread leaves it 0: Numba loses that exception)."""
    for i in prange(parts):
        _rounds_of_groups(step, energy_of, step_params, head, energy_params, x, energy, swap_fn, swap_args, replicas,
                          group, n_local, seed, round_begin, round_end, n_groups * i // parts,
                          n_groups * (i + 1) // parts)
        done[i] = 1


def _signature(step_argtypes: tuple, energy_argtypes: tuple, x_type, energy_type) -> tuple:
    """(step, energy_of, step_params, head, energy_params, x, energy, swap_fn, swap_args, replicas, group,
    n_local, seed, round_begin, round_end) for kernels of these argument types."""
    i64 = types.int64
    head = types.Tuple(step_argtypes[1:-9])  # after params, before thin … t_end and the range
    return (types.FunctionType(types.void(*step_argtypes)), types.FunctionType(types.void(*energy_argtypes)),
            step_argtypes[0], head, energy_argtypes[0], x_type, energy_type, types.uintp, types.uintp, i64, i64, i64,
            types.uint64, i64, i64)


_ENTRIES: dict = {}


def launcher(step_argtypes: tuple, energy_argtypes: tuple, x_type, energy_type):
    """The entry point of the parallel loop for kernels of these argument types: called as
    entry(step, energy_of, parts, n_groups, step_params, head, energy_params, x, energy, swap_fn, swap_args,
    replicas, group, n_local, seed, round_begin, round_end, done)."""
    key = ("parallel", step_argtypes, energy_argtypes, x_type, energy_type)
    entry = _ENTRIES.get(key)
    if entry is None:
        sig = _signature(step_argtypes, energy_argtypes, x_type, energy_type)
        signature = sig[:2] + (types.int64, types.int64) + sig[2:] + (types.Array(types.uint8, 1, "C"),)
        _run_parts.compile(signature)
        entry = _ENTRIES[key] = _run_parts.overloads[signature].entry_point
    return entry


def serial_part(step_argtypes: tuple, energy_argtypes: tuple, x_type, energy_type):
    """The entry point of the loop on the calling thread (functions that can raise): called as
    entry(step, energy_of, step_params, head, energy_params, x, energy, swap_fn, swap_args, replicas, group,
    n_local, seed, round_begin, round_end, first_group, end_group)."""
    key = ("serial", step_argtypes, energy_argtypes, x_type, energy_type)
    entry = _ENTRIES.get(key)
    if entry is None:
        signature = _signature(step_argtypes, energy_argtypes, x_type, energy_type) + (types.int64, types.int64)
        _rounds_of_groups.compile(signature)
        entry = _ENTRIES[key] = _rounds_of_groups.overloads[signature].entry_point
    return entry


def group_columns(columns: int) -> int:
    """Columns per group: the swap pass's lanes, fewer when that would leave threads idle (the split
    changes no number)."""
    threads = numba.get_num_threads()
    group = _SWAP_LANES
    if -(-columns // group) < threads:
        group = max(1, -(-columns // threads))
    return group


def run_rounds(tempered, plain, session, *, method, x, p, energy_beta, accepted, diverged_at, energy, noise_scale,
               unit_beta, h, c1, seed, n_local, round0, n_rounds, replicas) -> None:
    """Rounds [round0, round0 + n_rounds) in place: tempered and plain are the UserFunctions of E_β and of
    the target (langevin_launch.py), session the SwapSession over the call's swap arrays; the other
    arguments are those of the round-by-round path (numpy arrays, rows = replicas × columns)."""
    rows, dim = x.shape
    dtype = x.dtype.type
    trace, energy_trace = np.empty((0, rows, dim), x.dtype), np.empty((0, rows), x.dtype)
    stride = np.int64(0)  # one noise scale and one β for every step
    if method == "ula":
        head = (x, trace, energy_trace, energy_beta, diverged_at, noise_scale, stride, dtype(h))
    elif method == "mala":
        head = (x, trace, energy_trace, energy_beta, accepted, diverged_at, noise_scale, unit_beta, stride, dtype(h))
    else:
        head = (x, p, trace, energy_trace, energy_beta, diverged_at, noise_scale, stride, dtype(h), dtype(c1))
    i64, seed = np.int64(0), np.uint64(seed)
    tail = (i64, seed, i64, i64, i64, i64, i64)  # thin, seed, chain_start, step0, n_steps, t_begin, t_end
    step, step_types, step_addresses = tempered.kernel(method, dim, types_of(head + tail))
    energy_of, energy_types, energy_addresses = plain.kernel("energy", dim, types_of((x, energy)))
    x_type, energy_type = type_of(x), type_of(energy)
    columns = rows // replicas
    group = group_columns(columns)
    n_groups = -(-columns // group)
    fixed = (tempered.kernel_params, head, plain.kernel_params, x, energy, session.columns_function,
             session.args_address, replicas, group, n_local, seed)
    serial = tempered.may_raise or plain.may_raise
    if serial:
        tempered.warn_if_serial()
        entry = serial_part(step_types, energy_types, x_type, energy_type)
    else:
        entry = launcher(step_types, energy_types, x_type, energy_type)
    per_chunk = max(1, _CHUNK_WORK // max(1, rows * max(dim, 1) * n_local))

    def chunk(begin: int, end: int) -> None:
        bounds = (np.int64(round0 + begin), np.int64(round0 + end))
        try:
            with LAUNCH_LOCK:
                step_addresses.bind(step)
                energy_addresses.bind(energy_of)
                if serial:
                    entry(step, energy_of, *fixed, *bounds, np.int64(0), np.int64(n_groups))
                    return
                parts = max(1, min(n_groups, numba.get_num_threads()))
                done = np.zeros(parts, np.uint8)
                entry(step, energy_of, np.int64(parts), np.int64(n_groups), *fixed, *bounds, done)
        except Exception as exc:  # the kernels and the pass raise nothing: this came from the user's code
            raise user_exception(tempered, exc) from exc
        if not done.all():
            raise lost_exception(tempered)

    with sigint_at_chunk_boundaries() as guard:
        for begin in range(0, n_rounds, per_chunk):
            end = min(n_rounds, begin + per_chunk)
            chunk(begin, end)
            guard.check(end)
            report_progress(end)
