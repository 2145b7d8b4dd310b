"""Numpy generator of pp → H → τ⁺τ⁻ → ρ⁺ν̄ ρ⁻ν → π⁺π⁰ν̄ π⁻π⁰ν events with spin information.

No Pythia: the Higgs gets a realistic transverse-momentum and rapidity spectrum, decays
isotropically to τ⁺τ⁻, and each τ decays unpolarized and independently through ρν
(:func:`hepconditioning.physics.tau.sample_rho_decay`, matrix element and ρ Breit–Wigner).
Spin correlations enter only through the weights W(α) computed from the τ polarimetric
vectors (Józefowicz et al. 2016, arXiv:1608.02609; PHYSICS.md section 6), exactly as
TauSpinner reweights uncorrelated samples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hepconditioning.physics import kinematics as kin
from hepconditioning.physics import tau

__all__ = [
    "HIGGS_PT_MEAN",
    "HIGGS_RAPIDITY_SIGMA",
    "TauPairs",
    "generate_particles",
    "passes_selection",
]

HIGGS_PT_MEAN = 20.0
"""Mean Higgs pT (GeV) of the default spectrum (ggF-like, PHYSICS.md section 6)."""
HIGGS_RAPIDITY_SIGMA = 2.0
"""Width of the Gaussian Higgs rapidity distribution (ggF at 13 TeV is ≈ flat to |y| ≈ 2),
truncated at |y| = 4.5 (kinematic limit ln(√s/m_H) = 4.6 at √s = 13 TeV)."""
_MAX_RAPIDITY = 4.5

_MAX_CHUNK = 100_000  # measured: ~15 % less CPU time than 400k (cache-friendlier temporaries)


class TauPairs(NamedTuple):
    """Generated events: lab particles ``(N, 6, 4)`` [ν, π⁻, π⁰, ν̄, π⁺, π⁰] (GeV) and the
    polarimetric vectors ``(N, 3)`` (``h_plus`` sign-flipped, see :func:`~hepconditioning.physics.tau.spin_weight`)."""

    particles: np.ndarray
    h_minus: np.ndarray
    h_plus: np.ndarray


def passes_selection(particles: np.ndarray, *, rho_pt: float = 20.0, pion_pt: float = 1.0) -> np.ndarray:
    """Boolean mask ``(N,)``: each ρ (π±π⁰ pair) has pT ≥ ``rho_pt`` and each pion pT ≥ ``pion_pt`` (GeV)."""
    p = np.asarray(particles)
    rho_minus = kin.pt(p[:, 1] + p[:, 2])
    rho_plus = kin.pt(p[:, 4] + p[:, 5])
    pions = kin.pt(p[:, [1, 2, 4, 5]])
    return (rho_minus >= rho_pt) & (rho_plus >= rho_pt) & np.all(pions >= pion_pt, axis=1)


def _higgs(n: int, rng: np.random.Generator, pt_mean: float, rapidity_sigma: float) -> np.ndarray:
    # p(pT) ∝ pT (1 + pT²/a²)⁻³ (peak ≈ 0.45 a, pT⁻⁵ tail), mean π a / 4; inverse CDF
    a = 4.0 * pt_mean / np.pi
    pt = a * np.sqrt((1.0 - rng.uniform(0.0, 1.0, n)) ** -0.5 - 1.0)
    y = rng.normal(0.0, rapidity_sigma, n)
    outside = np.abs(y) > _MAX_RAPIDITY
    while outside.any():  # truncated Gaussian: redraw the few beyond the kinematic limit
        y[outside] = rng.normal(0.0, rapidity_sigma, int(outside.sum()))
        outside = np.abs(y) > _MAX_RAPIDITY
    azim = rng.uniform(-np.pi, np.pi, n)
    mt = np.sqrt(pt**2 + tau.M_HIGGS**2)
    return np.stack([pt * np.cos(azim), pt * np.sin(azim), mt * np.sinh(y), mt * np.cosh(y)], axis=-1)


def _chunk(n: int, rng: np.random.Generator, pt_mean: float, rapidity_sigma: float) -> TauPairs:
    minus = tau.sample_rho_decay(n, rng=rng)
    plus = tau.sample_rho_decay(n, rng=rng)
    h_minus = tau.polarimetric_vector(*minus)
    h_plus = -tau.polarimetric_vector(*plus)
    # helicity frame: H at rest, τ⁻ along +z; both τ rest frames are reached by boosts along z
    p_tau = kin.breakup_momentum(tau.M_HIGGS, tau.M_TAU, tau.M_TAU)
    beta = p_tau / np.hypot(p_tau, tau.M_TAU)
    p = np.empty((n, 6, 4))
    p[:, 0], p[:, 1], p[:, 2] = minus.neutrino, minus.pi_charged, minus.pi_neutral
    p[:, 3], p[:, 4], p[:, 5] = plus.neutrino, plus.pi_charged, plus.pi_neutral
    gamma = 1.0 / np.sqrt(1.0 - beta**2)
    for side, b in ((slice(0, 3), beta), (slice(3, 6), -beta)):  # boosts along z: only (pz, E) change
        pz, e = p[:, side, 2].copy(), p[:, side, 3].copy()
        p[:, side, 2] = gamma * (pz + b * e)
        p[:, side, 3] = gamma * (e + b * pz)
    # isotropic H → ττ with a random transverse orientation (batched matmul: p⃗ Rᵀ), then the H motion
    p[..., :3] = p[..., :3] @ kin.random_rotation(n, rng=rng).transpose(0, 2, 1)
    higgs = _higgs(n, rng, pt_mean, rapidity_sigma)
    p = kin.boost(p, (higgs[:, :3] / higgs[:, 3:4])[:, None])
    return TauPairs(p, h_minus, h_plus)


def generate_particles(
    n: int,
    *,
    selection: bool = True,
    seed: int | np.random.Generator | None = None,
    higgs_pt_mean: float = HIGGS_PT_MEAN,
    higgs_rapidity_sigma: float = HIGGS_RAPIDITY_SIGMA,
) -> TauPairs:
    """``n`` H → ττ → ρνρν̄ events (after the selection if ``selection``), lab frame.

    Args:
        n: number of events returned.
        selection: keep only events passing :func:`passes_selection` (ρ pT ≥ 20 GeV, π pT ≥
            1 GeV; ≈ 50 % efficiency); the generator oversamples so that exactly ``n`` come back.
        seed: integer seed or ``numpy.random.Generator``; the same seed gives the same events.
        higgs_pt_mean: mean Higgs pT in GeV of p(pT) ∝ pT (1 + pT²/a²)⁻³, a = 4 ⟨pT⟩/π.
        higgs_rapidity_sigma: σ of the Gaussian Higgs rapidity, truncated at |y| ≤ 4.5
            (m_H = 125 GeV).

    Returns:
        :class:`TauPairs` with ``particles (n, 6, 4)`` float64 [ν, π⁻, π⁰, ν̄, π⁺, π⁰] and the
        polarimetric vectors, from which :func:`~hepconditioning.physics.tau.spin_weight` gives
        W(α) for any α.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer number of events, got {n!r}")
    if higgs_pt_mean <= 0 or higgs_rapidity_sigma < 0:
        raise ValueError(f"need higgs_pt_mean > 0 and higgs_rapidity_sigma >= 0, got "
                         f"{higgs_pt_mean}, {higgs_rapidity_sigma}")
    rng = np.random.default_rng(seed)
    parts: list[TauPairs] = []
    done = 0
    efficiency = 0.5 if selection else 1.0
    while done < n:
        k = min(int((n - done) / efficiency * 1.05) + 100, _MAX_CHUNK) if selection else min(n - done, _MAX_CHUNK)
        chunk = _chunk(k, rng, higgs_pt_mean, higgs_rapidity_sigma)
        if selection:
            keep = passes_selection(chunk.particles)
            efficiency = max(float(keep.mean()), 0.01)
            chunk = TauPairs(*(a[keep] for a in chunk))
        parts.append(chunk)
        done += len(chunk.particles)
    if not parts:
        return TauPairs(np.empty((0, 6, 4)), np.empty((0, 3)), np.empty((0, 3)))
    return TauPairs(*(np.concatenate(arrays)[:n] for arrays in zip(*parts, strict=True)))
