"""CSV writer: :class:`~hepconditioning.events.Events` → HEPMASS-layout CSV (plain or ``.gz``).

Writing produces the ``"hepmass"`` layout (or ``"named"``: header without ``#`` plus
``weight`` and ``process`` columns) with float32 values printed in their shortest form that
parses back to the same float32, so ``Events → CSV → Events`` is exact.
"""

from __future__ import annotations

import contextlib
import gzip
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hepconditioning.events import Events
from hepconditioning.io.atomic import atomic_path, check_output_path
from hepconditioning.io.csv.layout import PROCESS_NAME, WEIGHT_NAME, check_writable_names

__all__ = ["csv_writer", "write_csv"]


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
    with csv_writer(path, list(arrays), header="hepmass" if layout == "hepmass" else "plain",
                    compresslevel=compresslevel) as write:
        write(arrays)
    return path


@contextlib.contextmanager
def csv_writer(
    path: str | os.PathLike[str],
    names: Sequence[str],
    *,
    header: str = "plain",
    compresslevel: int = 6,
) -> Iterator[Callable[[Mapping[str, object]], None]]:
    """Stream a CSV file (gzipped when the name ends in ``.gz``), atomically; yields ``write(columns)``.

    Each ``write`` call appends the rows of ``{name: (n,) array}`` (every name of ``names``, in
    that order); floats are printed in their shortest round-trip form. ``header="hepmass"``
    writes the HEPMASS header line ``# a, b, c``, ``"plain"`` writes ``a,b,c``. The gzip
    stream has no timestamp (same input, same bytes). The file appears at ``path`` only when
    the block ends without error.
    """
    if header not in ("hepmass", "plain"):
        raise ValueError(f"header must be 'hepmass' or 'plain', got {header!r}")
    path = check_output_path(path)
    names = [str(name) for name in names]
    line = f"# {', '.join(names)}\n" if header == "hepmass" else f"{','.join(names)}\n"
    gzipped = path.name.lower().endswith(".gz")
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=compresslevel, mtime=0) if gzipped else raw
        try:
            stream.write(line.encode())

            def write(columns: Mapping[str, object]) -> None:
                missing = [name for name in names if name not in columns]
                if missing:
                    raise ValueError(f"columns {missing} missing from a CSV chunk for {str(path)!r}")
                table = pa.table({name: columns[name] if isinstance(columns[name], pa.Array)
                                  else pa.array(np.ascontiguousarray(columns[name])) for name in names})
                pacsv.write_csv(table, stream, pacsv.WriteOptions(include_header=False))

            yield write
        finally:
            if gzipped:
                stream.close()
