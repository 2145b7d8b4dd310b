"""CSV files ⇄ :class:`~hepconditioning.events.Events`: the HEPMASS and HEPMASS-IMB layouts.

- :mod:`~hepconditioning.io.csv.layout`: the HEPMASS constants, the ``"hepmass"``/``"imb"``/
  ``"auto"`` layouts and their detection from the header, :func:`snap_mass`.
- :mod:`~hepconditioning.io.csv.reader`: :func:`read_csv`, streamed through pyarrow into
  preallocated float32 arrays.
- :mod:`~hepconditioning.io.csv.writer`: :func:`write_csv`, exact float32 round trip.

(Baldi et al. 2016, arXiv:1601.07913; Anzalone et al. 2022, arXiv:2202.00424.)
"""

from __future__ import annotations

from hepconditioning.io.csv.layout import (
    CSV_LAYOUTS,
    HEPMASS_COLUMNS,
    HEPMASS_FEATURES,
    HEPMASS_MASSES,
    snap_mass,
)
from hepconditioning.io.csv.reader import read_csv
from hepconditioning.io.csv.writer import write_csv

__all__ = [
    "CSV_LAYOUTS",
    "HEPMASS_COLUMNS",
    "HEPMASS_FEATURES",
    "HEPMASS_MASSES",
    "read_csv",
    "snap_mass",
    "write_csv",
]


def __dir__() -> list[str]:
    return __all__
