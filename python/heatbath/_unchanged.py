# SPDX-License-Identifier: Apache-2.0
"""Knowing, without a scan, that arrays still hold what heatbath wrote into them.

A continued run re-checks its state for NaN and infinity on every call; in a training loop (persistent
contrastive divergence: one short ``hb.gibbs`` call per update) that scan costs as much as the sampling
of a small model. torch counts the in-place changes of every tensor (``Tensor._version``), so a state
whose tensors are at the versions they had when heatbath finished writing them still holds heatbath's
output, which is finite. Only that fact is cached: every other check still runs on every call.

What this does not see: writes that bypass torch's counter (through a numpy view or another DLPack
consumer of the same memory). Arrays of other frameworks have no counter and are always scanned, and
so are inference tensors (made under ``torch.inference_mode()``), which have none either.
"""
from __future__ import annotations

from typing import Any

from heatbath import _arrays

_ATTR = "_heatbath_written_versions"


def remember(holder: Any, *arrays: Any) -> None:
    """Record on ``holder`` (a frozen state object: set through object.__setattr__, outside its
    dataclass fields, so saving and comparing states ignore it) the versions of ``arrays`` now."""
    if all(_arrays.framework_of(a) == "torch" and not a.is_inference() for a in arrays):
        object.__setattr__(holder, _ATTR, (tuple(map(id, arrays)), tuple(a._version for a in arrays)))


def unchanged(holder: Any, *arrays: Any) -> bool:
    """True when ``remember(holder, *arrays)`` was called with these very arrays and none has been
    changed in place (through torch) since."""
    record = getattr(holder, _ATTR, None)
    if record is None:
        return False
    ids, versions = record
    if ids != tuple(map(id, arrays)) or any(a.is_inference() for a in arrays):
        return False
    return versions == tuple(a._version for a in arrays)
