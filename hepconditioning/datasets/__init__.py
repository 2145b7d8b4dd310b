"""Datasets as :class:`~hepconditioning.events.Events`: HEPMASS(-IMB) and H→ττ (ρρ).

- :mod:`hepconditioning.datasets.hepmass`: the X → tt̄ stand-in generator of HEPMASS
  (Baldi et al. 2016), the HEPMASS-IMB builder and :func:`load_hepmass`.
- :mod:`hepconditioning.datasets.htautau`: H → ττ → ρν ρν̄ with spin weights w_a, w_b,
  the boosted-frame features and :func:`load_htautau`.
"""

from __future__ import annotations

from hepconditioning.datasets import hepmass, htautau
from hepconditioning.datasets.hepmass import load_hepmass
from hepconditioning.datasets.htautau import load_htautau

__all__ = ["hepmass", "htautau", "load_hepmass", "load_htautau"]


def __dir__() -> list[str]:
    return __all__
