"""Smoke tests of the H→ττ study scripts in analysis/ (``--quick`` runs in ``tmp_path``)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType

import pytest
import uproot

pytest.importorskip("hepconditioning.datasets.htautau.generator", reason="H→ττ generator not available")


def _script(name: str) -> ModuleType:
    return importlib.import_module(f"analysis.{name}")


def _finite_numbers(value: object) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _finite_numbers(v)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _finite_numbers(v)]
    return [float(value)] if isinstance(value, int | float) else []


def test_multi_instance_study_quick(tmp_path: Path) -> None:
    out = tmp_path / "mi"
    assert _script("htautau_multi_instance").main(["--out", str(out), "--quick"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    numbers = _finite_numbers(summary["cases"])
    assert numbers and all(math.isfinite(x) for x in numbers)
    for case in summary["cases"].values():
        assert 0.5 < case["oracle_auc"] < 1
    assert (out / "summary.md").read_text().startswith("# H→ττ")
    assert (out / "auc_vs_epoch.png").stat().st_size > 0
    with uproot.open(out / "htautau_multi_instance.root") as file:
        assert "pseudoscalar_complete/llr_oracle_a" in file
        assert file["pseudoscalar_complete/llr_oracle_a"].values().sum() > 0


def test_cp_angle_network_quick(tmp_path: Path) -> None:
    out = tmp_path / "cp"
    assert _script("cp_angle_network").main(["--out", str(out), "--quick"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    numbers = _finite_numbers([summary["auc"], summary["alpha_estimate"]])
    assert numbers and all(math.isfinite(x) for x in numbers)
    assert len(summary["auc"]["conditioned"]) == len(summary["auc"]["dedicated"]) == 4
    assert all(0.5 < auc < 1 for auc in summary["auc"]["oracle"])
    assert (out / "auc_vs_alpha.png").stat().st_size > 0
    assert (out / "alpha_estimate.png").stat().st_size > 0
    with uproot.open(out / "cp_angle_network.root") as file:
        assert len(file["auc"]["alpha"].array(library="np")) == 4


def test_oracle_comparison_is_two_sided() -> None:
    """Issue 11 item 16: an NN above the oracle is a failure, not a pass."""
    study = importlib.import_module("benchmarks.htautau_study")
    assert study.within_oracle(0.780, 0.788) and study.within_oracle(0.790, 0.788)
    assert not study.within_oracle(0.770, 0.788)
    assert not study.within_oracle(0.810, 0.788)  # above the best possible classifier


def test_threshold_spreads_compare_the_same_networks() -> None:
    """Issue 11 item 16: a network without an optimal threshold is left out of both sides."""
    import numpy as np

    script = _script("htautau_multi_instance")
    n = script.N_VALUES.astype(float)
    ones = np.ones(len(n))

    def table(tpr_fixed, tpr_optimal):
        return {"n": n, "t_opt": np.zeros(len(n)) + tpr_optimal * 0, "tpr_fixed": tpr_fixed * ones,
                "fpr_fixed": 0.1 * ones, "tpr_optimal": tpr_optimal * ones, "fpr_optimal": 0.1 * ones}

    tables = {1: table(0.50, np.nan), 2: table(0.80, 0.85), 3: table(0.82, 0.85)}  # epoch 1: no optimum
    spreads = script.threshold_spreads(tables)
    assert spreads["spread_compared_epochs"] == [2, 3]
    assert spreads["spread_fixed"] == pytest.approx(0.02)  # not 0.32 with epoch 1 on this side only
    assert spreads["spread_optimal"] == 0.0
    assert math.isnan(script.spread(list(tables.values()), "optimal"))  # never a silent subset
