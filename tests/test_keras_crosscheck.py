"""The committed Keras cross-check (benchmarks/keras_crosscheck.py, issue 19) meets its acceptance:
this package's pNN and AffinePNN and Keras models of the reference implementation, trained on
the same events with the same scheme and seeds, agree at every mass within 2 points or within
2 standard deviations of the seed spread. The acceptance is recomputed from the per-seed AUCs,
not read from the file's own flags."""

from __future__ import annotations

import json
import math
from pathlib import Path

RESULT = Path(__file__).resolve().parents[1] / "results" / "anzalone22" / "keras_crosscheck.json"
MASSES = ("500", "750", "1000", "1250", "1500")


def _mean_std(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def test_torch_and_keras_agree_at_every_mass() -> None:
    record = json.loads(RESULT.read_text())
    assert set(record["models"]) == {"pNN", "AffinePNN"} and len(record["seeds"]) >= 3
    for name, model in record["models"].items():
        assert len(model["torch"]) == len(model["keras"]) == len(record["seeds"]), name
        for mass in MASSES:
            torch_mean, torch_std = _mean_std([run[mass] for run in model["torch"]])
            keras_mean, keras_std = _mean_std([run[mass] for run in model["keras"]])
            difference = abs(torch_mean - keras_mean)
            spread = math.hypot(torch_std, keras_std)
            assert difference <= 2.0 or difference <= 2.0 * spread, (name, mass, torch_mean, keras_mean, spread)
            assert model["acceptance"][mass]["ok"]  # the file says what the test finds
