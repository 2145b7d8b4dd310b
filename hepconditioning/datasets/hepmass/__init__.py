"""HEPMASS (Baldi et al. 2016, arXiv:1601.07913) and HEPMASS-IMB (Anzalone et al. 2022,
arXiv:2202.00424): a physics-faithful generator, the IMB builder and the dataset loader.

Stages: :mod:`.partons` (X → tt̄ / SM tt̄ decay chains) → :mod:`.detector` (FSR, smearing,
acceptance, b-tagging, MET) → :mod:`.reconstruction` (the 27 features; the same code serves
:func:`features_from_objects` of :mod:`.objects` for analysis inputs such as NanoAOD) →
:mod:`.standardization` → :mod:`.generator` (``Events``, exact counts, files); :mod:`.imbalanced`
(HEPMASS-IMB) and :mod:`.loading` (``load_hepmass``).
"""

from __future__ import annotations

from hepconditioning.datasets.hepmass.features import FEATURES, physical
from hepconditioning.datasets.hepmass.generator import (
    DEFAULT_CHUNK,
    check_masses,
    generate,
    iter_generate,
    write_generated,
)
from hepconditioning.datasets.hepmass.imbalanced import (
    HEPMASS_SIGNAL_PER_MASS,
    IMB_COUNTS,
    imbalanced_counts,
    imbalanced_scale,
    make_imbalanced,
)
from hepconditioning.datasets.hepmass.layout import COLUMNS, CSV_LAYOUT, HEPMASS_FEATURES, MASSES
from hepconditioning.datasets.hepmass.loading import SAMPLE, load_hepmass
from hepconditioning.datasets.hepmass.objects import ObjectFeatures, features_from_objects
from hepconditioning.datasets.hepmass.pythia import generate_pythia
from hepconditioning.datasets.hepmass.reconstruction import FEATURE_MEANINGS
from hepconditioning.datasets.hepmass.standardization import (
    FEATURE_MEANS,
    FEATURE_STDS,
    standardize,
    unstandardize,
)

__all__ = [
    "COLUMNS",
    "CSV_LAYOUT",
    "DEFAULT_CHUNK",
    "FEATURES",
    "FEATURE_MEANINGS",
    "FEATURE_MEANS",
    "FEATURE_STDS",
    "HEPMASS_FEATURES",
    "HEPMASS_SIGNAL_PER_MASS",
    "IMB_COUNTS",
    "MASSES",
    "SAMPLE",
    "ObjectFeatures",
    "check_masses",
    "features_from_objects",
    "generate",
    "generate_pythia",
    "imbalanced_counts",
    "imbalanced_scale",
    "iter_generate",
    "load_hepmass",
    "make_imbalanced",
    "physical",
    "standardize",
    "unstandardize",
    "write_generated",
]


def __dir__() -> list[str]:
    return __all__
