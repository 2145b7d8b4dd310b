"""What a CSV file holds: a :class:`CsvLayout`, header detection, mass points.

A layout's ``mode`` says how columns are found:

``"positional"``
    one header line (``# label, f0, f1, …, mass``, with or without ``#``) then numeric rows:
    label first, mass last, features in between (named as in the header).
``"named"``
    a header naming the columns, with or without ``#``, in any order: the label (``label`` or
    ``type``), ``mass``, optional ``weight`` and ``process``, every other column a feature (an
    unnamed pandas index column is ignored).
``"auto"``
    ``"positional"`` when the header starts with the label and ends with ``mass``, else ``"named"``.

A layout may also give the column order of headerless files (``columns``) and the known mass
points the ``"auto"`` mass rule snaps to (``points``); the HEPMASS layout, with both, is
:data:`hepconditioning.datasets.hepmass.CSV_LAYOUT`.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hepconditioning._compat import renamed_value
from hepconditioning.errors import (
    CorruptFileError,
    EmptyInputError,
    MissingColumnError,
    UnknownMassPointError,
)

__all__ = [
    "CSV_LAYOUTS",
    "LABEL_NAMES",
    "MASS_NAMES",
    "PROCESS_NAME",
    "WEIGHT_NAME",
    "CsvHeader",
    "CsvLayout",
    "as_layout",
    "check_writable_names",
    "file_mass_points",
    "read_header",
    "snap_mass",
]

CSV_LAYOUTS = ("auto", "positional", "named")

LABEL_NAMES = ("label", "type")  # HEPMASS: "# label"; HEPMASS-IMB (pandas): "type"
MASS_NAMES = ("mass",)
WEIGHT_NAME = "weight"
PROCESS_NAME = "process"
_GZIP_MAGIC = b"\x1f\x8b"
_SAMPLE_BYTES = 1 << 16  # text sampled to estimate the bytes per row


@dataclass(frozen=True)
class CsvLayout:
    """How to read a family of CSV files beyond what their header says.

    Attributes:
        mode: ``"auto"``, ``"positional"`` or ``"named"`` (module docstring).
        columns: the column order of headerless files (label, features…, mass); ``()``:
            headerless files are refused.
        points: the known mass points (GeV) of the ``"auto"`` mass rule (:func:`file_mass_points`).
    """

    mode: str = "auto"
    columns: tuple[str, ...] = ()
    points: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in CSV_LAYOUTS:
            raise ValueError(f"layout mode must be one of {CSV_LAYOUTS}, got {self.mode!r}")


def as_layout(layout: str | CsvLayout) -> CsvLayout:
    """``layout`` as a :class:`CsvLayout`: a mode name gives a layout without columns or points."""
    if isinstance(layout, CsvLayout):
        return layout
    if isinstance(layout, str) and layout not in CSV_LAYOUTS:
        layout = renamed_value("read_csv", "layout", layout)
    if layout not in CSV_LAYOUTS:
        raise ValueError(f"layout must be one of {CSV_LAYOUTS} or a CsvLayout "
                         f"(e.g. hepconditioning.datasets.hepmass.CSV_LAYOUT), got {layout!r}")
    return CsvLayout(layout)


@dataclass(frozen=True)
class CsvHeader:
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


def read_header(path: Path, layout: CsvLayout) -> CsvHeader:
    """First line and a text sample of ``path`` → its columns (mode ``"positional"`` or ``"named"``)."""
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
    names = tuple(_clean_name(n) for n in text.lstrip("#").split(","))
    if len(names) == 1:
        for delimiter, called in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if delimiter in names[0]:
                raise ValueError(
                    f"CSV file {str(path)!r} has one column {names[0][:60]!r}: its fields seem "
                    f"separated by {called}; give a comma-separated file (e.g. "
                    f"pandas.read_csv(path, sep={delimiter!r}).to_csv(new_path, index=False))")
    has_header = commented or not all(_is_number(n) for n in names)
    if not has_header:  # headerless numeric rows: the layout's column order
        if layout.mode == "named" or len(names) != len(layout.columns):
            given = (f"the layout's column order has {len(layout.columns)}" if layout.columns else
                     "the layout gives no column order (e.g. hepconditioning.datasets.hepmass.CSV_LAYOUT)")
            raise ValueError(
                f"CSV file {str(path)!r} has no header line and {len(names)} columns; "
                f"layout mode {layout.mode!r} needs a header naming the columns, or a layout "
                f"with the column order of headerless files: {given}"
            )
        sample = first + sample
        names = layout.columns
    lines = sample.count(b"\n")
    bytes_per_row = len(sample) / lines if lines else max(len(first), 64)
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"CSV file {str(path)!r} repeats column name(s) {dup} in its header")

    lowered = [n.lower() for n in names]
    positional = lowered[0] in LABEL_NAMES and lowered[-1] in MASS_NAMES
    mode = layout.mode
    resolved = "positional" if mode == "positional" or (mode == "auto" and positional) else "named"
    where = f"CSV file {str(path)!r} (layout {resolved!r})"
    if resolved == "positional":
        if not positional:
            raise ValueError(
                f"{where}: expected a header 'label, <features>, mass' (HEPMASS: '# label, f0, ..., "
                f"f26, mass'), got {text[:120]!r}; use layout='named' for files whose columns are "
                "found by name"
            )
        label, mass = names[0], names[-1]
        weight = process = None
        features = names[1:-1]
    else:
        label = _find_column(names, LABEL_NAMES, where)
        mass = _find_column(names, MASS_NAMES, where)
        weight = WEIGHT_NAME if WEIGHT_NAME in names else None
        process = PROCESS_NAME if PROCESS_NAME in names else None
        skip = {label, mass, weight, process, ""}
        features = tuple(n for n in names if n not in skip and not _is_index(n))
    return CsvHeader(path, gzipped, names, has_header, resolved, label, mass, weight, process,
                     features, bytes_per_row)


def check_writable_names(feature_names: Sequence[str], layout: str) -> None:
    """Raise ``ValueError`` for feature names that :func:`read_header` would not read back.

    ``layout`` is the written layout, ``"hepmass"`` (columns by position) or ``"named"``
    (columns by name, the first ``mass``-like name is the mass).
    """
    reserved = {*LABEL_NAMES, *MASS_NAMES, WEIGHT_NAME, PROCESS_NAME}
    clash = [n for n in feature_names
             if n in reserved or (layout == "named" and (n.lower() in MASS_NAMES or _is_index(n)))]
    if clash:
        raise ValueError(f"feature names {clash} clash with the CSV's label/mass/weight/process columns "
                         "(or an unnamed index column); rename them before writing")
    mangled = [n for n in feature_names if not n or any(c in n for c in ",\n\r") or _clean_name(n) != n]
    if mangled:
        raise ValueError(f"feature names {mangled} cannot be written to a CSV header (empty, or with a "
                         "comma, line break, surrounding blank or quote); rename them before writing")


def snap_mass(
    mass: np.ndarray,
    mass_points: Sequence[float],
    *,
    tolerance: float = 1.0,
    where: str = "",
    hint: str | None = None,
) -> np.ndarray:
    """Replace each mass by the nearest of ``mass_points`` (GeV), in place when float32.

    Raises:
        ValueError: ``mass_points`` is empty.
        UnknownMassPointError: a finite value farther than ``tolerance`` from every point.
    """
    known = np.unique(np.asarray(mass_points, dtype=np.float64))
    if known.size == 0:
        raise ValueError("mass_points is empty; give the known mass points in GeV")
    mass = np.asarray(mass)
    nearest = _nearest_points(mass, known)
    finite = np.isfinite(mass)
    off = (np.abs(mass - nearest) > tolerance) & finite
    if off.any():
        raise UnknownMassPointError(np.unique(mass[off])[:20].tolist(), known.tolist(),
                                    tolerance=tolerance, where=where, hint=hint)
    out = mass if mass.dtype == np.float32 and mass.flags.writeable else mass.astype(np.float32)
    out[finite] = nearest[finite]
    return out


def file_mass_points(
    mass: np.ndarray, labels: np.ndarray, points: Sequence[float] = (), *, tolerance: float = 1.0
) -> np.ndarray:
    """The mass points of a file whose points are not declared: the layout's ``points`` (the
    HEPMASS grid for HEPMASS files) and every signal value off them (a sample generated at other
    masses), sorted, GeV.

    The one rule of ``read_csv`` and ``load_hepmass``: a value within ``tolerance`` of one of these
    points is set to it (499.999 → 500); a value near none of them — one that only background rows
    hold — is refused (:func:`snap_mass`), so that ``Events.mass_points`` (the signal values) are
    the values present.
    """
    grid = np.unique(np.asarray(points, dtype=np.float64))
    signal = np.unique(np.asarray(mass, dtype=np.float64)[(np.asarray(labels) == 1) & np.isfinite(mass)])
    if grid.size == 0:
        return signal
    off_grid = signal[np.abs(signal - _nearest_points(signal, grid)) > tolerance]
    return np.union1d(grid, off_grid)


def _clean_name(text: str) -> str:
    return text.strip().strip("\"'")


def _is_index(name: str) -> bool:
    """An unnamed pandas index column (``Unnamed: 0``)."""
    return name.startswith("Unnamed:")


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


def _nearest_points(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Nearest entry of sorted ``known`` for every value (float64)."""
    mids = (known[1:] + known[:-1]) / 2
    return known[np.searchsorted(mids, values)]
