# SPDX-License-Identifier: Apache-2.0
"""Same seed, same numbers: independent of thread count, batch splitting and memory layout."""
import numpy as np
import pytest

import heatbath as hb
from helpers import empty_on, needs_torch, to_numpy

KINDS = [("normal", "float32"), ("normal", "float64"), ("uniform", "float32"), ("uniform", "float64"),
         ("bits", "uint32")]


def draw(kind, shape, dtype, **kw):
    return getattr(hb.random, kind)(shape, dtype=dtype, **kw)


@pytest.mark.parametrize("kind,dtype", KINDS)
@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (1000, 3), (3, 1001)])
def test_thread_count_does_not_change_results(kind, dtype, shape):
    hb.set_num_threads(1)
    one = draw(kind, shape, dtype, seed=99, step=12)
    hb.set_num_threads(2)
    two = draw(kind, shape, dtype, seed=99, step=12)
    np.testing.assert_array_equal(one.view(np.uint8), two.view(np.uint8))


@pytest.mark.parametrize("kind,dtype", KINDS)
@pytest.mark.parametrize("split", [1, 37, 500, 999])
def test_batch_split_does_not_change_results(kind, dtype, split):
    whole = draw(kind, (1000, 5), dtype, seed=2**63 + 5, step=2**40 + 3)
    head = draw(kind, (split, 5), dtype, seed=2**63 + 5, step=2**40 + 3)
    tail = draw(kind, (1000 - split, 5), dtype, seed=2**63 + 5, step=2**40 + 3, chain_start=split)
    np.testing.assert_array_equal(np.concatenate([head, tail]).view(np.uint8), whole.view(np.uint8))


@pytest.mark.parametrize("kind,dtype", KINDS)
def test_prefix_of_a_row_is_stable(kind, dtype):
    # A chain's values do not depend on how many are requested after them.
    long = draw(kind, (10, 40), dtype, seed=4)
    short = draw(kind, (10, 9), dtype, seed=4)
    np.testing.assert_array_equal(long[:, :9], short)


@pytest.mark.parametrize("kind,dtype", KINDS)
def test_strided_numpy_outputs(kind, dtype):
    ref = draw(kind, (30, 20), dtype, seed=8)
    buf = np.zeros((60, 50), dtype=dtype)
    view = buf[::2, 5:45:2]            # row and column strides, offset data pointer
    getattr(hb.random, kind)(view, seed=8)
    np.testing.assert_array_equal(view, ref)
    untouched = buf.copy()
    untouched[::2, 5:45:2] = 0
    assert not untouched.any(), "wrote outside the view"
    transposed = np.zeros((20, 30), dtype=dtype).T
    getattr(hb.random, kind)(transposed, seed=8)
    np.testing.assert_array_equal(transposed, ref)
    reversed_rows = np.zeros((30, 20), dtype=dtype)[::-1]
    getattr(hb.random, kind)(reversed_rows, seed=8)
    np.testing.assert_array_equal(reversed_rows, ref)


@needs_torch
@pytest.mark.parametrize("kind,dtype", KINDS[:4])
def test_torch_outputs_share_the_stream(kind, dtype):
    import torch

    ref = draw(kind, (30, 20), dtype, seed=8)
    t = torch.zeros(20, 30, dtype=getattr(torch, dtype)).t()
    out = getattr(hb.random, kind)(t, seed=8)
    assert out is t
    np.testing.assert_array_equal(t.numpy(), ref)


@pytest.mark.parametrize("kind,dtype", KINDS)
def test_backends_agree(device, kind, dtype):
    # The CUDA kernels run the same bodies with explicitly rounded operations: bit-identical.
    ref = draw(kind, (257, 11), dtype, seed=31, step=6)
    out = getattr(hb.random, kind)(empty_on(device, (257, 11), dtype), seed=31, step=6)
    np.testing.assert_array_equal(to_numpy(out), ref)


@pytest.mark.parametrize("kind,dtype", KINDS)
def test_instruction_set_variants_agree(kind, dtype):
    # The CPU kernels are compiled for several instruction sets and picked at run time; all must
    # produce the same bits (IEEE arithmetic, no contraction), whichever the machine runs.
    from heatbath import _core

    variants = _core.cpu_isa_variants()
    results = []
    try:
        for name in variants:
            _core.limit_cpu_isa(name)
            assert _core.cpu_isa() == name
            results.append(draw(kind, (301, 37), dtype, seed=77, step=3))
    finally:
        _core.limit_cpu_isa("avx512")
    for name, res in zip(variants[1:], results[1:]):
        np.testing.assert_array_equal(res.view(np.uint8), results[0].view(np.uint8), err_msg=name)
