from __future__ import annotations

import builtins

import numpy as np
import pytest

from hepconditioning import Events
from hepconditioning.datasets import hepmass
from hepconditioning.datasets.hepmass import HEPMASS_FEATURES
from hepconditioning.datasets.hepmass import pythia as hepmass_pythia
from hepconditioning.errors import MissingDependencyError

M_X = 1000.0


@pytest.fixture(scope="module")
def sample() -> Events:
    """300 signal events at 1 TeV and 300 tt̄ events from Pythia 8 (ISR off), ~10 s."""
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    return hepmass.generate_pythia(600, masses=(M_X,), seed=5)


def test_layout_matches_numpy_generator(sample):
    assert sample.x.shape == (600, 27)
    assert sample.x.dtype == np.float32
    assert tuple(sample.feature_names) == tuple(HEPMASS_FEATURES)
    assert np.isfinite(sample.x).all()
    assert int(sample.labels.sum()) == 300
    assert sample.mass_points.tolist() == [M_X]


def test_physics(sample):
    raw = hepmass.unstandardize(sample.x)
    sig = sample.labels == 1
    # exactly one lepton, ≥ 4 jets, b-tags are 0/1
    assert np.round(raw[:, 5]).min() >= 4
    assert set(np.unique(np.round(raw[:, 9:22:4], 4))) <= {0.0, 1.0}
    assert (raw[:, 0] > 20).all() and (np.abs(raw[:, 1]) < 2.5).all()
    # signal m_WWbb peaks near m_X (PHYSICS.md §3: ≈ 0.96 m_X, 10–12 % core), loosely
    counts, edges = np.histogram(raw[sig, 26], bins=np.arange(0.0, 2000.0, 100.0))
    peak = 0.5 * (edges[counts.argmax()] + edges[counts.argmax() + 1])
    assert 0.8 * M_X <= peak <= 1.1 * M_X
    assert 0.75 * M_X < np.median(raw[sig, 26]) < 1.05 * M_X
    # tt̄ background m_WWbb sits well below (median ≈ 450 GeV without ISR)
    assert 350 < np.median(raw[~sig, 26]) < 600
    # hadronic W and top in the χ²-chosen jets
    assert abs(np.median(raw[:, 22]) - 80.4) < 10
    assert abs(np.median(raw[:, 23]) - 172.5) < 25


def test_reproducible_with_seed():
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    a = hepmass.generate_pythia(20, masses=(750.0,), seed=3)
    b = hepmass.generate_pythia(20, masses=(750.0,), seed=3)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.mass, b.mass)


@pytest.mark.parametrize("missing", ["pythia8mc", "fastjet"])
def test_missing_dependency_message(monkeypatch, missing):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == missing:
            raise ImportError(f"No module named {missing!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependencyError, match=r"pip install .hepconditioning\[pythia\].") as info:
        hepmass_pythia.generate_pythia(10)
    assert missing in str(info.value)
    assert isinstance(info.value, ImportError)


def test_bad_input():
    with pytest.raises(ValueError, match="positive integer"):
        hepmass.generate_pythia(0)
    with pytest.raises(ValueError, match="outside"):
        hepmass.generate_pythia(10, masses=(100.0,))
