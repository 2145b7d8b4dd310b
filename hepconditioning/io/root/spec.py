"""Declarative description of what to read from a ROOT tree: :class:`RootSpec`.

Features are branch names or uproot expressions (Python syntax, e.g.
``"sqrt(px1**2 + py1**2)"``) that must give one number per event (:class:`Expr`); jagged
(per-object) branches are reduced by an explicit choice: :class:`Jagged` (leading k objects,
padded, optionally sorted by a key) or :class:`Count` (multiplicity).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["Count", "Expr", "Feature", "Jagged", "RootSpec", "Sum"]


@dataclass(frozen=True)
class Expr:
    """One feature: a branch name or an uproot expression giving one number per event.

    ``name`` (default: the expression itself) names the feature column.
    """

    expression: str
    name: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The feature name this expression gives: ``name``, else the expression."""
        return (self.name or self.expression,)


@dataclass(frozen=True)
class Jagged:
    """The leading ``leading`` objects of a jagged branch → columns ``{name}_0 … {name}_{k-1}``.

    Args:
        branch: jagged branch or expression, e.g. ``"Jet_Px"``.
        leading: number of objects kept (k ≥ 1).
        pad: value for events with fewer than k objects.
        sort_by: jagged key to order objects by before taking the leading ones, e.g.
            ``"sqrt(Jet_Px**2 + Jet_Py**2)"`` (descending unless ``ascending``);
            ``None`` keeps the stored order.
        name: column prefix, default the branch name.

    Example:
        >>> Jagged("Jet_Px", leading=2).names
        ('Jet_Px_0', 'Jet_Px_1')
    """

    branch: str
    leading: int
    pad: float = 0.0
    sort_by: str | None = None
    ascending: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.leading, (int, np.integer)) or isinstance(self.leading, bool) or self.leading < 1:
            raise ValueError(f"Jagged({self.branch!r}): leading must be an integer >= 1, got {self.leading!r}")

    @property
    def names(self) -> tuple[str, ...]:
        """The feature names, ``<name or branch>_0`` … one per leading object."""
        prefix = self.name or self.branch
        return tuple(f"{prefix}_{i}" for i in range(int(self.leading)))


@dataclass(frozen=True)
class Count:
    """Number of objects per event of a jagged branch → one column ``{branch}_count``."""

    branch: str
    name: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The feature name: ``name``, else ``<branch>_count``."""
        return (self.name or f"{self.branch}_count",)


@dataclass(frozen=True)
class Sum:
    """Per-event sum over the objects of a jagged branch → one column ``{branch}_sum``
    (e.g. ``Sum("jet_pt", name="ht")``: the scalar sum of the jet transverse momenta)."""

    branch: str
    name: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The feature name: ``name``, else ``<branch>_sum``."""
        return (self.name or f"{self.branch}_sum",)


Feature = Expr | Jagged | Count | Sum


@dataclass(frozen=True)
class RootSpec:
    """How to turn a ROOT tree into :class:`Events`.

    Args:
        tree: tree name (may include directories, ``"dir/events"``).
        features: sequence of branch names/expressions (str), :class:`Expr`, :class:`Jagged`
            or :class:`Count`; or a mapping ``name -> str | Jagged | Count`` (the key names the
            column, or is the prefix of a ``Jagged``).
        label: branch/expression giving 0/1 per event, or a constant (1 for a signal file,
            0 for a background file); required.
        mass: branch/expression in GeV, or a constant (0 when there is no physics parameter).
        weight: branch/expression of per-event weights, or None (all 1).
        process: branch/expression of integer process ids, or a constant.
        cut: selection expression, e.g. ``"NMuon >= 2"``; None keeps every event.
        columns: extra per-event columns, ``name -> branch/expression`` (one value per event).

    Example:
        >>> spec = RootSpec("events", [Jagged("Jet_Px", leading=2, pad=-999.0), "MET_px"],
        ...                 label=1, mass=125.0, weight="EventWeight", cut="NJet >= 1")
        >>> spec.feature_names
        ('Jet_Px_0', 'Jet_Px_1', 'MET_px')
    """

    tree: str
    features: Sequence[str | Feature] | Mapping[str, str | Feature]
    label: str | float
    mass: str | float = 0.0
    weight: str | None = None
    process: str | int = 0
    cut: str | None = None
    columns: Mapping[str, str] | Sequence[tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.tree, str) or not self.tree:
            raise TypeError(f"RootSpec.tree must be a non-empty tree name, got {self.tree!r}")
        object.__setattr__(self, "features", _normalize_features(self.features))
        columns = self.columns.items() if isinstance(self.columns, Mapping) else self.columns
        object.__setattr__(self, "columns", tuple((str(k), str(v)) for k, v in columns))
        for name in ("label", "mass", "process"):
            value = getattr(self, name)
            if not isinstance(value, (str, int, float, np.number)) or isinstance(value, bool):
                raise TypeError(f"RootSpec.{name} must be a branch/expression (str) or a number, got {value!r}")
        if not isinstance(self.process, str) and not (
                np.isfinite(self.process) and self.process == np.round(self.process)
                and -2**31 <= self.process < 2**31):
            raise ValueError(f"RootSpec.process must be an integer (int32) process id or a branch, "
                             f"got {self.process!r}")
        if self.weight is not None and not isinstance(self.weight, str):
            raise TypeError(f"RootSpec.weight must be a branch/expression or None, got {self.weight!r}")
        names = [*self.feature_names, *(k for k, _ in self.columns)]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"RootSpec produces repeated column names {dup}; give them distinct names")

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the columns of ``x``, in order."""
        return tuple(n for feature in self.features for n in feature.names)

    def expressions(self) -> dict[str, str]:
        """Every expression the spec evaluates, keyed by a private alias."""
        out: dict[str, str] = {}
        for i, feature in enumerate(self.features):
            if isinstance(feature, Expr):
                out[f"_hc_f{i}"] = feature.expression
            elif isinstance(feature, Jagged):
                out[f"_hc_f{i}"] = feature.branch
                if feature.sort_by is not None:
                    out[f"_hc_s{i}"] = feature.sort_by
            else:
                out[f"_hc_f{i}"] = feature.branch
        for role in ("label", "mass", "weight", "process"):
            value = getattr(self, role)
            if isinstance(value, str):
                out[f"_hc_{role}"] = value
        for j, (_, expression) in enumerate(self.columns):
            out[f"_hc_c{j}"] = expression
        return out


def _normalize_features(features: Any) -> tuple[Feature, ...]:
    if isinstance(features, (str, Expr, Jagged, Count, Sum)):
        features = [features]
    items = list(features.items()) if isinstance(features, Mapping) else [(None, f) for f in features]
    if not items:
        raise ValueError("RootSpec.features is empty; name at least one branch or expression")
    out: list[Feature] = []
    for key, item in items:
        if isinstance(item, str):
            out.append(Expr(item, name=key))
        elif isinstance(item, (Expr, Jagged, Count, Sum)):
            out.append(item if key is None else replace(item, name=str(key)))
        else:
            raise TypeError(f"a feature must be a branch/expression (str), Expr, Jagged, Count or Sum; got {item!r}")
    return tuple(out)

