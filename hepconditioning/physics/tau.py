"""τ → ρν → π±π⁰ν decays, τ polarimetric vectors and H → ττ spin weights.

Pure, vectorized numpy functions (Józefowicz, Richter-Wąs, Wąs, PRD 94 (2016) 093001,
arXiv:1608.02609; PHYSICS.md section 6). Four-vectors are ``(..., 4)`` arrays ordered
``(px, py, pz, E)`` in GeV; event particle arrays are ``(N, 6, 4)`` in the order
``[ν, π⁻, π⁰, ν̄, π⁺, π⁰]`` (τ⁻ decay products first).

Spin weights. With ``h⁻`` the τ⁻ polarimetric vector and ``h⁺`` the τ⁺ one *with its sign
flipped*, both in their τ rest frames reached from the H rest frame by boosts along z = the
τ⁻ direction,

    W(α) = 1 − h⁻_z h⁺_z + cos 2α (h⁻_x h⁺_x + h⁻_y h⁺_y) + sin 2α (h⁻_x h⁺_y − h⁻_y h⁺_x),

⟨W⟩ = 1 over unpolarized, uncorrelated decays and 0 ≤ W ≤ 2 (|h| = 1 for ρν). W(α) is the
ratio |M|² / ⟨|M|²⟩_spins of H → τ⁺τ⁻ → ρν ρν̄ for the Yukawa coupling
τ̄(cos α_c − iγ⁵ sin α_c)τ (the TauSpinner sign, α → −α relative to τ̄(cos α + iγ⁵ sin α)τ)
with α = :func:`spin_mixing_angle` (α_c, β_τ): exactly α = α_c for α_c ∈ {0, π/2}; for
mixed couplings the scalar part is P-wave suppressed by β_τ and tan α = tan α_c / β_τ
(β_τ = 0.9996 at m_H = 125 GeV, so α and α_c differ by < 4·10⁻⁴ rad).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hepconditioning.errors import HepConditioningError, NonFiniteError
from hepconditioning.physics import kinematics as kin

__all__ = [
    "GAMMA_RHO",
    "M_HIGGS",
    "M_PI",
    "M_PI0",
    "M_RHO",
    "M_TAU",
    "RhoDecay",
    "UnphysicalMomentumError",
    "check_particles",
    "polarimetric_vector",
    "polarimetric_vectors",
    "rho_decay_weight",
    "sample_rho_decay",
    "spin_mixing_angle",
    "spin_weight",
]

M_HIGGS = 125.0
M_TAU = 1.77686
M_PI = 0.13957
M_PI0 = 0.13498
M_RHO = 0.7753
GAMMA_RHO = 0.1491


class UnphysicalMomentumError(HepConditioningError, ValueError):
    """Four-vectors with E < |p⃗| (negative mass squared beyond rounding)."""


class RhoDecay(NamedTuple):
    """τ → ρν → π±π⁰ν decay products in the τ rest frame, each ``(N, 4)`` GeV."""

    pi_charged: np.ndarray
    pi_neutral: np.ndarray
    neutrino: np.ndarray


def check_particles(particles: np.ndarray, *, where: str = "particles", rtol: float = 1e-5) -> np.ndarray:
    """Validate an ``(N, 6, 4)`` particle array: shape, finiteness, E ≥ |p⃗|; returns float64.

    E < |p⃗| is tolerated up to ``rtol`` of E (float32 rounding of massless neutrinos).
    Raises :class:`NonFiniteError` for NaN/inf and :class:`UnphysicalMomentumError` otherwise.
    """
    p = np.asarray(particles, dtype=np.float64)
    if p.ndim != 3 or p.shape[1:] != (6, 4):
        raise ValueError(
            f"{where} must have shape (N, 6, 4) = [ν, π⁻, π⁰, ν̄, π⁺, π⁰] x (px, py, pz, E), got {p.shape}"
        )
    finite = np.isfinite(p)
    if not finite.all():
        raise NonFiniteError(where, int(p.size - np.count_nonzero(finite)), p.size)
    excess = kin.momentum(p) - p[..., 3]
    bad = excess > rtol * np.maximum(p[..., 3], 1e-3)
    if bad.any():
        event, particle = np.argwhere(bad)[0]
        raise UnphysicalMomentumError(
            f"{where}: {int(bad.sum())} four-vector(s) have E < |p| (first: event {event}, particle "
            f"{particle}, E = {p[event, particle, 3]:.6g} GeV, |p| = {kin.momentum(p[event, particle]):.6g} "
            "GeV); check the component order (px, py, pz, E) and the units (GeV)"
        )
    return p


# -- τ → ρν decay ---------------------------------------------------------------------------
def rho_decay_weight(pi_charged: np.ndarray, pi_neutral: np.ndarray, neutrino: np.ndarray) -> np.ndarray:
    """Spin-summed |M|² of τ → ρν → π±π⁰ν without the ρ propagator, shape ``(...)``.

    |M|² ∝ 2 (q·N)(q·P) − q² (N·P) with q = p_π± − p_π⁰, N = p_ν, P = p_τ = p_π± + p_π⁰ + p_ν
    (Lorentz invariant: any frame).
    """
    q = pi_charged - pi_neutral
    tau = pi_charged + pi_neutral + neutrino
    return 2.0 * kin.dot(q, neutrino) * kin.dot(q, tau) - kin.mass2(q) * kin.dot(neutrino, tau)


def _weight_rho_frame(s: np.ndarray, cos_theta: np.ndarray) -> np.ndarray:
    """Phase space x |M|² in (s, cos θ) with θ the π± angle to the ν in the ρ rest frame."""
    m = np.sqrt(s)
    p_star = kin.breakup_momentum(m, M_PI, M_PI0)
    q0 = (M_PI**2 - M_PI0**2) / m
    n0 = (M_TAU**2 - s) / (2.0 * m)  # ν energy = |p⃗_ν| in the ρ frame
    p0 = m + n0
    q2 = q0**2 - 4.0 * p_star**2
    qn = q0 * n0 - 2.0 * p_star * n0 * cos_theta
    qp = q0 * p0 - 2.0 * p_star * n0 * cos_theta
    matrix = 2.0 * qn * qp - q2 * n0 * m
    p_nu = (M_TAU**2 - s) / (2.0 * M_TAU)
    return p_nu * p_star / m * matrix


def sample_rho_decay(n: int, *, rng: np.random.Generator) -> RhoDecay:
    """Unpolarized τ → ρν → π±π⁰ν decays at rest, sampled from the matrix element.

    The π±π⁰ mass √s follows a fixed-width relativistic Breit–Wigner (m_ρ = 0.7753, Γ_ρ =
    0.1491 GeV) times the three-body phase space (p_ν/m_τ)(p*/√s) and the spin-summed
    |M|² ∝ 2 (q·N)(q·P) − q² (N·P) (PHYSICS.md section 6), by accept–reject on
    (s, cos θ) with θ the π± direction relative to the ν in the ρ rest frame; the ρ
    direction is isotropic. Returns four-vectors ``(n, 4)`` in the τ rest frame.
    """
    low, high = M_PI + M_PI0, M_TAU
    grid = np.linspace(low + 1e-9, high - 1e-9, 4001) ** 2
    bound = 1.02 * max(_weight_rho_frame(grid, np.full_like(grid, c)).max() for c in (-1.0, 1.0))
    chunks_s, chunks_c = [], []
    done = 0
    while done < n:
        k = int(1.3 * (n - done) / 0.55) + 64
        s = kin.sample_breit_wigner(M_RHO, GAMMA_RHO, k, rng=rng, low=low, high=high) ** 2
        c = rng.uniform(-1.0, 1.0, k)
        keep = rng.uniform(0.0, bound, k) < _weight_rho_frame(s, c)
        chunks_s.append(s[keep])
        chunks_c.append(c[keep])
        done += int(keep.sum())
    s = np.concatenate(chunks_s)[:n]
    cos_theta = np.concatenate(chunks_c)[:n]
    m = np.sqrt(s)
    # ρ direction d̂ (polar Θ, azimuth Φ) in the τ frame, ν along −d̂; π± direction n̂ in the ρ
    # frame at angle θ to −d̂ and azimuth φ about it, built on the orthonormal basis (e₁, e₂, d̂)
    cos_big = rng.uniform(-1.0, 1.0, n)
    sin_big = np.sqrt(1.0 - cos_big**2)
    azim_big = rng.uniform(-np.pi, np.pi, n)
    cos_az, sin_az = np.cos(azim_big), np.sin(azim_big)
    d = np.stack([sin_big * cos_az, sin_big * sin_az, cos_big], axis=-1)
    e1 = np.stack([cos_big * cos_az, cos_big * sin_az, -sin_big], axis=-1)
    e2 = np.stack([-sin_az, cos_az, np.zeros(n)], axis=-1)
    azim = rng.uniform(-np.pi, np.pi, n)
    sin_theta = np.sqrt(1.0 - cos_theta**2)
    direction = (-cos_theta[:, None] * d + (sin_theta * np.cos(azim))[:, None] * e1
                 + (sin_theta * np.sin(azim))[:, None] * e2)
    p_star = kin.breakup_momentum(m, M_PI, M_PI0)
    charged = np.empty((n, 4))
    charged[:, :3] = p_star[:, None] * direction
    charged[:, 3] = (s + M_PI**2 - M_PI0**2) / (2.0 * m)
    p_nu = (M_TAU**2 - s) / (2.0 * M_TAU)
    neutrino = np.empty((n, 4))
    neutrino[:, :3] = -p_nu[:, None] * d
    neutrino[:, 3] = p_nu
    charged = kin.boost(charged, d * (p_nu / (M_TAU - p_nu))[:, None])
    neutral = -charged - neutrino  # π⁰ = p_τ − π± − ν (exact four-momentum conservation)
    neutral[:, 3] += M_TAU
    return RhoDecay(charged, neutral, neutrino)


# -- polarimetric vectors and weights -------------------------------------------------------
def polarimetric_vector(pi_charged: np.ndarray, pi_neutral: np.ndarray, neutrino: np.ndarray) -> np.ndarray:
    """τ → ρν polarimetric vector ``(..., 3)`` from four-vectors in the τ rest frame.

    h = [2 (q·N) q⃗ − q² N⃗] / [2 (q·N) q⁰ − q² N⁰], q = p_π± − p_π⁰, N = p_ν; |h| = 1.
    Returned as computed, i.e. without the sign flip that the τ⁺ gets in :func:`spin_weight`.
    """
    q = pi_charged - pi_neutral
    qn = kin.dot(q, neutrino)
    q2 = kin.mass2(q)
    num = 2.0 * qn[..., None] * q[..., :3] - q2[..., None] * neutrino[..., :3]
    den = 2.0 * qn * q[..., 3] - q2 * neutrino[..., 3]
    return num / den[..., None]


def polarimetric_vectors(particles: np.ndarray, *, transverse_angle: float | np.ndarray = 0.0
                         ) -> tuple[np.ndarray, np.ndarray]:
    """``(h⁻, h⁺)`` ``(N, 3)`` each from lab particles ``(N, 6, 4)`` [ν, π⁻, π⁰, ν̄, π⁺, π⁰].

    Frame: H rest frame (sum of all six), rotated so that the τ⁻ is along +z, then an extra
    rotation by ``transverse_angle`` (rad, scalar or ``(N,)``) about z — the free choice of
    the transverse x axis, which W does not depend on; each τ is boosted to rest along z.
    ``h⁺`` comes with its sign flipped, ready for :func:`spin_weight`.
    """
    p = check_particles(particles)
    higgs = p.sum(axis=1)
    rest = kin.boost_to_rest_frame(p, higgs[:, None])
    tau_minus = rest[:, 0:3].sum(axis=1)
    angle = np.broadcast_to(np.asarray(transverse_angle, dtype=np.float64), (p.shape[0],))
    rot = kin.rotation_about_z(angle) @ kin.rotation_to_z(tau_minus[:, :3])
    rest = kin.rotate(rest, rot[:, None])
    tau_minus = rest[:, 0:3].sum(axis=1)
    tau_plus = rest[:, 3:6].sum(axis=1)
    minus = kin.boost_to_rest_frame(rest[:, 0:3], tau_minus[:, None])
    plus = kin.boost_to_rest_frame(rest[:, 3:6], tau_plus[:, None])
    h_minus = polarimetric_vector(minus[:, 1], minus[:, 2], minus[:, 0])
    h_plus = -polarimetric_vector(plus[:, 1], plus[:, 2], plus[:, 0])
    return h_minus, h_plus


def spin_weight(h_minus: np.ndarray, h_plus: np.ndarray, alpha: float | np.ndarray) -> np.ndarray:
    """Spin weight W(α) ``(N,)`` of H → ττ for CP mixing angle α (0 scalar, π/2 pseudoscalar).

    W(α) = 1 − h⁻_z h⁺_z + cos 2α (h⁻_x h⁺_x + h⁻_y h⁺_y) + sin 2α (h⁻_x h⁺_y − h⁻_y h⁺_x),
    with ``h_plus`` already sign-flipped (as :func:`polarimetric_vectors` returns it); ``alpha``
    is a scalar or one angle per event ``(N,)``. Exact for the coupling
    τ̄(cos α − iγ⁵ sin α)τ at α ∈ {0, π/2} (TauSpinner sign; see :func:`spin_mixing_angle`
    for mixed couplings). Józefowicz et al. 2016, arXiv:1608.02609.

    Example:
        >>> h = np.array([[0.0, 0.0, 1.0]])
        >>> spin_weight(h, -h, 0.0).tolist()
        [2.0]
    """
    hm = np.asarray(h_minus, dtype=np.float64)
    hp = np.asarray(h_plus, dtype=np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    transverse = hm[..., 0] * hp[..., 0] + hm[..., 1] * hp[..., 1]
    cross = hm[..., 0] * hp[..., 1] - hm[..., 1] * hp[..., 0]
    return 1.0 - hm[..., 2] * hp[..., 2] + np.cos(2.0 * alpha) * transverse + np.sin(2.0 * alpha) * cross


def spin_mixing_angle(alpha_coupling: float | np.ndarray, *, beta_tau: float | np.ndarray | None = None
                      ) -> np.ndarray:
    """Angle α of :func:`spin_weight` for the Yukawa coupling τ̄(cos α_c − iγ⁵ sin α_c)τ.

    The scalar amplitude is P-wave (∝ β_τ), the pseudoscalar one S-wave, so the τ-spin density
    matrix carries tan α = tan α_c / β_τ, β_τ = √(1 − 4 m_τ²/m_H²) by default (m_H = 125 GeV).
    α = α_c at 0 and π/2; the difference is < 4·10⁻⁴ rad at m_H = 125 GeV.
    """
    if beta_tau is None:
        beta_tau = np.sqrt(1.0 - 4.0 * M_TAU**2 / M_HIGGS**2)
    alpha_c = np.asarray(alpha_coupling, dtype=np.float64)
    return np.arctan2(np.sin(alpha_c), np.asarray(beta_tau) * np.cos(alpha_c))
