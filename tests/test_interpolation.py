"""Smoke test of analysis/interpolation.py ([Anzalone22] Fig. 9) on the bundled sample."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from matplotlib.image import imread


def _load():
    return importlib.import_module("analysis.interpolation")


def test_interpolation_study_writes_ratios(tmp_path, capsys):
    study = _load()
    out = tmp_path / "interp"
    assert study.main(["--out", str(out), "--epochs", "2", "--drop", "1000", "--quiet"]) == 0
    table = (out / "interpolation.md").read_text().splitlines()
    ratio = [line for line in table if line.startswith("| without_1000 ratio")]
    assert ratio, table
    values = np.array([float(v) for v in ratio[0].strip("|").split("|")[1:]])
    assert values.shape == (5,) and np.all(np.isfinite(values))
    assert np.all((values > 0.8) & (values < 1.2)), values  # interpolation costs little
    image = imread(out / "interpolation.png")
    assert image[..., :3].std() > 0.05
    assert (out / "interpolation.root").exists()


def test_unknown_mass_point_is_refused(tmp_path):
    study = _load()
    with pytest.raises(SystemExit):
        study.main(["--out", str(tmp_path / "x"), "--drop", "900", "--epochs", "1", "--quiet"])
    assert not (tmp_path / "x").exists()
