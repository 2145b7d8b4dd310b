"""CSV files ⇄ :class:`~hepconditioning.events.Events`: the HEPMASS and HEPMASS-IMB layouts.

Layouts (Baldi et al. 2016, arXiv:1601.07913; Anzalone et al. 2022, arXiv:2202.00424):

``"hepmass"``
    the UCI HEPMASS files: one comment header ``# label, f0, f1, …, f26, mass`` then numeric
    rows, plain or gzipped. Columns are taken by position: label first, mass last, features
    in between (named as in the header).
``"imb"``
    the HEPMASS-IMB files (``imbalanced_signal.csv``, ``imbalanced_background.csv``) and any
    CSV with a header naming its columns, with or without ``#``: columns are found by name in
    any order — the label (``label`` or ``type``), ``mass``, optional ``weight`` and
    ``process``, every other column a feature (an unnamed pandas index column is ignored).
``"auto"``
    ``"hepmass"`` when the header starts with the label and ends with ``mass``, else ``"imb"``.

Reading streams the file through pyarrow's CSV reader in blocks of ``chunk_rows`` rows and
fills preallocated float32 arrays that grow with ``realloc`` (``ndarray.resize``), which moves
pages instead of copying them: the events are never held twice (no list of chunks to
concatenate). Measured peak for a 7M-row HEPMASS file: 1.33x its float32 size, of which 0.23x
is the ``(N, F)`` boolean temporary of the finiteness check in ``Events`` (``benchmarks/io.py``).

Writing produces the ``"hepmass"`` layout (or ``"named"``: header without ``#`` plus
``weight`` and ``process`` columns) with float32 values printed in their shortest form that
parses back to the same float32, so ``Events → CSV → Events`` is exact.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from hepconditioning.errors import (
    CorruptFileError,
    EmptyInputError,
    MissingColumnError,
    NonFiniteError,
    UnknownMassPointError,
)
from hepconditioning.events import Events
from hepconditioning.io.atomic import atomic_path, check_output_path

__all__ = [
    "CSV_LAYOUTS",
    "HEPMASS_COLUMNS",
    "HEPMASS_FEATURES",
    "HEPMASS_MASSES",
    "read_csv",
    "snap_mass",
    "write_csv",
]

HEPMASS_FEATURES: tuple[str, ...] = tuple(f"f{i}" for i in range(27))
"""The 27 standardized HEPMASS features (PHYSICS.md §1)."""
HEPMASS_MASSES: tuple[float, ...] = (500.0, 750.0, 1000.0, 1250.0, 1500.0)
"""The HEPMASS signal mass points m_X in GeV."""
HEPMASS_COLUMNS: tuple[str, ...] = ("label", *HEPMASS_FEATURES, "mass")
"""Column order of the real HEPMASS files."""
CSV_LAYOUTS = ("auto", "hepmass", "imb")

_LABEL_NAMES = ("label", "type")  # HEPMASS: "# label"; HEPMASS-IMB (pandas): "type"
_MASS_NAMES = ("mass",)
_WEIGHT_NAME = "weight"
_PROCESS_NAME = "process"
_GZIP_MAGIC = b"\x1f\x8b"
_SAMPLE_BYTES = 1 << 16  # text sampled to estimate the bytes per row
_DECODE_ERRORS = (OSError, EOFError, zlib.error, pa.ArrowInvalid)


@dataclass(frozen=True)
class _Header:
    """What one CSV file holds: column names and where label/mass/weight/process are."""

    path: Path
    gzipped: bool
    names: tuple[str, ...]
    has_header: bool
    layout: str
    label: str
    mass: str
    weight: str | None
    process: str | None
    features: tuple[str, ...]
    bytes_per_row: float


# -- public API ---------------------------------------------------------------------------
def read_csv(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    layout: str = "auto",
    columns: Sequence[str] | None = None,
    mass_points: Sequence[float] | None = HEPMASS_MASSES,
    mass_tolerance: float = 1.0,
    chunk_rows: int = 1024,
) -> Events:
    """Read one or several HEPMASS(-IMB) CSV files (plain or ``.gz``) into one ``Events``.

    Several files (e.g. the IMB signal and background files) are concatenated in the order
    given; each may have its own layout and column order, features are matched by name.

    Args:
        paths: a path or a sequence of paths. Gzip is detected from the file's first bytes.
        layout: ``"auto"``, ``"hepmass"`` (positional: label, features…, mass) or ``"imb"``
            (columns by name); see the module docstring.
        columns: feature columns to keep, in this order; default: every feature of the first
            file (``f0 … f26`` for HEPMASS).
        mass_points: known mass points in GeV; every mass value is replaced by the nearest
            one (HEPMASS stores 499.999 for 500). ``None`` keeps the values as read.
        mass_tolerance: largest accepted ``|mass - nearest point|`` in GeV.
        chunk_rows: rows per streamed block. pyarrow's streaming reader keeps several blocks
            in flight, so its overhead grows with the block: ~1k HEPMASS rows (~0.3 MB of text)
            keeps the peak near 1.3x the float32 size of a 7M-row file at full speed.

    Returns:
        ``Events`` with ``x (N, F) float32``, ``mass (N,)`` in GeV, ``labels (N,)`` and, when
        the file has them, ``weights`` and ``process``.

    Raises:
        FileNotFoundError: a path does not exist.
        EmptyInputError: a file holds no rows.
        CorruptFileError: a truncated/damaged gzip stream or unparsable rows (names the file).
        MissingColumnError: a requested column is absent (suggests the nearest names).
        NonFiniteError: NaN/inf/empty values (names the column and counts them).
        UnknownMassPointError: a mass farther than ``mass_tolerance`` from every known point.

    Example:
        >>> events = read_csv(["imbalanced_signal.csv", "imbalanced_background.csv"])  # doctest: +SKIP
        >>> events.mass_points.tolist()  # doctest: +SKIP
        [500.0, 750.0, 1000.0, 1250.0, 1500.0]
    """
    path_list = _as_path_list(paths)
    if layout not in CSV_LAYOUTS:
        raise ValueError(f"layout must be one of {CSV_LAYOUTS}, got {layout!r}")
    if int(chunk_rows) < 1:
        raise ValueError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    if not mass_tolerance >= 0:
        raise ValueError(f"mass_tolerance must be >= 0 GeV, got {mass_tolerance!r}")
    known = None if mass_points is None else np.unique(np.asarray(mass_points, dtype=np.float64))
    if known is not None and known.size == 0:
        raise ValueError("mass_points is empty; pass None to keep the mass values as read")

    headers = [_read_header(path, layout) for path in path_list]
    features = tuple(columns) if columns is not None else headers[0].features
    if not features:
        raise ValueError(f"no feature columns selected from {headers[0].path}")
    if len(set(features)) != len(features):
        raise ValueError(f"columns must be unique, got {list(features)}")
    for header in headers:  # fail before streaming gigabytes
        for name in features:
            if name not in header.features:
                raise MissingColumnError(name, header.features, where=f"CSV file {str(header.path)!r}")

    buffer = _RowBuffer(len(features), estimate=_estimate_rows(headers))
    for header in headers:
        _stream_file(header, features, buffer, known, float(mass_tolerance), int(chunk_rows))
    x, mass, labels, weights, process = buffer.finish()
    return Events(x, mass, labels, weights, feature_names=features, process=process)


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
    :func:`read_csv` (``mass_points`` covering the masses) gives identical arrays.

    Extra per-event ``columns`` have no place in a CSV row; use
    :func:`hepconditioning.io.write_events` (ROOT) for them.

    Args:
        path: output file (``.csv`` or ``.csv.gz``); its directory must exist.
        events: what to write.
        layout: ``"hepmass"`` or ``"named"``.
        compresslevel: gzip level for ``.gz`` (6, gzip's default; 1 is ~2x faster, ~10 % larger).

    Returns:
        the path written.
    """
    if layout not in ("hepmass", "named"):
        raise ValueError(f"layout must be 'hepmass' or 'named', got {layout!r}")
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    path = check_output_path(path)
    reserved = {*_LABEL_NAMES, *_MASS_NAMES, _WEIGHT_NAME, _PROCESS_NAME}
    clash = sorted(reserved.intersection(events.feature_names))
    if clash:
        raise ValueError(f"feature names {clash} clash with the CSV's label/mass/weight/process columns")
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
        arrays[_WEIGHT_NAME] = pa.array(events.weights)
        arrays[_PROCESS_NAME] = pa.array(events.process)
    table = pa.table(arrays)
    header = ", ".join(table.column_names) if layout == "hepmass" else ",".join(table.column_names)
    header = f"# {header}\n" if layout == "hepmass" else f"{header}\n"
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


def snap_mass(
    mass: np.ndarray,
    mass_points: Sequence[float],
    *,
    tolerance: float = 1.0,
    where: str = "",
) -> np.ndarray:
    """Replace each mass by the nearest of ``mass_points`` (GeV), in place when float32.

    Raises:
        UnknownMassPointError: a finite value farther than ``tolerance`` from every point.
    """
    known = np.unique(np.asarray(mass_points, dtype=np.float64))
    mass = np.asarray(mass)
    nearest = _nearest_points(mass, known)
    off = np.abs(mass - nearest) > tolerance
    off &= np.isfinite(mass)
    if off.any():
        raise UnknownMassPointError(np.unique(mass[off])[:20].tolist(), known.tolist(),
                                    tolerance=tolerance, where=where)
    finite = np.isfinite(mass)
    out = mass if mass.dtype == np.float32 and mass.flags.writeable else mass.astype(np.float32)
    out[finite] = nearest[finite]
    return out


# -- header and layout --------------------------------------------------------------------
def _as_path_list(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise ValueError("no input files given")
    out = []
    for item in items:
        path = Path(item)
        if not path.exists():
            raise FileNotFoundError(f"CSV file {str(path)!r} does not exist")
        if path.is_dir():
            raise IsADirectoryError(f"CSV path {str(path)!r} is a directory; give the file")
        out.append(path)
    return out


def _read_header(path: Path, layout: str) -> _Header:
    """First line and a text sample of ``path`` → its layout."""
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == _GZIP_MAGIC
    try:
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as stream:
            first = stream.readline()
            sample = stream.read(_SAMPLE_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise CorruptFileError(f"cannot decompress {str(path)!r} (truncated or damaged gzip?): {exc}") from exc
    text = first.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text and not sample.strip():
        raise EmptyInputError(f"CSV file {str(path)!r} is empty")
    commented = text.startswith("#")
    names = tuple(n.strip().strip("\"'") for n in text.lstrip("#").split(","))
    has_header = commented or not all(_is_number(n) for n in names)
    if not has_header:  # headerless numeric rows: only the HEPMASS column order is known
        if layout == "imb" or len(names) != len(HEPMASS_COLUMNS):
            raise ValueError(
                f"CSV file {str(path)!r} has no header line and {len(names)} columns; "
                f"layout {layout!r} needs a header naming the columns "
                f"(headerless files are read as HEPMASS only with {len(HEPMASS_COLUMNS)} columns)"
            )
        sample = first + sample
        names = HEPMASS_COLUMNS
    lines = sample.count(b"\n")
    bytes_per_row = len(sample) / lines if lines else max(len(first), 64)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"CSV file {str(path)!r} repeats column name(s) {dup} in its header")

    lowered = [n.lower() for n in names]
    positional = lowered[0] in _LABEL_NAMES and lowered[-1] in _MASS_NAMES
    resolved = "hepmass" if layout == "hepmass" or (layout == "auto" and positional) else "imb"
    where = f"CSV file {str(path)!r} (layout {resolved!r})"
    if resolved == "hepmass":
        if not positional:
            raise ValueError(
                f"{where}: expected the HEPMASS header '# label, f0, ..., f26, mass', got "
                f"{text[:120]!r}; use layout='imb' for files whose columns are found by name"
            )
        label, mass = names[0], names[-1]
        weight = process = None
        features = names[1:-1]
    else:
        label = _find_column(names, _LABEL_NAMES, where)
        mass = _find_column(names, _MASS_NAMES, where)
        weight = _WEIGHT_NAME if _WEIGHT_NAME in names else None
        process = _PROCESS_NAME if _PROCESS_NAME in names else None
        skip = {label, mass, weight, process, ""}
        features = tuple(n for n in names if n not in skip and not n.startswith("Unnamed:"))
    return _Header(path, gzipped, names, has_header, resolved, label, mass, weight, process,
                   features, bytes_per_row)


def _find_column(names: tuple[str, ...], aliases: tuple[str, ...], where: str) -> str:
    for name in names:
        if name.lower() in aliases:
            return name
    raise MissingColumnError(aliases[0], names, where=where)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _estimate_rows(headers: list[_Header]) -> int:
    """Rows expected from the file sizes (gzip: assume ~2.5x compression)."""
    total = 0.0
    for header in headers:
        size = header.path.stat().st_size * (2.5 if header.gzipped else 1.0)
        total += size / max(header.bytes_per_row, 1.0)
    return int(total)


# -- streaming ----------------------------------------------------------------------------
class _RowBuffer:
    """Float32 arrays that grow in place (``realloc`` moves pages, no copy of the events)."""

    def __init__(self, n_features: int, *, estimate: int) -> None:
        self.n = 0
        self.capacity = max(int(estimate * 1.05), 1024)
        self.x = np.empty((self.capacity, n_features), dtype=np.float32)
        self.mass = np.empty(self.capacity, dtype=np.float32)
        self.labels = np.empty(self.capacity, dtype=np.float32)
        self.weights = np.empty(self.capacity, dtype=np.float32)
        self.process = np.empty(self.capacity, dtype=np.int32)

    def reserve(self, rows: int) -> tuple[int, int]:
        """Make room for ``rows`` more rows; returns the row slice (start, stop) to fill."""
        start, stop = self.n, self.n + rows
        if stop > self.capacity:
            self._resize(max(stop, int(self.capacity * 1.5)))
        self.n = stop
        return start, stop

    def _resize(self, capacity: int) -> None:
        # ndarray.resize reallocates in place: no view of these arrays ever escapes before
        # finish(), so refcheck can be off (it also trips over debugger references)
        self.x.resize((capacity, self.x.shape[1]), refcheck=False)
        for name in ("mass", "labels", "weights", "process"):
            getattr(self, name).resize(capacity, refcheck=False)
        self.capacity = capacity

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        self._resize(self.n)
        return self.x, self.mass, self.labels, self.weights, self.process


def _stream_file(
    header: _Header,
    features: tuple[str, ...],
    buffer: _RowBuffer,
    known: np.ndarray | None,
    tolerance: float,
    chunk_rows: int,
) -> None:
    """Append the rows of one file to ``buffer``, validating each block."""
    path = header.path
    where = f"CSV file {str(path)!r}"
    wanted = [*features, header.label, header.mass]
    wanted += [c for c in (header.weight, header.process) if c is not None]
    block_size = int(min(max(chunk_rows * header.bytes_per_row * 1.1, 1 << 16), 1 << 30))
    read_options = pacsv.ReadOptions(
        column_names=list(header.names), skip_rows=1 if header.has_header else 0,
        block_size=block_size,
    )
    types = {name: pa.float32() for name in wanted}
    if header.process is not None:
        types[header.process] = pa.int32()
    convert_options = pacsv.ConvertOptions(column_types=types, include_columns=wanted)
    bad = np.zeros(len(wanted), dtype=np.int64)  # NaN/inf/empty per wanted column
    start_rows = buffer.n
    try:
        reader = pacsv.open_csv(_arrow_source(header), read_options=read_options,
                                convert_options=convert_options)
        for batch in reader:
            _append_batch(batch, wanted, header, buffer, bad, known, tolerance, where, start_rows)
    except _DECODE_ERRORS as exc:
        raise CorruptFileError(f"cannot read {where} (truncated or damaged?): {exc}") from exc
    rows = buffer.n - start_rows
    if rows == 0:
        raise EmptyInputError(f"{where} has a header but no rows")
    if bad.any():
        i = int(np.argmax(bad > 0))
        raise NonFiniteError(wanted[i], int(bad[i]), rows, where=where)


def _arrow_source(header: _Header) -> str | pa.NativeFile:
    # a path string lets pyarrow read ahead (and gunzip) on its own thread, measurably faster;
    # pyarrow picks the codec from the suffix, so pass a stream when suffix and content differ
    suffix_gz = header.path.name.endswith(".gz")
    compressed_suffix = header.path.suffix.lower() in (".bz2", ".zst", ".lz4", ".br")
    if suffix_gz == header.gzipped and not compressed_suffix:
        return str(header.path)
    return pa.input_stream(str(header.path), compression="gzip" if header.gzipped else None)


def _append_batch(
    batch: pa.RecordBatch,
    wanted: list[str],
    header: _Header,
    buffer: _RowBuffer,
    bad: np.ndarray,
    known: np.ndarray | None,
    tolerance: float,
    where: str,
    file_start: int,
) -> None:
    rows = batch.num_rows
    if rows == 0:
        return
    start, stop = buffer.reserve(rows)
    n_features = buffer.x.shape[1]
    targets = {header.label: buffer.labels, header.mass: buffer.mass,
               header.weight: buffer.weights, header.process: buffer.process}
    for j, name in enumerate(wanted):
        column = batch.column(name)
        values = column.to_numpy(zero_copy_only=False)  # nulls (empty fields) become NaN
        if name == header.process and column.null_count:
            bad[j] += column.null_count
            values = np.nan_to_num(values, nan=0)
        target = buffer.x[start:stop, j] if j < n_features else targets[name][start:stop]
        target[...] = values
    labels = buffer.labels[start:stop]
    not_binary = (labels != 0) & (labels != 1) & np.isfinite(labels)
    if not_binary.any():
        raise ValueError(
            f"column {header.label!r} of {where} must hold 0 (background) or 1 (signal); found "
            f"{np.unique(labels[not_binary])[:5].tolist()} in rows {start - file_start + 1}-{stop - file_start}"
        )
    if header.weight is None:
        buffer.weights[start:stop] = 1.0
    if header.process is None:
        buffer.process[start:stop] = 0
    x = buffer.x[start:stop]
    finite = np.isfinite(x)
    if not finite.all():
        bad[:n_features] += rows - np.count_nonzero(finite, axis=0)
    for j, arr in ((n_features, buffer.labels), (n_features + 1, buffer.mass)):
        bad[j] += rows - np.count_nonzero(np.isfinite(arr[start:stop]))
    if header.weight is not None:
        bad[n_features + 2] += rows - np.count_nonzero(np.isfinite(buffer.weights[start:stop]))
    if known is not None:
        rows_in_file = f"rows {start - file_start + 1}-{stop - file_start}"
        snap_mass(buffer.mass[start:stop], known, tolerance=tolerance, where=f"{where} ({rows_in_file})")


def _nearest_points(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Nearest entry of sorted ``known`` for every value (float64)."""
    mids = (known[1:] + known[:-1]) / 2
    return known[np.searchsorted(mids, values)]

