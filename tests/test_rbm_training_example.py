# SPDX-License-Identifier: Apache-2.0
"""examples/rbm_digits.py trains an RBM on scikit-learn's digits by persistent contrastive divergence with
hb.gibbs: a short run must raise the test log-likelihood by far more than the AIS error, and enumeration
(H is small) must agree, so that the claim does not rest on AIS alone."""
import math

import pytest
from helpers import load_example

pytest.importorskip("torch", reason="the example needs torch")
pytest.importorskip("sklearn", reason="the example trains on scikit-learn's digits (pip install scikit-learn)")


def test_pcd_training_raises_the_test_log_likelihood(tmp_path, one_torch_thread):
    example = load_example("rbm_digits")
    result = example.main(["--epochs", "10", "--hidden", "16", "--lr", "0.01", "--eval-every", "10",
                           "--ais-chains", "100", "--ais-betas", "500", "--seed", "0", "--out", str(tmp_path)])
    (epoch0, first), (epoch1, last) = result["history"][0], result["history"][-1]
    assert (epoch0, epoch1) == (0, 10)
    margin = 5.0 * math.hypot(first["ll_se"], last["ll_se"])
    # Training gains nats per image (about 2.2 here); the AIS standard errors are hundredths of a nat.
    assert last["ll_ais"] - first["ll_ais"] > max(margin, 0.5)
    # H = 16: log Z is enumerated too. The exact gain must be as clear, and AIS must agree with it
    # within its own error (plus float32 rounding of the free energies), before and after training.
    assert last["ll_exact"] - first["ll_exact"] > max(margin, 0.5)
    for ev in (first, last):
        assert abs(ev["log_z_ais"] - ev["log_z_exact"]) < 5.0 * ev["ll_se"] + 1e-3
    if result["png"] is not None:
        assert result["png"].stat().st_size > 10_000
        assert result["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_rbm_samples_the_parameters_the_optimizer_updates(one_torch_thread):
    import torch

    example = load_example("rbm_digits")
    train, _ = example.load_digits()
    params, rbm = example.make_rbm(train, 8, seed=1)
    example.check_borrowed(rbm, params)
    before = rbm.hidden_probs(train[:5]).clone()
    with torch.no_grad():
        params[0].add_(1.0)  # in place, as an optimizer step is
        params[2].sub_(0.5)
    expected = torch.sigmoid(train[:5] @ params[0].detach() + params[2].detach())
    after = rbm.hidden_probs(train[:5])
    assert not torch.allclose(before, after)
    assert torch.allclose(after, expected, atol=1e-6)


def test_parallel_tempering_negative_chains(one_torch_thread):
    example = load_example("rbm_digits")
    result = example.train(epochs=3, n_hidden=8, lr=0.01, pt=4, eval_every=3, ais_chains=50, ais_betas=200,
                           log=None)
    (_, first), (_, last) = result["history"][0], result["history"][-1]
    assert result["fantasy"].swap_rate.shape == (3,)
    assert last["ll_exact"] > first["ll_exact"]
    assert abs(last["log_z_ais"] - last["log_z_exact"]) < 5.0 * last["ll_se"] + 1e-3
