from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning import Events
from hepconditioning.nn import AffinePNN, ConditionedMLP, IndividualNNs, SingleNN, predict


def _events(n: int, masses: np.ndarray) -> Events:
    rng = np.random.default_rng(3)
    labels = (rng.uniform(size=n) < 0.5).astype(np.float32)
    x = rng.normal(size=(n, 4))
    return Events(x, masses, labels, feature_names=["a", "b", "c", "d"])


def _reference(model: torch.nn.Module, events: Events, mass: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return torch.sigmoid(model.eval()(torch.from_numpy(events.x), torch.from_numpy(mass))).numpy()


@pytest.mark.parametrize("distinct", [1, 5, 200])
def test_grouped_scores_equal_the_forward_pass(distinct: int) -> None:
    """predict scores each distinct mass with the conditioning folded into the weights (few
    values) or event by event (many): both equal σ(model(x, mass)) in the original order."""
    rng = np.random.default_rng(distinct)
    n = 1500
    mass = rng.choice(np.linspace(400.0, 1600.0, distinct), n).astype(np.float32)
    events = _events(n, mass)
    torch.manual_seed(0)
    for model in (AffinePNN(4, widths=(16, 8)), ConditionedMLP(4, widths=(16, 8), conditioning="concat",
                                                                where="start"),
                  SingleNN(4, widths=(8,)), IndividualNNs(4, mass_points=[500, 1000], widths=(8,))):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.1 * torch.randn_like(p))
        expected = _reference(model, events, mass)
        for batch_size in (7, 256, 4096):
            scores = predict(model, events, batch_size=batch_size)
            np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
        hypotheses = predict(model, events, hypotheses=[500.0, 1500.0])
        np.testing.assert_allclose(hypotheses[:, 1], _reference(model, events, np.full(n, 1500.0, np.float32)),
                                   rtol=1e-5, atol=1e-6)


def test_predict_takes_the_condition_under_either_name():
    model = AffinePNN(3, widths=(4,), dropout=0.0)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    np.testing.assert_array_equal(predict(model, x, condition=750.0), predict(model, x, mass=750.0))
    np.testing.assert_array_equal(model.predict(x, condition=750.0), model.predict(x, mass=750.0))
    with pytest.raises(ValueError, match="condition= or its HEPMASS name mass=, not both"):
        predict(model, x, condition=750.0, mass=750.0)
