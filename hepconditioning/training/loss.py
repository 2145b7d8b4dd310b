"""Weighted binary cross-entropy on logits, with two-hypothesis soft targets.

For logit ``z`` and targets ``(a, b)`` an event contributes

    ℓ = w · [a · BCE(z, 1) + b · BCE(z, 0)] = w · [(a + b) softplus(z) − a z],

with ``BCE(z, 1) = softplus(−z)`` and ``BCE(z, 0) = softplus(z)``. Labels give ``a = y``,
``b = 1 − y``; a two-hypothesis sample (e.g. H→ττ events reweighted to CP hypotheses A and B
by spin weights ``w_a``, ``w_b``) gives ``a = w_a``, ``b = w_b``. Since
``(a + b) softplus(z) − a z = (a + b) BCE(z, t)`` with ``t = a / (a + b)``, the loss is one
fused ``binary_cross_entropy_with_logits`` call with target ``t`` and weight ``w (a + b)``
(:func:`soft_targets` precomputes both). The batch loss is the mean over events (Keras
convention; negative weights allowed); scaling every weight by a constant scales the loss and
leaves its minimum where it was.
"""

from __future__ import annotations

import torch
from torch.nn import functional

__all__ = ["soft_targets", "weighted_bce"]


def soft_targets(a: torch.Tensor, b: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(t, w')`` with ``t = a / (a + b)`` (0 where ``a + b = 0``) and ``w' = w (a + b)``."""
    total = a + b
    target = torch.where(total != 0, a / torch.where(total != 0, total, 1), 0)
    return target.to(torch.float32), (weights * total).to(torch.float32)


def weighted_bce(logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Mean over events of ``w [softplus(z) − t z]``; ``logits``, ``targets``, ``weights`` ``(N,)``.

    Example:
        >>> weighted_bce(torch.zeros(2), torch.tensor([1.0, 0.0]), torch.ones(2))
        tensor(0.6931)
    """
    return functional.binary_cross_entropy_with_logits(logits, targets, weight=weights)
