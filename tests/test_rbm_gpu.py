# SPDX-License-Identifier: Apache-2.0
"""The RBM sampler on CUDA against the CPU on the same seed. Small models (fewer than 2^16 weights) sum
their activations in the same order on both, so their Gibbs runs agree bit for bit. Larger ones multiply
with cuBLAS on the GPU and with heatbath's panel products on the CPU (a fixed order per element), which
may round the activations differently in the last bit: probabilities
agree to float32 tolerance and sampled units agree except where a uniform falls between the two roundings
of a probability (rare, tested as a fraction). Parametrised by the `device` fixture: the CUDA cases skip
where no GPU is present."""
import numpy as np
import pytest

import heatbath as hb
from helpers import needs_torch, to_numpy
from rbm_reference import random_rbm


def on(device, x):
    import torch

    return torch.as_tensor(np.asarray(x), device=device)


def pair(device, V=40, H=24, **kw):
    """The same RBM on the CPU (numpy) and on `device` (torch)."""
    cpu, params = random_rbm(V, H, seed=11, **kw)
    dev = hb.RBM(on(device, cpu.weights), on(device, cpu.visible_bias), on(device, cpu.hidden_bias),
                 visible=cpu.visible, sigma=cpu.sigma)
    return cpu, dev


def start(chains, V):
    return (np.random.default_rng(3).random((chains, V)) < 0.5).astype(np.float32)


def gemm_bound(x, w, scale):
    """How far apart two float32 products x @ w may come out when they sum in different orders (cuBLAS,
    the CPU's panel products): 2·K·u·Σ_k |x_k w_k| per entry (u = 2^-24, K terms), times the conditional's
    slope `scale` (per row or overall), plus a few units in the last place of the result for its own
    rounding."""
    k = x.shape[1]
    return scale * 2 * k * 2.0**-24 * (np.abs(x) @ np.abs(w)) + 1e-7


def assert_within(got, want, bound, what):
    excess = np.abs(got - want) - (bound + 4 * 2.0**-24 * np.abs(want))
    assert excess.max() <= 0, (f"{what}: {int((excess > 0).sum())} entries beyond the bound, the worst by "
                               f"{excess.max():.3g}")


@needs_torch
@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_probabilities_and_free_energy_agree_with_cpu(device, visible):
    sigma = 0.9
    cpu, dev = pair(device, visible=visible, sigma=sigma)
    w = np.asarray(cpu.weights, np.float64)
    v0 = start(500, 40)
    h0 = start(500, 24)
    beta = np.linspace(0.5, 1.5, 500).astype(np.float32)
    # Slopes: p = sigmoid(a · pre + ...) moves by at most a/4 per unit of pre, with a = β (β/σ for the
    # hidden units of a Gaussian RBM); a Gaussian visible mean is σ · pre + b.
    a_hidden = (beta / sigma if visible == "gaussian" else beta)[:, None] / 4
    a_visible = sigma if visible == "gaussian" else beta[:, None] / 4
    assert_within(to_numpy(dev.hidden_probs(on(device, v0), on(device, beta))), cpu.hidden_probs(v0, beta),
                  gemm_bound(v0, w, a_hidden), "hidden probabilities")
    assert_within(to_numpy(dev.visible_probs(on(device, h0), on(device, beta))), cpu.visible_probs(h0, beta),
                  gemm_bound(h0, w.T, a_visible), "visible probabilities or means")
    np.testing.assert_allclose(to_numpy(hb.free_energy(dev, on(device, v0), on(device, beta))),
                               hb.free_energy(cpu, v0, beta), rtol=1e-5, atol=1e-4)


@needs_torch
def test_large_models_gibbs_states_agree_with_cpu_but_for_rare_roundings(device):
    cpu, dev = pair(device, V=300, H=240)  # 72,000 weights: cuBLAS's products
    v0 = start(2000, 300)
    a = hb.gibbs(cpu, v0, 1, seed=4)
    b = hb.gibbs(dev, on(device, v0), 1, seed=4, thin=1, trace_hidden=True)
    assert b.v.device.type == device and b.trace.device.type == device
    assert np.mean(to_numpy(b.h) != a.h) < 1e-3
    assert np.mean(to_numpy(b.v) != a.v) < 1e-3
    np.testing.assert_array_equal(to_numpy(b.trace[0]), to_numpy(b.v))
    np.testing.assert_array_equal(to_numpy(b.trace_hidden[0]), to_numpy(b.h))


@needs_torch
@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_small_models_gibbs_runs_equal_the_cpu_bit_for_bit(device, visible, dtype):
    # 250 x 250 = 62,500 weights, just below the small-model line: sums of 250 terms of either sign, whose
    # order would likely show within these 4,000,000 draws if the two sides summed differently (a uniform
    # within rounding of its probability, then a chain that goes its own way).
    cpu, dev = pair(device, V=250, H=250, scale=0.1, visible=visible, sigma=0.8, dtype=dtype)
    v0 = start(400, 250) if visible == "bernoulli" else np.random.default_rng(5).standard_normal((400, 250))
    v0 = v0.astype(dtype)
    beta = np.linspace(0.6, 1.2, 400).astype(dtype)
    a = hb.gibbs(cpu, v0, 20, seed=6, beta=beta, thin=7, trace_hidden=True)
    b = hb.gibbs(dev, on(device, v0), 20, seed=6, beta=on(device, beta), thin=7, trace_hidden=True)
    for name in ("v", "h", "trace", "trace_hidden"):
        got, want = to_numpy(getattr(b, name)), getattr(a, name)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8), err_msg=name)
    # and a continued run continues on both alike
    c = hb.gibbs(cpu, a.state, 3)
    d = hb.gibbs(dev, b.state, 3)
    np.testing.assert_array_equal(to_numpy(d.v).view(np.uint8), to_numpy(c.v).view(np.uint8))


@needs_torch
def test_gibbs_on_device_is_reproducible_and_resumable(device):
    _, dev = pair(device)
    v0 = on(device, start(300, 40))
    whole = hb.gibbs(dev, v0, 20, seed=8, beta=on(device, np.linspace(0.5, 1, 300)))
    again = hb.gibbs(dev, v0, 20, seed=8, beta=on(device, np.linspace(0.5, 1, 300)))
    np.testing.assert_array_equal(to_numpy(whole.v), to_numpy(again.v))
    first = hb.gibbs(dev, v0, 8, seed=8, beta=on(device, np.linspace(0.5, 1, 300)))
    rest = hb.gibbs(dev, first.state, 12, beta=on(device, np.linspace(0.5, 1, 300)))
    np.testing.assert_array_equal(to_numpy(rest.v), to_numpy(whole.v))


@needs_torch
@pytest.mark.parametrize("shape", [(40, 24), (300, 240)], ids=["one-kernel", "cublas"])
def test_a_pcd_loops_in_place_calls_continue_one_run_exactly(device, shape):
    # From the second in-place call on, a loop runs through the core's session (the parameters, β and the
    # CUDA workspace imported once): its calls must continue one run bit for bit, on both CUDA paths.
    import torch

    V, H = shape
    _, dev = pair(device, V=V, H=H)
    v0 = on(device, start(64, V))
    whole = hb.gibbs(dev, v0, 6, seed=9, beta=0.8)
    state = hb.gibbs(dev, v0.clone(), 1, seed=9, beta=0.8, inplace=True).state
    for _ in range(5):
        state = hb.gibbs(dev, state, 1, beta=0.8, inplace=True).state
    if device == "cuda":
        torch.cuda.synchronize()
    session = dev._last_call[-1] if dev._last_call is not None else None
    assert session is not None  # the session ran
    # On CUDA a large model's session replays its calls from a CUDA graph once a call repeats the last one's
    # work: here the second to fifth.
    assert session.graph_launches == (4 if device == "cuda" and shape == (300, 240) else 0)
    np.testing.assert_array_equal(to_numpy(state.v), to_numpy(whole.v))
    np.testing.assert_array_equal(to_numpy(state.h), to_numpy(whole.h))


@needs_torch
def test_replayed_pcd_calls_follow_steps_arrays_and_chain_counts_that_change(device):
    # A session's CUDA graph bakes in its arrays and step count, and reads the step from the device: calls
    # that alternate between two sets of chains, change k, or resume a chain set at another step (a state
    # saved earlier) must each continue their own run exactly, replayed or not.
    import torch

    _, dev = pair(device, V=300, H=240)
    v0 = on(device, start(64, 300))
    a = hb.gibbs(dev, v0.clone(), 1, seed=9, inplace=True).state
    b = hb.gibbs(dev, v0.clone(), 1, seed=9, inplace=True).state
    for k in (1, 1, 1, 2, 2, 2):
        a = hb.gibbs(dev, a, k, inplace=True).state
    for _ in range(3):  # taking turns: a new pair of arrays each call, so no call repeats the last one's work
        a = hb.gibbs(dev, a, 1, inplace=True).state
        b = hb.gibbs(dev, b, 1, inplace=True).state
    saved = hb.RBMState(v=a.v.clone(), h=a.h.clone(), step=a.step, seed=a.seed, chain_start=a.chain_start)
    for _ in range(3):
        a = hb.gibbs(dev, a, 1, inplace=True).state
    # On CUDA the graphs ran: the 2nd, 3rd, 5th and 6th calls of the k loop and the last two calls of a (the
    # first after a change of work launches plainly; a replay after one starts from a step the device's
    # counter must be set to). The alternating calls never repeat the last one's work.
    session = dev._last_call[-1]
    assert session.graph_launches == (6 if device == "cuda" else 0)
    again = hb.gibbs(dev, saved, 1, inplace=True).state  # new arrays: checked again, a new session
    for _ in range(2):
        again = hb.gibbs(dev, again, 1, inplace=True).state
    if device == "cuda":
        torch.cuda.synchronize()
    assert a.step == 1 + 3 + 6 + 3 + 3 and b.step == 4 and again.step == a.step
    for state in (a, b, again):
        whole = hb.gibbs(dev, v0, state.step, seed=9)
        np.testing.assert_array_equal(to_numpy(state.v), to_numpy(whole.v))
        np.testing.assert_array_equal(to_numpy(state.h), to_numpy(whole.h))


@needs_torch
def test_ais_on_device_agrees_with_exact(device):
    cpu, dev = pair(device, V=12, H=8, scale=0.7)
    exact = hb.exact_log_z(dev)
    assert exact == pytest.approx(hb.exact_log_z(cpu), rel=1e-12)
    res = hb.ais_log_z(dev, 2000, 200, seed=5)
    assert abs(res.log_z - exact) < 3 * res.log_z_se


@pytest.mark.skipif(not hb.cuda_compiled(), reason="heatbath was built without its CUDA backend")
def test_cuda_module_loads_cublas_lazily():
    # libcublas is dlopen'ed by the first GEMM, so it must not be a load-time dependency of _cuda.
    import shutil
    import subprocess

    from heatbath import _cuda

    if shutil.which("readelf") is None:
        pytest.skip("readelf is not installed")
    dynamic = subprocess.run(["readelf", "-d", _cuda.__file__], capture_output=True, text=True, check=True).stdout
    assert "NEEDED" in dynamic and "libcublas" not in dynamic


@pytest.mark.gpu
@needs_torch
@pytest.mark.skipif(not hb.cuda_available(), reason="needs the CUDA backend and a CUDA device")
def test_many_streams_reuse_a_bounded_set_of_cublas_handles():
    # One cuBLAS handle per stream, at most 32 kept: 40 distinct streams evict the least recently used ones
    # (cublasDestroy synchronises), and every stream still gets the default stream's numbers.
    import torch

    cuda = hb._backend._import_cuda()[0]
    _, dev = pair("cuda", V=300, H=240)  # a large model: small ones run without cuBLAS
    v0 = on("cuda", start(64, 300))
    expected = to_numpy(hb.gibbs(dev, v0, 3, seed=9).v)
    # torch hands out streams from a pool of 32 per priority, round robin: 20 of each of priorities 0 and -1 are
    # 40 distinct streams, more than the cache holds.
    streams = [torch.cuda.Stream(priority=p) for p in (0, -1) for _ in range(20)]
    assert len({s.cuda_stream for s in streams}) == 40
    for _ in range(2):  # the second pass recreates handles the first evicted
        for stream in streams:
            stream.wait_stream(torch.cuda.current_stream())  # v0 and the parameters were made there
            with torch.cuda.stream(stream):
                got = hb.gibbs(dev, v0, 3, seed=9).v
            stream.synchronize()
            np.testing.assert_array_equal(to_numpy(got), expected)
        assert cuda.cublas_handle_count() == cuda.cublas_max_handles() == 32
