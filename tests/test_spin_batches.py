"""training.spin_weight_batches: α drawn per event, W(α) recomputed per batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning.datasets import htautau
from hepconditioning.training import TrainConfig, spin_weight_batches


@pytest.fixture(scope="module")
def events():
    return htautau.generate(600, selection=True, seed=4)


def test_batches_draw_alpha_in_range_and_carry_spin_weights(events):
    config = TrainConfig(epochs=1, batch_size=128, balance="none", seed=3)
    source = spin_weight_batches(events, config, alpha_range=(0.2, 1.0))
    masses = torch.cat([batch.mass.reshape(-1) for batch in source])
    assert len(masses) == len(events) and masses.min() >= 0.2 and masses.max() <= 1.0
    fixed = spin_weight_batches(events, config, alpha=np.pi / 2)
    batch = next(iter(fixed))
    assert torch.all(batch.mass == np.float32(np.pi / 2))
    first = [b.mass.clone() for b in spin_weight_batches(events, config)]
    second = [b.mass.clone() for b in spin_weight_batches(events, config)]
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))  # (seed, epoch) fixes the draws
    with pytest.raises(ValueError, match="alpha_range"):
        spin_weight_batches(events, config, alpha_range=(1.0, 1.0))
