# SPDX-License-Identifier: Apache-2.0
"""Arrays at the edges of the DLPack import: empty torch tensors (exported with a null data pointer) are
present arrays, not missing ones, so the runs that need them succeed as with numpy; and an output whose
elements share memory (an expanded or broadcast view) is refused, where writing into it would race
between threads and leave numbers that depend on the thread count."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch's empty tensors are the case")

import heatbath as hb  # noqa: E402


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("chains, n_steps, thin, method", [(10, 5, 10, "ula"), (10, 0, 1, "mala"),
                                                           (0, 3, 1, "baoab")])
def test_empty_outputs_are_arrays_not_missing(framework, chains, n_steps, thin, method):
    x0 = np.zeros((chains, 2), np.float32)
    x0 = torch.from_numpy(x0) if framework == "torch" else x0
    res = hb.langevin(hb.DoubleWell(), x0, n_steps, 0.01, method, thin=thin, seed=0)
    assert tuple(res.trace.shape) == (n_steps // thin, chains, 2)
    assert tuple(res.x.shape) == (chains, 2)


def test_an_empty_tempering_trace_from_torch():
    pt = hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.05, "mala"))
    res = pt.run(torch.zeros(10, 1), 3, seed=0, thin=10)
    assert tuple(res.trace.shape) == (0, 10, 1)


@pytest.mark.parametrize("make", [lambda: torch.zeros(1, 64).expand(50, 64),
                                  lambda: torch.zeros(50, 1).expand(50, 64),
                                  lambda: torch.zeros(200).as_strided((50, 64), (2, 1))])
def test_a_fill_refuses_elements_that_share_memory(make):
    with pytest.raises(ValueError, match="argument 'out': has elements that share memory"):
        hb.random.normal(make(), seed=0)


def test_an_empty_expanded_output_has_nothing_to_share():
    hb.random.normal(torch.zeros(1, 0).expand(5, 0), seed=0)


@pytest.mark.parametrize("make", [lambda: torch.zeros(64, 50).t(), lambda: torch.zeros(50, 128)[:, ::2],
                                  lambda: np.zeros((100, 64), np.float32)[::-2],
                                  lambda: np.zeros((64, 50), np.float32).T])
def test_a_fill_writes_strided_outputs_like_a_contiguous_one(make):
    out = make()
    expected = hb.random.normal(np.zeros(tuple(out.shape), np.float32), seed=3)
    got = hb.random.normal(out, seed=3)
    np.testing.assert_array_equal(np.asarray(got), expected)
