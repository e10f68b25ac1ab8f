# SPDX-License-Identifier: Apache-2.0
"""The tools a user would otherwise pick for batched Langevin sampling, written as a competent user
would, for benchmarks/compare_langevin.py.

One module per tool, each with the same two entry points (a module imports its tool lazily, so a
missing one costs only its own rows):

    prepare_ula(x0, n_steps, h, beta, seed)                -> (run, compile_s)   # item A, double well
    prepare_mala(x0, n_steps, h, beta, mixture, seed)      -> (run, compile_s)   # item B, mixture
    run() -> (x as numpy float32 [chains, dim], accept_rate or None)

``run`` starts from ``x0`` every time, so repeated timings measure the same work; ``compile_s`` is the
one-off compilation cost (None where nothing is compiled). ``problems`` holds the work items.
"""
