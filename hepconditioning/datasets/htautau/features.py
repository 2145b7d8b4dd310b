"""Boosted-frame features of H → ττ → ρνρν̄ events (Józefowicz et al. 2016, arXiv:1608.02609).

Every particle is boosted to the rest frame of the four visible pions and rotated so that
the τ⁻ visible system (π⁻π⁰) points along −z (the τ⁺ one is then along +z); a final rotation
about z puts the π⁻ transverse momentum along +x, so that the features are invariant under
any boost or rotation of the whole lab event (the π⁻ ``py`` is then 0 by construction).
Derived features (PHYSICS.md section 6): the energy-sharing variables
y± = (E_π± − E_π⁰)/(E_π± + E_π⁰) in the lab, the acoplanarity angle φ* ∈ [0, 2π) of the
two ρ decay planes in the visible rest frame, and the ρ± masses.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hepconditioning.physics import kinematics as kin
from hepconditioning.physics.tau import check_particles

__all__ = [
    "COMPONENTS",
    "DERIVED_FEATURES",
    "PARTICLES",
    "Features",
    "acoplanarity",
    "boosted_frame",
    "boosted_frame_names",
    "derived_features",
    "energy_sharing",
    "make_features",
]

PARTICLES = ("nu", "pim", "pi0m", "nubar", "pip", "pi0p")
"""Short names of the six particles [ν, π⁻, π⁰ (from τ⁻), ν̄, π⁺, π⁰ (from τ⁺)]."""
COMPONENTS = ("px", "py", "pz", "e")
DERIVED_FEATURES = ("y_minus", "y_plus", "phi_star", "m_rho_minus", "m_rho_plus")
_VISIBLE = (1, 2, 4, 5)


class Features(NamedTuple):
    """Feature matrix ``x (N, F)`` float32 and its column names."""

    x: np.ndarray
    names: tuple[str, ...]


def boosted_frame_names(*, neutrinos: bool, prefix: str = "bf_") -> tuple[str, ...]:
    """Column names of :func:`boosted_frame`, e.g. ``bf_pim_px`` … (16 or 24 names)."""
    index = range(6) if neutrinos else _VISIBLE
    return tuple(f"{prefix}{PARTICLES[i]}_{c}" for i in index for c in COMPONENTS)


def boosted_frame(particles: np.ndarray, *, neutrinos: bool) -> np.ndarray:
    """Four-vectors in the visible-pion rest frame, τ⁻ visible system along −z, ``(N, 16|24)``.

    Args:
        particles: lab four-vectors ``(N, 6, 4)`` [ν, π⁻, π⁰, ν̄, π⁺, π⁰], (px, py, pz, E) GeV.
        neutrinos: False: the four pions (16 numbers, "incomplete", detectable); True: all six
            particles in the input order (24 numbers, "complete", ideal).

    Returns:
        float64 ``(N, 16)`` or ``(N, 24)``, particle-major ``(px, py, pz, E)`` per particle
        (names from :func:`boosted_frame_names`). Invariant masses are unchanged; the result
        does not change under a boost or rotation of the whole lab event.
    """
    p = check_particles(particles)
    visible = p[:, _VISIBLE].sum(axis=1)
    rest = kin.boost_to_rest_frame(p, visible[:, None])
    rho_minus = rest[:, 1] + rest[:, 2]
    rot = kin.rotation_to_z(-rho_minus[:, :3])  # ρ⁻ onto −z
    pim = np.einsum("nij,nj->ni", rot, rest[:, 1, :3])
    rot = kin.rotation_about_z(-np.arctan2(pim[:, 1], pim[:, 0])) @ rot
    rest = kin.rotate(rest, rot[:, None])
    index = list(range(6)) if neutrinos else list(_VISIBLE)
    return rest[:, index].reshape(len(p), 4 * len(index))


def energy_sharing(particles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(y⁻, y⁺)`` ``(N,)`` each: y = (E_π± − E_π⁰)/(E_π± + E_π⁰) with lab energies."""
    e = np.asarray(particles, dtype=np.float64)[..., 3]
    return (e[:, 1] - e[:, 2]) / (e[:, 1] + e[:, 2]), (e[:, 4] - e[:, 5]) / (e[:, 4] + e[:, 5])


def acoplanarity(particles: np.ndarray) -> np.ndarray:
    """Acoplanarity angle φ* ∈ [0, 2π) of the ρ⁺ and ρ⁻ decay planes, ``(N,)``.

    In the visible (ρ⁺ρ⁻) rest frame, λ± is the π⁰ momentum component perpendicular to its
    charged pion; φ = arccos(λ̂⁺·λ̂⁻) and φ* = φ if π̂⁻·(λ̂⁺ × λ̂⁻) ≥ 0, else 2π − φ
    (PHYSICS.md section 6). The scalar distribution goes as 1 − A cos φ* for y⁺y⁻ > 0.
    """
    p = np.asarray(particles, dtype=np.float64)
    visible = p[:, _VISIBLE].sum(axis=1)
    rest = kin.boost_to_rest_frame(p, visible[:, None])[..., :3]

    def perpendicular(charged: np.ndarray, neutral: np.ndarray) -> np.ndarray:
        unit = charged / np.linalg.norm(charged, axis=-1, keepdims=True)
        lam = neutral - np.sum(neutral * unit, axis=-1, keepdims=True) * unit
        return lam / np.linalg.norm(lam, axis=-1, keepdims=True)

    lam_minus = perpendicular(rest[:, 1], rest[:, 2])
    lam_plus = perpendicular(rest[:, 4], rest[:, 5])
    angle = np.arccos(np.clip(np.sum(lam_plus * lam_minus, axis=-1), -1.0, 1.0))
    orientation = np.sum(rest[:, 1] * np.cross(lam_plus, lam_minus), axis=-1)
    return np.where(orientation >= 0.0, angle, 2.0 * np.pi - angle)


def derived_features(particles: np.ndarray) -> np.ndarray:
    """``(N, 5)``: y⁻, y⁺ (lab), φ* (rad), m_ρ⁻, m_ρ⁺ (GeV) — see :data:`DERIVED_FEATURES`."""
    p = check_particles(particles)
    y_minus, y_plus = energy_sharing(p)
    return np.column_stack([y_minus, y_plus, acoplanarity(p), kin.mass(p[:, 1] + p[:, 2]),
                            kin.mass(p[:, 4] + p[:, 5])])


def make_features(particles: np.ndarray, *, neutrinos: bool = False, derived: bool = False) -> Features:
    """Boosted-frame features (16 or 24 ``bf_*`` columns), plus the derived ones if ``derived``."""
    columns = [boosted_frame(particles, neutrinos=neutrinos)]
    names = list(boosted_frame_names(neutrinos=neutrinos))
    if derived:
        columns.append(derived_features(particles))
        names += DERIVED_FEATURES
    return Features(np.concatenate(columns, axis=1).astype(np.float32), tuple(names))
