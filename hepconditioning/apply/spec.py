"""What to read from each input file to score a model: :class:`ApplySpec` and its TOML form.

A spec names the tree, how to build the model's features for every entry, which entries are
*selected* (scored) and the per-event weight of the histograms. Features come either from
branches (the :class:`~hepconditioning.io.root.RootSpec` forms: expressions, ``jagged``
leading-object reductions, ``count``) or from physics objects through
:func:`hepconditioning.datasets.hepmass.features_from_objects` (``[objects]``)::

    # data/specs/nanoaod_hepmass.toml: CMS NanoAOD → the 27 HEPMASS features
    tree = "Events"
    weight = "genWeight"               # optional, default 1
    cut = "nJet >= 4"                  # optional extra selection (uproot expression)
    [objects]
    kind = "hepmass"
    leptons = ["Muon", "Electron"]     # collections: <name>_pt, _eta, _phi, _mass
    jets = "Jet"
    met = "MET"                        # MET_pt, MET_phi
    btag = "btagCSVV2"
    btag_threshold = 0.8
    # lepton_pt_min, lepton_eta_max, jet_pt_min, jet_eta_max: default 20 GeV and 2.5

    # branches: [features] in the model's order; a value is an expression or a table
    [features]
    lead_jet_px = { jagged = "Jet_Px", leading = 1, pad = 0.0, sort_by = "Jet_E" }
    n_jets = { count = "Jet_Px" }
    met_px = "MET_px"

``standardized = "hepmass"`` says that the branches hold the HEPMASS-standardized features
(this package's CSV/ROOT layout), turned back into physical units before scoring. An entry
is selected when it passes ``cut`` and the feature selection (``[objects]``) and all of its
features are finite.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hepconditioning.contract import INPUT_STATES
from hepconditioning.errors import ConfigError
from hepconditioning.io.root.reader import feature_columns
from hepconditioning.io.root.spec import Expr, Jagged, RootSpec
from hepconditioning.samples.recipe import parse_features

__all__ = ["ApplySpec", "ObjectSpec", "evaluate_features", "load_spec", "spec_from_model"]

_OBJECT_KEYS = {"kind", "leptons", "jets", "met", "btag", "btag_threshold", "lepton_pt_min",
                "lepton_eta_max", "jet_pt_min", "jet_eta_max"}
_TOP_KEYS = {"tree", "weight", "cut", "features", "objects", "standardized", "inputs"}


@dataclass(frozen=True)
class ObjectSpec:
    """HEPMASS features from NanoAOD-style collections (``<name>_pt``, ``_eta``, ``_phi``, ``_mass``).

    Args:
        leptons: lepton collections, concatenated per event (``("Muon", "Electron")``).
        jets: jet collection (``"Jet"``); btag: its b-tag branch suffix (``"btagCSVV2"``).
        met: missing-momentum prefix (``"MET"`` → ``MET_pt``, ``MET_phi``).
        btag_threshold: score above it = tagged; ``None`` uses the branch as a 0/1 flag.
        cuts: ``lepton_pt_min``, ``lepton_eta_max``, ``jet_pt_min``, ``jet_eta_max`` overrides.
    """

    leptons: tuple[str, ...] = ("Muon", "Electron")
    jets: str = "Jet"
    met: str = "MET"
    btag: str = "btagCSVV2"
    btag_threshold: float | None = None
    cuts: Mapping[str, float] = field(default_factory=dict)

    def branches(self) -> list[str]:
        """The branches the object spec reads: pt, eta, phi, mass of each lepton collection and the jets (with the b-tag), MET pt and phi."""
        out = [f"{c}_{q}" for c in self.leptons for q in ("pt", "eta", "phi", "mass")]
        out += [f"{self.jets}_{q}" for q in ("pt", "eta", "phi", "mass", self.btag)]
        return [*out, f"{self.met}_pt", f"{self.met}_phi"]


@dataclass(frozen=True)
class ApplySpec:
    """How to score the entries of one tree (see the module docstring).

    Args:
        tree: tree name.
        features: the features in the model's order (``RootSpec`` forms) — or ``objects``.
        objects: :class:`ObjectSpec` for the HEPMASS features from objects.
        cut: optional selection expression (uproot, one boolean per entry).
        weight: optional per-entry weight expression for the histograms (default 1).
        standardized: ``"hepmass"`` when the branches hold HEPMASS-standardized features
            (turned into physical units before scoring).
        inputs: ``"physical"`` or ``"standardized"``: the state of the features the branches
            give (checked against the model's, see :mod:`.state`); ``None``: measured only.
    """

    tree: str
    features: Any = None
    objects: ObjectSpec | None = None
    cut: str | None = None
    weight: str | None = None
    standardized: str | None = None
    inputs: str | None = None

    def __post_init__(self) -> None:
        if (self.features is None) == (self.objects is None):
            raise ValueError("an ApplySpec needs exactly one of features=... (branches) or objects=... (HEPMASS)")
        if self.features is not None:  # validated and normalized by RootSpec
            root = RootSpec(self.tree, self.features, label=0.0)
            object.__setattr__(self, "features", root.features)
        if self.standardized not in (None, "hepmass"):
            raise ValueError(f"standardized must be 'hepmass' or absent, got {self.standardized!r}")
        for what, text in self._expression_texts():
            _check_expression(what, text)
        if self.inputs not in (None, *INPUT_STATES):
            raise ValueError(f"inputs must be one of {INPUT_STATES} or absent, got {self.inputs!r}")
        if self.inputs == "standardized" and (self.objects is not None or self.standardized):
            raise ValueError("inputs = \"standardized\" contradicts [objects] / standardized = \"hepmass\", "
                             "which build physical features")

    @property
    def state(self) -> str | None:
        """The state of the features this spec builds: ``"physical"`` (objects, converted
        HEPMASS layout), the declared ``inputs``, or ``None`` (unknown)."""
        if self.objects is not None or self.standardized == "hepmass":
            return "physical"
        return self.inputs

    def _expression_texts(self) -> list[tuple[str, str]]:
        out = [("cut", self.cut), ("weight", self.weight)]
        out += [(f"feature {f.name!r} =", f.expression) for f in self.features or () if isinstance(f, Expr)]
        return [(what, text) for what, text in out if text]

    @property
    def feature_names(self) -> tuple[str, ...] | None:
        """The names the features get (``None`` for objects: the 27 HEPMASS names)."""
        if self.features is None:
            from hepconditioning.datasets.hepmass import HEPMASS_FEATURES

            return HEPMASS_FEATURES
        return tuple(n for f in self.features for n in f.names)

    def expressions(self) -> dict[str, str]:
        """Everything to read per entry, keyed by a private alias."""
        out: dict[str, str] = {}
        if self.objects is not None:
            out.update({b: b for b in self.objects.branches()})
        else:
            for i, feature in enumerate(self.features):
                out[f"_hc_f{i}"] = feature.expression if isinstance(feature, Expr) else feature.branch
                if isinstance(feature, Jagged) and feature.sort_by is not None:
                    out[f"_hc_s{i}"] = feature.sort_by
        if self.cut:
            out["_hc_cut"] = self.cut
        if self.weight:
            out["_hc_weight"] = self.weight
        return out


def load_spec(path: str | os.PathLike[str]) -> ApplySpec:
    """Read an apply spec from a TOML file (format in the module docstring)."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"spec file {str(path)!r} does not exist")
    where = f"spec {str(path)!r}"
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{where} is not valid TOML: {err}") from err
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {sorted(_TOP_KEYS)}")
    if "tree" not in data:
        raise ConfigError(f"{where}: give the tree name, e.g. tree = \"Events\"")
    objects = None
    if "objects" in data:
        table = dict(data["objects"])
        bad = sorted(set(table) - _OBJECT_KEYS)
        if bad or table.get("kind", "hepmass") != "hepmass":
            raise ConfigError(f"{where}: [objects] supports kind = \"hepmass\" and keys {sorted(_OBJECT_KEYS)}; "
                              f"got {bad or table.get('kind')!r}")
        leptons = table.get("leptons", ["Muon", "Electron"])
        cuts = {k: float(table[k]) for k in ("lepton_pt_min", "lepton_eta_max", "jet_pt_min", "jet_eta_max")
                if k in table}
        objects = ObjectSpec(tuple([leptons] if isinstance(leptons, str) else leptons), table.get("jets", "Jet"),
                             table.get("met", "MET"), table.get("btag", "btagCSVV2"),
                             table.get("btag_threshold"), cuts)
    features = parse_features(data["features"], where=where).features if "features" in data else None
    try:
        return ApplySpec(data["tree"], features, objects, data.get("cut"), data.get("weight"),
                         data.get("standardized"), data.get("inputs"))
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{where}: {err}") from err


def spec_from_model(metadata: Mapping[str, Any], *, model: str) -> ApplySpec:
    """The spec a model file records (``metadata["recipe"]``: tree, features, cut, weight of
    the training samples), for input files with the training branches."""
    recipe = metadata.get("recipe") if isinstance(metadata, Mapping) else None
    if not recipe:
        raise ConfigError(f"model {model} stores no feature recipe (it was not trained from [[samples]] with "
                          "[features]); give --spec SPEC.toml naming the tree and how to compute its features")
    where = f"the feature recipe of model {model}"
    inputs = (metadata.get("trained_on") or {}).get("inputs")
    return ApplySpec(recipe["tree"], parse_features(recipe["features"], where=where).features, cut=recipe.get("cut"),
                     weight=recipe.get("weight"), inputs=inputs)


def _check_expression(what: str, text: str) -> None:
    """uproot evaluates expressions as Python on arrays: refuse what it would fail on per file."""
    import ast

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        hint = "; uproot expressions are Python: &, |, ~ instead of &&, ||, !" if re.search(r"&&|\|\||!(?!=)|::",
                                                                                        text) else ""
        raise ValueError(f"{what} {text!r} is not a valid expression ({err.msg}){hint}") from err
    if any(isinstance(node, ast.BoolOp) for node in ast.walk(tree)):
        raise ValueError(f"{what} {text!r}: 'and'/'or' cannot combine arrays; write (a) & (b) or (a) | (b)")


def _cut(values: Any, expression: str) -> np.ndarray:
    """One boolean per entry; numbers are not taken as truth values (``process`` is not ``process != 0``)."""
    import awkward as ak

    if values.ndim != 1:
        raise ValueError(f"cut {expression!r} gives a list per entry ({values.type}); give one boolean per entry")
    cut = np.asarray(ak.to_numpy(values))
    if cut.dtype != bool:
        raise ValueError(f"cut {expression!r} gives {cut.dtype} values, not booleans; write a comparison, "
                         f"e.g. \"{expression} > 0\"")
    return cut


def evaluate_features(spec: ApplySpec, arrays: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(x (n, F) float64, selected (n,) bool)`` for one chunk read with ``spec.expressions()``;
    rows of unselected entries are zero."""
    import awkward as ak

    n = len(arrays)
    selected = np.ones(n, dtype=bool)
    if spec.cut:
        selected &= _cut(arrays["_hc_cut"], spec.cut)
    if spec.objects is not None:
        from hepconditioning.datasets.hepmass import features_from_objects

        o = spec.objects

        def collection(prefix: str, extra: Sequence[str] = ()) -> Any:
            return ak.zip({q: arrays[f"{prefix}_{q}"] for q in ("pt", "eta", "phi", "mass", *extra)})

        leptons = ak.concatenate([collection(c) for c in o.leptons], axis=1) if n else collection(o.leptons[0])
        met = ak.zip({"pt": arrays[f"{o.met}_pt"], "phi": arrays[f"{o.met}_phi"]})
        out = features_from_objects(leptons, collection(o.jets, (o.btag,)), met, btag=o.btag,
                                    btag_threshold=o.btag_threshold, **o.cuts)
        x = np.zeros((n, 27))
        x[out.selected] = out.features
        selected &= out.selected
    else:
        x = feature_columns(spec.features, arrays, where=f"tree {spec.tree!r}")
        if spec.standardized == "hepmass":
            from hepconditioning.datasets.hepmass import unstandardize

            x = unstandardize(x)
    selected &= np.isfinite(x).all(axis=1)
    x[~selected] = 0.0
    return x, selected
