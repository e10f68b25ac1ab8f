# SPDX-License-Identifier: Apache-2.0
"""An RBM trained on scikit-learn's 8 × 8 digits by persistent contrastive divergence, sampled by heatbath.

    python examples/rbm_digits.py                          # about a minute on a laptop CPU
    python examples/rbm_digits.py --hidden 16 --epochs 40  # H <= 20: log Z also by enumeration
    python examples/rbm_digits.py --pt 8                   # negative chains from parallel tempering

The digits (1,797 images, 16 grey levels) are binarised at a threshold and split into train and test
sets. The weights W [V, H] and biases b [V], c [H] are ``torch.nn.Parameter``s; ``hb.RBM`` borrows their
storage, so every in-place optimizer step changes the model that the next ``hb.gibbs`` call samples,
with no copy. Each update (Tieleman 2008, "Training restricted Boltzmann machines using approximations
to the likelihood gradient"):

- positive phase: p(h | v) of a minibatch of images, ``rbm.hidden_probs``;
- negative phase: persistent fantasy chains advanced k block-Gibbs steps by ``hb.gibbs`` (continued
  through ``res.state``: the same chains and the same random stream, never restarted), or with
  ``--pt K`` by ``hb.ParallelTempering`` over the RBM with K temperatures (its β = 1 chains);
- gradient of the log-likelihood: ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model (and ⟨v⟩, ⟨h⟩ for the biases), with
  the hidden units averaged out (p(h | v) in place of h), written into ``.grad`` with the opposite sign
  and applied by a torch optimizer (SGD with momentum, or Adam).

Every few epochs the test log-likelihood, the mean over test images of −F(v) − log Z, is estimated
with log Z from ``hb.ais_log_z`` (started from the training set's base rates) and reported with the
AIS standard error; for H <= 20 log Z is also enumerated (``hb.exact_log_z``) as a cross-check. AIS
estimates Z without bias, so its log Z is biased low and its log-likelihood high, by about half the
squared relative error of the weights.
"""
from __future__ import annotations

import argparse
import math
import pathlib

import numpy as np
import torch

import heatbath as hb

SIDE = 8  # the digits are 8 × 8 images
EXACT_MAX_HIDDEN = 20  # enumerate 2**H hidden states up to this size


def load_digits(threshold: float = 8.0, test_fraction: float = 0.2, seed: int = 0):
    """(train, test): binarised digits, float32 torch tensors [images, 64]; pixel > threshold is 1."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    images = (sklearn_digits().data > threshold).astype(np.float32)
    train, test = train_test_split(images, test_size=test_fraction, random_state=seed)
    return torch.from_numpy(train), torch.from_numpy(test)


def base_rate_logits(data: torch.Tensor) -> torch.Tensor:
    """log-odds of each pixel's mean, smoothed (Beta(1, 1)) so that no pixel is certain."""
    p = (data.sum(0) + 1.0) / (data.shape[0] + 2.0)
    return torch.log(p) - torch.log1p(-p)


def make_rbm(train: torch.Tensor, n_hidden: int, seed: int = 0, scale: float = 0.01):
    """(parameters [W, b, c], hb.RBM borrowing them). W ~ N(0, scale²); b: the data's base rates (the
    initial model is then close to the best model of independent pixels); c = 0."""
    gen = torch.Generator().manual_seed(seed)
    n_visible = train.shape[1]
    w = torch.nn.Parameter(scale * torch.randn(n_visible, n_hidden, generator=gen))
    b = torch.nn.Parameter(base_rate_logits(train))
    c = torch.nn.Parameter(torch.zeros(n_hidden))
    return [w, b, c], hb.RBM(w, b, c)


def check_borrowed(rbm: hb.RBM, params) -> None:
    """hb.RBM must sample the parameters the optimizer updates, not a copy of them."""
    for mine, theirs in zip((rbm.weights, rbm.visible_bias, rbm.hidden_bias), params):
        if mine.data_ptr() != theirs.data_ptr():
            raise RuntimeError("hb.RBM copied a parameter: in-place updates would not reach the sampler")


class FantasyChains:
    """The persistent negative chains: ``advance()`` runs k more Gibbs steps (or PT rounds) under the
    current parameters and returns the visible states [chains, V]: the chains' own array, which the
    next ``advance()`` overwrites."""

    def __init__(self, rbm: hb.RBM, v0: torch.Tensor, k: int, seed: int, pt_temperatures: int = 0):
        self.rbm, self.k, self.seed = rbm, k, seed
        self.state = v0
        self.pt = None
        if pt_temperatures:
            # β from 0 (uniform) to 1; each round is k Gibbs steps at every temperature, then swaps. The
            # ladder is tuned once, on the first call (255 cheap rounds), for equal swap rates under the
            # initial model, and kept as the model trains.
            self.pt = hb.ParallelTempering(rbm, betas=pt_temperatures, sampler=hb.GibbsMove(n_sweeps=k), adapt=255)
        self.fresh = True

    def advance(self) -> torch.Tensor:
        seed = self.seed if self.fresh else None  # a continued run keeps the seed of its state
        if self.pt is not None:
            res = self.pt.run(self.state, 1, seed=seed)
            self.swap_rate = res.swap_rate
            v = res.x[:, :self.rbm.n_visible]
        else:
            # Continued chains advance in their own arrays (inplace): a PCD step copies nothing.
            res = hb.gibbs(self.rbm, self.state, self.k, seed=seed, inplace=not self.fresh, progress=False)
            v = res.v
        self.state, self.fresh = res.state, False
        return v


def set_gradients(params, rbm: hb.RBM, v_data: torch.Tensor, v_model: torch.Tensor, weight_decay: float) -> None:
    """.grad = −(data statistics − model statistics) (+ L2 on W): the optimizer minimises −log p."""
    w, b, c = params
    ph_data, ph_model = rbm.hidden_probs(v_data), rbm.hidden_probs(v_model)
    n_data, n_model = v_data.shape[0], v_model.shape[0]
    w.grad = v_model.T @ ph_model / n_model - v_data.T @ ph_data / n_data + weight_decay * w.detach()
    b.grad = v_model.mean(0) - v_data.mean(0)
    c.grad = ph_model.mean(0) - ph_data.mean(0)


def evaluate(rbm: hb.RBM, test: torch.Tensor, train: torch.Tensor, *, ais_chains: int = 200, ais_betas: int = 1000,
             seed: int = 0, exact: bool | None = None) -> dict:
    """Test log-likelihood per image, mean(−F(v)) − log Z: by AIS (with its standard error) and, for
    small hidden layers (or exact=True), by enumeration."""
    mean_neg_f = -float(hb.free_energy(rbm, test).double().mean())
    ais = hb.ais_log_z(rbm, ais_chains, ais_betas, seed=seed, base="base_rate", data=train)
    out = {"ll_ais": mean_neg_f - ais.log_z, "ll_se": ais.log_z_se, "log_z_ais": ais.log_z,
           "ess": ais.effective_sample_size, "ll_exact": None, "log_z_exact": None}
    if exact or (exact is None and rbm.n_hidden <= EXACT_MAX_HIDDEN):
        out["log_z_exact"] = hb.exact_log_z(rbm)
        out["ll_exact"] = mean_neg_f - out["log_z_exact"]
    return out


def report(epoch: int, ev: dict) -> str:
    line = f"epoch {epoch:4d}  test log-likelihood (AIS) {ev['ll_ais']:9.3f} ± {ev['ll_se']:.3f} nats/image"
    if ev["ll_exact"] is not None:
        line += f"  (exact {ev['ll_exact']:9.3f})"
    return line + f"  ESS {ev['ess']:.0f}"


def train(epochs: int = 100, n_hidden: int = 64, chains: int = 100, batch: int = 50, k: int = 1, lr: float = 3e-3,
          optimizer: str = "adam", weight_decay: float = 1e-4, pt: int = 0, seed: int = 0, eval_every: int = 10,
          ais_chains: int = 200, ais_betas: int = 1000, log=print, data=None) -> dict:
    """Trains an RBM on the digits by PCD; returns the parameters, the model, the chains and the
    evaluations [(epoch, dict)] at epoch 0, every eval_every epochs and at the end."""
    train_set, test_set = load_digits(seed=seed) if data is None else data
    params, rbm = make_rbm(train_set, n_hidden, seed=seed)
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    elif optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr)
    else:
        raise ValueError(f"optimizer: expected 'sgd' or 'adam', got {optimizer!r}")
    gen = torch.Generator().manual_seed(seed)
    # The fantasy chains start from independent pixels at the data's base rates.
    v0 = torch.bernoulli(train_set.mean(0).expand(chains, -1), generator=gen)
    fantasy = FantasyChains(rbm, v0, k, seed=seed, pt_temperatures=pt)

    history = []

    def evaluate_now(epoch):
        ev = evaluate(rbm, test_set, train_set, ais_chains=ais_chains, ais_betas=ais_betas, seed=seed + epoch)
        history.append((epoch, ev))
        if log:
            log(report(epoch, ev))

    evaluate_now(0)
    n = train_set.shape[0]
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n - batch + 1, batch):
            v_data = train_set[order[start:start + batch]]
            v_model = fantasy.advance()
            set_gradients(params, rbm, v_data, v_model, weight_decay)
            opt.step()  # in place: the RBM's borrowed arrays change with it
            if epoch == 1 and start == 0:
                check_borrowed(rbm, params)
        if epoch % max(1, eval_every) == 0 or epoch == epochs:
            evaluate_now(epoch)
    return {"params": params, "rbm": rbm, "fantasy": fantasy, "history": history, "train": train_set,
            "test": test_set}


def plot(result: dict, path: pathlib.Path, n_tiles: int = 64) -> None:
    """Filters (columns of W as 8 × 8 images), fantasy samples and the test log-likelihood curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def tiles(images: np.ndarray) -> np.ndarray:
        n = images.shape[0]
        cols = math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        sheet = np.full((rows * (SIDE + 1) + 1, cols * (SIDE + 1) + 1), np.nan)
        for i, img in enumerate(images):
            r, c = divmod(i, cols)
            sheet[1 + r * (SIDE + 1):(r + 1) * (SIDE + 1), 1 + c * (SIDE + 1):(c + 1) * (SIDE + 1)] = \
                img.reshape(SIDE, SIDE)
        return sheet

    w = result["params"][0].detach().numpy().T[:n_tiles]  # [H, V]
    w = w / np.abs(w).max(axis=1, keepdims=True).clip(min=1e-12)  # each filter on its own scale
    samples = hb.gibbs(result["rbm"], result["test"][:n_tiles], 1000, seed=12345, progress=False).v.numpy()
    epochs = [e for e, _ in result["history"]]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.8))
    axes[0].imshow(tiles(w), cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0].set_title(f"filters: columns of W (H = {w.shape[0]})")
    axes[1].imshow(tiles(samples), cmap="gray_r", vmin=0, vmax=1)
    axes[1].set_title("samples: 1000 Gibbs steps from test images")
    for ax in axes[:2]:
        ax.axis("off")
    ll = np.array([ev["ll_ais"] for _, ev in result["history"]])
    se = np.array([ev["ll_se"] for _, ev in result["history"]])
    axes[2].errorbar(epochs, ll, yerr=se, marker="o", label="AIS ± SE")
    exact = [ev["ll_exact"] for _, ev in result["history"]]
    if exact[0] is not None:
        axes[2].plot(epochs, exact, "k--", label="exact log Z")
    axes[2].set_xlabel("epoch")
    axes[2].set_ylabel("test log-likelihood (nats / image)")
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=64, help="hidden units H (log Z is enumerated for H <= 20)")
    parser.add_argument("--chains", type=int, default=100, help="persistent fantasy chains")
    parser.add_argument("--batch", type=int, default=50, help="training images per update")
    parser.add_argument("--k", type=int, default=1, help="Gibbs steps (or PT rounds' steps) per update")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="sgd: with momentum 0.9")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--pt", type=int, default=0, metavar="K",
                        help="negative chains from parallel tempering over K temperatures (0: plain PCD)")
    parser.add_argument("--eval-every", type=int, default=10, help="epochs between log-likelihood estimates")
    parser.add_argument("--ais-chains", type=int, default=200)
    parser.add_argument("--ais-betas", type=int, default=1000, help="distributions in the AIS schedule")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="rbm_digits", help="output folder for the PNG")
    args = parser.parse_args(argv)
    result = train(args.epochs, args.hidden, args.chains, args.batch, args.k, args.lr, args.optimizer,
                   args.weight_decay, args.pt, args.seed, args.eval_every, args.ais_chains, args.ais_betas)
    first, last = result["history"][0][1], result["history"][-1][1]
    print(f"test log-likelihood: {first['ll_ais']:.3f} -> {last['ll_ais']:.3f} nats/image "
          f"(AIS SE {first['ll_se']:.3f}, {last['ll_se']:.3f})")
    result["png"] = None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: no figure")
    else:
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        result["png"] = out / "rbm_digits.png"
        plot(result, result["png"])
        print(f"wrote {result['png']}")
    return result


if __name__ == "__main__":
    main()
