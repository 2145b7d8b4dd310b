"""The 27 HEPMASS features as a model takes them: names, units, definitions, physical values.

HEPMASS files (and this package's stand-in, :mod:`.standardization`) store the features
standardized. A model trained by the pipeline takes them in physical units (GeV, rad, counts:
what :func:`features_from_objects` computes from reconstructed objects) and carries its own
standardization (:class:`hepconditioning.Standardizer`, fitted on the training split), so the
model file scores raw analysis inputs. :func:`physical` converts stored (standardized)
HEPMASS-layout events back with the stand-in's constants; for the real HEPMASS files, whose
constants were not published, those physical values are approximate.
"""

from __future__ import annotations

from hepconditioning.contract import Feature
from hepconditioning.datasets.hepmass.layout import HEPMASS_FEATURES
from hepconditioning.datasets.hepmass.reconstruction import FEATURE_MEANINGS
from hepconditioning.datasets.hepmass.standardization import unstandardize
from hepconditioning.events import Events

__all__ = ["FEATURES", "physical"]


def _unit(meaning: str) -> str:
    if meaning.endswith(("pT", "missing ET")) or meaning.startswith("m_"):
        return "GeV"
    return "rad" if meaning.endswith("phi") else ""


_DEFINITIONS = {
    "lepton pT": "transverse momentum of the one selected lepton (e or μ)",
    "lepton eta": "pseudorapidity of the lepton",
    "lepton phi": "azimuth of the lepton",
    "missing ET": "magnitude of the missing transverse momentum",
    "missing ET phi": "azimuth of the missing transverse momentum",
    "number of jets": "number of jets passing the jet cuts (pT, |η|)",
    "m_jj": "hadronic W candidate: mass of the light-jet pair of the χ² assignment",
    "m_jjj": "hadronic top candidate: m_jj pair plus the hadronic b jet",
    "m_lv": "leptonic W candidate: lepton + ν (p_z from the W-mass constraint)",
    "m_jlv": "leptonic top candidate: lepton + ν + the leptonic b jet",
    "m_WWbb": "tt̄ system: lepton + ν + the four leading jets",
}


def _definition(meaning: str) -> str:
    if meaning in _DEFINITIONS:
        return _DEFINITIONS[meaning]
    _, rank, quantity = meaning.split(" ")  # "jet 2 eta"
    what = {"pT": "transverse momentum", "eta": "pseudorapidity", "phi": "azimuth",
            "b-tag": "b-tag flag (1 tagged, 0 not) or score"}[quantity]
    return f"{what} of the jet ranked {rank} in pT"


#: The 27 features in the HEPMASS column order (``f0 … f26``), in physical units.
FEATURES: tuple[Feature, ...] = tuple(
    Feature(name, _unit(meaning), _definition(meaning))
    for name, meaning in zip(HEPMASS_FEATURES, FEATURE_MEANINGS, strict=True)
)


def physical(events: Events) -> Events:
    """HEPMASS-layout events (standardized ``f0 … f26``) with the features in physical units."""
    if events.feature_names != tuple(HEPMASS_FEATURES):
        raise ValueError(f"physical() needs the 27 HEPMASS features f0 … f26, got "
                         f"{list(events.feature_names)[:6]}...")
    return events.replace(x=unstandardize(events.x))
