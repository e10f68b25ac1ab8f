# SPDX-License-Identifier: Apache-2.0
"""Device gating in one place: tests take a `device` fixture parametrised over what is present."""
from __future__ import annotations

import pytest

import heatbath as hb

DEVICES = ["cpu"] + (["cuda"] if hb.cuda_available() else [])


def _cuda_skip_reason() -> str:
    if not hb.cuda_compiled():
        return "heatbath was built without its CUDA backend"
    return "no CUDA device is present"


def pytest_collection_modifyitems(items):
    """Every CUDA case of the `device` fixture is a GPU test: `-m gpu` (benchmarks/gpu_check.sh, first of its
    steps) selects each test that needs a device, not only those marked by hand."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("device") == "cuda":
            item.add_marker(pytest.mark.gpu)


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """'cpu', and 'cuda' when the CUDA backend is compiled and a GPU is present."""
    if request.param == "cuda" and not hb.cuda_available():
        pytest.skip(_cuda_skip_reason())
    return request.param


@pytest.fixture(autouse=True)
def _restore_threads():
    n = hb.get_num_threads()
    yield
    hb.set_num_threads(n)


@pytest.fixture
def one_torch_thread():
    """torch on one thread: the examples' minibatches are far too small for a thread team, and on a
    busy machine one makes each layer 10x slower."""
    import torch  # noqa: PLC0415 (only the tests that use torch ask for this)

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
