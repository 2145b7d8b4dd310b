"""The 27 HEPMASS features from reconstructed physics objects (awkward arrays): analysis input.

:func:`features_from_objects` applies the object cuts and the selection and runs the same
reconstruction as the generator (:func:`~hepconditioning.datasets.hepmass.reconstruction.reconstruct_objects`:
ν p_z from the W mass, χ² jet assignment, m_jj, m_jjj, m_ℓν, m_jℓν, m_WWbb), so a model
trained on the stand-in can score CMS NanoAOD or any flat/jagged ntuple.

Example (CMS NanoAOD with coffea/uproot; ``events`` an awkward record array)::

    import awkward as ak
    leptons = ak.concatenate([events.Muon, events.Electron], axis=1)
    out = features_from_objects(leptons, events.Jet, events.MET, btag="btagCSVV2",
                                btag_threshold=0.8)
    out.features  # (M, 27) for the M selected events; out.selected (N,) bool
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from hepconditioning.datasets.hepmass.detector import ETA_MAX, PT_MIN
from hepconditioning.datasets.hepmass.reconstruction import reconstruct_objects
from hepconditioning.errors import MissingColumnError
from hepconditioning.physics import kinematics as kin

__all__ = ["ObjectFeatures", "features_from_objects"]


class ObjectFeatures(NamedTuple):
    """Features of the selected events.

    Attributes:
        features: ``(M, 27)`` float64 in physical units (GeV, rad, counts; ``f0 … f26``).
        selected: ``(N,)`` bool, which input events pass (``M = selected.sum()``).
        real_neutrino: ``(M,)`` bool, the W-mass constraint had a real p_z solution.
        jets: ``(M, 4)`` positions among each event's input jets of W jet 1, W jet 2, the
            hadronic b and the leptonic b of the χ² assignment.
    """

    features: np.ndarray
    selected: np.ndarray
    real_neutrino: np.ndarray
    jets: np.ndarray


def _padded(objects: Any, fields: list[str], width: int | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-event lists of records → ``{field: (N, K)}`` zero-padded and the ``(N, K)`` valid mask."""
    import awkward as ak

    objects = ak.Array(objects)
    counts = ak.to_numpy(ak.num(objects, axis=1))
    k = max(int(counts.max()) if counts.size else 0, width or 0, 1)
    padded = ak.pad_none(objects, k, axis=1, clip=True)
    valid = np.arange(k)[None, :] < counts[:, None]
    out = {}
    for name in fields:
        column = ak.fill_none(padded[name], 0.0)
        out[name] = np.asarray(ak.to_numpy(column), dtype=np.float64).reshape(len(counts), k)
    return out, valid


def _field_names(objects: Any) -> list[str]:
    import awkward as ak

    return list(ak.fields(ak.Array(objects)))


def _vectors(objects: Any, what: str, extra: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                            np.ndarray, dict[str, np.ndarray]]:
    """Four-vectors ``(N, K, 4)``, pT and η ``(N, K)``, valid mask and extra fields of a collection
    with (pt, eta, phi, mass) or (px, py, pz, E) fields."""
    names = _field_names(objects)
    if {"pt", "eta", "phi", "mass"} <= set(names):
        cols, valid = _padded(objects, ["pt", "eta", "phi", "mass", *extra])
        p4 = kin.from_pt_eta_phi_m(cols["pt"], cols["eta"], cols["phi"], cols["mass"])
        pt, eta = cols["pt"], cols["eta"]
    elif {"px", "py", "pz", "E"} <= set(names):
        cols, valid = _padded(objects, ["px", "py", "pz", "E", *extra])
        p4 = np.stack([cols["px"], cols["py"], cols["pz"], cols["E"]], axis=-1)
        pt = kin.pt(p4)
        eta = np.arcsinh(np.divide(p4[..., 2], pt, out=np.full(pt.shape, 1e6), where=pt > 1e-9))
    else:
        raise MissingColumnError("pt", names, where=f"the {what} (give fields pt, eta, phi, mass or px, py, pz, E)")
    return p4, pt, eta, valid, cols


def _met(met: Any) -> np.ndarray:
    import awkward as ak

    if isinstance(met, np.ndarray) and met.ndim == 2 and met.shape[1] == 2:
        return met.astype(np.float64)
    names = list(ak.fields(ak.Array(met)))
    met = ak.Array(met)
    if {"pt", "phi"} <= set(names):
        pt, phi = (np.asarray(ak.to_numpy(met[n]), dtype=np.float64) for n in ("pt", "phi"))
        return np.column_stack([pt * np.cos(phi), pt * np.sin(phi)])
    if {"px", "py"} <= set(names):
        return np.column_stack([np.asarray(ak.to_numpy(met[n]), dtype=np.float64) for n in ("px", "py")])
    raise MissingColumnError("pt", names, where="the missing transverse momentum (give fields pt, phi or px, py)")


def features_from_objects(
    leptons: Any,
    jets: Any,
    met: Any,
    *,
    btag: str = "btag",
    btag_threshold: float | None = None,
    lepton_pt_min: float = PT_MIN,
    lepton_eta_max: float = ETA_MAX,
    jet_pt_min: float = PT_MIN,
    jet_eta_max: float = ETA_MAX,
) -> ObjectFeatures:
    """The 27 HEPMASS features (Baldi et al. 2016, arXiv:1601.07913) from reconstructed objects.

    Args:
        leptons: per-event lists of leptons (e and μ together), awkward records with fields
            ``pt, eta, phi, mass`` (GeV, rad) or ``px, py, pz, E``.
        jets: per-event lists of jets, same fields plus the b-tag field named by ``btag``.
        met: missing transverse momentum per event: records with ``pt, phi`` or ``px, py``,
            or an ``(N, 2)`` array of (x, y).
        btag: name of the jets' b-tag field (a 0/1 flag, or a score with ``btag_threshold``).
        btag_threshold: a score above it counts as tagged (1), otherwise 0; ``None`` uses the
            field as it is (the stand-in's 0/1 flag).
        lepton_pt_min, lepton_eta_max: lepton cuts, pT > min and |η| < max (20 GeV, 2.5).
        jet_pt_min, jet_eta_max: jet cuts (20 GeV, 2.5).

    Returns:
        :class:`ObjectFeatures`: the features of the events with exactly one lepton and at
        least four jets passing the cuts, and the selection mask over all input events.
    """
    lep4, lep_pt, lep_eta, lep_valid, _ = _vectors(leptons, "leptons")
    names = _field_names(jets)
    if btag not in names:
        raise MissingColumnError(btag, names, where="the jets (the b-tag field, see btag=)")
    jet4, jet_pt, jet_eta, jet_valid, cols = _vectors(jets, "jets", (btag,))
    met_xy = _met(met)
    if not lep4.shape[0] == jet4.shape[0] == met_xy.shape[0]:
        raise ValueError(f"leptons, jets and met must have one entry per event, got {lep4.shape[0]}, "
                         f"{jet4.shape[0]} and {met_xy.shape[0]} events")
    tags = cols[btag] if btag_threshold is None else (cols[btag] > btag_threshold).astype(np.float64)
    lepton_pass = lep_valid & (lep_pt > lepton_pt_min) & (np.abs(lep_eta) < lepton_eta_max)
    jet_pass = jet_valid & (jet_pt > jet_pt_min) & (np.abs(jet_eta) < jet_eta_max)
    out = reconstruct_objects(lep4, lepton_pass, jet4, jet_pass, tags, met_xy)
    return ObjectFeatures(out.features, out.selected, out.real_neutrino, out.jets)
