"""Readers and writers: files ⇄ :class:`~hepconditioning.events.Events`.

This layer knows files only: it imports nothing above :mod:`hepconditioning.events` and
:mod:`hepconditioning.errors` (``tests/test_architecture.py`` checks it).

- :func:`read_csv` / :func:`write_csv`: labelled CSV files (plain or ``.gz``) with a
  :class:`CsvLayout` (HEPMASS: :data:`hepconditioning.datasets.hepmass.CSV_LAYOUT`).
- :func:`read_root` with a :class:`RootSpec` (:class:`Expr`, :class:`Jagged`, :class:`Count`):
  ROOT trees via uproot; :func:`write_root` (TTrees + histograms), :func:`write_events` /
  :func:`read_events` (exact ``Events`` round trip).
- :func:`write_results_file` / :func:`read_results_file`: the results file (scores, per-mass
  tables and histograms, already computed; layout in :mod:`hepconditioning.io.results`).
- The one file layer of the package: one codec default (:data:`DEFAULT_COMPRESSION`), one tree
  lookup (:func:`open_root`, :func:`find_tree`: damaged files raise ``CorruptFileError``,
  missing trees ``MissingColumnError``), one atomic write (:func:`atomic_path`; streamed:
  :func:`tree_writer`, :func:`csv_writer`; directories: :func:`atomic_directory`), named
  columns of other layouts (:func:`read_columns`, :func:`file_format`) and the bundled files
  (:func:`bundled_path`, :func:`bundled_or_path`). Nothing outside ``io/`` opens a file for writing with uproot or gzip.
"""

from __future__ import annotations

from hepconditioning._compat import module_hooks
from hepconditioning.io.atomic import atomic_path, check_output_path
from hepconditioning.io.bundled import bundled_or_path, bundled_path
from hepconditioning.io.columns import file_format, read_columns
from hepconditioning.io.csv import (
    CsvLayout,
    read_csv,
    snap_mass,
    write_csv,
)
from hepconditioning.io.csv.writer import csv_writer
from hepconditioning.io.outdir import atomic_directory, check_output_directory
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
from hepconditioning.io.root.reader import CORRUPT, find_tree, open_root
from hepconditioning.io.root.writer import DEFAULT_COMPRESSION, tree_writer

__all__ = [
    "CORRUPT",
    "DEFAULT_COMPRESSION",
    "Count",
    "CsvLayout",
    "Expr",
    "Jagged",
    "ResultsFile",
    "RootSpec",
    "atomic_directory",
    "atomic_path",
    "bundled_or_path",
    "bundled_path",
    "check_output_directory",
    "check_output_path",
    "csv_writer",
    "file_format",
    "find_tree",
    "mass_directory",
    "open_root",
    "read_columns",
    "read_csv",
    "read_events",
    "read_results_file",
    "read_root",
    "snap_mass",
    "tree_writer",
    "write_csv",
    "write_events",
    "write_results_file",
    "write_root",
]

__getattr__, __dir__ = module_hooks(__name__, __all__)  # old spellings: hepconditioning._compat
