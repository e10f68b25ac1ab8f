# SPDX-License-Identifier: Apache-2.0
"""heatbath.random rejects bad input with exceptions that name the argument."""
import re

import numpy as np
import pytest

import heatbath as hb


@pytest.mark.parametrize("seed,exc", [(-1, ValueError), (2**64, ValueError), (1.5, TypeError), ("1", TypeError),
                                      (None, TypeError), (True, TypeError)])
def test_bad_seed(seed, exc):
    with pytest.raises(exc, match="'seed'"):
        hb.random.normal((2, 2), seed=seed)


def test_seed_limits_are_accepted():
    for seed in (0, 2**64 - 1, np.uint64(2**64 - 1), np.int64(5)):
        hb.random.normal((2, 2), seed=seed)


@pytest.mark.parametrize("kw,exc,name", [
    ({"step": -1}, ValueError, "step"),
    ({"step": 2**56}, ValueError, "step"),
    ({"step": 1.0}, TypeError, "step"),
    ({"chain_start": -1}, ValueError, "chain_start"),
    ({"chain_start": 2**32 - 1}, ValueError, "chain_start"),  # 2 rows would pass 2**32
    ({"purpose": 256}, ValueError, "purpose"),
    ({"purpose": "noise"}, ValueError, "purpose"),
    ({"dtype": "int32"}, TypeError, "dtype"),
    ({"dtype": "float16"}, TypeError, "dtype"),
])
def test_bad_arguments(kw, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        hb.random.normal((2, 2), seed=0, **kw)


@pytest.mark.parametrize("out,hint", [([5, 2], "got list [5, 2]; write (5, 2) for a shape"), (5, "got int 5"),
                                      ([5, 2, 3], "got list [5, 2, 3]"), ([-5, 2], "got list [-5, 2]")])
@pytest.mark.parametrize("extra", [{}, {"dtype": "float64"}, {"like": np.zeros(1)}])
def test_a_shape_written_as_a_list_or_a_number_says_what_a_shape_is(out, hint, extra):
    # The hint comes first, even with dtype or like (which a shape takes): those were not the mistake.
    with pytest.raises(TypeError, match=re.escape(f"argument 'out': expected an array to fill or a shape tuple "
                                                  f"(chains, n), {hint}") + "$"):
        hb.random.normal(out, seed=0, **extra)


@pytest.mark.parametrize("shape", [(2,), (2, 2, 2), (-1, 2), (2.0, 2)])
def test_bad_shapes(shape):
    with pytest.raises(ValueError, match="'out'"):
        hb.random.normal(shape, seed=0)


@pytest.mark.parametrize("arr", [np.zeros(4, np.float32), np.zeros((2, 2, 2), np.float32)])
def test_bad_output_rank(arr):
    with pytest.raises(ValueError, match="'out'.*2 dimensions"):
        hb.random.normal(arr, seed=0)


@pytest.mark.parametrize("kind,arr", [("normal", np.zeros((2, 2), np.int32)),
                                      ("uniform", np.zeros((2, 2), np.float16)),
                                      ("bits", np.zeros((2, 2), np.float32))])
def test_bad_output_dtype(kind, arr):
    with pytest.raises(TypeError, match="'out'"):
        getattr(hb.random, kind)(arr, seed=0)


def test_dtype_with_an_array_output_is_an_error():
    with pytest.raises(TypeError, match="dtype"):
        hb.random.normal(np.zeros((2, 2), np.float32), seed=0, dtype="float64")


def test_set_num_threads_validates():
    with pytest.raises(ValueError, match="'n'"):
        hb.set_num_threads(0)
    with pytest.raises(TypeError, match="'n'"):
        hb.set_num_threads(2.0)
    with pytest.raises(ValueError, match=r"'n': expected a number of threads in \[1, "):
        hb.set_num_threads(100_000)  # tens of thousands of threads crashed the interpreter


@pytest.mark.parametrize("counter,key", [((0, 0, 0), (0, 0)), ((0, 0, 0, 2**32), (0, 0)), ((0, 0, 0, 0), (-1, 0))])
def test_philox_block_arguments(counter, key):
    with pytest.raises(ValueError):
        hb.random.philox4x32_10(counter, key)


def test_cuda_backend_error_is_clear_without_a_gpu():
    if hb.cuda_available():
        pytest.skip("a GPU is present: the CUDA path is exercised by the device-parametrised tests")
    from heatbath import _backend

    with pytest.raises(RuntimeError, match="CUDA"):
        _backend.module_for("cuda")


def test_a_shape_of_numpy_integers_is_a_shape():
    got = hb.random.normal((np.int64(3), np.int32(2)), seed=1)
    np.testing.assert_array_equal(got, hb.random.normal((3, 2), seed=1))
