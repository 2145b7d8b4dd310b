"""What a model declares about itself: its features, its condition and what it was trained on.

Every :mod:`hepconditioning.nn` model carries (see :class:`hepconditioning.nn.Classifier`; these
dataclasses need no torch):

- ``conditioned`` — whether the output depends on the condition (``False`` for ``SingleNN``);
- ``condition`` — a :class:`Condition`: the name and unit of the parameter passed as
  ``model(x, mass)`` (``mass`` in GeV for HEPMASS, ``alpha`` in rad for the CP study);
- ``trained_on`` — a :class:`TrainedOn` once trained (``fit``) or loaded (``load_model``):
  the ordered input :class:`Feature` list and the trained condition points and range;
- ``standardizer`` — the input standardization module (raw features in, network inputs out).

``TrainedOn.inputs`` records the state of the features the model was trained on:
``"physical"`` (GeV, rad, counts: the model's own standardization turns them into network
inputs) or ``"standardized"`` (already zero mean and unit variance per feature, e.g. the
HEPMASS CSV layout ``f0 … f26``). ``apply`` refuses inputs in the other state.

These are plain frozen dataclasses with ``to_dict``/``from_dict`` for the model file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["INPUT_STATES", "Condition", "Domain", "Feature", "TrainedOn"]

INPUT_STATES = ("physical", "standardized")


@dataclass(frozen=True)
class Feature:
    """One input feature: ``name`` (as in the data), ``unit`` (``"GeV"``, ``"rad"``, ``""``)
    and a one-line ``definition``."""

    name: str
    unit: str = ""
    definition: str = ""

    def to_dict(self) -> dict[str, str]:
        """The feature as JSON-ready ``{name, unit, definition}`` (as stored in model files)."""
        return {"name": self.name, "unit": self.unit, "definition": self.definition}


@dataclass(frozen=True)
class Domain:
    """The physical values of a condition: ``low``–``high``, each end open or closed."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return math.isfinite(value) and above and below

    def __str__(self) -> str:
        def end(v: float) -> str:
            return {math.pi: "π", -math.pi: "-π", math.inf: "∞", -math.inf: "-∞"}.get(v, f"{v:g}")

        return f"{'(' if self.low_open else '['}{end(self.low)}, {end(self.high)}{')' if self.high_open else ']'}"


# the physical domain of a condition, by unit: a mass or energy is positive, an angle is one
# turn; ``DOMAINS_BY_NAME`` (checked first) narrows it for a named parameter
DOMAINS_BY_UNIT: dict[str, Domain] = {
    "GeV": Domain(0.0, math.inf, low_open=True, high_open=True),
    "TeV": Domain(0.0, math.inf, low_open=True, high_open=True),
    "MeV": Domain(0.0, math.inf, low_open=True, high_open=True),
    "rad": Domain(-math.pi, math.pi),
}
DOMAINS_BY_NAME: dict[str, Domain] = {}
# the factor a model applies to the condition before the network when none is given, by unit:
# GeV → TeV as in [Anzalone22] Table 2; an angle or a dimensionless parameter as it is
SCALES_BY_UNIT: dict[str, float] = {"GeV": 1e-3, "MeV": 1e-6}


@dataclass(frozen=True)
class Condition:
    """The physics parameter a conditioned model takes: ``name``, ``unit`` and ``scale`` (the
    factor the model applies before the network; default by unit, :data:`SCALES_BY_UNIT`:
    0.001 for GeV, 1 for rad), and once trained the ``points`` it saw and their ``range``.

    Example:
        >>> Condition("alpha", "rad").scale, Condition("mass", "GeV").scale
        (1.0, 0.001)
    """

    name: str = "mass"
    unit: str = "GeV"
    points: tuple[float, ...] = ()
    range: tuple[float, float] | None = None
    scale: float = field(default=None, kw_only=True)  # type: ignore[assignment]  # None: by unit

    def __post_init__(self) -> None:
        scale = SCALES_BY_UNIT.get(self.unit, 1.0) if self.scale is None else float(self.scale)
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"condition {self.name!r}: scale must be a finite number > 0, got {self.scale!r}")
        object.__setattr__(self, "scale", scale)

    def to_dict(self) -> dict[str, Any]:
        """The condition as JSON-ready ``{name, unit, scale, points, range}`` (as stored in model files)."""
        return {"name": self.name, "unit": self.unit, "scale": self.scale, "points": list(self.points),
                "range": None if self.range is None else list(self.range)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        rng = data.get("range")
        return cls(str(data["name"]), str(data.get("unit", "")), tuple(float(p) for p in data.get("points", ())),
                   None if rng is None else (float(rng[0]), float(rng[1])), scale=data.get("scale"))

    @property
    def domain(self) -> Domain:
        """Its physical values (:data:`DOMAINS_BY_NAME`, else by unit; any finite value otherwise):
        a mass in GeV is positive, an angle in rad lies in [-π, π]."""
        return DOMAINS_BY_NAME.get(self.name) or DOMAINS_BY_UNIT.get(self.unit) or Domain()

    def check(self, values: Sequence[float]) -> None:
        """Raise ``ValueError`` naming the first value outside :attr:`domain` (NaN and ±inf included).

        Example:
            >>> Condition("mass", "GeV").check([500.0, -500.0])
            Traceback (most recent call last):
            ...
            ValueError: mass -500 GeV is outside its physical domain; give values in (0, ∞) GeV
        """
        for value in values:
            if float(value) not in self.domain:
                unit = f" {self.unit}" if self.unit else ""
                what = "outside its physical domain" if math.isfinite(value) else "not a finite number"
                raise ValueError(f"{self.name} {float(value):g}{unit} is {what}; give values in "
                                 f"{self.domain}{unit}")

    def trained(self, points: Sequence[float]) -> Condition:
        """This condition with the trained ``points`` and their range recorded."""
        pts = tuple(sorted(float(p) for p in points))
        return replace(self, points=pts, range=(pts[0], pts[-1]) if pts else None)


@dataclass(frozen=True)
class TrainedOn:
    """What a model was trained on: the ordered ``features``, the ``condition`` (with its
    trained points and range; ``None`` for a model that takes no condition), and the training
    ``seed`` and torch ``threads`` (same machine, seed and threads → bit-identical weights),
    and the state of the trained ``inputs`` (:data:`INPUT_STATES`; ``None``: not recorded)."""

    features: tuple[Feature, ...]
    condition: Condition | None = field(default=None)
    seed: int | None = None
    threads: int | None = None
    inputs: str | None = None

    def __post_init__(self) -> None:
        if self.inputs is not None and self.inputs not in INPUT_STATES:
            raise ValueError(f"TrainedOn.inputs must be one of {INPUT_STATES} or None, got {self.inputs!r}")

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The names of the features, in the model's input order."""
        return tuple(f.name for f in self.features)

    @classmethod
    def from_events(cls, events: Any, *, condition: Condition | None,
                    features: Sequence[Feature] | None = None, seed: int | None = None,
                    threads: int | None = None, inputs: str | None = None) -> TrainedOn:
        """From training ``Events``: their feature names (or ``features`` with units and
        definitions, same names in the same order) and their condition points."""
        points = events.mass_points.tolist() if condition is not None else []
        record = cls(tuple(Feature(n) for n in events.feature_names),
                     condition.trained(points) if condition is not None else None, seed, threads, inputs)
        return record if features is None else record.with_features(features)

    def with_features(self, features: Sequence[Feature]) -> TrainedOn:
        """The same record with units and definitions for the features (same names, same order)."""
        feats = tuple(features)
        if tuple(f.name for f in feats) != self.feature_names:
            raise ValueError(f"feature definitions {[f.name for f in feats][:6]}... do not match the "
                             f"training features {list(self.feature_names)[:6]}...; give them in the same order")
        units = sorted({f.unit for f in feats if f.unit})
        if self.inputs == "standardized" and units:
            raise ValueError(
                f"the feature definitions give physical units ({', '.join(units)}) but the model was "
                "trained on standardized features (zero mean, unit variance per feature, e.g. the "
                "HEPMASS CSV layout); train on physical values (datasets.hepmass.physical(events); fit "
                "standardizes them itself) or save the definitions without units")
        return replace(self, features=feats)

    def to_dict(self) -> dict[str, Any]:
        """Everything the model was trained on, JSON-ready (as stored in model files)."""
        return {"features": [f.to_dict() for f in self.features],
                "condition": None if self.condition is None else self.condition.to_dict(),
                "seed": self.seed, "threads": self.threads, "inputs": self.inputs}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainedOn:
        cond = data.get("condition")
        return cls(tuple(Feature(**f) for f in data["features"]),
                   None if cond is None else Condition.from_dict(cond), data.get("seed"), data.get("threads"),
                   data.get("inputs"))
