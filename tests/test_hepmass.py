from __future__ import annotations

import numpy as np
import pytest

from hepconditioning import Events
from hepconditioning.datasets import hepmass
from hepconditioning.datasets.hepmass import partons
from hepconditioning.io import HEPMASS_FEATURES
from hepconditioning.physics import kinematics as kin

MASSES = (500.0, 750.0, 1000.0, 1250.0, 1500.0)


@pytest.fixture(scope="module")
def sample() -> Events:
    """24k generated events with truth columns (ISR off)."""
    return hepmass.generate(24_000, seed=11, truth=True)


def raw(events: Events) -> np.ndarray:
    return hepmass.unstandardize(events.x)


# -- physics -----------------------------------------------------------------------------
def test_four_momentum_conserved_before_smearing():
    rng = np.random.default_rng(3)
    m_tt = np.concatenate([partons.signal_mtt(np.full(2000, 1000.0), rng=rng),
                           partons.background_mtt(2000, rng=rng)])
    labels = np.r_[np.ones(2000), np.zeros(2000)]
    for isr in (False, True):
        p = partons.hard_process(m_tt, labels, rng=rng, isr=isr)
        total = p.lepton + p.neutrino + p.b_lep + p.b_had + p.q1 + p.q2
        scale = p.ttbar[:, 3:4]
        np.testing.assert_allclose(total / scale, p.ttbar / scale, atol=1e-6)
        np.testing.assert_allclose(p.top_lep + p.top_had, p.ttbar, rtol=0, atol=1e-6 * scale.max())
        np.testing.assert_allclose(kin.mass(p.ttbar), m_tt, rtol=1e-6)
        # the tt̄ system recoils against the ISR partons
        if isr:
            np.testing.assert_allclose((p.ttbar + p.isr.sum(axis=1))[:, :2], 0.0, atol=1e-6 * scale.max())
    assert abs(np.median(kin.mass(p.w_had)) - partons.W_MASS) < 0.5
    assert abs(np.median(kin.mass(p.top_lep)) - partons.TOP_MASS) < 0.5


def test_background_mtt_spectrum_falls_above_threshold():
    m = partons.background_mtt(200_000, rng=np.random.default_rng(0))
    assert m.min() >= 2 * partons.TOP_MASS
    assert 450 < np.median(m) < 520  # Pythia tt̄: 485 GeV (PHYSICS.md §3)
    counts, _ = np.histogram(m, bins=np.arange(350, 2050, 100))
    assert np.argmax(counts) <= 1 and np.all(np.diff(counts[1:]) < 0)


@pytest.mark.parametrize("m_x", MASSES)
def test_signal_mwwbb_peaks_at_mx(sample, m_x):
    sig = sample[(sample.labels == 1) & (sample.mass == m_x)]
    m_wwbb = raw(sig)[:, 26]
    counts, edges = np.histogram(m_wwbb, bins=np.linspace(0.5 * m_x, 1.5 * m_x, 51))
    smooth = np.convolve(counts, np.ones(3) / 3, mode="same")
    peak = 0.5 * (edges[:-1] + edges[1:])[np.argmax(smooth)]
    assert abs(peak / m_x - 1) < 0.05, peak
    q16, q84 = np.percentile(m_wwbb, [16, 84])
    resolution = 0.5 * (q84 - q16) / m_x
    assert 0.05 < resolution < 0.20, resolution


def test_hadronic_w_and_top_masses_for_correct_assignment(sample):
    r = raw(sample)
    correct = sample.column("assignment_correct") == 1
    assert 0.4 < correct.mean() < 0.9
    assert abs(np.median(r[correct, 22]) - partons.W_MASS) < 4.0
    assert abs(np.median(r[correct, 23]) - partons.TOP_MASS) < 8.0
    # wrong assignments are much broader
    assert np.std(r[~correct, 23]) > 1.5 * np.std(r[correct, 23])


def test_background_mwwbb_falls_above_500(sample):
    m_wwbb = raw(sample.background)[:, 26]
    assert 400 < np.median(m_wwbb) < 520  # Pythia without ISR: ≈ 450 GeV
    counts, _ = np.histogram(m_wwbb, bins=np.arange(500, 1600, 100))
    assert np.all(np.diff(counts) < 0)


def test_neutrino_and_selection_like_pythia(sample):
    real = sample.column("real_neutrino")
    assert 0.6 < real.mean() < 0.9  # Pythia: ~25 % without a real root
    r = raw(sample)
    np.testing.assert_allclose(np.median(r[real == 1, 24]), partons.W_MASS, rtol=1e-4)
    n_jets = np.round(r[:, 5])
    np.testing.assert_allclose(r[:, 5], n_jets, atol=1e-4)
    assert set(np.unique(n_jets)) >= {4.0, 5.0, 6.0}
    assert n_jets.min() == 4
    assert np.all(r[:, [0, 6, 10, 14, 18]] > 20.0)
    assert np.all(np.abs(r[:, [1, 7, 11, 15, 19]]) < 2.5)
    assert np.all(np.diff(r[:, [6, 10, 14, 18]], axis=1) <= 0)  # jets ordered in pT


def test_standardized_features(sample):
    assert sample.feature_names == HEPMASS_FEATURES
    np.testing.assert_allclose(sample.x.mean(axis=0), 0.0, atol=0.05)
    # m_ℓν (f24) has a heavy tail from events without a real neutrino solution
    np.testing.assert_allclose(sample.x.var(axis=0), 1.0, atol=0.15)
    np.testing.assert_allclose(hepmass.standardize(raw(sample)), sample.x, atol=1e-4)


def test_counts_balance_and_reproducibility(sample):
    assert len(sample) == 24_000
    assert sample.labels.sum() == 12_000
    for m_x in MASSES:
        assert np.count_nonzero(sample.signal.mass == m_x) == 2400
        assert np.count_nonzero(sample.background.mass == m_x) == 2400
    assert np.all(sample.process == 0)
    a = hepmass.generate(300, seed=5, masses=(600.0, 900.0), signal_fraction=0.2)
    b = hepmass.generate(300, seed=5, masses=(600.0, 900.0), signal_fraction=0.2)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.labels.sum() == 60 and a.mass_points.tolist() == [600.0, 900.0]
    c = Events.concat(list(hepmass.iter_generate(300, chunk=128, seed=5, masses=(600.0, 900.0),
                                                 signal_fraction=0.2)))
    np.testing.assert_array_equal(hepmass.generate(300, chunk=128, seed=5, masses=(600.0, 900.0),
                                                   signal_fraction=0.2).x, c.x)
    assert not np.array_equal(hepmass.generate(300, seed=6).x, hepmass.generate(300, seed=5).x)


def test_isr_adds_jets():
    ev = hepmass.generate(3000, seed=2, isr=True)
    n_jets = raw(ev)[:, 5]
    assert n_jets.mean() > raw(hepmass.generate(3000, seed=2))[:, 5].mean() + 0.3


@pytest.mark.parametrize("masses", [(300.0,), (500.0, "x"), (), (500.0, 500.0), (float("nan"),)])
def test_bad_masses(masses):
    with pytest.raises(ValueError, match="mass"):
        hepmass.generate(10, masses=masses)


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_bad_event_count(n):
    with pytest.raises(ValueError, match="positive integer"):
        hepmass.generate(n)
