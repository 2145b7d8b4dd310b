"""Named columns of a ROOT tree or a CSV file, for layouts that are not ``Events`` files.

The datasets' own file layouts (e.g. the H → ττ sample) read their columns here, so that the
tree lookup, the damaged-file handling and the CSV stream are the same as for
:func:`~hepconditioning.io.read_root` and :func:`~hepconditioning.io.read_csv`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hepconditioning.errors import CorruptFileError
from hepconditioning.io.atomic import check_input_paths
from hepconditioning.io.root.reader import CORRUPT, find_tree, open_root

__all__ = ["file_format", "read_columns"]

_SUFFIXES = {"root": (".root",), "csv": (".csv", ".csv.gz")}


def file_format(path: str | os.PathLike[str]) -> str:
    """``"root"`` for a ``.root`` name, ``"csv"`` for ``.csv`` / ``.csv.gz``, else ``ValueError``."""
    name = Path(path).name.lower()
    for kind, suffixes in _SUFFIXES.items():
        if name.endswith(suffixes):
            return kind
    raise ValueError(f"cannot tell the format of {str(path)!r}: use a .root, .csv or .csv.gz name")


def read_columns(
    path: str | os.PathLike[str],
    names: Sequence[str],
    *,
    tree: str,
    dtype: np.dtype | type | None = np.float64,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The columns of ``names`` that exist in ``path`` and the names of all its columns.

    Args:
        path: a ``.root`` file (columns: the branches of ``tree``) or a ``.csv(.gz)`` file with a
            header line (``tree`` is ignored).
        names: the columns wanted; absent ones are left out of the result (the caller decides
            which are required and raises ``MissingColumnError`` with the list of all names).
        tree: TTree name (``"dir/name"``).
        dtype: convert every column to it (None keeps the stored type).

    Raises:
        FileNotFoundError: no such file. CorruptFileError: not a readable ROOT/CSV file.
        MissingColumnError: the ROOT file has no tree ``tree`` (lists the trees it has).
    """
    (path,) = check_input_paths(path, kind="ROOT" if file_format(path) == "root" else "CSV")
    if file_format(path) == "csv":
        try:
            table = pacsv.read_csv(str(path))
        except (pa.ArrowInvalid, OSError, EOFError) as exc:
            raise CorruptFileError(f"cannot read CSV {str(path)!r} (damaged?): {exc}") from exc
        available = list(table.column_names)
        arrays = {name: table.column(name).to_numpy() for name in names if name in available}
    else:
        with open_root(path) as file:
            obj = find_tree(file, tree, path)
            available = list(obj.keys())
            present = [name for name in names if name in available]
            try:
                arrays = obj.arrays(present, library="np") if present else {}
            except CORRUPT as exc:
                raise CorruptFileError(f"cannot read tree {tree!r} of {str(path)!r} (damaged?): {exc}") from exc
    return {name: np.asarray(arrays[name], dtype=dtype) for name in names if name in arrays}, available
