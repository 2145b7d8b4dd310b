from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from hepconditioning.datasets import htautau as ht
from hepconditioning.physics import kinematics as kin
from hepconditioning.physics import tau

pytest.importorskip("pythia8mc")

N = 3000
AUC_PSEUDOSCALAR = 0.776  # oracle AUC scalar vs α = π/2 without cuts (PHYSICS.md section 6, 1M events)


@pytest.fixture(scope="module")
def no_cuts():
    return ht.generate_pythia(N, selection=False, seed=7)


@pytest.fixture(scope="module")
def selected():
    return ht.generate_pythia(500, selection=True, seed=8, derived=True)


def test_particle_layout_and_order(no_cuts):
    p = no_cuts.columns["particles"]
    assert p.shape == (N, 6, 4) and p.dtype == np.float64
    assert no_cuts.x.shape == (N, 16)
    # [ν, π⁻, π⁰, ν̄, π⁺, π⁰]: masses, and each τ's three products in its own block
    masses = [0.0, tau.M_PI, tau.M_PI0, 0.0, tau.M_PI, tau.M_PI0]
    np.testing.assert_allclose(kin.mass(p), np.broadcast_to(masses, (N, 6)), atol=1e-3)  # π± vs π⁰: 4.6 MeV
    assert (p[..., 3] > 0).all()


def test_four_momentum_conservation(no_cuts):
    p = no_cuts.columns["particles"]
    # per τ: the three products rebuild the τ (Pythia's τ mass set to M_TAU)
    np.testing.assert_allclose(kin.mass(p[:, 0:3].sum(axis=1)), tau.M_TAU, rtol=1e-6)
    np.testing.assert_allclose(kin.mass(p[:, 3:6].sum(axis=1)), tau.M_TAU, rtol=1e-6)
    # per H: all six rebuild the Higgs (Breit–Wigner width 4 MeV, no photons radiated off the τ's)
    higgs = p.sum(axis=1)
    np.testing.assert_allclose(kin.mass(higgs), tau.M_HIGGS, atol=0.5)
    assert 10.0 < kin.pt(higgs).mean() < 100.0  # Higgs pT from the initial-state shower


def test_weights_range_mean_and_oracle_auc(no_cuts):
    h_minus, h_plus = no_cuts.columns["h_minus"], no_cuts.columns["h_plus"]
    np.testing.assert_allclose(np.linalg.norm(h_minus, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(h_plus, axis=1), 1.0, atol=1e-6)
    for alpha in (0.0, np.pi / 4, np.pi / 2):
        w = ht.spin_weights(no_cuts, alpha)
        assert w.min() >= -1e-9 and w.max() <= 2 + 1e-9
        assert abs(w.mean() - 1.0) < 5 * w.std() / np.sqrt(N)
    w_a, w_b = no_cuts.column("w_a"), no_cuts.column("w_b")
    np.testing.assert_allclose(w_b, ht.spin_weights(no_cuts, np.pi / 2))
    score = w_a / (w_a + w_b)
    auc = roc_auc_score(np.r_[np.ones(N), np.zeros(N)], np.r_[score, score], sample_weight=np.r_[w_a, w_b])
    assert abs(auc - AUC_PSEUDOSCALAR) < 5 * 0.0002 * np.sqrt(1e6 / N)  # 5 σ


def test_selection_applied(selected):
    p = selected.columns["particles"]
    assert len(selected) == 500
    assert ht.passes_selection(p).all()
    assert (kin.pt(p[:, 1] + p[:, 2]) >= 20.0).all() and (kin.pt(p[:, [1, 2, 4, 5]]) >= 1.0).all()
    assert selected.feature_names[-5:] == ht.DERIVED_FEATURES


def test_reproducible_with_seed():
    a = ht.generate_pythia(20, selection=False, seed=3, alpha_b=np.pi / 4)
    b = ht.generate_pythia(20, selection=False, seed=3, alpha_b=np.pi / 4)
    np.testing.assert_array_equal(a.columns["particles"], b.columns["particles"])
    np.testing.assert_allclose(a.mass, np.pi / 4, rtol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="seed"):
        ht.generate_pythia(10, seed=-1)
    with pytest.raises(ValueError, match="non-negative integer"):
        ht.generate_pythia(2.5)
    with pytest.raises(ValueError, match="rejected the setting"):
        ht.generate_pythia(10, settings=("NoSuch:setting = on",))
    with pytest.raises(RuntimeError, match="passed after"):
        ht.generate_pythia(10, max_tries=5)
