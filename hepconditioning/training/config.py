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
VALIDATION_MASSES = ("drawn", "column")
TARGETS = ("labels", "spin_weights")


@dataclass(frozen=True)
class TrainConfig:
    """Options of :func:`hepconditioning.training.fit`; defaults follow [Anzalone22] Table 2.

    Attributes:
        epochs: passes over the training set (an epoch shows N events).
        batch_size: events per mini-batch.
        learning_rate: Adam step size.
        l2_weights: λ_w of the penalty ``λ_w Σ W² + λ_b Σ c²`` added to the loss (Keras ``l2``
            convention, no factor 1/2) on every matrix ``W`` (dense and conditioning maps), when
            ``l2_groups`` is not given.
        l2_biases: λ_b, the same on every bias vector ``c``.
        l2_groups: L2 per module instead: ``{module: (λ_kernel, λ_bias)}`` where ``module`` is a
            top-level submodule of the model (:mod:`hepconditioning.nn` models: ``"dense"``
            the hidden Dense layers, ``"conditionings"`` the conditioning maps, ``"output"``;
            ``"hidden"`` of ``SingleNN``), ``λ_bias`` on its parameters named ``bias`` and
            ``λ_kernel`` on the others; modules not named get no L2 (``l2_weights`` and
            ``l2_biases`` are then unused). The reference implementation of [Anzalone22]
            (github.com/Luca96/affine-parametric-networks, its Table 4 checkpoints) has
            ``{"dense": (1e-4, 1e-5)}``: nothing on the affine maps and the output layer.
        optimizer: ``"adam"`` (L2 in the loss, coupled) or ``"adamw"`` (decoupled decay with the
            same coefficients).
        adam_epsilon: Adam's ε (1e-7: the Keras default of the reference; torch's own is 1e-8).
        balance: mini-batch composition, see :class:`hepconditioning.sampling.BalancedBatchSampler`.
        background_mass: ``"identical"`` or ``"uniform"`` background mass distribution.
        background_sampling: ``"sampled"`` (redrawn every epoch) or ``"fixed"`` (drawn once).
        background_mass_points: draw background masses from these points (GeV, equal
            frequencies; ``"uniform"``: on their range) instead of the training signal's
            distinct mass values. ``None`` (default) is the scheme of the reference
            implementation of [Anzalone22]: with signal points left out of training (Table 4)
            the background never carries a left-out mass. A full mass grid here puts
            background-only mass points into training (see :mod:`hepconditioning.sampling`).
        validation_mass: background mass of the validation events: ``"drawn"`` once from the
            pool of ``background_mass`` (``background_mass_points`` or the signal's distinct
            masses) or ``"column"``, the events' own mass column (the reference implementation
            of [Anzalone22] validates HEPMASS-IMB with the file's five-valued background column).
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
    l2_groups: dict[str, tuple[float, float]] | None = None
    optimizer: str = "adam"
    adam_epsilon: float = 1e-7
    balance: str = "class"
    background_mass: str = "identical"
    background_sampling: str = "sampled"
    background_mass_points: tuple[float, ...] | None = None
    validation_mass: str = "drawn"
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
                   "background_sampling": SAMPLINGS, "validation_mass": VALIDATION_MASSES, "targets": TARGETS,
                   "precision": PRECISIONS}
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
        if self.l2_groups is not None:
            object.__setattr__(self, "l2_groups", _l2_groups(self.l2_groups))
        for name in ("learning_rate", "adam_epsilon"):
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
        """The configuration as a JSON/TOML-ready mapping (the keys of a ``[training]`` section)."""
        values = dataclasses.asdict(self)
        if self.background_mass_points is not None:  # a list, as a TOML card or JSON gives it back
            values["background_mass_points"] = list(self.background_mass_points)
        if self.l2_groups is not None:
            values["l2_groups"] = {k: list(v) for k, v in self.l2_groups.items()}
        return values

    def __hash__(self) -> int:
        groups = tuple(self.l2_groups.items()) if self.l2_groups is not None else None
        return hash(tuple(groups if f.name == "l2_groups" else getattr(self, f.name)
                          for f in dataclasses.fields(self)))


def _l2_groups(groups: Any) -> dict[str, tuple[float, float]]:
    """``{module: (λ_kernel, λ_bias)}`` with floats ≥ 0, or a ConfigError naming what was given."""
    usage = ("TrainConfig.l2_groups must map module names to [λ_kernel, λ_bias], e.g. "
             "{'dense': [1e-4, 1e-5]}")
    if not isinstance(groups, Mapping):
        raise ConfigError(f"{usage}; got {groups!r}")
    out = {}
    for name, value in groups.items():
        try:
            kernel, bias = (float(v) for v in value)
        except (TypeError, ValueError):
            raise ConfigError(f"{usage}; got {name!r}: {value!r}") from None
        if not (isinstance(name, str) and name and math.isfinite(kernel) and math.isfinite(bias)
                and kernel >= 0 and bias >= 0):
            raise ConfigError(f"{usage} (finite, >= 0); got {name!r}: {value!r}")
        out[name] = (kernel, bias)
    return out
