# SPDX-License-Identifier: Apache-2.0
"""Throughput of heatbath.random, with numpy and torch filling the same [10000, 400] arrays for context.

`time_*` gives asv's per-call times; `track_values_per_second` turns the best of a few calls into a
rate (values/s) that can be quoted directly. Peers draw from their own streams, so only speed is
compared: heatbath's uniform is on (0, 1), numpy's and torch's on [0, 1).
"""
from __future__ import annotations

import numpy as np

import heatbath as hb

from .common import SHAPE, empty, need_heatbath, need_torch, values_per_second

KINDS = ["normal", "uniform"]
DTYPES = ["float32", "float64"]
DEVICES = ["cpu", "cuda"]
THREADS = [1, 2]


class HeatbathRandom:
    """heatbath.random.normal / uniform filling a preallocated array in place (numpy on the CPU,
    torch on CUDA)."""

    params = (KINDS, DTYPES, DEVICES, THREADS)
    param_names = ["kind", "dtype", "device", "threads"]

    def setup(self, kind, dtype, device, threads):
        self.saved_threads = hb.get_num_threads()
        if device == "cuda" and threads != 1:
            raise NotImplementedError("threads applies to the CPU backend only; one CUDA entry is enough")
        need_heatbath(device)
        self.torch = need_torch(device) if device == "cuda" else None
        self.out = empty(dtype, device)
        self.fill = getattr(hb.random, kind)
        hb.set_num_threads(threads)
        # Warm-up: starts the OpenMP pool, touches the pages, and on CUDA loads the backend.
        self.fill(self.out, seed=0)
        if device == "cuda":
            self.torch.cuda.synchronize()

    def teardown(self, kind, dtype, device, threads):
        # asv calls teardown after a skipping setup too.
        hb.set_num_threads(self.saved_threads)

    def time_fill(self, kind, dtype, device, threads):
        self.fill(self.out, seed=0, step=1)
        if device == "cuda":
            self.torch.cuda.synchronize()

    def track_values_per_second(self, kind, dtype, device, threads):
        return values_per_second(lambda: self.fill(self.out, seed=0, step=1), device)

    track_values_per_second.unit = "values/s"


class NumpyRandom:
    """numpy's Generator (single-threaded) with its default PCG64 and with Philox, heatbath's algorithm."""

    params = (KINDS, DTYPES, ["PCG64", "Philox"])
    param_names = ["kind", "dtype", "bit_generator"]

    def setup(self, kind, dtype, bit_generator):
        rng = np.random.Generator(getattr(np.random, bit_generator)(0))
        self.out = np.empty(SHAPE, dtype=dtype)
        if kind == "normal":
            self.call = lambda: rng.standard_normal(out=self.out, dtype=dtype)
        else:
            self.call = lambda: rng.random(out=self.out, dtype=dtype)
        self.call()

    def time_fill(self, kind, dtype, bit_generator):
        self.call()

    def track_values_per_second(self, kind, dtype, bit_generator):
        return values_per_second(self.call, "cpu")

    track_values_per_second.unit = "values/s"


class TorchRandom:
    """torch.randn / torch.rand with out=. No thread parameter: torch's CPU generator draws on one
    thread whatever torch.set_num_threads says (measured: 1 and 2 threads take the same time)."""

    params = (KINDS, DTYPES, DEVICES)
    param_names = ["kind", "dtype", "device"]

    def setup(self, kind, dtype, device):
        self.torch = need_torch(device)
        self.out = empty(dtype, device, framework="torch")
        draw = self.torch.randn if kind == "normal" else self.torch.rand
        self.call = lambda: draw(SHAPE, out=self.out)
        self.call()
        if device == "cuda":
            self.torch.cuda.synchronize()

    def time_fill(self, kind, dtype, device):
        self.call()
        if device == "cuda":
            self.torch.cuda.synchronize()

    def track_values_per_second(self, kind, dtype, device):
        return values_per_second(self.call, device)

    track_values_per_second.unit = "values/s"
