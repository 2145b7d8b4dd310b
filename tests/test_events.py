from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning import Events
from hepconditioning.errors import MissingColumnError, NonFiniteError


def test_construction_casts_and_defaults():
    ev = Events(np.arange(6).reshape(3, 2), mass=750, labels=[1, 0, 1], feature_names=["a", "b"])
    assert ev.x.dtype == np.float32 and ev.x.flags.c_contiguous
    assert ev.mass.tolist() == [750, 750, 750]
    assert ev.weights.tolist() == [1, 1, 1]
    assert ev.process.dtype == np.int32
    assert ev.mass_points.tolist() == [750.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.zeros(3)}, "2-dimensional"),
        ({"feature_names": ["a"]}, "1 names but x has 2 columns"),
        ({"feature_names": ["a", "a"]}, "unique"),
        ({"labels": [1, 0, 2]}, "labels must be 0"),
        ({"mass": [1, 2]}, "shape (3,)"),
        ({"columns": {"w_a": [1.0]}}, "first dimension 3"),
    ],
)
def test_invalid_input_messages(kwargs, message):
    args = {"x": np.zeros((3, 2)), "mass": 500, "labels": [1, 0, 1], "feature_names": ["a", "b"]}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message.replace("(", r"\(").replace(")", r"\)")):
        Events(args.pop("x"), args.pop("mass"), args.pop("labels"), **args)


def test_non_finite_names_column_and_count():
    x = np.zeros((4, 2))
    x[[1, 3], 1] = [np.nan, np.inf]
    with pytest.raises(NonFiniteError, match=r"'b'.* 2 non-finite .* 4 rows"):
        Events(x, 500, [1, 0, 1, 0], feature_names=["a", "b"])
    with pytest.raises(NonFiniteError, match="'weights'"):
        Events(np.zeros((2, 1)), 500, [1, 0], [1.0, np.nan], feature_names=["a"])


def test_selection_concat_and_columns(toy_events):
    ev = toy_events
    sig = ev[ev.labels == 1]
    assert (sig.labels == 1).all()
    assert len(sig) + len(ev.background) == len(ev)
    assert np.array_equal(sig.column("w_a"), ev.column("w_a")[ev.labels == 1])
    back = Events.concat([sig, ev.background])
    assert len(back) == len(ev)
    assert sorted(back.x[:, 0].tolist()) == sorted(ev.x[:, 0].tolist())
    assert np.array_equal(ev[[0, 5]].x, ev.x[[0, 5]])
    assert np.array_equal(ev[3].x, ev.x[3:4])
    assert np.array_equal(ev.column("f1"), ev.x[:, 1])
    with pytest.raises(MissingColumnError, match="did you mean 'f1'"):
        ev.column("F1")


def test_concat_rejects_mismatched_features(toy_events):
    other = toy_events.replace(feature_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="same columns"):
        Events.concat([toy_events, other])


def test_split_is_stratified_and_seeded(toy_events):
    rest, part = toy_events.split(0.25, seed=3)
    assert len(rest) + len(part) == len(toy_events)
    for m in toy_events.mass_points:
        n_all = np.sum((toy_events.labels == 1) & (toy_events.mass == m))
        n_part = np.sum((part.labels == 1) & (part.mass == m))
        assert n_part == round(0.25 * n_all)
    _rest2, part2 = toy_events.split(0.25, seed=3)
    assert np.array_equal(part.x, part2.x)
    _, part3 = toy_events.split(0.25, seed=4)
    assert not np.array_equal(part.x, part3.x)


def test_to_torch_shares_memory(toy_events):
    t = toy_events.to_torch()
    assert t.x.dtype == torch.float32 and t.x.shape == (600, 3)
    t.x[0, 0] = 123.0
    assert toy_events.x[0, 0] == 123.0


def test_replace_validates(toy_events):
    moved = toy_events.replace(mass=np.full(len(toy_events), 900.0))
    assert set(moved.mass.tolist()) == {900.0}
    with pytest.raises(TypeError, match="unknown field"):
        toy_events.replace(masses=1)
    with pytest.raises(NonFiniteError):
        toy_events.replace(weights=np.full(len(toy_events), np.inf))


def test_condition_is_the_carrier_and_mass_its_hepmass_name():
    x = np.zeros((4, 2), dtype=np.float32)
    by_condition = Events(x, condition=[0.1, 0.1, 0.3, 0.3], labels=[1, 0, 1, 0], feature_names=["a", "b"])
    by_mass = Events(x, mass=[0.1, 0.1, 0.3, 0.3], labels=[1, 0, 1, 0], feature_names=["a", "b"])
    assert by_condition.mass is by_condition.condition
    np.testing.assert_array_equal(by_mass.condition, by_condition.condition)
    assert by_condition.condition_points.tolist() == by_condition.mass_points.tolist() == pytest.approx([0.1, 0.3])
    moved = by_condition.replace(condition=np.full(4, 0.2))
    assert moved.mass.tolist() == pytest.approx([0.2] * 4) and moved[:2].condition.shape == (2,)
    with pytest.raises(TypeError, match="condition= or its HEPMASS name mass=, not both"):
        Events(x, [0.1] * 4, [1, 0, 1, 0], feature_names=["a", "b"], mass=[0.1] * 4)
    with pytest.raises(TypeError, match="condition= or mass=, not both"):
        by_mass.replace(condition=np.ones(4), mass=np.ones(4))
    with pytest.raises(TypeError, match="needs the condition values"):
        Events(x, labels=[1, 0, 1, 0], feature_names=["a", "b"])
