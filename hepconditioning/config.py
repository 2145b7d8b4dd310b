"""Declarative run cards (TOML or YAML) → validated, typed configuration.

A card has the sections ``[data]``, ``[[models]]`` (one or more), ``[training]`` and
``[output]``; see ``data/demo.toml``. Every key is checked before any work starts: an unknown
key names its nearest valid spelling, a wrong type names the expected one, a missing file names
the path it resolved to. Relative paths are resolved against the card's own directory.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hepconditioning._compat import module_hooks
from hepconditioning.contract import SCALES_BY_UNIT
from hepconditioning.errors import ConfigError, nearest_names

__all__ = ["DataConfig", "ModelConfig", "OutputConfig", "RunConfig", "load_config", "parse_config"]

DATA_KINDS = ("hepmass", "samples", "htautau")  # htautau: the CP-angle network (data/cards/cp_angle.toml)
# model names become file, ROOT branch and directory names (as io.results.check_model_names)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class DataConfig:
    """Where the events come from.

    ``source`` is a file path (CSV / CSV.gz / ROOT), ``"bundled"`` for the sample in ``data/``,
    or an integer number of events to generate with seed ``seed``.
    ``train_masses`` restricts the *training* signal to some mass points (interpolation study).
    ``mass_points`` (GeV) are the signal masses generated for an integer ``source``, or the
    known points a CSV's mass column is snapped to (default: the HEPMASS points where a value is
    within 1 GeV of one, other values as read).

    ``kind = "samples"``: the events are the card's ``[[samples]]`` (see
    :mod:`hepconditioning.samples.card`) with the ``[features]`` recipe; ``tree``, ``weight``,
    ``cut`` and ``sum_weights`` are the samples' defaults, ``luminosity`` (fb⁻¹) turns cross
    sections into expected events.

    ``kind = "htautau"``: ``source`` selected ρρ events generated with ``seed`` (``neutrinos``:
    the features include the neutrinos), ``mass_points`` the CP angles α (rad) evaluated; see
    :mod:`hepconditioning.cp_angle`.
    """

    kind: str = "hepmass"
    source: str | int = "bundled"
    imbalanced: bool = False
    test_fraction: float = 0.25
    seed: int = 0
    train_masses: list[float] | None = None
    mass_points: list[float] | None = None
    tree: str | None = None
    weight: str | None = None
    cut: str | None = None
    sum_weights: Any = None
    luminosity: float | None = None
    neutrinos: bool = True


@dataclass(frozen=True)
class ModelConfig:
    """One model to train: its class name in :mod:`hepconditioning.nn` and constructor options."""

    type: str = "AffinePNN"
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # the label is joined into paths (models/<label>.pt) and ROOT names: check it here,
        # before any work, and never join an unchecked name
        _check_name(self.label, what="model name")

    @property
    def label(self) -> str:
        """The model's name in files, branches and legends: ``name``, else the model type."""
        return self.name or self.type


@dataclass(frozen=True)
class OutputConfig:
    """What a run writes: ``directory`` (built aside, renamed when complete), the ROOT file
    name, figures (``plots``), the t-SNE map of the last hidden layer on ``tsne_events``
    evaluation events (0: none), the score-histogram ``bins``, and ``evaluation_balance``:
    weigh the background at each evaluation mass so that both classes weigh the same
    (``balance`` of :func:`hepconditioning.evaluation.evaluation_events`; by default on, off
    when ``[data] luminosity`` is given: s, b, AMS and the best cut in expected events). The figures'
    look: ``style`` (``"CMS"``, ``"ATLAS"``, ``"LHCb2"`` or ``"ROOT"``, mplhep), ``label``
    (``"Simulation"`` or ``"Open Data"``), ``sqrt_s`` in TeV and ``luminosity`` in fb⁻¹ when
    known (drawn at the top right; see :class:`hepconditioning.plotting.FigureLabel`)."""

    directory: str = "hepconditioning-output"
    root_file: str = "results.root"
    plots: bool = True
    tsne_events: int = 1000
    bins: int = 50
    overwrite: bool = False
    evaluation_balance: bool | None = None
    style: str = "CMS"
    label: str = "Simulation"
    sqrt_s: float | None = None
    luminosity: float | None = None

    def figure_label(self) -> Any:
        """The :class:`hepconditioning.plotting.FigureLabel` of this run's figures."""
        from hepconditioning.plotting.style import FigureLabel

        return FigureLabel(style=self.style, text=self.label, com=self.sqrt_s, lumi=self.luminosity)

    def __post_init__(self) -> None:
        for name in ("sqrt_s", "luminosity"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(f"[output] {name} = {value!r} must be a positive number (TeV, fb^-1) or absent")
        try:
            # the style's name checked before any work, spelled as in plotting.STYLES
            object.__setattr__(self, "style", self.figure_label().style)
        except ValueError as err:
            raise ConfigError(f"[output] {err}") from err
        stem = self.root_file[:-5] if self.root_file.endswith(".root") else ""
        if not re.fullmatch(r"[A-Za-z0-9_-]+", stem):
            raise ConfigError(
                f"[output] root_file = {self.root_file!r} must be a plain file name inside the output "
                "directory: letters, digits, '_' or '-' ending in .root (e.g. \"results.root\")")


@dataclass(frozen=True)
class ConditionConfig:
    """The condition the models take: ``name`` (the ``[[samples]]`` key of its values), ``unit``
    and ``scale`` (the factor applied before the network, stored with the unit in the model;
    default by unit as :class:`hepconditioning.contract.Condition`: 0.001 for GeV, 1 for rad)."""

    name: str = "mass"
    unit: str = "GeV"
    scale: float = None  # type: ignore[assignment]  # None: by unit

    def __post_init__(self) -> None:
        _check_name(self.name, what="[condition] name =")
        if self.scale is None:
            object.__setattr__(self, "scale", SCALES_BY_UNIT.get(self.unit, 1.0))
        if not self.scale > 0:
            raise ConfigError(f"[condition] scale must be > 0, got {self.scale!r}")


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig
    models: tuple[ModelConfig, ...]
    training: Any  # hepconditioning.training.TrainConfig
    output: OutputConfig
    source_path: Path | None = None
    samples: tuple[Any, ...] = ()  # hepconditioning.samples.Sample
    recipe: Any = None  # hepconditioning.samples.FeatureRecipe
    condition: ConditionConfig | None = None

    def __post_init__(self) -> None:
        labels = [model.label for model in self.models]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ConfigError(
                f"model name(s) {', '.join(map(repr, repeated))} used by more than one [[models]] "
                "entry; give each model its own name = \"...\" (their outputs would overwrite each other)")


def _check_name(name: Any, *, what: str) -> str:
    """``name`` if it is a non-empty string of letters, digits and ``_``, else a ConfigError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"{what} {name!r} may only contain letters, digits and '_', not starting with a digit "
            f"(it names files and ROOT branches); e.g. {_suggest(name)!r}")
    return name


def _suggest(name: Any) -> str:
    cleaned = re.sub(r"\W", "_", str(name)).strip("_") or "my_model"
    return cleaned if _NAME.fullmatch(cleaned) else f"model_{cleaned}"


def _type_ok(value: Any, annotation: Any) -> bool:
    if annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (list, tuple):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return isinstance(value, (list, tuple)) and all(_type_ok(v, args[0]) for v in value) if args \
            else isinstance(value, (list, tuple))
    if origin is dict:
        return isinstance(value, Mapping)
    if isinstance(annotation, type):
        return isinstance(value, annotation)
    return True


def _build(cls: type, values: Mapping[str, Any], section: str) -> Any:
    if not isinstance(values, Mapping):
        raise ConfigError(f"section [{section}] must be a table of key = value, got {type(values).__name__}")
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    kwargs = {}
    for key, value in values.items():
        if key not in names:
            near = nearest_names(key, names)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"unknown key {key!r} in [{section}]{hint} (valid keys: {', '.join(names)})")
        if not _type_ok(value, hints[key]):
            expected = getattr(hints[key], "__name__", str(hints[key]))
            raise ConfigError(
                f"[{section}] {key} = {value!r} has type {type(value).__name__}, expected {expected}"
            )
        kwargs[key] = tuple(value) if isinstance(value, list) and "tuple" in str(hints[key]) else value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"invalid [{section}]: {err}") from err


def _model_config(values: Mapping[str, Any], index: int) -> ModelConfig:
    from hepconditioning import nn

    section = f"models.{index}"
    values = dict(values)
    model_type = values.pop("type", "AffinePNN")
    name = values.pop("name", None)
    available = [n for n in getattr(nn, "__all__", []) if isinstance(getattr(nn, n, None), type)]
    if model_type not in available:
        near = nearest_names(model_type, available)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ConfigError(f"unknown model type {model_type!r} in [{section}]{hint} (available: {', '.join(available)})")
    params = inspect.signature(getattr(nn, model_type)).parameters
    accepted = [p for p, spec in params.items() if spec.kind is inspect.Parameter.KEYWORD_ONLY]
    for key in values:
        if key not in accepted:
            near = nearest_names(key, accepted)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"unknown option {key!r} for {model_type} in [{section}]{hint} (valid: {', '.join(accepted)})")
    if name is not None:
        _check_name(name, what=f"[{section}] name =")
    return ModelConfig(type=model_type, name=name, options=values)


def parse_config(card: Mapping[str, Any], *, base: Path | None = None) -> RunConfig:
    """Validate a parsed card (nested mapping) into a :class:`RunConfig`."""
    from hepconditioning.training import TrainConfig

    sections = ("data", "models", "training", "output", "samples", "features", "condition")
    for key in card:
        if key not in sections:
            near = nearest_names(key, sections)
            hint = f"; did you mean [{near[0]}]?" if near else ""
            raise ConfigError(f"unknown section [{key}]{hint} (valid sections: {', '.join(sections)})")
    data = _build(DataConfig, card.get("data", {}), "data")
    if data.kind not in DATA_KINDS:
        raise ConfigError(
            f"[data] kind = {data.kind!r} is not one of {DATA_KINDS}: \"hepmass\" (HEPMASS layout, generated "
            "or bundled), \"samples\" (your ntuples: [[samples]] and [features]) or \"htautau\" (the "
            "CP-angle network, data/cards/cp_angle.toml)"
        )
    if isinstance(card.get("condition"), list):
        raise ConfigError("[[condition]]: a card takes one condition, a [condition] table (name, unit, scale); "
                          "several conditions at once (a mass and a nuisance shift) are not supported yet")
    condition = _build(ConditionConfig, card["condition"], "condition") if "condition" in card else None
    samples, recipe = _samples(card, data, condition or ConditionConfig(), base)
    if isinstance(data.source, str) and data.source != "bundled" and data.kind == "hepmass":
        path = Path(data.source)
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.exists():
            raise ConfigError(f"[data] source file {str(path)!r} does not exist (given as {data.source!r})")
        data = dataclasses.replace(data, source=str(path))
    models_raw = card.get("models", [{}])
    if isinstance(models_raw, Mapping):
        models_raw = [models_raw]
    models = tuple(_model_config(m, i) for i, m in enumerate(models_raw))
    training = _build(TrainConfig, card.get("training", {}), "training")
    output = _build(OutputConfig, card.get("output", {}), "output")
    return RunConfig(data=data, models=models, training=training, output=output, samples=samples, recipe=recipe,
                     condition=condition)


def _samples(card: Mapping[str, Any], data: DataConfig, condition: ConditionConfig,
             base: Path | None) -> tuple[tuple[Any, ...], Any]:
    """``[[samples]]`` and ``[features]`` of a ``kind = "samples"`` card (empty otherwise)."""
    from hepconditioning.samples import parse_features, parse_samples

    if data.kind != "samples":
        extra = [k for k in ("samples", "features") if k in card]
        if extra:
            raise ConfigError(f"[{extra[0]}] needs [data] kind = \"samples\" (got kind = {data.kind!r})")
        return (), None
    if "samples" not in card or "features" not in card:
        raise ConfigError("[data] kind = \"samples\" needs [[samples]] (the files) and [features] (the recipe)")
    defaults = {k: getattr(data, k) for k in ("tree", "weight", "cut", "sum_weights") if getattr(data, k) is not None}
    samples = parse_samples(card["samples"], defaults=defaults, condition=condition.name, base=base or Path.cwd())
    return samples, parse_features(card["features"], where="[features]")


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a TOML (``.toml``) or YAML (``.yaml``/``.yml``) run card."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config card {str(path)!r} does not exist")
    text = path.read_text()
    try:
        if path.suffix == ".toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover
                import tomli as tomllib

            card = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            card = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"config card {str(path)!r}: unknown format {path.suffix!r}; use .toml or .yaml")
    except ConfigError:
        raise
    except Exception as err:  # tomllib.TOMLDecodeError, yaml.YAMLError
        raise ConfigError(f"config card {str(path)!r} is not valid {path.suffix[1:].upper()}: {err}") from err
    run = parse_config(card, base=path.resolve().parent)
    return dataclasses.replace(run, source_path=path.resolve())


__getattr__, __dir__ = module_hooks(__name__, __all__)  # old spellings: hepconditioning._compat
