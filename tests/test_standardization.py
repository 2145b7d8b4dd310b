from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning import Events, Standardizer
from hepconditioning.nn import AffinePNN, Standardization


def test_fit_centres_and_scales_the_training_features(toy_events: Events) -> None:
    s = Standardizer.fit(toy_events)
    z = s(toy_events.x)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-6)
    np.testing.assert_allclose(s.inverse(z), toy_events.x, rtol=1e-6, atol=1e-6)
    out = s(toy_events)
    assert isinstance(out, Events) and out.feature_names == toy_events.feature_names
    np.testing.assert_allclose(out.x, z.astype(np.float32))


def test_weighted_fit_and_constant_feature() -> None:
    x = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]])
    s = Standardizer.fit(x, weights=[0.0, 1.0, 1.0])
    assert s.center.tolist() == [4.0, 5.0] and s.scale.tolist() == [1.0, 1.0]


def test_clip_and_composition() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(200, 3))
    first = Standardizer.fit(x)
    second = Standardizer(np.array([0.5, 0.0, -0.5]), np.array([2.0, 1.0, 0.5]), clip=1.5)
    both = first.then(second)
    np.testing.assert_allclose(both(x), second(first(x)), atol=1e-12)
    assert np.abs(both(x)).max() == 1.5
    assert Standardizer.from_dict(both.to_dict()) == both


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"center": [0.0, 1.0], "scale": [1.0, 0.0]}, "scale must be > 0"),
    ({"center": [0.0], "scale": [1.0, 2.0]}, "center has 1 values but scale has 2"),
    ({"center": [np.nan], "scale": [1.0]}, "must be finite"),
    ({"center": [0.0], "scale": [1.0], "clip": -1.0}, "clip must be a positive number"),
])
def test_invalid_constants_are_rejected(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Standardizer(**kwargs)


def test_apply_checks_the_number_of_features() -> None:
    with pytest.raises(ValueError, match="fitted on 2 features, got an array of shape"):
        Standardizer.identity(2)(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        Standardizer.fit(np.array([[1.0], [np.inf]]))


def test_torch_module_equals_numpy_and_round_trips() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(100.0, 30.0, size=(50, 4))
    s = Standardizer.fit(x, clip=2.0)
    module = Standardization.from_standardizer(s)
    assert set(module.state_dict()) == {"center", "scale", "clip"}
    out = module(torch.as_tensor(x, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(out, s(x), atol=1e-5)
    assert module.standardizer() == Standardizer(s.center.astype(np.float32), s.scale.astype(np.float32), 2.0)
    assert Standardization(4).standardizer().is_identity


def test_model_carries_its_standardizer() -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    raw = rng.normal(500.0, 100.0, size=(20, 3))
    s = Standardizer.fit(raw)
    model = AffinePNN(3, widths=(8,), dropout=0.0).eval()
    plain = model(torch.as_tensor(s(raw), dtype=torch.float32), 500.0)
    model.set_standardizer(s)
    assert "standardizer.center" in model.state_dict()
    torch.testing.assert_close(model(torch.as_tensor(raw, dtype=torch.float32), 500.0), plain)
    with pytest.raises(ValueError, match="the model has 3 input features but the standardizer was fitted on 2"):
        model.set_standardizer(Standardizer.identity(2))
    with pytest.raises(TypeError, match=r"expects a hepconditioning\.Standardizer"):
        model.set_standardizer(s.to_dict())
