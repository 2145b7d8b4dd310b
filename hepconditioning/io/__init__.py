"""Readers and writers: files ⇄ :class:`~hepconditioning.events.Events`.

This layer knows files only: it imports nothing above :mod:`hepconditioning.events` and
:mod:`hepconditioning.errors` (``tests/test_architecture.py`` checks it).

- :func:`read_csv` / :func:`write_csv`: HEPMASS and HEPMASS-IMB CSV files (plain or ``.gz``).
- :func:`read_root` with a :class:`RootSpec` (:class:`Expr`, :class:`Jagged`, :class:`Count`):
  ROOT trees via uproot; :func:`write_root` (TTrees + histograms), :func:`write_events` /
  :func:`read_events` (exact ``Events`` round trip).
- :func:`write_results_file` / :func:`read_results_file`: the results file (scores, per-mass
  tables and histograms, already computed; layout in :mod:`hepconditioning.io.results`).
- :func:`atomic_path`: every writer writes a temporary file and renames it on success.

``hepconditioning.io.write_results`` and ``read_results`` (which compute the tables and
histograms) moved to :mod:`hepconditioning.evaluation`; the old names still resolve there,
on first use, so that ``from hepconditioning.io import write_results`` keeps working.
"""

from __future__ import annotations

import importlib
from typing import Any

from hepconditioning.io.atomic import atomic_path, check_output_path
from hepconditioning.io.csv import (
    HEPMASS_COLUMNS,
    HEPMASS_FEATURES,
    HEPMASS_MASSES,
    read_csv,
    snap_mass,
    write_csv,
)
from hepconditioning.io.results import (
    ResultsFile,
    mass_directory,
    read_results_file,
    write_results_file,
)
from hepconditioning.io.root import (
    Count,
    Expr,
    Jagged,
    RootSpec,
    read_events,
    read_root,
    write_events,
    write_root,
)

__all__ = [
    "HEPMASS_COLUMNS",
    "HEPMASS_FEATURES",
    "HEPMASS_MASSES",
    "Count",
    "Expr",
    "Jagged",
    "ResultsFile",
    "RootSpec",
    "atomic_path",
    "check_output_path",
    "mass_directory",
    "read_csv",
    "read_events",
    "read_results_file",
    "read_root",
    "snap_mass",
    "write_csv",
    "write_events",
    "write_results_file",
    "write_root",
]

# Public names that moved up to hepconditioning.evaluation (they compute); resolved lazily so
# that importing this layer never loads the evaluation layer.
_MOVED = {"write_results": "hepconditioning.evaluation", "read_results": "hepconditioning.evaluation"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'hepconditioning.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
