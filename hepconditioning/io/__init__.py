"""Readers and writers: files ⇄ :class:`~hepconditioning.events.Events`.

- :func:`read_csv` / :func:`write_csv`: HEPMASS and HEPMASS-IMB CSV files (plain or ``.gz``).
- :func:`read_root` with a :class:`RootSpec` (:class:`Expr`, :class:`Jagged`, :class:`Count`):
  ROOT trees via uproot; :func:`write_root` (TTrees + histograms), :func:`write_events` /
  :func:`read_events` (exact ``Events`` round trip).
- :func:`write_results` / :func:`read_results`: per-event scores, per-mass histograms and best
  cuts of an evaluation (:mod:`hepconditioning.io.results`).
- :func:`atomic_path`: every writer writes a temporary file and renames it on success.
"""

from __future__ import annotations

from hepconditioning.io.atomic import atomic_path, check_output_path
from hepconditioning.io.csv import (
    HEPMASS_COLUMNS,
    HEPMASS_FEATURES,
    HEPMASS_MASSES,
    read_csv,
    snap_mass,
    write_csv,
)
from hepconditioning.io.results import read_results, write_results
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
    "RootSpec",
    "atomic_path",
    "check_output_path",
    "read_csv",
    "read_events",
    "read_results",
    "read_root",
    "snap_mass",
    "write_csv",
    "write_events",
    "write_results",
    "write_root",
]
