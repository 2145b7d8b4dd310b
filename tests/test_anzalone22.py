"""analysis/anzalone22: the small scale produces every table and figure, complete; committed
results are complete and the report is reproducible from the per-network JSON."""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "anzalone22"
TABLES = ("table3", "table4", "table5", "fig14")
FIGURES = ("fig14.png", "fig14c.png", "fig15.png", "table3.png", "table5.png")


@pytest.fixture(scope="module")
def study():
    return {name: importlib.import_module(f"analysis.anzalone22.{name}") for name in ("run", "studies", "report")}


def _check_complete(out: Path, studies, scale) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scale"] == scale.name
    for study in TABLES:
        assert summary["missing"][study] == [], (study, summary["missing"][study])
        expected = {spec.label for spec in studies.specs(study, scale)}
        assert set(summary["studies"][study]) == expected
        for rows in summary["studies"][study].values():
            assert len(rows["mass"]) == 9  # five HEPMASS points and four continuous masses
            for stats in rows["mass"].values():
                low, high = stats["auc_ci"]
                assert 0.0 <= low <= high <= 1.0 and 0.0 <= stats["sigma_ratio"] <= 1.0
        text = (out / f"{study}.md").read_text()
        assert "missing" not in text and "GeV" in text
    for name in FIGURES:
        assert (out / name).stat().st_size > 10_000, name
    assert set(summary["claims"]) == {"a", "b", "c", "d"}
    assert all(c["verdict"] in ("reproduced", "not reproduced", "not significant", "partly reproduced")
               for c in summary["claims"].values())
    return summary


@pytest.mark.slow
def test_small_scale_produces_every_table_and_figure(study, tmp_path) -> None:
    scale = study["studies"].load_scale("small")
    out, work = tmp_path / "small", tmp_path / "work"
    assert study["run"].main(["all", "--scale", "small", "--out", str(out), "--work", str(work), "--quiet"]) == 0
    first = _check_complete(out, study["studies"], scale)
    assert (out / "tables.root").exists()
    # a rerun trains nothing (every network's JSON exists) and gives the same report
    models = sorted(p.name for p in (out / "models").glob("*.json"))
    assert study["run"].main(["all", "--scale", "small", "--out", str(out), "--work", str(work), "--quiet"]) == 0
    assert sorted(p.name for p in (out / "models").glob("*.json")) == models
    assert json.loads((out / "summary.json").read_text()) == first


def test_committed_small_results_are_complete_and_reproducible(study, tmp_path) -> None:
    scale = study["studies"].load_scale("small")
    committed = RESULTS / "small"
    summary = _check_complete(committed, study["studies"], scale)
    copy = tmp_path / "small"
    shutil.copytree(committed / "models", copy / "models")
    assert study["report"].write_report(copy, scale) == json.loads(json.dumps(summary))



def test_estimate_and_bad_scale(study, capsys) -> None:
    assert study["run"].main(["table4", "--scale", "paper", "--estimate"]) == 0
    assert "CPU-hours" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="run card"):
        study["studies"].load_scale("huge")


def test_committed_paper_table4(study) -> None:
    summary = json.loads((RESULTS / "paper" / "summary.json").read_text())
    assert summary["scale"] == "paper"
    rows = summary["studies"]["table4"]
    assert {"pNN", "AffinePNN"} <= set(rows)  # the rows of verdict (a), the reference scheme
    assert summary["epochs"] == 25
    for stats in rows.values():
        assert stats["n_train"] > 2_800_000  # the paper's counts: 75 % of 3.5M background + 352k signal
        assert len(stats["mass"]) == 9 and stats["epochs_done"] == 25
    assert set(summary["claims"]) == {"a", "b", "c", "d"}
    assert summary["claims"]["a"]["checks"]  # verdict (a) measured, with its σ
    assert all(c["sigma"] > 0 for c in summary["claims"]["a"]["checks"])
