"""CSV writer: :class:`~hepconditioning.events.Events` → HEPMASS-layout CSV (plain or ``.gz``).

Writing produces the ``"hepmass"`` layout (or ``"named"``: header without ``#`` plus
``weight`` and ``process`` columns) with float32 values printed in their shortest form that
parses back to the same float32, so ``Events → CSV → Events`` is exact.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hepconditioning.events import Events
from hepconditioning.io.atomic import atomic_path, check_output_path
from hepconditioning.io.csv.layout import PROCESS_NAME, WEIGHT_NAME, check_writable_names

__all__ = ["write_csv"]


def write_csv(
    path: str | os.PathLike[str],
    events: Events,
    *,
    layout: str = "hepmass",
    compresslevel: int = 6,
) -> Path:
    """Write ``events`` as CSV (gzipped when the name ends in ``.gz``), atomically.

    ``layout="hepmass"`` writes the real HEPMASS layout: ``# label, <features>, mass``;
    ``layout="named"`` writes a plain header ``label,<features>,mass,weight,process`` (read
    back by the ``"imb"`` layout) so that weights and process ids survive. Floats are printed
    in the shortest form that parses back to the same float32, so reading the file back with
    :func:`~hepconditioning.io.read_csv` (``mass_points`` covering the masses) gives identical
    arrays.

    Extra per-event ``columns`` have no place in a CSV row; use
    :func:`hepconditioning.io.write_events` (ROOT) for them.

    Args:
        path: output file (``.csv`` or ``.csv.gz``); its directory must exist.
        events: what to write.
        layout: ``"hepmass"`` or ``"named"``.
        compresslevel: gzip level for ``.gz`` (6, gzip's default; 1 is ~2x faster, ~10 % larger).

    Returns:
        the path written.

    Raises:
        ValueError: a feature name the header cannot hold or that clashes with the label,
            mass, weight or process column; extra columns; non-default weights/process with
            ``layout="hepmass"``.
    """
    if layout not in ("hepmass", "named"):
        raise ValueError(f"layout must be 'hepmass' or 'named', got {layout!r}")
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    path = check_output_path(path)
    check_writable_names(events.feature_names, layout)
    if events.columns:
        raise ValueError(
            f"events carry extra columns {sorted(events.columns)} that a CSV row cannot hold; "
            "write them with hepconditioning.io.write_events (ROOT) or drop them first"
        )
    if layout == "hepmass":
        lost = [name for name, default in (("weights", 1), ("process", 0))
                if not np.all(getattr(events, name) == default)]
        if lost:
            raise ValueError(
                f"the 'hepmass' layout has no {' or '.join(lost)} column but these events carry "
                f"non-default {', '.join(lost)}; use layout='named' (or write_events for ROOT)"
            )
    arrays: dict[str, pa.Array] = {"label": pa.array(events.labels.astype(np.int8))}
    for i, name in enumerate(events.feature_names):
        arrays[name] = pa.array(np.ascontiguousarray(events.x[:, i]))
    arrays["mass"] = pa.array(events.mass)
    if layout == "named":
        arrays[WEIGHT_NAME] = pa.array(events.weights)
        arrays[PROCESS_NAME] = pa.array(events.process)
    table = pa.table(arrays)
    header = f"# {', '.join(table.column_names)}\n" if layout == "hepmass" else f"{','.join(table.column_names)}\n"
    gzipped = path.name.endswith(".gz")
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=compresslevel, mtime=0) if gzipped else raw
        try:
            stream.write(header.encode())
            pacsv.write_csv(table, stream, pacsv.WriteOptions(include_header=False))
        finally:
            if gzipped:
                stream.close()
    return path
