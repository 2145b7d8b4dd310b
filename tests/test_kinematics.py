from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hepconditioning.physics import kinematics as kin


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def random_vectors(rng, n, m=1.0):
    p3 = rng.normal(scale=50.0, size=(n, 3))
    e = np.sqrt(np.sum(p3**2, axis=1) + m**2)
    return np.column_stack([p3, e])


def test_boost_preserves_mass_and_composes_to_identity(rng):
    p = random_vectors(rng, 1000, m=3.0)
    beta = rng.uniform(-0.5, 0.5, size=(1000, 3))
    q = kin.boost(p, beta)
    np.testing.assert_allclose(kin.mass(q), 3.0, rtol=1e-9)
    np.testing.assert_allclose(kin.boost(q, -beta)[..., 3], p[..., 3], rtol=1e-9)
    np.testing.assert_array_equal(kin.boost(p, np.zeros(3)), p)


def test_boost_to_rest_frame_has_zero_momentum(rng):
    p = random_vectors(rng, 100, m=125.0)
    rest = kin.boost_to_rest_frame(p, p)
    np.testing.assert_allclose(rest[:, :3], 0.0, atol=1e-9)
    np.testing.assert_allclose(rest[:, 3], 125.0, rtol=1e-12)


def test_boost_rejects_superluminal():
    with pytest.raises(ValueError, match="beta"):
        kin.boost(np.array([0, 0, 0, 1.0]), np.array([0.6, 0.8, 0.0]))


def test_two_body_decay_conserves_four_momentum(rng):
    parent = kin.boost(np.tile([0, 0, 0, 172.5], (2000, 1)), rng.uniform(-0.5, 0.5, (2000, 3)))
    w, b = kin.two_body_decay(parent, 80.4, 4.7, rng=rng)
    np.testing.assert_allclose(w + b, parent, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(kin.mass(w), 80.4, rtol=1e-9)
    np.testing.assert_allclose(kin.mass(b), 4.7, rtol=1e-7)
    # rest-frame momentum matches the Källén function: 67.6 GeV for t → W b
    rest = kin.boost_to_rest_frame(w, parent)
    np.testing.assert_allclose(kin.momentum(rest), kin.breakup_momentum(172.5, 80.4, 4.7), rtol=1e-9)
    # hand calculation: √((172.5² − 85.1²)(172.5² − 75.7²)) / 345 = 67.41 GeV
    assert kin.breakup_momentum(172.5, 80.4, 4.7) == pytest.approx(67.41, abs=0.01)


def test_two_body_decay_is_isotropic(rng):
    parent = np.tile([0, 0, 0, 10.0], (20000, 1))
    d1, _ = kin.two_body_decay(parent, 1.0, 1.0, rng=rng)
    cos_t = d1[:, 2] / kin.momentum(d1)
    assert stats.kstest(cos_t, stats.uniform(-1, 2).cdf).pvalue > 1e-3


def test_breit_wigner_matches_cauchy_in_s(rng):
    m = kin.sample_breit_wigner(80.4, 2.1, 200000, rng=rng)
    s = m**2
    # in s the density is Cauchy(loc=m0², scale=m0 Γ) truncated at s = 0 (0.8 % of it)
    cauchy = stats.cauchy(loc=80.4**2, scale=80.4 * 2.1)
    below = cauchy.cdf(0.0)
    assert stats.kstest(s, lambda v: (cauchy.cdf(v) - below) / (1 - below)).pvalue > 1e-3
    assert stats.kstest(s, cauchy.cdf).pvalue < 1e-6  # the truncation is resolved
    assert np.median(m) == pytest.approx(80.4, abs=0.05)
    cut = kin.sample_breit_wigner(80.4, 2.1, 10000, rng=rng, low=75.0, high=85.0)
    assert cut.min() >= 75.0 and cut.max() <= 85.0


def test_pt_eta_phi_round_trip(rng):
    pt = rng.uniform(20, 200, 500)
    eta = rng.uniform(-2.5, 2.5, 500)
    phi = rng.uniform(-np.pi, np.pi, 500)
    p = kin.from_pt_eta_phi_m(pt, eta, phi, 0.105)
    np.testing.assert_allclose(kin.pt(p), pt, rtol=1e-12)
    np.testing.assert_allclose(kin.eta(p), eta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(kin.phi(p), phi, rtol=1e-12)
    np.testing.assert_allclose(kin.mass(p), 0.105, rtol=1e-6)


def test_rotation_to_z(rng):
    v = rng.normal(size=(300, 3))
    v[0] = [0, 0, -2.0]  # antiparallel special case
    v[1] = [0, 0, 3.0]
    rot = kin.rotation_to_z(v)
    out = np.einsum("nij,nj->ni", rot, v)
    np.testing.assert_allclose(out[:, :2], 0.0, atol=1e-12)
    np.testing.assert_allclose(out[:, 2], np.linalg.norm(v, axis=1), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, rtol=1e-12)
    p = np.concatenate([v, np.linalg.norm(v, axis=1, keepdims=True) + 1], axis=1)
    np.testing.assert_allclose(kin.mass(kin.rotate(p, rot)), kin.mass(p), rtol=1e-9)
