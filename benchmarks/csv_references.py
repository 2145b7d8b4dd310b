"""Reference CSV readers for ``benchmarks/io.py``: pyarrow.csv and polars on the HEPMASS layout,
float32 columns, the same work as ``hepconditioning.io.read_csv`` up to the ``Events``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hepconditioning.datasets.hepmass import COLUMNS as HEPMASS_COLUMNS
from hepconditioning.datasets.hepmass import HEPMASS_FEATURES


def raw_pyarrow(path: Path) -> pa.Table:
    """pyarrow.csv.read_csv into a float32 Table."""
    names = list(HEPMASS_COLUMNS)
    return pacsv.read_csv(
        path, read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.float32())),
    )


def _polars_reader() -> Callable[[Path], object] | None:
    try:
        import polars as pl
    except ImportError:
        print("polars not installed (pip install polars): no polars reference")
        return None
    names = list(HEPMASS_COLUMNS)

    def read(path: Path) -> object:
        return pl.read_csv(path, has_header=False, skip_rows=1, new_columns=names,
                           schema_overrides=dict.fromkeys(names, pl.Float32))

    return read


raw_polars = _polars_reader()


def raw_pyarrow_numpy(path: Path) -> np.ndarray:
    """pyarrow.csv.read_csv, then the features stacked into one numpy array."""
    table = raw_pyarrow(path)
    return np.stack([table.column(f).to_numpy() for f in HEPMASS_FEATURES], axis=1)
