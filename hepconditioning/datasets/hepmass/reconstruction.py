"""HEPMASS reconstruction: the 27 features from detector objects (Baldi et al. 2016, arXiv:1601.07913).

Selection: exactly one lepton (pT > 20 GeV, |η| < 2.5) and at least four jets (same cuts).
The four leading jets by pT enter the features and the tt̄ reconstruction:

- the neutrino: p⃗_T^ν = E⃗_T^miss, p_z^ν from the W-mass constraint (smaller |p_z| root,
  real part when there is no real root, :func:`~hepconditioning.physics.kinematics.neutrino_pz`);
- jet assignment: of the 12 ways to pick (W jet pair, hadronic b, leptonic b) from the four
  jets, the one minimizing
  χ² = ((m_jj − m_W)/10)² + ((m_jjj − m_t)/15)² + ((m_jℓν − m_t)/20)²
  + 2 (b-tagged W jets) + 1 (untagged b candidates);
- m_jj (hadronic W), m_jjj (hadronic top), m_ℓν (leptonic W), m_jℓν (leptonic top) and
  m_WWbb (lepton + ν + four jets, the tt̄ system).

Feature columns, in the real file's order (PHYSICS.md §1): f0–f2 lepton pT, η, φ; f3, f4 MET
magnitude and φ; f5 number of jets; f6–f21 four × (jet pT, η, φ, b-tag); f22 m_jj, f23 m_jjj,
f24 m_ℓν, f25 m_jℓν, f26 m_WWbb (GeV, radians, counts).
"""

from __future__ import annotations

from itertools import permutations
from typing import NamedTuple

import numpy as np

from hepconditioning.datasets.hepmass.detector import (
    ORIGIN_B_HAD,
    ORIGIN_B_LEP,
    ORIGIN_Q1,
    ORIGIN_Q2,
    Detector,
)
from hepconditioning.datasets.hepmass.partons import TOP_MASS, W_MASS
from hepconditioning.physics import kinematics as kin

__all__ = ["FEATURE_MEANINGS", "Assigned", "Reconstructed", "reconstruct", "reconstruct_objects"]

FEATURE_MEANINGS: tuple[str, ...] = (
    "lepton pT", "lepton eta", "lepton phi", "missing ET", "missing ET phi", "number of jets",
    *(f"jet {i} {q}" for i in range(1, 5) for q in ("pT", "eta", "phi", "b-tag")),
    "m_jj", "m_jjj", "m_lv", "m_jlv", "m_WWbb",
)
_SIGMA_W, _SIGMA_T_HAD, _SIGMA_T_LEP = 10.0, 15.0, 20.0
# (W jet 1, W jet 2, hadronic b, leptonic b), W pair unordered
_ASSIGNMENTS = np.array([p for p in permutations(range(4)) if p[0] < p[1]])


class Reconstructed(NamedTuple):
    """Selected events of one batch.

    Attributes:
        features: raw (unstandardized) features ``(M, 27)`` float64, column order as above.
        selected: ``(N,)`` bool, which input events passed the selection (M = its sum).
        correct: ``(M,)`` bool, the χ² assignment put b_lep, b_had, q1, q2 (not gluon
            splinters or ISR jets) in their right places.
        real_neutrino: ``(M,)`` bool, the W-mass constraint had a real solution.
    """

    features: np.ndarray
    selected: np.ndarray
    correct: np.ndarray
    real_neutrino: np.ndarray


def _root(m2: np.ndarray) -> np.ndarray:
    # invariant mass from m², negative rounding residues → −√|m²| (as kin.mass)
    return np.copysign(np.sqrt(np.abs(m2)), m2)


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    # values (M, K, ...) gathered along axis 1 with index (M, J)
    extra = (1,) * (values.ndim - 2)
    return np.take_along_axis(values, index.reshape(*index.shape, *extra), axis=1)


class Assigned(NamedTuple):
    """What :func:`reconstruct_objects` returns (``M`` selected of ``N`` events).

    Attributes:
        features: raw features ``(M, 27)`` float64 (GeV, rad, counts), column order as above.
        selected: ``(N,)`` bool, exactly one passing lepton and at least four passing jets.
        real_neutrino: ``(M,)`` bool, the W-mass constraint had a real solution.
        jets: ``(M, 4)`` positions, among each event's input jets, of the χ² assignment's
            W jet 1, W jet 2, hadronic b and leptonic b.
    """

    features: np.ndarray
    selected: np.ndarray
    real_neutrino: np.ndarray
    jets: np.ndarray


def reconstruct_objects(leptons: np.ndarray, lepton_pass: np.ndarray, jets: np.ndarray, jet_pass: np.ndarray,
                        btag: np.ndarray, met: np.ndarray) -> Assigned:
    """The selection and the 27 features from padded objects (the one HEPMASS reconstruction).

    Args:
        leptons: four-vectors ``(N, L, 4)`` (px, py, pz, E) GeV; lepton_pass: ``(N, L)`` bool,
            the lepton passes the object cuts (padding slots: False).
        jets: four-vectors ``(N, K, 4)``; jet_pass: ``(N, K)`` bool; btag: ``(N, K)`` b-tag
            flag or score.
        met: missing transverse momentum ``(N, 2)`` (x, y) GeV.

    Exactly one passing lepton and at least four passing jets select an event; the four
    leading passing jets by pT (stable order) enter the reconstruction of the module docstring.
    """
    if jets.shape[1] < 4:  # fewer than four jet slots (e.g. no events): none selected, shapes kept
        pad = 4 - jets.shape[1]
        jets = np.pad(jets, ((0, 0), (0, pad), (0, 0)))
        jet_pass, btag = np.pad(jet_pass, ((0, 0), (0, pad))), np.pad(btag, ((0, 0), (0, pad)))
    n_jets = jet_pass.sum(axis=1)
    selected = (lepton_pass.sum(axis=1) == 1) & (n_jets >= 4)
    lepton = _take(leptons[selected], np.argmax(lepton_pass[selected], axis=1)[:, None])[:, 0]
    jets = jets[selected]
    pt_all = np.where(jet_pass[selected], kin.pt(jets), -1.0)
    order = np.argsort(-pt_all, axis=1, kind="stable")[:, :4]
    lead = _take(jets, order)
    btag = _take(btag[selected], order)
    met = met[selected]
    m = lead.shape[0]

    pz, real = kin.neutrino_pz(lepton, met[:, 0], met[:, 1], m_w=W_MASS)
    neutrino = np.column_stack([met, pz, np.sqrt(np.sum(met**2, axis=1) + pz**2)])
    lep_w = lepton + neutrino

    # invariant masses of every jet combination from the Gram matrix G_ik = j_i·j_k (M, 4, 4)
    comp = [lead[..., i] for i in range(4)]
    gram = comp[3][:, :, None] * comp[3][:, None, :]
    for c in comp[:3]:
        gram -= c[:, :, None] * c[:, None, :]
    lw = [lep_w[:, i] for i in range(4)]
    lw_dot_j = lw[3][:, None] * comp[3] - lw[0][:, None] * comp[0] - lw[1][:, None] * comp[1] - lw[2][:, None] * comp[2]
    m2_lw = lw[3] ** 2 - lw[0] ** 2 - lw[1] ** 2 - lw[2] ** 2
    a = _ASSIGNMENTS
    m2_j = np.diagonal(gram, axis1=1, axis2=2)  # jet masses squared (M, 4)

    def pair(i: int, k: int) -> np.ndarray:  # j_i·j_k over the 12 assignments (M, 12)
        return gram[:, a[:, i], a[:, k]]

    m2_jj = m2_j[:, a[:, 0]] + m2_j[:, a[:, 1]] + 2.0 * pair(0, 1)
    m_jj = _root(m2_jj)
    m_jjj = _root(m2_jj + m2_j[:, a[:, 2]] + 2.0 * (pair(0, 2) + pair(1, 2)))
    m_jlv = _root(m2_lw[:, None] + m2_j[:, a[:, 3]] + 2.0 * lw_dot_j[:, a[:, 3]])
    m_wwbb = _root(m2_lw + gram.sum(axis=(1, 2)) + 2.0 * lw_dot_j.sum(axis=1))
    penalty = 2.0 * (btag[:, a[:, 0]] + btag[:, a[:, 1]]) + (2.0 - btag[:, a[:, 2]] - btag[:, a[:, 3]])
    chi2 = (((m_jj - W_MASS) / _SIGMA_W) ** 2 + ((m_jjj - TOP_MASS) / _SIGMA_T_HAD) ** 2
            + ((m_jlv - TOP_MASS) / _SIGMA_T_LEP) ** 2 + penalty)
    best = np.argmin(chi2, axis=1)
    rows = np.arange(m)
    chosen = np.take_along_axis(order, a[best], axis=1)  # (M, 4) positions among the input jets

    features = np.empty((m, 27))
    features[:, 0] = kin.pt(lepton)
    features[:, 1] = kin.eta(lepton)
    features[:, 2] = kin.phi(lepton)
    features[:, 3] = np.hypot(met[:, 0], met[:, 1])
    features[:, 4] = np.arctan2(met[:, 1], met[:, 0])
    features[:, 5] = n_jets[selected]
    features[:, 6:22:4] = kin.pt(lead)
    features[:, 7:22:4] = kin.eta(lead)
    features[:, 8:22:4] = kin.phi(lead)
    features[:, 9:22:4] = btag
    features[:, 22] = m_jj[rows, best]
    features[:, 23] = m_jjj[rows, best]
    features[:, 24] = _root(m2_lw)
    features[:, 25] = m_jlv[rows, best]
    features[:, 26] = m_wwbb
    return Assigned(features, selected, real, chosen)


def reconstruct(det: Detector) -> Reconstructed:
    """Apply the selection and compute the 27 HEPMASS features (see the module docstring) for
    the generators' detector objects, through :func:`reconstruct_objects`."""
    out = reconstruct_objects(det.lepton[:, None, :], det.lepton_accepted[:, None], det.jets, det.accepted,
                              det.btag, det.met)
    origin = np.take_along_axis(det.origin[out.selected], out.jets, axis=1)
    correct = ((origin[:, 2] == ORIGIN_B_HAD) & (origin[:, 3] == ORIGIN_B_LEP)
               & (np.sort(origin[:, :2], axis=1) == [ORIGIN_Q1, ORIGIN_Q2]).all(axis=1))
    return Reconstructed(out.features, out.selected, correct, out.real_neutrino)
