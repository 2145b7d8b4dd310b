"""H → ττ → ρ⁺ρ⁻νν̄ samples with spin weights (Józefowicz et al. 2016, arXiv:1608.02609).

- :func:`generate` / :func:`generate_particles`: numpy generator (Higgs pT and rapidity
  spectrum, isotropic H → ττ, τ → ρν from the matrix element), ``w_a = W(0)``,
  ``w_b = W(α_B)``; :func:`spin_weights` gives W(α) for any α.
- :func:`boosted_frame`, :func:`make_features`: boosted-frame features, y±, φ*, m_ρ.
- :func:`write_htautau`, :func:`read_htautau`, :class:`HtautauSpec`, :func:`write_generated`,
  :func:`load_htautau`: ROOT / CSV files.
- :func:`as_labelled`: the soft-target training sample (optimal score:
  :func:`hepconditioning.multi_instance.oracle_score`).
- :func:`generate_pythia`: optional Pythia 8 backend (``pip install 'hepconditioning[pythia]'``).
"""

from __future__ import annotations

from hepconditioning.datasets.htautau.dataset import (
    as_labelled,
    generate,
    make_events,
    spin_weights,
)
from hepconditioning.datasets.htautau.features import (
    DERIVED_FEATURES,
    acoplanarity,
    boosted_frame,
    boosted_frame_names,
    derived_features,
    energy_sharing,
    make_features,
)
from hepconditioning.datasets.htautau.formats import (
    PARTICLE_BRANCHES,
    HtautauSpec,
    read_htautau,
    write_generated,
    write_htautau,
)
from hepconditioning.datasets.htautau.generator import (
    TauPairs,
    generate_particles,
    passes_selection,
)
from hepconditioning.datasets.htautau.load import SAMPLE, load_htautau
from hepconditioning.datasets.htautau.pythia import PYTHIA_SETTINGS, generate_pythia
from hepconditioning.physics.tau import UnphysicalMomentumError

__all__ = [
    "DERIVED_FEATURES",
    "PARTICLE_BRANCHES",
    "PYTHIA_SETTINGS",
    "SAMPLE",
    "HtautauSpec",
    "TauPairs",
    "UnphysicalMomentumError",
    "acoplanarity",
    "as_labelled",
    "boosted_frame",
    "boosted_frame_names",
    "derived_features",
    "energy_sharing",
    "generate",
    "generate_particles",
    "generate_pythia",
    "load_htautau",
    "make_events",
    "make_features",
    "passes_selection",
    "read_htautau",
    "spin_weights",
    "write_generated",
    "write_htautau",
]


def __dir__() -> list[str]:
    return __all__
