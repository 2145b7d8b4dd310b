from __future__ import annotations

import numpy as np
import pytest

from hepconditioning.errors import NonFiniteError
from hepconditioning.physics import kinematics as kin
from hepconditioning.physics import tau

# -- explicit Dirac matrices (Dirac representation), independent of the module under test ----
_I2 = np.eye(2)
_SIGMA = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]),
          np.array([[1, 0], [0, -1]], complex)]
_G0 = np.block([[_I2, 0 * _I2], [0 * _I2, -_I2]]).astype(complex)
_GI = [np.block([[0 * _I2, s], [-s, 0 * _I2]]) for s in _SIGMA]
_G5 = np.block([[0 * _I2, _I2], [_I2, 0 * _I2]]).astype(complex)
_ONE = np.eye(4, dtype=complex)


def slash(p):
    """γ^μ p_μ = γ⁰E − γ⃗·p⃗, shape (N, 4, 4)."""
    return (p[:, 3, None, None] * _G0 - p[:, 0, None, None] * _GI[0] - p[:, 1, None, None] * _GI[1]
            - p[:, 2, None, None] * _GI[2])


def bar(x):
    return _G0 @ np.conj(np.swapaxes(x, -1, -2)) @ _G0


def trace(x):
    return np.trace(x, axis1=-2, axis2=-1).real


def dirac_weight(particles, alpha):
    """|M|² / spin average of H → τ⁻τ⁺ → (ρ⁻ν)(ρ⁺ν̄) for τ̄(cos α − iγ⁵ sin α)τ, V−A decays."""
    nu, pim, pi0m, nubar, pip, pi0p = (particles[:, i] for i in range(6))
    p1 = nu + pim + pi0m
    p2 = nubar + pip + pi0p
    m = tau.M_TAU
    gamma = np.cos(alpha) * _ONE - 1j * np.sin(alpha) * _G5
    y1 = slash(pim - pi0m) @ (_ONE - _G5)  # ρ⁻ current ∝ p_π⁻ − p_π⁰
    y2 = slash(pip - pi0p) @ (_ONE - _G5)
    prop1 = slash(p1) + m * _ONE
    prop2 = -slash(p2) + m * _ONE
    x = y1 @ prop1 @ gamma @ prop2 @ y2
    full = trace(slash(nu) @ x @ slash(nubar) @ bar(x))
    production = trace((slash(p1) + m * _ONE) @ gamma @ (slash(p2) - m * _ONE) @ bar(gamma[None]))
    decay1 = trace(slash(nu) @ y1 @ prop1 @ bar(y1))
    decay2 = trace((slash(p2) - m * _ONE) @ y2 @ slash(nubar) @ bar(y2))
    return full / (production / 4.0 * decay1 * decay2)


def make_events(n, seed):
    """H → ττ → ρνρν̄ built here from sample_rho_decay, then moved by a random boost/rotation."""
    rng = np.random.default_rng(seed)
    p_tau = kin.breakup_momentum(tau.M_HIGGS, tau.M_TAU, tau.M_TAU)
    beta = p_tau / np.sqrt(p_tau**2 + tau.M_TAU**2)
    minus = tau.sample_rho_decay(n, rng=rng)
    plus = tau.sample_rho_decay(n, rng=rng)
    p = np.stack([minus.neutrino, minus.pi_charged, minus.pi_neutral,
                  plus.neutrino, plus.pi_charged, plus.pi_neutral], axis=1)
    p[:, :3] = kin.boost(p[:, :3], np.array([0.0, 0.0, beta]))
    p[:, 3:] = kin.boost(p[:, 3:], np.array([0.0, 0.0, -beta]))
    rot = kin.rotation_to_z(rng.normal(size=(n, 3)))
    p = kin.rotate(p, rot[:, None])
    return kin.boost(p, rng.uniform(-0.5, 0.5, size=(n, 1, 3)))


@pytest.fixture(scope="module")
def events():
    return make_events(400, seed=3)


@pytest.mark.parametrize("alpha", [0.0, np.pi / 2])
def test_spin_weight_equals_dirac_trace(events, alpha):
    h_minus, h_plus = tau.polarimetric_vectors(events)
    np.testing.assert_allclose(tau.spin_weight(h_minus, h_plus, alpha), dirac_weight(events, alpha),
                               rtol=1e-8, atol=1e-8)


def test_mixed_coupling_uses_mixing_angle(events):
    h_minus, h_plus = tau.polarimetric_vectors(events)
    alpha_c = 0.6
    higgs = events.sum(axis=1)
    tau_rest = kin.boost_to_rest_frame(events[:, :3].sum(axis=1), higgs)
    beta = kin.momentum(tau_rest) / tau_rest[:, 3]
    expected = dirac_weight(events, alpha_c)
    got = tau.spin_weight(h_minus, h_plus, tau.spin_mixing_angle(alpha_c, beta_tau=beta))
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-8)
    # without the β_τ correction the weights differ (slightly, β_τ ≈ 0.9996)
    assert np.max(np.abs(tau.spin_weight(h_minus, h_plus, alpha_c) - expected)) > 1e-6
    np.testing.assert_allclose(tau.spin_mixing_angle([0.0, np.pi / 2]), [0.0, np.pi / 2], atol=1e-15)


def test_sign_conventions_matter(events):
    h_minus, h_plus = tau.polarimetric_vectors(events)
    exact = dirac_weight(events, np.pi / 2)
    assert np.max(np.abs(tau.spin_weight(h_minus, -h_plus, np.pi / 2) - exact)) > 0.1
    assert np.max(np.abs(tau.spin_weight(h_minus, h_plus, -np.pi / 4) - dirac_weight(events, np.pi / 4))) > 0.1


def test_weights_mean_one_and_bounded():
    p = make_events(40_000, seed=5)
    h_minus, h_plus = tau.polarimetric_vectors(p)
    np.testing.assert_allclose(np.linalg.norm(h_minus, axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(h_plus, axis=1), 1.0, atol=1e-9)
    for alpha in np.linspace(0.0, np.pi, 7):
        w = tau.spin_weight(h_minus, h_plus, alpha)
        assert w.min() >= -1e-12 and w.max() <= 2.0 + 1e-12
        assert abs(w.mean() - 1.0) < 5 * w.std() / np.sqrt(len(w))
    per_event = tau.spin_weight(h_minus, h_plus, np.full(len(p), 0.3))
    np.testing.assert_allclose(per_event, tau.spin_weight(h_minus, h_plus, 0.3))


def test_weight_independent_of_transverse_axis(events):
    reference = tau.spin_weight(*tau.polarimetric_vectors(events), 0.7)
    angles = np.random.default_rng(1).uniform(0, 2 * np.pi, len(events))
    h_minus, h_plus = tau.polarimetric_vectors(events, transverse_angle=angles)
    np.testing.assert_allclose(tau.spin_weight(h_minus, h_plus, 0.7), reference, rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(h_minus - tau.polarimetric_vectors(events)[0])) > 0.1


def test_rho_decay_conserves_momentum_and_masses():
    d = tau.sample_rho_decay(5000, rng=np.random.default_rng(2))
    np.testing.assert_allclose(d.pi_charged + d.pi_neutral + d.neutrino,
                               np.broadcast_to([0, 0, 0, tau.M_TAU], (5000, 4)), atol=1e-12)
    np.testing.assert_allclose(kin.mass(d.pi_charged), tau.M_PI, rtol=1e-9)
    np.testing.assert_allclose(kin.mass(d.pi_neutral), tau.M_PI0, rtol=1e-9)
    m_rho = kin.mass(d.pi_charged + d.pi_neutral)
    assert 0.74 < np.median(m_rho) < 0.80
    np.testing.assert_allclose(np.linalg.norm(tau.polarimetric_vector(*d), axis=1), 1.0, atol=1e-12)


def test_rho_decay_follows_matrix_element():
    # accept-reject sample vs phase-space events weighted by BW x |M|²: π± energy spectrum
    rng = np.random.default_rng(4)
    n = 200_000
    d = tau.sample_rho_decay(n, rng=rng)
    low, high = tau.M_PI + tau.M_PI0, tau.M_TAU
    m = rng.uniform(low, high, n)
    nu = np.zeros((n, 4))
    nu[:, 3] = kin.breakup_momentum(tau.M_TAU, m, 0.0)
    nu[:, 2] = nu[:, 3]
    rho = np.array([0, 0, 0, tau.M_TAU]) - nu
    pic, pi0 = kin.two_body_decay(rho, tau.M_PI, tau.M_PI0, rng=rng)
    bw = 1.0 / ((m**2 - tau.M_RHO**2) ** 2 + tau.M_RHO**2 * tau.GAMMA_RHO**2)
    phase_space = nu[:, 3] * kin.breakup_momentum(m, tau.M_PI, tau.M_PI0) / m * 2 * m  # ds = 2m dm
    w = bw * phase_space * tau.rho_decay_weight(pic, pi0, nu)
    edges = np.linspace(0.0, 0.9, 10)
    got = np.histogram(d.pi_charged[:, 3], edges)[0] / n
    expected = np.histogram(pic[:, 3], edges, weights=w)[0] / w.sum()
    np.testing.assert_allclose(got, expected, atol=0.006)


def test_check_particles_errors(events):
    bad = events.copy()
    bad[0, 2, 3] = 0.5 * kin.momentum(bad[0, 2])
    with pytest.raises(tau.UnphysicalMomentumError, match=r"E < \|p\|"):
        tau.check_particles(bad)
    bad = events.copy()
    bad[1, 0, 0] = np.nan
    with pytest.raises(NonFiniteError):
        tau.check_particles(bad)
    with pytest.raises(ValueError, match=r"\(N, 6, 4\)"):
        tau.check_particles(events[:, :4])


def test_rotation_helpers_used_here():
    rot = kin.random_rotation(20_000, rng=np.random.default_rng(0))
    np.testing.assert_allclose(rot @ np.swapaxes(rot, 1, 2), np.broadcast_to(np.eye(3), rot.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-12)
    axis = rot @ np.array([0.0, 0.0, 1.0])
    np.testing.assert_allclose(axis.mean(axis=0), 0.0, atol=0.03)
    np.testing.assert_allclose((axis**2).mean(axis=0), 1 / 3, atol=0.01)
    quarter = kin.rotation_about_z(np.pi / 2)
    np.testing.assert_allclose(quarter @ [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], atol=1e-15)
    assert kin.rotation_about_z(np.zeros(5)).shape == (5, 3, 3)
