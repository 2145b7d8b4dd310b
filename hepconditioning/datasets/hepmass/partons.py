"""Hard process of the HEPMASS stand-in: X → tt̄ (signal) and Standard-Model tt̄ (background).

Both classes share one final state, semileptonic tt̄ (Baldi et al. 2016, arXiv:1601.07913):
t → W⁺ b with W → ℓ ν on one side and t̄ → W⁻ b̄ with W → q q̄' on the other. Only the tt̄
invariant mass m_tt̄ and the production angle tell the classes apart:

- signal: m_tt̄ from a relativistic Breit–Wigner at m_X with Γ_X = 3 % m_X (Pythia's Z'),
  production angle 1 + cos²θ* (spin-1 resonance in q q̄);
- background: m_tt̄ from ρ(m) ∝ β^2.5 (m / 2m_t)^(−5.5), β = √(1 − 4m_t²/m²): threshold at
  2m_t, peak ≈ 415 GeV, median ≈ 490 GeV, 3 % above 1 TeV (PHYSICS.md §3: true median
  485 GeV); production angle half isotropic, half t-channel-like 1/(1 − β² cos²θ*).
  The two exponents were tuned so that per-mass classifiers reproduce Anzalone et al. 2022
  (arXiv:2202.00424) Table 3 (``benchmarks/hepmass_calibration.py``).

The tt̄ system gets rapidity y ~ N(0, σ_y(m)) and either a small intrinsic pT (Rayleigh,
σ = 10 GeV) or, with ``isr=True``, the recoil of up to three initial-state-radiation partons.
Top and W masses follow relativistic Breit–Wigners (m_t 172.5, Γ_t 1.4; m_W 80.4, Γ_W 2.1 GeV)
and every decay is an exact two-body decay (isotropic in the parent rest frame) with the
second daughter taken as parent − first, so four-momentum is conserved to rounding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hepconditioning.physics import kinematics as kin

__all__ = [
    "B_MASS",
    "SIGNAL_WIDTH_FRACTION",
    "TOP_MASS",
    "TOP_WIDTH",
    "W_MASS",
    "W_WIDTH",
    "Partons",
    "background_mtt",
    "hard_process",
    "signal_mtt",
]

TOP_MASS = 172.5
TOP_WIDTH = 1.4
W_MASS = 80.4
W_WIDTH = 2.1
B_MASS = 4.7
SIGNAL_WIDTH_FRACTION = 0.03
_TOP_RANGE = (150.0, 195.0)
_W_RANGE = (50.0, 110.0)
_BKG_SLOPE = 5.5
_BKG_BETA_POWER = 2.5
_INTRINSIC_PT = 10.0
_N_ISR = 3
_ISR_RATE = 1.2
_ISR_PT_MIN = 15.0
_ISR_PT_INDEX = 1.2
_ISR_ETA_SPREAD = 1.6


class Partons(NamedTuple):
    """Lab-frame four-vectors ``(N, 4)`` (px, py, pz, E) in GeV of one batch of events.

    ``isr`` is ``(N, 3, 4)``: initial-state partons, all-zero rows where absent (``(N, 0, 4)``
    without ISR). The
    conservation law is ``ttbar = lepton + neutrino + b_lep + b_had + q1 + q2``.
    """

    ttbar: np.ndarray
    top_lep: np.ndarray
    top_had: np.ndarray
    w_lep: np.ndarray
    w_had: np.ndarray
    lepton: np.ndarray
    neutrino: np.ndarray
    b_lep: np.ndarray
    b_had: np.ndarray
    q1: np.ndarray
    q2: np.ndarray
    isr: np.ndarray


def signal_mtt(m_x: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """Resonance masses ``(N,)`` GeV: relativistic Breit–Wigner at ``m_x`` with Γ = 3 % m_X.

    Truncated to [max(2 m_t, m_X − 10 Γ), m_X + 10 Γ].
    """
    m_x = np.asarray(m_x, dtype=np.float64)
    width = SIGNAL_WIDTH_FRACTION * m_x
    low = np.maximum(2.0 * TOP_MASS, m_x - 10.0 * width)
    return kin.sample_breit_wigner(m_x, width, m_x.shape, rng=rng, low=low, high=m_x + 10.0 * width)


def background_mtt(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """SM tt̄ masses ``(n,)`` GeV from ρ(m) ∝ β^2.5 (m/2m_t)^(−5.5) on [2 m_t, 8 TeV].

    Sampled by inverting the cumulative distribution tabulated on a grid that is dense at
    threshold (linear interpolation between 4096 nodes).
    """
    threshold = 2.0 * TOP_MASS
    grid = threshold + (8000.0 - threshold) * np.linspace(0.0, 1.0, 4096) ** 3
    beta = np.sqrt(np.clip(1.0 - (threshold / grid) ** 2, 0.0, None))
    density = beta**_BKG_BETA_POWER * (grid / threshold) ** (-_BKG_SLOPE)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(grid))])
    return np.interp(rng.uniform(0.0, cdf[-1], n), cdf, grid)


def _signal_cos_theta(n: int, rng: np.random.Generator) -> np.ndarray:
    # density 3/8 (1 + c²): invert F(c) = (c³ + 3c + 4)/8 with Cardano's formula
    q = 4.0 - 8.0 * rng.uniform(0.0, 1.0, n)
    root = np.sqrt(0.25 * q**2 + 1.0)
    return np.cbrt(-0.5 * q + root) + np.cbrt(-0.5 * q - root)


def _background_cos_theta(beta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # half isotropic, half ∝ 1/(1 − β²c²) (t-channel top exchange): c = tanh(v)/β
    n = beta.shape[0]
    beta = np.clip(beta, 1e-6, 0.999)
    v_max = np.arctanh(beta)
    forward = np.tanh(rng.uniform(-1.0, 1.0, n) * v_max) / beta
    return np.where(rng.uniform(0.0, 1.0, n) < 0.5, rng.uniform(-1.0, 1.0, n), forward)


def _isr_partons(n: int, rng: np.random.Generator) -> np.ndarray:
    count = np.minimum(rng.poisson(_ISR_RATE, n), _N_ISR)
    present = np.arange(_N_ISR)[None, :] < count[:, None]
    pt = np.minimum(_ISR_PT_MIN * rng.uniform(0.0, 1.0, (n, _N_ISR)) ** (-1.0 / _ISR_PT_INDEX), 1000.0)
    eta = np.clip(rng.normal(0.0, _ISR_ETA_SPREAD, (n, _N_ISR)), -5.0, 5.0)
    azimuth = rng.uniform(-np.pi, np.pi, (n, _N_ISR))
    return kin.from_pt_eta_phi_m(pt, eta, azimuth, 0.0) * present[..., None]


def hard_process(
    m_tt: np.ndarray,
    labels: np.ndarray,
    *,
    rng: np.random.Generator,
    isr: bool = False,
) -> Partons:
    """Generate the semileptonic tt̄ decay chain for given tt̄ masses.

    Args:
        m_tt: tt̄ invariant masses ``(N,)`` in GeV (> 2 × 150), from :func:`signal_mtt` or
            :func:`background_mtt`.
        labels: ``(N,)`` 1 = signal (production angle 1 + cos²θ*), 0 = background.
        rng: random generator.
        isr: add up to three initial-state partons (Poisson mean 1.2, pT ≥ 15 GeV falling as
            pT^−2.2, η ~ N(0, 1.6)) that the tt̄ system recoils against. Tuned to the Pythia 8
            study of PHYSICS.md §3: background m_WWbb median ≈ 520 GeV (Pythia 530), 8 % above
            1 TeV (Pythia 8 %).

    Returns:
        :class:`Partons` in the lab frame.
    """
    m_tt = np.asarray(m_tt, dtype=np.float64)
    labels = np.asarray(labels)
    n = m_tt.shape[0]
    if isr:
        isr_p = _isr_partons(n, rng)
        recoil = -isr_p[..., :2].sum(axis=1)
    else:
        isr_p = np.zeros((n, 0, 4))
        recoil = rng.normal(0.0, _INTRINSIC_PT, (n, 2))
    sigma_y = np.clip(0.9 - 0.25 * m_tt / 1000.0, 0.45, None)
    y = rng.normal(0.0, 1.0, n) * sigma_y
    m_t = np.sqrt(m_tt**2 + np.sum(recoil**2, axis=1))
    ttbar = np.column_stack([recoil, m_t * np.sinh(y), m_t * np.cosh(y)])

    low_t, high_t = _TOP_RANGE
    m_top1 = kin.sample_breit_wigner(TOP_MASS, TOP_WIDTH, n, rng=rng, low=low_t,
                                     high=np.minimum(high_t, m_tt - low_t - 1.0))
    m_top2 = kin.sample_breit_wigner(TOP_MASS, TOP_WIDTH, n, rng=rng, low=low_t,
                                     high=np.minimum(high_t, m_tt - m_top1 - 0.5))
    beta_top = kin.breakup_momentum(m_tt, m_top1, m_top2) / (0.5 * m_tt)
    cos_sig = _signal_cos_theta(n, rng)
    cos_bkg = _background_cos_theta(beta_top, rng)
    cos_theta = np.where(labels == 1, cos_sig, cos_bkg)
    # production angle relative to the beam (z) axis of the tt̄ rest frame, approximated by lab z
    top_lep, top_had = kin.two_body_decay(ttbar, m_top1, m_top2, rng=rng, cos_theta=cos_theta)

    low_w, high_w = _W_RANGE
    m_w1 = kin.sample_breit_wigner(W_MASS, W_WIDTH, n, rng=rng, low=low_w,
                                   high=np.minimum(high_w, m_top1 - B_MASS - 0.5))
    m_w2 = kin.sample_breit_wigner(W_MASS, W_WIDTH, n, rng=rng, low=low_w,
                                   high=np.minimum(high_w, m_top2 - B_MASS - 0.5))
    w_lep, b_lep = kin.two_body_decay(top_lep, m_w1, B_MASS, rng=rng)
    w_had, b_had = kin.two_body_decay(top_had, m_w2, B_MASS, rng=rng)
    lepton, neutrino = kin.two_body_decay(w_lep, 0.0, 0.0, rng=rng)
    q1, q2 = kin.two_body_decay(w_had, 0.0, 0.0, rng=rng)
    return Partons(ttbar, top_lep, top_had, w_lep, w_had, lepton, neutrino, b_lep, b_had, q1, q2, isr_p)
