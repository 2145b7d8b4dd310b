"""HEPMASS (Baldi et al. 2016, arXiv:1601.07913) and HEPMASS-IMB (Anzalone et al. 2022,
arXiv:2202.00424): a physics-faithful generator, the IMB builder and the dataset loader.

Stages: :mod:`.partons` (X → tt̄ / SM tt̄ decay chains) → :mod:`.detector` (FSR, smearing,
acceptance, b-tagging, MET) → :mod:`.reconstruction` (the 27 features) →
:mod:`.standardization` → :mod:`.generator` (``Events``, exact counts) and :mod:`.writer`.
"""

from __future__ import annotations

from hepconditioning.datasets.hepmass.generator import (
    DEFAULT_CHUNK,
    MASSES,
    check_masses,
    generate,
    iter_generate,
)
from hepconditioning.datasets.hepmass.reconstruction import FEATURE_MEANINGS
from hepconditioning.datasets.hepmass.standardization import (
    FEATURE_MEANS,
    FEATURE_STDS,
    standardize,
    unstandardize,
)

__all__ = [
    "DEFAULT_CHUNK",
    "FEATURE_MEANINGS",
    "FEATURE_MEANS",
    "FEATURE_STDS",
    "MASSES",
    "check_masses",
    "generate",
    "iter_generate",
    "standardize",
    "unstandardize",
]
