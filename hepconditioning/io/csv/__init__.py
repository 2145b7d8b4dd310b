"""CSV files ⇄ :class:`~hepconditioning.events.Events`: labelled rows of features and a mass.

- :mod:`~hepconditioning.io.csv.layout`: :class:`CsvLayout` (``"positional"``/``"named"``/
  ``"auto"`` columns, the order of headerless files, known mass points), header detection,
  :func:`snap_mass`. The HEPMASS layout is :data:`hepconditioning.datasets.hepmass.CSV_LAYOUT`.
- :mod:`~hepconditioning.io.csv.reader`: :func:`read_csv`, streamed through pyarrow into
  preallocated float32 arrays.
- :mod:`~hepconditioning.io.csv.writer`: :func:`write_csv`, exact float32 round trip.

(Baldi et al. 2016, arXiv:1601.07913; Anzalone et al. 2022, arXiv:2202.00424.)
"""

from __future__ import annotations

from hepconditioning._compat import module_hooks
from hepconditioning.io.csv.layout import (
    CSV_LAYOUTS,
    CsvLayout,
    snap_mass,
)
from hepconditioning.io.csv.reader import read_csv
from hepconditioning.io.csv.writer import write_csv

__all__ = [
    "CSV_LAYOUTS",
    "CsvLayout",
    "read_csv",
    "snap_mass",
    "write_csv",
]

__getattr__, __dir__ = module_hooks(__name__, __all__)  # old spellings: hepconditioning._compat
