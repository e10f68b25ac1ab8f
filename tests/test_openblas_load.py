# SPDX-License-Identifier: Apache-2.0
"""heatbath loads its OpenBLAS without a thread pool (it calls it from its own OpenMP threads, one GEMM
each: a pool would only spin beside them) and leaves OPENBLAS_NUM_THREADS as the user set it."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through Linux's /proc")

PROBE = """
import os, sys
def threads():
    return len(os.listdir("/proc/self/task"))
import numpy  # its own OpenBLAS makes its own pool first
before = threads()
import heatbath
print(threads() - before, os.environ.get("OPENBLAS_NUM_THREADS"))
"""


def probe(env_value):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    added, value = out.stdout.split()
    return int(added), value


@pytest.mark.parametrize("env_value", [None, "2", "4"])
def test_importing_heatbath_starts_no_thread_and_keeps_the_users_setting(env_value):
    added, value = probe(env_value)
    assert added == 0
    assert value == str(env_value)  # "None" when unset: the variable is gone again
