"""The self-contained model file: raw-input scoring, metadata, checksum, old format."""

from __future__ import annotations

import json

import awkward as ak
import numpy as np
import pytest
import torch

from hepconditioning.cli import main
from hepconditioning.config import load_config
from hepconditioning.datasets.hepmass import FEATURES, physical
from hepconditioning.errors import CorruptFileError, MissingColumnError
from hepconditioning.evaluation import evaluation_events, read_results
from hepconditioning.nn import AffinePNN, Condition, ExtrapolationWarning
from hepconditioning.pipeline import load_data
from hepconditioning.training import (
    OldModelFormatError,
    load_model,
    save_model,
)

CARD = """# a small run for the model-file tests
[data]
source = 3000
seed = 5

[[models]]
type = "AffinePNN"
widths = [16, 8]

[training]
epochs = 1
batch_size = 256
seed = 7
threads = 1

[output]
plots = false
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("model_file")
    card = base / "card.toml"
    card.write_text(CARD)
    out = base / "out"
    assert main(["train", str(card), "--out", str(out), "--quiet"]) == 0
    return card, out


def test_raw_inputs_reproduce_the_pipeline_scores(run) -> None:
    card, out = run
    model = load_model(out / "models" / "AffinePNN.pt")
    _, _, test = load_data(load_config(card))
    evaluation = evaluation_events(physical(test))  # raw features: GeV, rad, counts
    expected = read_results(out / "results.root").scores["AffinePNN"]
    np.testing.assert_allclose(model.predict(evaluation.x, mass=evaluation.mass), expected, rtol=1e-6, atol=1e-7)
    assert model.predict(evaluation).dtype == np.float32


def test_model_file_metadata(run) -> None:
    card, out = run
    model = load_model(out / "models" / "AffinePNN.pt")
    info = model.trained_on
    assert info.features == FEATURES and info.features[26].unit == "GeV" and info.features[2].unit == "rad"
    assert info.condition == Condition("mass", "GeV", (500.0, 750.0, 1000.0, 1250.0, 1500.0), (500.0, 1500.0))
    assert (info.seed, info.threads) == (7, 1)
    meta = model.metadata
    assert meta["card"] == card.read_text() and str(card.parent) not in json.dumps(meta)
    assert set(meta["versions"]) == {"hepconditioning", "torch", "numpy", "python"}
    assert meta["conditioned"] is True and meta["condition"]["unit"] == "GeV"
    assert len(meta["standardizer"]["center"]) == 27
    # the standardization is fitted on the training split: far from the identity in GeV
    assert 50 < model.standardizer.standardizer().center[0] < 200


def _model() -> AffinePNN:
    from hepconditioning import Events, Standardizer
    from hepconditioning.training import TrainConfig, fit

    rng = np.random.default_rng(0)
    labels = np.arange(400) % 2
    mass = rng.choice([500.0, 1000.0], 400)
    x = rng.normal(100.0, 20.0, (400, 3)) + labels[:, None] * mass[:, None] / 50
    events = Events(x, mass, labels, feature_names=["pt", "eta", "m"])
    torch.manual_seed(0)
    model = AffinePNN(3, widths=(8,), dropout=0.0)
    model.set_standardizer(Standardizer.fit(events))
    fit(model, events, validation=events, config=TrainConfig(epochs=1, batch_size=100), progress=False)
    return model


def test_every_input_form_and_condition_form(tmp_path) -> None:
    model = load_model(save_model(tmp_path / "m.pt", _model()))
    rng = np.random.default_rng(1)
    x = rng.normal(100.0, 20.0, (50, 3)).astype(np.float32)
    named = {"m": x[:, 2], "pt": x[:, 0], "eta": x[:, 1], "other": x[:, 0]}
    reference = model.predict(x, mass=750.0)
    assert reference.shape == (50,)
    np.testing.assert_array_equal(model.predict(named, mass=750.0), reference)
    np.testing.assert_array_equal(model.predict(ak.zip(named), mass=750.0), reference)
    structured = np.rec.fromarrays([x[:, 0], x[:, 1], x[:, 2]], names="pt,eta,m")
    np.testing.assert_array_equal(model.predict(structured, mass=750.0), reference)
    both = model.predict(x, hypotheses=[500, 750, 1000])
    assert both.shape == (50, 3)
    np.testing.assert_array_equal(both[:, 1], reference)
    per_event = np.where(np.arange(50) % 2, 500.0, 1000.0)
    np.testing.assert_allclose(model.predict(x, mass=per_event), np.where(np.arange(50) % 2, both[:, 0], both[:, 2]))
    with pytest.warns(ExtrapolationWarning, match=r"mass values 2000–2000 GeV reach outside .*\[500, 1000\] GeV"):
        model.predict(x, mass=2000.0)


def test_input_errors_name_what_is_missing(tmp_path) -> None:
    model = _model()
    x = np.zeros((4, 3))
    with pytest.raises(MissingColumnError, match="'eta' not found in the inputs"):
        model.predict({"pt": x[:, 0], "etaa": x[:, 1], "m": x[:, 2]}, mass=500.0)
    with pytest.raises(ValueError, match=r"expects 3 features \(N, 3\), got shape \(4, 2\)"):
        model.predict(x[:, :2], mass=500.0)
    with pytest.raises(ValueError, match="give the condition"):
        model.predict(x)
    with pytest.raises(ValueError, match="use hypotheses="):
        model.predict(x, mass=[500.0, 750.0])
    with pytest.raises(ValueError, match="non-finite"):
        model.predict(np.full((4, 3), np.nan), mass=500.0)


def test_damaged_files_are_refused_by_name(tmp_path) -> None:
    path = save_model(tmp_path / "m.pt", _model())
    data = bytearray(path.read_bytes())
    # flip one bit in the middle of the largest stored tensor (the weights)
    flipped = tmp_path / "flipped.pt"
    blob = bytes(data)
    payload = torch.load(path, weights_only=True)
    weight = payload["state_dict"]["dense.0.weight"].numpy().tobytes()
    at = blob.index(weight) + len(weight) // 2
    data[at] ^= 0x04
    flipped.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(blob[: len(blob) // 2])
    text = tmp_path / "text.pt"
    text.write_text("this is not a model\n")
    for bad in (flipped, truncated, text):
        with pytest.raises(CorruptFileError, match=rf"model file '{bad}' is damaged"):
            load_model(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "missing.pt")


def test_old_format_is_refused_with_how_to_resave(tmp_path) -> None:
    model = _model()
    old = tmp_path / "old.pt"
    torch.save({"format": "hepconditioning-model/1", "class": "AffinePNN", "config": json.dumps(model.config),
                "state_dict": model.state_dict(), "metadata": "{}"}, old)
    with pytest.raises(OldModelFormatError, match=r"old format .*`hepconditioning train CARD`"):
        load_model(old)


def test_untrained_model_is_not_saved(tmp_path) -> None:
    with pytest.raises(ValueError, match="no training record"):
        save_model(tmp_path / "m.pt", AffinePNN(3))
    assert not list(tmp_path.iterdir())
