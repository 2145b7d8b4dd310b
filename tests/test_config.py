from __future__ import annotations

import pytest

from hepconditioning.config import load_config, parse_config
from hepconditioning.errors import ConfigError
from hepconditioning.io import bundled_path
from hepconditioning.training import TrainConfig


def test_demo_card_is_valid():
    config = load_config(bundled_path("demo.toml"))
    assert [m.label for m in config.models] == ["AffinePNN", "pNN"]
    assert isinstance(config.training, TrainConfig)
    assert config.data.kind == "hepmass"


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"trainig": {}}, r"unknown section \[trainig\]; did you mean \[training\]"),
        ({"training": {"epoch": 3}}, "unknown key 'epoch' in \\[training\\]; did you mean 'epochs'"),
        ({"training": {"epochs": "ten"}}, r"epochs = 'ten' has type str, expected int"),
        ({"training": {"balance": "clas"}}, "did you mean 'class'"),
        ({"models": [{"type": "AffinePN"}]}, "unknown model type 'AffinePN'.*did you mean 'AffinePNN'"),
        ({"models": [{"type": "AffinePNN", "dropuot": 0.1}]}, "unknown option 'dropuot'.*'dropout'"),
        ({"data": {"kind": "hepmas"}}, "kind = 'hepmas' is not one of"),
        ({"data": {"source": "missing.csv.gz"}}, "source file .*missing.csv.gz.* does not exist"),
        ({"output": {"bins": 2.5}}, "bins = 2.5 has type float, expected int"),
    ],
)
def test_bad_cards_are_refused_with_a_clear_message(card, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        parse_config(card, base=tmp_path)


def test_card_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[training\nepochs = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    other = tmp_path / "card.json"
    other.write_text("{}")
    with pytest.raises(ConfigError, match="unknown format"):
        load_config(other)


def test_yaml_card_and_relative_source(tmp_path):
    (tmp_path / "events.csv.gz").write_bytes(b"")
    card = tmp_path / "run.yaml"
    card.write_text("data:\n  source: events.csv.gz\nmodels:\n  - type: ParametricNN\n"
                    "training:\n  epochs: 2\n")
    config = load_config(card)
    assert config.data.source == str(tmp_path / "events.csv.gz")
    assert config.training.epochs == 2
    assert config.source_path == card.resolve()
