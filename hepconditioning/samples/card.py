"""``[[samples]]`` of a run card: which files, tree, label, condition value, process, weight,
normalization and cut make up each sample.

::

    [data]
    kind = "samples"
    tree = "nominal"                  # defaults of every sample (tree, weight, cut, sum_weights)
    weight = "weight_mc"              # per-event weight expression (negative values kept)
    sum_weights = { tree = "sumWeights", expr = "totalEventsWeighted" }
    luminosity = 140.0                # fb⁻¹: weights become σ·L·w/Σw (events)

    [[samples]]
    name = "signal"
    files = "ntuples/signal_m{mass}.root"     # globs; {mass} expands with the values below
    mass = [300, 500, 700, 900]               # the condition (named in [condition], default mass)
    cross_section = 0.5                       # pb (one value, or one per condition value)

    [[samples]]
    name = "ttbar"                            # label: "signal" with a condition value, else
    files = ["ntuples/ttbar*.root"]           # "background"; process: the name
    cross_section = 833.9

``sum_weights`` (Σ of the generator weights before any cut) is an expression summed over the
sample's own tree (``"weight_mc"``), ``{ tree = ..., expr = ... }`` for another tree,
``{ histogram = ..., bin = 1 }`` (ROOT bin numbering) or a number.
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hepconditioning.errors import ConfigError, nearest_names

__all__ = ["LABELS", "SAMPLE_KEYS", "Sample", "SumWeights", "parse_samples"]

LABELS = {"signal": 1.0, "background": 0.0}
SAMPLE_KEYS = ("name", "files", "tree", "label", "process", "weight", "cross_section", "sum_weights", "cut")
DEFAULT_KEYS = ("tree", "weight", "cut", "sum_weights")


@dataclass(frozen=True)
class SumWeights:
    """Where the sum of generator weights comes from (see the module docstring)."""

    expr: str | None = None
    tree: str | None = None
    histogram: str | None = None
    bin: int = 1
    value: float | None = None


@dataclass(frozen=True)
class Sample:
    """One set of files with one label, one condition value (signal) and one process."""

    name: str
    files: tuple[Path, ...]
    tree: str
    label: float
    process: str
    condition: float | None = None
    weight: str | None = None
    cross_section: float | None = None
    sum_weights: SumWeights | None = None
    cut: str | None = None


def _sum_weights(value: Any, where: str) -> SumWeights | None:
    if value is None:
        return None
    if isinstance(value, str):
        return SumWeights(expr=value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return SumWeights(value=float(value))
    if isinstance(value, Mapping):
        if set(value) <= {"tree", "expr"} and {"tree", "expr"} <= set(value):
            return SumWeights(expr=str(value["expr"]), tree=str(value["tree"]))
        if set(value) <= {"histogram", "bin"} and "histogram" in value:
            return SumWeights(histogram=str(value["histogram"]), bin=int(value.get("bin", 1)))
    raise ConfigError(f"{where}: sum_weights must be an expression, {{tree = ..., expr = ...}}, "
                      f"{{histogram = ..., bin = 1}} or a number, got {value!r}")


def _files(pattern: Any, base: Path, where: str) -> tuple[Path, ...]:
    patterns = [pattern] if isinstance(pattern, str) else pattern
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f"{where}: files must be a path/glob or a list of them, got {pattern!r}")
    out: list[Path] = []
    for p in patterns:
        full = Path(p) if Path(p).is_absolute() else base / p
        found = sorted(Path(f) for f in glob.glob(str(full)))
        if not found:
            raise ConfigError(f"{where}: no file matches {p!r} (looked for {str(full)!r})")
        out += found
    return tuple(out)


def _number(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{where}: {what} must be a positive number, got {value!r}")
    return float(value)


def parse_samples(entries: Any, *, defaults: Mapping[str, Any], condition: str, base: Path) -> tuple[Sample, ...]:
    """The ``[[samples]]`` tables → :class:`Sample` (one per condition value), files resolved
    against ``base`` (the card's directory); ``defaults`` from ``[data]``."""
    if not isinstance(entries, list) or not entries:
        raise ConfigError("[[samples]] must be one or more tables (name, files, ...)")
    out: list[Sample] = []
    for index, entry in enumerate(entries):
        where = f"[[samples]] #{index + 1}" + (f" ({entry.get('name')!r})" if isinstance(entry, Mapping) else "")
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be a table, got {entry!r}")
        allowed = (*SAMPLE_KEYS, condition)
        for key in entry:
            if key not in allowed:
                near = nearest_names(str(key), allowed)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConfigError(f"{where}: unknown key {key!r}{hint} (valid: {', '.join(allowed)})")
        values = {**{k: defaults[k] for k in DEFAULT_KEYS if k in defaults}, **entry}
        for key in ("name", "files", "tree"):
            if key not in values:
                raise ConfigError(f"{where}: give {key} = ... (tree may be set once in [data])")
        name = values["name"]
        points = values.get(condition)
        points = [points] if points is None or not isinstance(points, list) else points
        label = values.get("label", "background" if points == [None] else "signal")
        if label not in LABELS:
            raise ConfigError(f"{where}: label must be one of {sorted(LABELS)}, got {label!r}")
        if (LABELS[label] == 1.0) == (points == [None]):
            raise ConfigError(f"{where}: a signal sample needs its {condition} = value(s), a background has none")
        sections = values.get("cross_section")
        sections = sections if isinstance(sections, list) else [sections] * len(points)
        if len(sections) != len(points):
            raise ConfigError(f"{where}: cross_section has {len(sections)} values for {len(points)} {condition} values")
        for point, section in zip(points, sections, strict=True):
            value = None if point is None else _number(point, condition, where)
            pattern = values["files"]
            if value is not None:
                text = f"{value:g}"
                pattern = [p.replace("{" + condition + "}", text) for p in ([pattern] if isinstance(pattern, str)
                                                                            else pattern)]
            out.append(Sample(
                name if value is None else f"{name}_{value:g}", _files(pattern, base, where), str(values["tree"]),
                LABELS[label], str(values.get("process", name)), value, values.get("weight"),
                None if section is None else _number(section, "cross_section (pb)", where),
                _sum_weights(values.get("sum_weights"), where), values.get("cut")))
    return tuple(out)
