"""ONNX export: the condition as an input, the standardization inside, equal to torch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hepconditioning import Events, Standardizer
from hepconditioning.contract import Condition
from hepconditioning.nn import AffinePNN, IndividualNNs, ParametricNN, SingleNN
from hepconditioning.training import TrainConfig, fit, save_model

onnx = pytest.importorskip("onnx", reason="the onnx extra: pip install 'hepconditioning[onnx]'")
pytest.importorskip("onnxruntime", reason="the onnx extra: pip install 'hepconditioning[onnx]'")

from hepconditioning.export import OnnxScorer, to_onnx  # noqa: E402


def _trained(cls, **options):
    rng = np.random.default_rng(0)
    labels = np.arange(600) % 2
    mass = rng.choice([500.0, 1000.0], 600)
    x = rng.normal([100.0, 0.0, 300.0], [30.0, 1.0, 80.0], (600, 3)) + labels[:, None] * mass[:, None] / 20
    events = Events(x, mass, labels, feature_names=["pt", "eta", "m"])
    model = cls(3, **options)
    model.set_standardizer(Standardizer.fit(events, clip=4.0))
    fit(model, events, validation=events, config=TrainConfig(epochs=1, batch_size=100), progress=False)
    return model


@pytest.mark.parametrize(("cls", "options"), [
    (AffinePNN, {"widths": (16, 8)}), (ParametricNN, {"widths": (16,)}),
    (IndividualNNs, {"mass_points": (500, 1000), "widths": (8,)}), (SingleNN, {"widths": (8,)})],
    ids=lambda v: getattr(v, "__name__", ""))
def test_onnx_runtime_equals_torch(cls, options, tmp_path):
    model = _trained(cls, **options)
    path = save_model(tmp_path / "model.pt", model)
    rng = np.random.default_rng(3)
    x = rng.normal([100.0, 0.0, 300.0], [60.0, 2.0, 200.0], (1000, 3)).astype(np.float32)  # some clipped
    scorer = OnnxScorer(path)
    expected = model.predict(x, hypotheses=[500.0, 750.0, 1000.0])
    np.testing.assert_allclose(scorer.predict(x, hypotheses=[500.0, 750.0, 1000.0]), expected, atol=1e-5)
    per_event = rng.choice([500.0, 1000.0], 1000)
    np.testing.assert_allclose(scorer.predict(x, mass=per_event), model.predict(x, mass=per_event), atol=1e-5)
    assert not model.training


def test_onnx_graph_inputs_and_metadata(tmp_path):
    model = _trained(AffinePNN, widths=(8,), condition=Condition("alpha", "rad"))
    path = to_onnx(model, tmp_path / "model.onnx")
    graph = onnx.load(str(path))
    assert [i.name for i in graph.graph.input] == ["x", "alpha"]
    assert [o.name for o in graph.graph.output] == ["probability"]
    assert {"Sub", "Div", "Clip"} <= {n.op_type for n in graph.graph.node}  # the standardization
    meta = json.loads({p.key: p.value for p in graph.metadata_props}["hepconditioning"])
    assert [f["name"] for f in meta["features"]] == ["pt", "eta", "m"] and meta["condition"]["unit"] == "rad"
    scorer = OnnxScorer(path)
    x = np.random.default_rng(1).normal(100.0, 30.0, (20, 3))
    np.testing.assert_allclose(scorer.predict({"pt": x[:, 0], "eta": x[:, 1], "m": x[:, 2]}, mass=700.0),
                               model.predict(x, mass=700.0), atol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]
