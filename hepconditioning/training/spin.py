"""Spin-weight batches: train a network conditioned on the H→ττ CP mixing angle α.

Each event enters both hypotheses with its spin weights (soft targets): class A, the scalar,
with W(0), class B with W(α) = :func:`hepconditioning.physics.spin_weight` (h⁻, h⁺, α) of the
same event [Bialas18] arXiv:1803.00838. For a fixed hypothesis the stored columns ``w_a``,
``w_b`` with ``TrainConfig(targets="spin_weights")`` do the same; here W(α) is recomputed
for every batch from the polarimetric vectors, so α can be drawn per event.
"""

from __future__ import annotations

import numpy as np
import torch

from hepconditioning.events import Events
from hepconditioning.physics.tau import spin_weight
from hepconditioning.training.batches import ParameterBatchSource
from hepconditioning.training.config import TrainConfig

__all__ = ["spin_weight_batches"]


def spin_weight_batches(events: Events, config: TrainConfig, *, alpha: float | None = None,
                        alpha_range: tuple[float, float] = (0.0, np.pi / 2)) -> ParameterBatchSource:
    """Batches for ``fit(batches=...)``: scalar (W(0)) vs α (W(α)), W recomputed per batch.

    Args:
        events: H→ττ events with the columns ``h_minus``, ``h_plus`` ``(N, 3)``.
        config: the training configuration (batch size, balance, seed).
        alpha: ``None`` draws α ~ U[``alpha_range``] (rad) for every event, fresh in every batch
            (the α-conditioned network); a number fixes α (a dedicated network).

    The draws depend only on ``(seed, epoch)``, so ``fit(resume=True)`` stays exact.
    """
    h_minus, h_plus = events.column("h_minus"), events.column("h_plus")
    w_a = torch.from_numpy(spin_weight(h_minus, h_plus, 0.0))
    low, high = (float(v) for v in alpha_range)
    if not low < high:
        raise ValueError(f"alpha_range must be (low, high) with low < high, got {alpha_range!r}")

    def parameter(generator: torch.Generator, n: int) -> torch.Tensor:
        if alpha is None:
            return low + torch.rand(n, generator=generator) * (high - low)
        return torch.full((n,), float(alpha))

    def targets(index: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        idx = index.numpy()
        w_b = spin_weight(h_minus[idx], h_plus[idx], values.numpy().astype(np.float64))
        return w_a.index_select(0, index), torch.from_numpy(w_b)

    return ParameterBatchSource(events, config, parameter=parameter, targets=targets)
