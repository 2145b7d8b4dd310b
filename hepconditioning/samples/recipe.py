"""The feature recipe: how each input feature is computed from the branches of a tree, with its
unit and a one-line definition. One parser for the run card's ``[features]`` and the ``apply``
spec's; the model file stores the recipe, so ``apply`` rebuilds the features without a spec.

A recipe is a table (name → entry, in order) or a list (strings or tables with ``name``)::

    [features]
    lep_pt = { expr = "lep_pt", unit = "GeV", definition = "transverse momentum of the lepton" }
    met = "met"                                     # a branch or an uproot expression
    jet_pt = { jagged = "jet_pt", leading = 2, pad = 0.0, unit = "GeV" }  # jet_pt_0, jet_pt_1
    n_jets = { count = "jet_pt", definition = "number of jets" }
    ht = { sum = "jet_pt", unit = "GeV", definition = "scalar sum of the jet pT" }

    features = ["lep_pt", { name = "ht", sum = "jet_pt", unit = "GeV" }]   # the list form
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hepconditioning.contract import Feature
from hepconditioning.errors import ConfigError, nearest_names
from hepconditioning.io.root.spec import Count, Expr, Jagged, Sum

__all__ = ["FeatureRecipe", "RecipeEntry", "parse_features"]

_KINDS = ("expr", "jagged", "count", "sum")
_OPTIONS = {"expr": (), "jagged": ("leading", "pad", "sort_by", "ascending"), "count": (), "sum": ()}
_COMMON = ("name", "unit", "definition")


@dataclass(frozen=True)
class RecipeEntry:
    """One recipe entry: the io feature (:class:`Expr`, :class:`Jagged`, :class:`Count`,
    :class:`Sum`; its ``name`` set), the unit and the definition of its column(s)."""

    feature: Expr | Jagged | Count | Sum
    unit: str = ""
    definition: str = ""

    def columns(self) -> tuple[Feature, ...]:
        """One :class:`~hepconditioning.contract.Feature` per column this entry gives."""
        names = self.feature.names
        if len(names) == 1:
            return (Feature(names[0], self.unit, self.definition),)
        what = self.definition or f"{self.feature.branch}"
        return tuple(Feature(n, self.unit, f"{what} (object {i + 1} in order; {self.feature.pad:g} if absent)")
                     for i, n in enumerate(names))

    def to_dict(self) -> dict[str, Any]:
        """The entry as a JSON-ready mapping (:func:`parse_features` reads it back)."""
        f = self.feature
        if isinstance(f, Expr):
            out: dict[str, Any] = {"expr": f.expression}
        elif isinstance(f, Jagged):
            out = {"jagged": f.branch, "leading": int(f.leading), "pad": float(f.pad), "ascending": f.ascending}
            if f.sort_by is not None:
                out["sort_by"] = f.sort_by
        else:
            out = {"count" if isinstance(f, Count) else "sum": f.branch}
        return {"name": f.name, **out, "unit": self.unit, "definition": self.definition}


@dataclass(frozen=True)
class FeatureRecipe:
    """The ordered entries of a recipe (see the module docstring)."""

    entries: tuple[RecipeEntry, ...]

    @property
    def features(self) -> tuple[Expr | Jagged | Count | Sum, ...]:
        """The io features, for :class:`~hepconditioning.io.root.RootSpec` and ``apply``."""
        return tuple(e.feature for e in self.entries)

    @property
    def columns(self) -> tuple[Feature, ...]:
        """One :class:`~hepconditioning.contract.Feature` per column, for the model file."""
        return tuple(c for e in self.entries for c in e.columns())

    @property
    def names(self) -> tuple[str, ...]:
        """The column names of the recipe, in the model's input order."""
        return tuple(c.name for c in self.columns)

    def to_list(self) -> list[dict[str, Any]]:
        """The list form (JSON-ready; :func:`parse_features` reads it back)."""
        return [e.to_dict() for e in self.entries]


def _entry(name: str, value: Any, where: str) -> RecipeEntry:
    if isinstance(value, str):
        return RecipeEntry(Expr(value, name=name))
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: feature {name!r} must be an expression string or a table "
                          f"({{expr | jagged | count | sum = ..., unit, definition}}), got {value!r}")
    kinds = [k for k in _KINDS if k in value]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: feature {name!r} needs exactly one of {', '.join(_KINDS)} "
                          f"(the branch or expression it reads), got keys {sorted(value)}")
    kind = kinds[0]
    allowed = (kind, *_OPTIONS[kind], *_COMMON)
    for key in value:
        if key not in allowed:
            near = nearest_names(str(key), allowed)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"{where}: feature {name!r}: unknown key {key!r}{hint} (valid: {', '.join(allowed)})")
    source = value[kind]
    if not isinstance(source, str) or not source:
        raise ConfigError(f"{where}: feature {name!r}: {kind} must be a branch or expression string, got {source!r}")
    unit, definition = str(value.get("unit", "")), str(value.get("definition", ""))
    if kind == "jagged":
        if "leading" not in value:
            raise ConfigError(f"{where}: feature {name!r} = {{jagged = ..., leading = k, pad, sort_by, "
                              f"ascending}} needs leading = k (how many objects to keep); got keys {sorted(value)}")
        try:
            feature: Any = Jagged(source, value["leading"], float(value.get("pad", 0.0)), value.get("sort_by"),
                                  bool(value.get("ascending", False)), name=name)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"{where}: feature {name!r}: {err}") from err
    else:
        feature = {"expr": Expr, "count": Count, "sum": Sum}[kind](source, name=name)
    return RecipeEntry(feature, unit, definition)


def parse_features(value: Any, *, where: str) -> FeatureRecipe:
    """A :class:`FeatureRecipe` from a ``[features]`` table or a ``features = [...]`` list."""
    if isinstance(value, FeatureRecipe):
        return value
    if isinstance(value, Mapping):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for item in value:
            if isinstance(item, str):
                items.append((item, item))
            elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
                items.append((item["name"], {k: v for k, v in item.items() if k != "name"}))
            else:
                raise ConfigError(f"{where}: an entry of features = [...] must be a branch name or a table with "
                                  f"name = \"...\", got {item!r}")
    else:
        raise ConfigError(f"{where}: features must be a table (name = expression) or a list, got {value!r}")
    if not items:
        raise ConfigError(f"{where}: features is empty; name at least one branch or expression")
    recipe = FeatureRecipe(tuple(_entry(name, v, where) for name, v in items))
    names = recipe.names
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{where}: the features give repeated column names {repeated}; rename them")
    return recipe
