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

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"analysis_{name}", ANALYSIS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
