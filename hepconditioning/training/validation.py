"""Validation AUC for model selection ([Anzalone22] sec. 4).

The validation split keeps the original, *unbalanced* class and mass composition; background
events get a mass drawn once, with the training seed, from the pool the training draws from
(``background_mass_points`` or the signal's distinct masses, equal frequencies), or keep their
own mass column (``TrainConfig(validation_mass="column")``, the reference of [Anzalone22]). Every epoch gives the weighted ROC AUC over all events
and per mass point (signal at ``m`` against the background assigned ``m``). Two-hypothesis
events (``targets = "spin_weights"``) enter both classes, weighted ``w·w_a`` and ``w·w_b``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from hepconditioning.errors import HepConditioningError
from hepconditioning.events import Events
from hepconditioning.metrics import roc_auc, two_hypothesis_auc
from hepconditioning.nn.batched import logits
from hepconditioning.sampling import background_mass
from hepconditioning.training.config import TrainConfig
from hepconditioning.training.device import resolve_device, to_device

__all__ = ["ModelSelectionError", "ValidationResult", "Validator"]

_STREAM = 2**31 - 1  # background-mass draw of the validation set, apart from the epochs


class ModelSelectionError(HepConditioningError, ValueError):
    """No epoch can be selected: the validation AUC is not defined (one class, or a class
    whose total weight is not positive)."""


def _class_weights(labels: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    return (float(np.sum(weights[labels == 1], dtype=np.float64)),
            float(np.sum(weights[labels == 0], dtype=np.float64)))


class ValidationResult(NamedTuple):
    """``auc`` over all validation events and ``auc_per_mass`` aligned with ``mass_points``."""

    auc: float
    mass_points: tuple[float, ...]
    auc_per_mass: tuple[float, ...]


class Validator:
    """Prepared validation set; ``validator(model)`` returns a :class:`ValidationResult`."""

    def __init__(self, events: Events, config: TrainConfig) -> None:
        if len(events) == 0:
            raise ValueError("the validation events are empty; pass a non-empty split (e.g. 25 %)")
        if config.targets == "spin_weights":  # every event under both hypotheses (two_hypothesis_auc)
            self.hypothesis_weights = (events.weights * events.column("w_a"),
                                       events.weights * events.column("w_b"))
            signal, background = (float(np.sum(w, dtype=np.float64)) for w in self.hypothesis_weights)
            n_signal = n_background = len(events)
        else:
            self.hypothesis_weights = None
            self.labels, self.weights = events.labels, events.weights
            signal, background = _class_weights(self.labels, self.weights)
            n_signal = int(np.count_nonzero(self.labels == 1))
            n_background = self.labels.size - n_signal
        if not (signal > 0 and background > 0):
            raise ModelSelectionError(
                f"the validation AUC is undefined: the validation events hold {n_signal} signal "
                f"events of total weight {signal:g} and {n_background} background "
                f"events of total weight {background:g}; model selection needs both classes with "
                "positive total weight (check the event weights and the validation split)")
        if config.validation_mass == "column":
            self.mass = events.mass.copy()
        else:
            self.mass = background_mass(events, distribution="identical", seed=config.seed, epoch=_STREAM,
                                        mass_points=config.background_mass_points)
        device = resolve_device(config.device)
        self.x = to_device(events.to_torch().x, device)
        self.mass_t = to_device(torch.from_numpy(self.mass), device)
        self.batch_size = config.validation_batch_size
        self.mass_points = tuple(float(m) for m in events.mass_points)

    def scores(self, model: torch.nn.Module) -> np.ndarray:
        """Logits of every validation event (model in eval mode, no autograd)."""
        return logits(model, self.x, self.mass_t, batch_size=self.batch_size)

    def __call__(self, model: torch.nn.Module) -> ValidationResult:
        scores = self.scores(model)
        auc = self._auc(scores, slice(None))
        per_mass = tuple(self._auc(scores, self.mass == m) for m in self.mass_points)
        return ValidationResult(auc, self.mass_points, per_mass)

    def _auc(self, scores: np.ndarray, rows: slice | np.ndarray) -> float:
        # NaN (not an error) when a group lacks a class: validation logs it and goes on
        if self.hypothesis_weights is None:
            labels, weights = self.labels[rows], self.weights[rows]
            signal, background = weights[labels == 1].sum(), weights[labels == 0].sum()
            return roc_auc(labels, scores[rows], weights) if signal > 0 and background > 0 else float("nan")
        w_a, w_b = (w[rows] for w in self.hypothesis_weights)
        return two_hypothesis_auc(scores[rows], w_a, w_b) if w_a.sum() > 0 and w_b.sum() > 0 else float("nan")
