"""Relativistic kinematics on numpy arrays of four-vectors.

Four-vectors are arrays of shape ``(..., 4)`` ordered ``(px, py, pz, E)`` in GeV, metric
(+, -, -, -) on ``(E, p)``. Every function is pure and vectorized over the leading axes,
in the spirit of ``vector._compute``; randomness comes only through an explicit
``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "boost",
    "boost_to_rest_frame",
    "breakup_momentum",
    "delta_phi",
    "delta_r",
    "direction_about",
    "dot",
    "eta",
    "from_pt_eta_phi_m",
    "mass",
    "mass2",
    "momentum",
    "neutrino_pz",
    "phi",
    "pt",
    "random_rotation",
    "rapidity",
    "rotate",
    "rotation_about_z",
    "rotation_to_z",
    "sample_breit_wigner",
    "two_body_decay",
]


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minkowski product a·b = E_a E_b − p⃗_a·p⃗_b, shape ``(...)``."""
    return a[..., 3] * b[..., 3] - np.sum(a[..., :3] * b[..., :3], axis=-1)


def mass2(p: np.ndarray) -> np.ndarray:
    """Invariant mass squared p·p (GeV²); may be slightly negative for massless vectors."""
    return dot(p, p)


def mass(p: np.ndarray) -> np.ndarray:
    """Invariant mass √(p·p) in GeV, with negative rounding residues mapped to −√|p·p|."""
    m2 = mass2(p)
    return np.sign(m2) * np.sqrt(np.abs(m2))


def momentum(p: np.ndarray) -> np.ndarray:
    """|p⃗| in GeV."""
    return np.sqrt(np.sum(p[..., :3] ** 2, axis=-1))


def pt(p: np.ndarray) -> np.ndarray:
    """Transverse momentum √(px² + py²) in GeV."""
    return np.hypot(p[..., 0], p[..., 1])


def phi(p: np.ndarray) -> np.ndarray:
    """Azimuth atan2(py, px) in (−π, π]."""
    return np.arctan2(p[..., 1], p[..., 0])


def eta(p: np.ndarray) -> np.ndarray:
    """Pseudorapidity asinh(pz / pT) (±inf only for pT = 0)."""
    with np.errstate(divide="ignore"):
        return np.arcsinh(p[..., 2] / pt(p))


def rapidity(p: np.ndarray) -> np.ndarray:
    """Rapidity ½ ln((E + pz)/(E − pz))."""
    return 0.5 * np.log((p[..., 3] + p[..., 2]) / (p[..., 3] - p[..., 2]))


def from_pt_eta_phi_m(pt_: np.ndarray, eta_: np.ndarray, phi_: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Four-vectors ``(..., 4)`` from (pT, η, φ, m)."""
    pt_, eta_, phi_, m = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (pt_, eta_, phi_, m)))
    px = pt_ * np.cos(phi_)
    py = pt_ * np.sin(phi_)
    pz = pt_ * np.sinh(eta_)
    e = np.sqrt(px**2 + py**2 + pz**2 + m**2)
    return np.stack([px, py, pz, e], axis=-1)


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Lorentz boost of ``p`` by velocity ``beta`` (``(..., 3)``, |β| < 1).

    A particle at rest becomes one moving with velocity β:
    E' = γ(E + β⃗·p⃗), p⃗' = p⃗ + [(γ − 1)(β⃗·p⃗)/β² + γE] β⃗.
    """
    beta = np.asarray(beta, dtype=np.float64)
    b2 = np.sum(beta**2, axis=-1)
    if np.any(b2 >= 1.0):
        raise ValueError(f"boost velocity must satisfy |beta| < 1, got max |beta|^2 = {np.max(b2)}")
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[..., :3], axis=-1)
    # (γ − 1)/β² = γ²/(γ + 1): finite at β = 0
    coef = gamma**2 / (gamma + 1.0) * bp + gamma * p[..., 3]
    out = np.empty(np.broadcast_shapes(p.shape, (*beta.shape[:-1], 4)), dtype=np.float64)
    out[..., :3] = p[..., :3] + coef[..., None] * beta
    out[..., 3] = gamma * (p[..., 3] + bp)
    return out


def boost_to_rest_frame(p: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Express ``p`` in the rest frame of the (timelike) four-vector ``frame``."""
    return boost(p, -frame[..., :3] / frame[..., 3:4])


def rotation_to_z(v: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` taking the 3-vectors ``v`` onto +z.

    Rodrigues' formula about the axis v̂ × ẑ; the antiparallel case rotates by π about x.
    """
    v = np.asarray(v, dtype=np.float64)
    u = v / np.linalg.norm(v, axis=-1, keepdims=True)
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(u, z)
    s = np.linalg.norm(axis, axis=-1)
    c = u[..., 2]
    kx, ky, kz = (axis[..., i] for i in range(3))
    zero = np.zeros_like(kx)
    k = np.stack([np.stack([zero, -kz, ky], -1), np.stack([kz, zero, -kx], -1),
                  np.stack([-ky, kx, zero], -1)], -2)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(s > 1e-12, (1.0 - c) / s**2, 0.0)
    rot = np.eye(3) + k + factor[..., None, None] * (k @ k)
    flip = (s <= 1e-12) & (c < 0)
    rot[flip] = np.diag([1.0, -1.0, -1.0])
    return rot


def rotate(p: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Apply rotation matrices ``(..., 3, 3)`` to the spatial part of four-vectors ``(..., 4)``.

    ``rot`` broadcasts against ``p`` with the particle axis: for ``p`` of shape (N, K, 4) pass
    ``rot[:, None]``.
    """
    out = np.array(p, dtype=np.float64, copy=True)
    out[..., :3] = np.einsum("...ij,...j->...i", rot, p[..., :3])
    return out


def breakup_momentum(m: np.ndarray, m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """Daughter momentum in the rest frame of a decay m → m1 m2 (Källén function)."""
    m, m1, m2 = (np.asarray(a, dtype=np.float64) for a in (m, m1, m2))
    lam = (m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)
    if np.any(lam < 0):
        raise ValueError("two-body decay below threshold: m < m1 + m2 for some entries")
    return np.sqrt(lam) / (2.0 * m)


def two_body_decay(
    parent: np.ndarray,
    m1: np.ndarray | float,
    m2: np.ndarray | float,
    *,
    rng: np.random.Generator,
    cos_theta: np.ndarray | None = None,
    phi_: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decay ``parent`` (``(..., 4)``) into daughters of masses m1, m2; returns lab four-vectors.

    Daughter 1 has rest-frame momentum q (Källén) along (sin θ cos φ, sin θ sin φ, cos θ)
    (angles relative to the lab axes), isotropic unless ``cos_theta``/``phi_`` are given. It
    is boosted to the lab with β = p⃗/E, γ = E/m: E₁ = γ(E*₁ + β⃗·p⃗*),
    p⃗₁ = p⃗* + [γ²/(γ + 1) β⃗·p⃗* + γ E*₁] β⃗, written component by component (no (N, 4)
    temporaries). Daughter 2 is parent − daughter 1: four-momentum is conserved exactly up to
    rounding.
    """
    parent = np.asarray(parent, dtype=np.float64)
    n = parent.shape[:-1]
    px, py, pz, e = (parent[..., i] for i in range(4))
    m = np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0))
    m1 = np.asarray(m1, dtype=np.float64)
    q = breakup_momentum(m, m1, m2)
    cos_t = rng.uniform(-1.0, 1.0, n) if cos_theta is None else np.asarray(cos_theta)
    azim = rng.uniform(-np.pi, np.pi, n) if phi_ is None else np.asarray(phi_)
    qs = q * np.sqrt(np.clip(1.0 - cos_t * cos_t, 0.0, None))
    kx, ky, kz = qs * np.cos(azim), qs * np.sin(azim), q * cos_t
    e_star = np.sqrt(q * q + m1 * m1)
    bx, by, bz = px / e, py / e, pz / e
    gamma = e / m
    bp = bx * kx + by * ky + bz * kz
    coef = gamma * gamma / (gamma + 1.0) * bp + gamma * e_star
    d1 = np.empty((*n, 4))
    d1[..., 0] = kx + coef * bx
    d1[..., 1] = ky + coef * by
    d1[..., 2] = kz + coef * bz
    d1[..., 3] = gamma * (e_star + bp)
    return d1, parent - d1


def sample_breit_wigner(
    m0: float | np.ndarray,
    width: float | np.ndarray,
    size: int | tuple[int, ...],
    *,
    rng: np.random.Generator,
    low: float | np.ndarray = 0.0,
    high: float | np.ndarray = np.inf,
) -> np.ndarray:
    """Masses from a relativistic Breit–Wigner in s = m², truncated to [low, high] GeV.

    Density in s: ρ(s) ∝ 1 / ((s − m0²)² + m0² Γ²), sampled exactly by inverting its CDF:
    s = m0² + m0 Γ tan(u), u uniform between the arctan images of low² and high².
    """
    m0, width, low, high = (np.asarray(a, dtype=np.float64) for a in (m0, width, low, high))
    scale = m0 * width
    u_low = np.arctan((low**2 - m0**2) / scale)
    u_high = np.arctan((high**2 - m0**2) / scale)
    u = rng.uniform(0.0, 1.0, size) * (u_high - u_low) + u_low
    return np.sqrt(m0**2 + scale * np.tan(u))


def rotation_about_z(angle: float | np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` by ``angle`` (rad, scalar or array) about the z axis."""
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack([np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1),
                     np.stack([zero, zero, one], -1)], -2)


def random_rotation(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """``n`` rotation matrices ``(n, 3, 3)`` uniform on SO(3) (Haar measure).

    From unit quaternions with normally distributed components (uniform on S³); the image of
    any fixed axis is then isotropic, with a uniform azimuth about it.
    """
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def delta_phi(phi1: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """Azimuthal difference φ1 − φ2 wrapped into [−π, π)."""
    return np.remainder(np.asarray(phi1) - np.asarray(phi2) + np.pi, 2.0 * np.pi) - np.pi


def delta_r(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angular distance ΔR = √(Δη² + Δφ²) between four-vectors ``a`` and ``b`` (``(..., 4)``)."""
    return np.hypot(eta(a) - eta(b), delta_phi(phi(a), phi(b)))


def direction_about(axis: np.ndarray, cos_theta: np.ndarray, phi_: np.ndarray) -> np.ndarray:
    """Unit 3-vectors ``(..., 3)`` at polar angle θ and azimuth φ about ``axis`` (``(..., 3)``).

    With â = axis/|axis| and two unit vectors e1, e2 completing a right-handed frame
    (e1 ⟂ â built from the coordinate axis least aligned with â):
    n̂ = cos θ â + sin θ (cos φ e1 + sin φ e2).
    """
    axis = np.asarray(axis, dtype=np.float64)
    a = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    helper = np.zeros_like(a)
    smallest = np.argmin(np.abs(a), axis=-1)
    np.put_along_axis(helper, smallest[..., None], 1.0, axis=-1)
    e1 = np.cross(a, helper)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(a, e1)
    cos_theta = np.asarray(cos_theta, dtype=np.float64)[..., None]
    sin_theta = np.sqrt(np.clip(1.0 - cos_theta**2, 0.0, None))
    phi_ = np.asarray(phi_, dtype=np.float64)[..., None]
    return cos_theta * a + sin_theta * (np.cos(phi_) * e1 + np.sin(phi_) * e2)


def neutrino_pz(
    lepton: np.ndarray,
    met_x: np.ndarray,
    met_y: np.ndarray,
    *,
    m_w: float = 80.4,
) -> tuple[np.ndarray, np.ndarray]:
    """Longitudinal neutrino momentum from the W-mass constraint (m_ν = 0), GeV.

    Solving (ℓ + ν)² = m_W² for p_z^ν with p⃗_T^ν = E⃗_T^miss and a massless lepton gives
    a p_z² − 2 μ p_z^ℓ p_z + (E_ℓ² E_T² − μ²) = 0 with μ = m_W²/2 + p⃗_T^ℓ·E⃗_T^miss and
    a = E_ℓ² − (p_z^ℓ)², i.e. p_z = [μ p_z^ℓ ± E_ℓ √(μ² − a E_T²)] / a. The root of smaller
    |p_z| is returned; when the discriminant is negative (the transverse mass exceeds m_W,
    ~25 % of tt̄ events) its real part μ p_z^ℓ / a is used, as in the HEPMASS reconstruction
    (Baldi et al. 2016, arXiv:1601.07913).

    Returns:
        ``(pz, real)``: p_z^ν ``(...)`` and whether a real solution existed ``(...)`` bool.
    """
    lepton = np.asarray(lepton, dtype=np.float64)
    px, py, pz_l, e_l = (lepton[..., i] for i in range(4))
    met2 = met_x**2 + met_y**2
    mu = 0.5 * m_w**2 + px * met_x + py * met_y
    a = e_l**2 - pz_l**2
    disc = mu**2 - a * met2
    real = disc >= 0.0
    root = e_l * np.sqrt(np.where(real, disc, 0.0))
    centre = mu * pz_l
    small = np.where(centre >= 0.0, centre - root, centre + root)
    return small / a, real
