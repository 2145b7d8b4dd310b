"""Training options as one frozen dataclass (the ``[training]`` section of a run card)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hepconditioning.errors import ConfigError, nearest_names
from hepconditioning.sampling import BALANCE_MODES, DISTRIBUTIONS
from hepconditioning.training.device import DEVICES, PRECISIONS

__all__ = ["TrainConfig"]

OPTIMIZERS = ("adam", "adamw")
SAMPLINGS = ("sampled", "fixed")
TARGETS = ("labels", "spin_weights")


@dataclass(frozen=True)
class TrainConfig:
    """Options of :func:`hepconditioning.training.fit`; defaults follow [Anzalone22] Table 2.

    Attributes:
        epochs: passes over the training set (an epoch shows N events).
        batch_size: events per mini-batch.
        learning_rate: Adam step size.
        l2_weights: λ_w of the penalty ``λ_w Σ W² + λ_b Σ c²`` added to the loss (Keras ``l2``
            convention, no factor 1/2) on every matrix ``W`` (dense and conditioning maps).
        l2_biases: λ_b, the same on every bias vector ``c``.
        optimizer: ``"adam"`` (L2 in the loss, coupled) or ``"adamw"`` (decoupled decay with the
            same coefficients).
        balance: mini-batch composition, see :class:`hepconditioning.sampling.BalancedBatchSampler`.
        background_mass: ``"identical"`` or ``"uniform"`` background mass distribution.
        background_sampling: ``"sampled"`` (redrawn every epoch) or ``"fixed"`` (drawn once).
        background_mass_points: draw background masses from these points (GeV, equal
            frequencies; ``"uniform"``: on their range) instead of the training signal's. Set it
            to the full mass grid when signal points are left out of training (the
            interpolation study of [Anzalone22] Table 4): the real HEPMASS-IMB keeps every
            background event with its original mass column, uniform over all five points, so
            the network sees background at the missing masses; drawn from the signal's IMB
            frequencies instead, 99.4 % of the background sits at 500 GeV and the pNN ranks
            background above the unseen 750 GeV signal (AUC ~15 %, see docs/results.md).
        targets: ``"labels"`` (BCE against ``labels``) or ``"spin_weights"`` (two-hypothesis
            soft targets from the columns ``w_a``, ``w_b``: an event contributes
            ``w_a BCE(1) + w_b BCE(0)``).
        patience: stop after this many epochs without a better validation AUC (0: never).
        seed: every random choice of the training (batches, background mass, dropout).
        threads: torch CPU threads during training (0: leave torch's setting).
        validation_batch_size: events per forward pass in validation (cache-sized, see
            :func:`hepconditioning.nn.logits`).
        device: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (see
            :mod:`hepconditioning.training.device`).
        precision: ``"float32"`` or ``"bf16"`` (forward pass under bfloat16 autocast).
        standardize: fit the input standardization (mean and standard deviation per feature,
            unweighted) on the training split and hold it in the model (``model.standardizer``),
            so the model and its file take the features as given (GeV, rad, counts). A
            standardization the caller set (``model.set_standardizer``) is kept. ``False``:
            the model takes its inputs unchanged (they must already be standardized).
    """

    epochs: int = 25
    batch_size: int = 1024
    learning_rate: float = 3e-4
    l2_weights: float = 1e-4
    l2_biases: float = 1e-4
    optimizer: str = "adam"
    balance: str = "class"
    background_mass: str = "identical"
    background_sampling: str = "sampled"
    background_mass_points: tuple[float, ...] | None = None
    targets: str = "labels"
    patience: int = 0
    seed: int = 0
    threads: int = 0
    validation_batch_size: int = 2048
    device: str = "auto"
    precision: str = "float32"
    standardize: bool = True

    def __post_init__(self) -> None:
        choices = {"optimizer": OPTIMIZERS, "balance": BALANCE_MODES, "background_mass": DISTRIBUTIONS,
                   "background_sampling": SAMPLINGS, "targets": TARGETS, "precision": PRECISIONS}
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value not in allowed:
                near = nearest_names(str(value), allowed)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConfigError(f"TrainConfig.{name} = {value!r} is not one of {allowed}{hint}")
        if str(self.device).split(":", 1)[0] not in DEVICES:
            near = nearest_names(str(self.device), DEVICES)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(f"TrainConfig.device = {self.device!r} is not one of {DEVICES} or 'cuda:N'{hint}")
        positive = ("epochs", "batch_size", "validation_batch_size")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"TrainConfig.{name} must be >= 1, got {getattr(self, name)}")
        points = self.background_mass_points
        if points is not None:
            try:
                values = tuple(float(m) for m in points)
            except (TypeError, ValueError):
                raise ConfigError(f"TrainConfig.background_mass_points must be a list of masses in GeV, "
                                  f"got {points!r}") from None
            if not values or not all(math.isfinite(m) and m > 0 for m in values):
                raise ConfigError(f"TrainConfig.background_mass_points must be positive finite masses (GeV), "
                                  f"got {points!r}")
            object.__setattr__(self, "background_mass_points", values)
        for name in ("learning_rate",):
            if not getattr(self, name) > 0:
                raise ConfigError(f"TrainConfig.{name} must be > 0, got {getattr(self, name)}")
        for name in ("l2_weights", "l2_biases", "patience", "seed", "threads"):
            if getattr(self, name) < 0:
                raise ConfigError(f"TrainConfig.{name} must be >= 0, got {getattr(self, name)}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build from a mapping; an unknown key names the nearest valid one."""
        names = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in names:
                near = nearest_names(key, names)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ConfigError(f"unknown training option {key!r}{hint} (valid: {', '.join(names)})")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        if self.background_mass_points is not None:  # a list, as a TOML card or JSON gives it back
            values["background_mass_points"] = list(self.background_mass_points)
        return values
