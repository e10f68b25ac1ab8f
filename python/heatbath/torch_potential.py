# SPDX-License-Identifier: Apache-2.0
"""heatbath.TorchPotential: an energy written in torch (a neural network included), gradients by autograd.

    mlp = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.SiLU(), torch.nn.Linear(64, 1))
    pot = hb.TorchPotential(lambda x: mlp(x).squeeze(-1), dim=2, name="mlp")
    res = hb.langevin(pot, torch.zeros(10_000, 2), 100, 0.01, "mala")

Each step evaluates E and ∇E of the whole batch in torch (one forward, one backward) and hands them to
the core, whose update phases (csrc/heatbath/langevin_update.h) move the chains in place through DLPack
with the built-in samplers' update rules and random stream: a TorchPotential of the double well follows
``hb.DoubleWell()``'s trajectory up to the last bits of its gradient. The loop is in
heatbath/_torch/langevin_loop.py. Importing this module does not import torch; building a potential does.
"""
from __future__ import annotations

import numbers

from heatbath import _arrays
from heatbath.targets import Target

__all__ = ["TorchPotential"]


def _torch():
    try:
        import torch  # noqa: PLC0415 (lazy: heatbath imports without torch)
    except ImportError:
        raise ImportError("heatbath.TorchPotential needs torch (pip install torch)") from None
    return torch


def _describe(fn) -> str:
    # A function's own name (a lambda's is '<lambda>'); for a module or other callable object, its class.
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__


def as_torch(a):
    """A torch view of an array from heatbath.langevin's allocations (torch, or numpy on the CPU): no copy,
    except of a read-only numpy array (an input: it is only read)."""
    if a is None or _arrays.framework_of(a) == "torch":
        return a
    if not a.flags.writeable:  # an input that is only read; torch would warn that it cannot protect it
        a = a.copy()
    return _torch().from_numpy(a)


class TorchPotential(Target):
    """A batched torch energy: ``fn(x)`` maps states x [chains, dim] to energies [chains] of x's dtype on
    x's device, differentiably (gradients come from autograd, one backward pass per evaluation).

    fn: a function or an ``nn.Module``; its parameters are never changed and collect no ``.grad``.
    Chains must not interact (no batch statistics: a module with BatchNorm belongs in ``eval()`` mode),
    since ∇E of chain c is taken as the gradient of Σ_c E_c; and fn must be deterministic (no dropout in
    training mode) for runs to be reproducible and to resume bit for bit. dim: the dimension fn expects (None: any).
    name: a label for messages (default: fn's name).
    """

    compiled_by_core = False
    kind = "torch"
    # The step loop reads one scale and one β a step in Python: as device arrays, each would cost a copy to
    # the GPU and a read back (four syncs a call, each draining the queue a training loop keeps full).
    host_schedules = True
    # A fresh hb.langevin run refuses a non-finite E or ∇E at x0 (on the CPU); parallel tempering's tempered
    # potentials switch it off, since a replica at small β may sit where E overflows.
    finite_start_required = True

    def __init__(self, fn, dim=None, name=None):
        super().__init__()
        if not callable(fn):
            raise TypeError(f"argument 'fn': expected a torch callable mapping states [chains, dim] to energies "
                            f"[chains] (a function or an nn.Module), got {type(fn).__name__}")
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 1):
            raise ValueError(f"argument 'dim': expected a positive integer or None, got {dim!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"argument 'name': expected a string, got {type(name).__name__}")
        self._grad = _torch().autograd.grad
        self._ones = None  # the seed of the backward pass, kept for the next call with the same batch
        self.fn = fn
        self.dim = None if dim is None else int(dim)
        self.name = name if name is not None else _describe(fn)

    # --- checks -------------------------------------------------------------------------------------

    def core_params(self, x, dtype: str, device, arg: str) -> dict:
        """Checks that states of this dtype, framework and device suit fn (the loop reads self.fn)."""
        torch = _torch()
        fw = _arrays.framework_of(x)
        if fw not in ("torch", "numpy"):
            raise TypeError(f"argument '{arg}': TorchPotential '{self.name}' takes torch tensors (or numpy arrays on "
                            f"the CPU), got a {fw} array; convert it with torch.from_dlpack")
        if isinstance(self.fn, torch.nn.Module):
            tensors = list(self.fn.named_parameters()) + list(self.fn.named_buffers())
            for pname, t in tensors:
                where = str(t.device)
                if t.device.type != device.kind or (device.kind == "cuda" and t.device.index != device.index):
                    raise ValueError(f"argument '{arg}' is on {device} but the parameter '{pname}' of TorchPotential "
                                     f"'{self.name}' is on {where}; move the module with .to('{device}') or the "
                                     f"states to {where}")
                if t.is_floating_point() and str(t.dtype).replace("torch.", "") != dtype:
                    raise TypeError(f"argument '{arg}' is {dtype} but the parameter '{pname}' of TorchPotential "
                                    f"'{self.name}' is {str(t.dtype).replace('torch.', '')}; convert the module "
                                    f"(e.g. .to(torch.{dtype})) or the states")
        return {}

    def check_energy(self, e, x):
        torch = _torch()
        who = f"heatbath.TorchPotential: the energy function '{self.name}'"
        if not isinstance(e, torch.Tensor):
            raise TypeError(f"{who} returned a {type(e).__name__}; expected a torch tensor of energies [chains]")
        chains = x.shape[0]
        if tuple(e.shape) != (chains,):
            hint = " (squeeze the trailing 1, e.g. mlp(x).squeeze(-1))" if tuple(e.shape) == (chains, 1) else \
                " (one energy per state: reduce over the last dimension, e.g. .sum(-1))"
            # x is every row the call evaluates (replicas × chains in parallel tempering), so its shape is named
            raise ValueError(f"{who} returned shape {tuple(e.shape)}; expected one energy per state, ({chains},) "
                             f"for states of shape {tuple(x.shape)}{hint}")
        if e.dtype != x.dtype:
            raise TypeError(f"{who} returned {str(e.dtype).replace('torch.', '')} energies for "
                            f"{str(x.dtype).replace('torch.', '')} states; expected the states' dtype")
        if e.device != x.device:
            raise ValueError(f"{who} returned energies on {e.device} for states on {x.device}; expected the states' "
                             f"device")
        if e.grad_fn is None:
            raise ValueError(f"{who} returned energies that are not differentiable with respect to x (no autograd "
                             f"graph: was x detached, or were .item(), numpy or torch.no_grad() used inside?)")

    def recheck_energy(self, e, x):
        """check_energy's message when e's shape, dtype or device is not x's; a few attribute reads when they
        are (every step after the first of a run pays this, not the full check)."""
        if not (getattr(e, "shape", None) == x.shape[:1] and e.dtype == x.dtype and e.device == x.device):
            self.check_energy(e, x)

    # --- evaluation ---------------------------------------------------------------------------------

    def call(self, x):
        """fn(x), with a note naming this potential on whatever fn raises (the exception itself passes)."""
        try:
            return self.fn(x)
        except Exception as exc:
            if hasattr(exc, "add_note"):
                dtype = str(x.dtype).replace("torch.", "")
                exc.add_note(f"(raised by the energy function '{self.name}' of a heatbath.TorchPotential, called "
                             f"on {dtype} states of shape {list(x.shape)} on {x.device})")
            raise

    def energy_grad(self, x):
        """(E [chains], ∇E [chains, dim]) of the states x, both detached and C-contiguous, from one forward
        and one backward pass; fn's parameters get no .grad. x must be a normal (not inference) tensor."""
        torch = _torch()
        with torch.inference_mode(False), torch.enable_grad():
            return self.energy_grad_in_grad_mode(x)

    def energy_grad_in_grad_mode(self, x, check: bool = True):
        """energy_grad for callers already inside ``torch.inference_mode(False)`` and ``torch.enable_grad()``
        (the sampling loops enter them once per run, not once per step). check=False keeps only the cheap
        checks (shape, dtype and device of what fn returned: a torch energy that changed them mid-run would
        otherwise be broadcast or cast silently), for the steps after the first of a run."""
        xg = x.detach().requires_grad_(True)
        e = self.call(xg)
        if not check:
            self.recheck_energy(e, x)
            (g,) = self._grad(e, (xg,), self._ones_like(e))
            return e.detach().contiguous(), g.contiguous()
        self.check_energy(e, x)
        (g,) = self._grad(e, (xg,), self._ones_like(e), allow_unused=True)
        if g is None:
            raise ValueError(f"heatbath.TorchPotential: the energy function '{self.name}' returned energies that do "
                             f"not depend on x (autograd found no gradient)")
        return e.detach().contiguous(), g.contiguous()

    def _ones_like(self, e):
        """ones like e [chains], the backward pass's seed: ∇E of every chain in one pass, as the gradient of
        Σ_c E_c, without the sum's forward and backward kernels (two launches a step, which on a GPU's
        launch-bound small batches are a good part of what a step costs beside fn's own passes). Kept
        between calls: the same tensor while the batch's shape, dtype and device stay."""
        ones = self._ones
        if ones is None or ones.shape != e.shape or ones.dtype != e.dtype or ones.device != e.device:
            ones = self._ones = _torch().ones(e.shape, dtype=e.dtype, device=e.device)
        return ones

    def energy_only(self, x, check: bool = False):
        """E [chains] of the states x, detached and C-contiguous, from a forward pass alone (no backward):
        for a run's last energy and the swap energies of tempering. fn runs as it does for the gradient
        (grad mode on, x a leaf that requires grad), so that an fn which takes derivatives itself works, and
        E has the bits of the same state's E in a step. check: check what fn returns (the steps check it at
        their first call)."""
        torch = _torch()
        with torch.inference_mode(False), torch.enable_grad():
            xg = x.detach()
            if xg.is_inference():
                xg = xg.clone()
            xg.requires_grad_(True)
            e = self.call(xg)
            if check:
                self.check_energy(e, x)
            else:
                self.recheck_energy(e, x)
        return e.detach().contiguous()

    def run_langevin(self, *, device, stream, **run) -> None:
        """heatbath.langevin's backend for this potential (the core's argument conventions)."""
        from heatbath._torch.langevin_loop import run_langevin

        run_langevin(self, device=device, stream=stream, **run)

    def evaluate(self, x, grad, energy, *, device, stream) -> None:
        """heatbath.energy and heatbath.grad for this potential: E into energy [chains], ∇E into grad."""
        torch = _torch()
        self.core_params(x, _arrays.dtype_of(x), device, "x")
        x = as_torch(x)
        if x.is_inference():
            with torch.inference_mode(False):
                x = x.clone()
        e, g = self.energy_grad(x)
        as_torch(energy).copy_(e)
        as_torch(grad).copy_(g)

    def __repr__(self) -> str:
        return f"TorchPotential(name={self.name!r}, dim={self.dim})"
