"""Exceptions raised at the package's public entry points.

Every error says what was received, where (file, tree, column) and what to do, in the spirit
of uproot's ``KeyInFileError``. All derive from :class:`HepConditioningError` *and* from the
matching builtin (``KeyError``, ``ValueError``, ``TypeError``) so that callers can catch either.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "CorruptFileError",
    "EmptyInputError",
    "FileFormatError",
    "HepConditioningError",
    "HepConditioningWarning",
    "MissingColumnError",
    "MissingDependencyError",
    "NonFiniteError",
    "UnknownMassPointError",
    "nearest_names",
]


def nearest_names(name: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` entries of ``choices`` closest to ``name`` (case-insensitive first)."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    exact = [lowered[name.lower()]] if name.lower() in lowered else []
    close = difflib.get_close_matches(name, choices, n=n, cutoff=0.5)
    close_lower = [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=n, cutoff=0.5)]
    out: list[str] = []
    for c in exact + close + close_lower:
        if c not in out and c != name:
            out.append(c)
    return out[:n]


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    near = nearest_names(name, choices)
    return f"; did you mean {' or '.join(repr(c) for c in near)}?" if near else ""


DECLARE_MASS_POINTS = ("Declare the mass points: mass_points=[...] (API), [data] mass_points = [...] "
                       "(run card) or --mass-points ... (hepconditioning evaluate).")


class HepConditioningError(Exception):
    """Base class of every error raised by hepconditioning."""


class HepConditioningWarning(UserWarning):
    """Base class of every warning issued by hepconditioning."""


class MissingColumnError(HepConditioningError, KeyError):
    """A column/branch/feature that was asked for does not exist."""

    def __init__(self, name: str, choices: Iterable[str], *, where: str = "") -> None:
        choices = list(choices)
        self.name = name
        self.choices = choices
        location = f" in {where}" if where else ""
        shown = ", ".join(repr(c) for c in choices[:12]) + (", ..." if len(choices) > 12 else "")
        self.message = (
            f"{name!r} not found{location}{_did_you_mean(name, choices)} (available: {shown})"
        )
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.message


class NonFiniteError(HepConditioningError, ValueError):
    """NaN or infinite values where finite numbers are required."""

    def __init__(self, column: str, count: int, total: int, *, where: str = "") -> None:
        self.column = column
        self.count = count
        location = f" of {where}" if where else ""
        super().__init__(
            f"column {column!r}{location} has {count} non-finite (NaN/inf) value(s) in {total} "
            "rows; remove or fix those rows (e.g. events[np.isfinite(...)]) before building Events"
        )


class UnknownMassPointError(HepConditioningError, ValueError):
    """A mass value that is not one of the known mass points."""

    def __init__(self, values: Iterable[float], known: Iterable[float], *, tolerance: float | None = None,
                 where: str = "", hint: str | None = None) -> None:
        values = sorted({float(v) for v in values})
        known = sorted(float(k) for k in known)
        self.values = values
        self.known = known
        shown = ", ".join(f"{v:g}" for v in values[:8]) + (", ..." if len(values) > 8 else "")
        tol = f" (tolerance {tolerance:g} GeV)" if tolerance is not None else ""
        location = f" in {where}" if where else ""
        super().__init__(
            f"unknown mass point(s) {shown} GeV{location}{tol}; known mass points: "
            f"{', '.join(f'{k:g}' for k in known)} GeV. {DECLARE_MASS_POINTS if hint is None else hint}"
        )


class EmptyInputError(HepConditioningError, ValueError):
    """An input file or selection holds no events."""


class CorruptFileError(HepConditioningError, OSError):
    """A file exists but cannot be decoded (truncated gzip, damaged ROOT file, ...)."""


class FileFormatError(HepConditioningError, ValueError):
    """A readable file that is not the kind expected (e.g. a ROOT file not written by us)."""


class ConfigError(HepConditioningError, ValueError):
    """A run configuration card is invalid."""


class MissingDependencyError(HepConditioningError, ImportError):
    """An optional dependency is not installed; the message gives the install command."""

    def __init__(self, package: str, extra: str, *, purpose: str = "") -> None:
        what = f" for {purpose}" if purpose else ""
        super().__init__(
            f"{package!r} is required{what} but not installed; "
            f"install it with: pip install 'hepconditioning[{extra}]'"
        )


class InputStateError(HepConditioningError, ValueError):
    """Inputs in physical units given to a model trained on standardized features, or the reverse."""
