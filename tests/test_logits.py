"""nn.logits: the one batched, eval-mode model call."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning.nn import AffinePNN, SingleNN, logits


def test_logits_equal_the_eval_mode_forward_in_any_batch_size():
    model = AffinePNN(4, widths=(8, 8), dropout=0.5)
    x = np.random.default_rng(0).normal(size=(37, 4)).astype(np.float32)
    mass = np.full(37, 750.0, np.float32)
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x), torch.from_numpy(mass)).numpy()
    model.train()
    for batch_size in (1, 10, 100):
        np.testing.assert_allclose(logits(model, x, mass, batch_size=batch_size), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(logits(model, x, 750.0), expected, rtol=1e-6, atol=1e-6)  # scalar condition
    assert model.training  # mode restored


def test_logits_without_condition_and_errors():
    model = SingleNN(3, widths=(4,), dropout=0.0)
    x = torch.zeros(5, 3)
    out = logits(model, x)
    assert out.shape == (5,) and out.dtype == np.float32
    assert logits(model, x[:0]).shape == (0,)
    with pytest.raises(ValueError, match="mass has 2 values for 5 events"):
        logits(AffinePNN(3, widths=(4,)), x, np.ones(2))
    with pytest.raises(ValueError, match="batch_size"):
        logits(model, x, batch_size=0)
