"""Parametric detector for the HEPMASS stand-in: showering, smearing, acceptance, b-tagging, MET.

Settings follow PHYSICS.md §3 (a Delphes-like detector as in Baldi et al. 2016,
arXiv:1601.07913):

- final-state radiation: each of the four quarks radiates a hard gluon with probability
  50 %; the quark is given a virtuality m* = r E (r log-uniform in [0.03, 0.5], energy kept)
  and split into two massless partons isotropically in its rest frame; when the two are
  closer than ΔR = 0.4 (the anti-kT radius) they stay one jet, otherwise the softer one is a
  separate gluon jet;
- jets: E → E (1 − ℓ)(1 + σ_E/E · N(0, 1)) with σ_E/E = 100 %/√E ⊕ 5 % (direction kept)
  and an out-of-cone / semileptonic-b loss ℓ ~ Exponential(mean 7 %) capped at 60 %,
  calibrated by 1/(1 − 7 %) so that the mean jet response is 1 (a low tail remains);
- the lepton: pT resolution 1.5 %;
- acceptance: pT > 20 GeV and |η| < 2.5 for jets and the lepton;
- b-tagging: efficiency 70 % for b jets, 15 % for c jets (W → cs), 2 % for light and gluon jets;
- missing transverse momentum: E⃗_T^miss = p⃗_T^ν − Σ (p⃗_T^smeared − p⃗_T^true) over every
  jet and the lepton, plus 8 GeV Gaussian noise per component from unclustered energy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from hepconditioning.datasets.hepmass.partons import Partons
from hepconditioning.physics import kinematics as kin

__all__ = [
    "B_TAG_EFFICIENCY",
    "C_MISTAG",
    "ETA_MAX",
    "FSR_PROBABILITY",
    "LIGHT_MISTAG",
    "ORIGIN_B_HAD",
    "ORIGIN_B_LEP",
    "ORIGIN_ISR",
    "ORIGIN_Q1",
    "ORIGIN_Q2",
    "PT_MIN",
    "Detector",
    "simulate",
]

PT_MIN = 20.0
ETA_MAX = 2.5
B_TAG_EFFICIENCY = 0.70
C_MISTAG = 0.15
LIGHT_MISTAG = 0.02
FSR_PROBABILITY = 0.50
_FSR_RANGE = (0.03, 0.5)
_JET_RADIUS = 0.4
# resolutions (PHYSICS.md §3), shared with the Pythia backend
JET_STOCHASTIC = 1.0
JET_CONSTANT = 0.05
LEPTON_RESOLUTION = 0.015
SOFT_MET = 8.0
_OUT_OF_CONE = 0.07
_CHARM_FRACTION = 0.25

ORIGIN_B_LEP, ORIGIN_B_HAD, ORIGIN_Q1, ORIGIN_Q2 = 0, 1, 2, 3
ORIGIN_GLUON = 10  # + the origin of the radiating quark
ORIGIN_ISR = 20


class Detector(NamedTuple):
    """Reconstructed objects of one batch; ``K`` jet slots per event (absent slots are zero).

    Attributes:
        jets: smeared jet four-vectors ``(N, K, 4)`` GeV.
        accepted: ``(N, K)`` bool, jet passes pT > 20 GeV and |η| < 2.5.
        btag: ``(N, K)`` float 0/1.
        origin: ``(N, K)`` int: 0 b (leptonic top), 1 b (hadronic top), 2/3 the W quarks,
            10 + i a gluon radiated by quark i, 20 an initial-state parton.
        lepton: smeared lepton ``(N, 4)``.
        lepton_accepted: ``(N,)`` bool.
        met: missing transverse momentum ``(N, 2)`` (x, y) GeV.
    """

    jets: np.ndarray
    accepted: np.ndarray
    btag: np.ndarray
    origin: np.ndarray
    lepton: np.ndarray
    lepton_accepted: np.ndarray
    met: np.ndarray


def _safe_eta(p: np.ndarray, pt: np.ndarray) -> np.ndarray:
    ratio = np.divide(p[..., 2], pt, out=np.full(pt.shape, 1e6), where=pt > 1e-9)
    return np.arcsinh(ratio)


def _radiate(quarks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split quarks ``(N, 4, 4)`` into (quark part, gluon part), each ``(N, 4, 4)``."""
    flat = quarks.reshape(-1, 4)
    idx = np.flatnonzero(rng.uniform(0.0, 1.0, flat.shape[0]) < FSR_PROBABILITY)
    sub = flat[idx]
    r = np.exp(rng.uniform(np.log(_FSR_RANGE[0]), np.log(_FSR_RANGE[1]), idx.size))
    energy = sub[:, 3]
    p3 = np.sqrt(sub[:, 0] ** 2 + sub[:, 1] ** 2 + sub[:, 2] ** 2)
    parent = sub.copy()
    parent[:, :3] *= (energy * np.sqrt(1.0 - r * r) / np.maximum(p3, 1e-12))[:, None]
    d1, d2 = kin.two_body_decay(parent, 0.0, 0.0, rng=rng)
    first_harder = (d1[:, 3] >= d2[:, 3])[:, None]
    hard = np.where(first_harder, d1, d2)
    soft = np.where(first_harder, d2, d1)
    separate = kin.delta_r(hard, soft) > _JET_RADIUS
    quark_part = flat.copy()
    gluon_part = np.zeros_like(flat)
    quark_part[idx[separate]] = hard[separate]
    gluon_part[idx[separate]] = soft[separate]
    return quark_part.reshape(quarks.shape), gluon_part.reshape(quarks.shape)


def simulate(partons: Partons, *, rng: np.random.Generator) -> Detector:
    """Turn :class:`~hepconditioning.datasets.hepmass.partons.Partons` into detector objects.

    Jet slots (K = 8, or 11 with ISR): the four quarks (b_lep, b_had, q1, q2), their four
    possible FSR gluons, and the initial-state partons.
    """
    n = partons.lepton.shape[0]
    quarks = np.stack([partons.b_lep, partons.b_had, partons.q1, partons.q2], axis=1)
    quark_part, gluon_part = _radiate(quarks, rng)
    true_jets = np.concatenate([quark_part, gluon_part, partons.isr], axis=1)
    k = true_jets.shape[1]
    n_isr = partons.isr.shape[1]
    origin = np.concatenate([np.arange(4), ORIGIN_GLUON + np.arange(4), np.full(n_isr, ORIGIN_ISR)])
    origin = np.broadcast_to(origin, (n, k))

    energy = np.maximum(true_jets[..., 3], 1.0)
    sigma = np.sqrt(JET_STOCHASTIC**2 / energy + JET_CONSTANT**2)
    loss = np.minimum(rng.exponential(_OUT_OF_CONE, (n, k)), 0.6)
    response = (1.0 - loss) / (1.0 - _OUT_OF_CONE)  # calibrated: mean response 1
    scale = np.clip(response * (1.0 + sigma * rng.standard_normal((n, k))), 0.05, None)
    jets = true_jets * scale[..., None]
    jet_pt = kin.pt(jets)
    accepted = (jet_pt > PT_MIN) & (np.abs(_safe_eta(jets, jet_pt)) < ETA_MAX)

    charm = rng.uniform(0.0, 1.0, (n, 2)) < _CHARM_FRACTION
    efficiency = np.full((n, k), LIGHT_MISTAG)
    efficiency[:, :2] = B_TAG_EFFICIENCY
    efficiency[:, 2:4] = np.where(charm, C_MISTAG, LIGHT_MISTAG)
    btag = (rng.uniform(0.0, 1.0, (n, k)) < efficiency).astype(np.float64)

    lepton = partons.lepton * (1.0 + LEPTON_RESOLUTION * rng.standard_normal(n))[:, None]
    lep_pt = kin.pt(lepton)
    lepton_accepted = (lep_pt > PT_MIN) & (np.abs(_safe_eta(lepton, lep_pt)) < ETA_MAX)

    mismeasured = (jets - true_jets)[..., :2].sum(axis=1) + (lepton - partons.lepton)[:, :2]
    met = partons.neutrino[:, :2] - mismeasured + rng.normal(0.0, SOFT_MET, (n, 2))
    return Detector(jets, accepted, btag, origin, lepton, lepton_accepted, met)
