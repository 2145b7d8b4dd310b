"""What [Anzalone22] trains: scales (run cards), data sets and the model of every table row.

Every row of Tables 3–5 and every curve of Figs. 14–15 is one :class:`Spec`: a network, the
training set it sees (HEPMASS stand-in or HEPMASS-IMB, which signal mass points) and the
training options (balance, background mass distribution and sampling). The specs of one
study share their data, so the runner builds each data set once.

The reference's scheme (github.com/Luca96/affine-parametric-networks, ``script/hep/data.py``),
set by ``TrainConfig`` and the cards: background masses from the training signal's distinct
masses, equal frequencies ({500, 1500} on Table 4; ``background_pool = "five_points"``: all
five points); L2 on hidden Dense layers only; Adam ε 1e-7; 25 epochs; c_s = 0; input m/1000.
The "linear pNN" is the biasing conditioning h + W m in every layer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tomllib

from hepconditioning.datasets import hepmass
from hepconditioning.evaluation import without_mass_points
from hepconditioning.events import Events
from hepconditioning.training import TrainConfig

MASSES = hepmass.MASSES
CONTINUOUS = (625.0, 875.0, 1125.0, 1375.0)
MISSING = (750.0, 1000.0, 1250.0)
CARDS = Path(__file__).resolve().parents[2] / "data" / "cards"
STUDIES = ("table3", "table4", "table5", "fig14")
POOLS = ("training_signal", "five_points")
AFFINE = {"scale_init": 0.0}  # the reference's Keras initialization, c_s = 0

# [Anzalone22] Table 4 (AUC %, HEPMASS-IMB without 750/1000/1250 GeV), quoted in issue 14
PAPER_TABLE4 = {"pNN": (76.65, 76.66, 93.93, 97.92, 98.93),
                "pNN_class": (77.41, 71.25, 94.60, 98.48, 99.29),
                "AffinePNN": (76.49, 88.79, 96.39, 98.44, 99.13),
                "AffinePNN_class": (77.16, 88.67, 96.51, 98.63, 99.31)}
# [Anzalone22] Table 3, individual NNs (AUC %), the stand-in's calibration target
PAPER_TABLE3 = {"individual": (77.35, 92.59, 97.42, 98.89, 99.45)}


@dataclass(frozen=True)
class Scale:
    """One run card's ``[scale]`` section plus its ``[training]`` options."""

    name: str
    hepmass_train: int
    hepmass_test: int
    imb_train: int
    continuous_signal: int
    seeds: tuple[int, ...]
    bootstrap: int
    data_seed: int
    threads: int
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        return int(self.training.get("epochs", 25))


def load_scale(name_or_path: str | Path) -> Scale:
    """``"small"``, ``"paper"`` (the cards in data/cards/) or a path to a card."""
    path = Path(name_or_path)
    if not path.suffix:
        path = CARDS / f"anzalone22_{name_or_path}.toml"
    if not path.is_file():
        raise FileNotFoundError(f"no run card {str(path)!r}; use --scale small, --scale paper or a .toml path")
    card = tomllib.loads(path.read_text())
    values = dict(card["scale"])
    values["seeds"] = tuple(int(s) for s in values["seeds"])
    return Scale(**values, training=dict(card.get("training", {})))


@dataclass(frozen=True)
class Spec:
    """One trained network: a table row (or figure curve) and everything that defines it."""

    name: str
    study: str
    model: str  # class in hepconditioning.nn
    data: str  # "hepmass" or "imb"
    train_masses: tuple[float, ...] = MASSES
    balance: str = "none"
    background_mass: str = "identical"
    background_sampling: str = "sampled"
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    background_pool: str = "training_signal"

    def __post_init__(self) -> None:
        if self.background_pool not in POOLS:
            raise ValueError(f"unknown background_pool {self.background_pool!r}; choose one of {POOLS}")

    @property
    def label(self) -> str:
        return self.name.rsplit("_s", 1)[0] if self.seed and self.name.endswith(f"_s{self.seed}") else self.name

    def train_config(self, scale: Scale) -> TrainConfig:
        options = _baseline_l2(self.model, dict(scale.training.items()))
        points = MASSES if self.background_pool == "five_points" else None
        return TrainConfig(**options, balance=self.balance, background_mass=self.background_mass,
                           background_sampling=self.background_sampling, background_mass_points=points,
                           seed=self.seed)


def _baseline_l2(model: str, options: dict[str, Any]) -> dict[str, Any]:
    """``l2_groups`` name the MLPs' ``dense`` stack: SingleNN has ``hidden``, IndividualNNs all layers."""
    if options.get("l2_groups") is None or model not in ("SingleNN", "IndividualNNs"):
        return options
    kernel, bias = options.pop("l2_groups")["dense"]
    return {**options, **({"l2_groups": {"hidden": (kernel, bias)}} if model == "SingleNN"
                          else {"l2_weights": kernel, "l2_biases": bias})}


def _options(model: str) -> dict[str, Any]:
    return dict(AFFINE) if model == "AffinePNN" else {}


def _seeded(spec: Spec, seeds: tuple[int, ...]) -> list[Spec]:
    return [spec] + [dataclasses.replace(spec, name=f"{spec.name}_s{s}", seed=s) for s in seeds if s != spec.seed]


def specs(study: str, scale: Scale) -> list[Spec]:
    """The networks of ``study`` (one of :data:`STUDIES`) at ``scale``."""
    if study == "table3":
        rows = [Spec("single", study, "SingleNN", "hepmass"), Spec("individual", study, "IndividualNNs", "hepmass"),
                Spec("linear_pNN", study, "ConditionedMLP", "hepmass",
                     options={"conditioning": "bias", "where": "all"})]
        for model, tag in (("ParametricNN", "pNN"), ("AffinePNN", "AffinePNN")):
            for dist in ("identical", "uniform"):
                for sampling in ("fixed", "sampled"):
                    rows.append(Spec(f"{tag}_{dist}_{sampling}", study, model, "hepmass",
                                     background_mass=dist, background_sampling=sampling,
                                     options=_options(model)))
        return rows
    if study == "table5":
        rows = [Spec("single", study, "SingleNN", "imb"), Spec("individual", study, "IndividualNNs", "imb")]
        for model, tag in (("ParametricNN", "pNN"), ("AffinePNN", "AffinePNN")):
            for balance in ("none", "class", "full"):
                name = tag if balance == "none" else f"{tag}_{balance}"
                rows.append(Spec(name, study, model, "imb", balance=balance, options=_options(model)))
        return rows
    if study == "table4":
        kept = tuple(m for m in MASSES if m not in MISSING)
        rows = []
        for model, tag in (("ParametricNN", "pNN"), ("AffinePNN", "AffinePNN")):
            for balance in ("none", "class", "full"):
                name = tag if balance == "none" else f"{tag}_{balance}"
                spec = Spec(name, study, model, "imb", train_masses=kept, balance=balance,
                            options=_options(model))
                rows += _seeded(spec, scale.seeds) if balance != "full" else [spec]
        return rows
    if study == "fig14":
        rows = []
        for kept in ((500.0, 1500.0), (750.0, 1250.0)):
            for model, tag in (("ParametricNN", "pNN"), ("AffinePNN", "AffinePNN")):
                rows.append(Spec(f"{tag}_on_{kept[0]:g}_{kept[1]:g}", study, model, "hepmass", train_masses=kept,
                                 options=_options(model)))
        return rows
    raise ValueError(f"unknown study {study!r}; choose one of {STUDIES}")


class DataSets:
    """The generated samples of one scale, built on first use (seeded: same card, same events).

    With ``cache`` (a directory) each sample is also saved there as ``.npz`` and loaded by the
    next process instead of being generated again (parallel runs of one scale share it).
    """

    def __init__(self, scale: Scale, *, cache: Path | None = None) -> None:
        self.scale = scale
        self.cache = cache
        self._cache: dict[str, Events] = {}

    def _get(self, key: str, build) -> Events:
        if key in self._cache:
            return self._cache[key]
        name = f"{self.scale.name}-{self.scale.data_seed}-{generator_digest()}-{key}.npz"
        path = self.cache / name if self.cache else None
        if path is not None and path.exists():
            with np.load(path) as f:
                events = Events(f["x"], f["mass"], f["labels"], f["weights"], process=f["process"],
                                feature_names=[str(n) for n in f["feature_names"]])
        else:
            events = build()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(path.stem + f".{os.getpid()}.tmp.npz")
                np.savez(tmp, x=events.x, mass=events.mass, labels=events.labels, weights=events.weights,
                         process=events.process, feature_names=np.array(events.feature_names))
                os.replace(tmp, path)
        self._cache[key] = events
        return events

    def test(self) -> Events:
        """HEPMASS stand-in test events plus generated signal at the continuous masses."""
        s = self.scale

        def build() -> Events:
            test = hepmass.generate(s.hepmass_test, seed=s.data_seed + 1)
            extra = hepmass.generate(2 * s.continuous_signal * len(CONTINUOUS), masses=CONTINUOUS,
                                     seed=s.data_seed + 2)
            return Events.concat([test, extra.signal])
        return self._get("test", build)

    def training(self, spec: Spec) -> tuple[Events, Events]:
        """``(train, validation)`` for ``spec``: a stratified 25 % validation split, signal kept
        only at ``spec.train_masses`` (background at every mass: its column is kept)."""
        s = self.scale
        if spec.data == "hepmass":
            full = self._get("hepmass", lambda: hepmass.generate(s.hepmass_train, seed=s.data_seed))
        else:
            full = self._get("imb", lambda: hepmass.make_imbalanced(
                hepmass.generate(s.imb_train, seed=s.data_seed + 3), seed=s.data_seed))
        dropped = [m for m in MASSES if m not in spec.train_masses]
        events = without_mass_points(full, dropped) if dropped else full
        return events.split(0.25, seed=s.data_seed)

    def sizes(self, spec: Spec) -> int:
        """Training events of ``spec`` (without building anything), for the time estimate."""
        s = self.scale
        if spec.data == "hepmass":
            per_mass = s.hepmass_train / 2 / len(MASSES)
            n = s.hepmass_train / 2 + per_mass * len(spec.train_masses)
        else:
            factor = min(1.0, s.imb_train / 2 / len(MASSES) / hepmass.HEPMASS_SIGNAL_PER_MASS)
            counts = hepmass.imbalanced_counts(factor)
            n = s.imb_train / 2 + sum(c for m, c in counts.items() if m in spec.train_masses)
        return int(0.75 * n)


def generator_digest() -> str:
    """Short hash of the stand-in generator's source: cached samples follow generator changes."""
    digest = hashlib.sha256()
    for path in sorted(Path(hepmass.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def mass_grid() -> np.ndarray:
    """Evaluation masses: the five HEPMASS points and the continuous ones, increasing."""
    return np.array(sorted(MASSES + CONTINUOUS))
