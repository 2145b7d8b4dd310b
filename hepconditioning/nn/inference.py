"""Scores of a trained model on raw inputs: :func:`predict`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from hepconditioning.errors import HepConditioningWarning
from hepconditioning.events import Events
from hepconditioning.nn.batched import logits, module_device
from hepconditioning.nn.inputs import feature_matrix

__all__ = ["ExtrapolationWarning", "predict"]


class ExtrapolationWarning(HepConditioningWarning):
    """A prediction asks for a mass outside the range the model was trained on."""


def _warn_outside(model: Any, values: np.ndarray) -> None:
    info = getattr(model, "trained_on", None)
    condition = info.condition if info is not None else None
    if condition is None or condition.range is None or not values.size:
        return
    low, high = condition.range
    if values.min() < low or values.max() > high:
        warnings.warn(
            f"{condition.name} values {values.min():g}–{values.max():g} {condition.unit} reach outside the "
            f"trained range [{low:g}, {high:g}] {condition.unit}; the scores are an extrapolation",
            ExtrapolationWarning, stacklevel=3,
        )


def predict(model: torch.nn.Module, inputs: Any, *, condition: float | np.ndarray | None = None,
            hypotheses: Any = None, batch_size: int = 2048, mass: float | np.ndarray | None = None) -> np.ndarray:
    """Signal probabilities ``σ(model(x, condition))`` on raw inputs, float32.

    Args:
        model: a model of :mod:`hepconditioning.nn` (returns logits; its standardizer turns
            raw features into network inputs).
        inputs: ``Events``; a mapping, numpy structured array or awkward record of named
            ``(N,)`` arrays (the trained feature names); or an ``(N, F)`` array in the trained
            order (see :func:`hepconditioning.nn.inputs.feature_matrix`).
        condition: the condition values (its name, unit and scale are ``model.condition``; GeV
            for HEPMASS): a scalar (every event at that value, the usual way to score one
            hypothesis) or an ``(N,)`` array (one value per event). ``None`` uses
            ``events.condition`` for ``Events``.
        hypotheses: several condition values ``(K,)`` at once instead of ``condition``: every
            event is scored at each, and the result has shape ``(N, K)``.
        batch_size: events per forward pass (the default keeps a pass in the CPU cache; see
            :func:`hepconditioning.nn.logits`).
        mass: ``condition`` under its HEPMASS name.

    Returns:
        ``(N,)``, or ``(N, K)`` with ``hypotheses``.

    A condition outside the trained range warns :class:`ExtrapolationWarning` (allowed, flagged).
    """
    if condition is not None:
        if mass is not None:
            raise ValueError("give the condition once: condition= or its HEPMASS name mass=, not both")
        mass = condition
    x_np = feature_matrix(model, inputs)
    n = x_np.shape[0]
    if hypotheses is not None:
        if mass is not None:
            raise ValueError("give either mass= (one value or one per event) or hypotheses= (K values), not both")
        values = np.atleast_1d(np.asarray(hypotheses, dtype=np.float32))
        if values.ndim != 1 or not values.size:
            raise ValueError(f"hypotheses must be a non-empty 1-d sequence of values, got shape {values.shape}")
        columns = [np.full(n, v, dtype=np.float32) for v in values]
    elif mass is None:
        if not isinstance(inputs, Events):
            name = getattr(getattr(model, "condition", None), "name", "mass")
            raise ValueError(f"give the condition: predict(model, inputs, mass=...) ({name}: a value, one per "
                             "event, or hypotheses=[...] for several)")
        columns = [inputs.mass]
    else:
        m = np.asarray(mass, dtype=np.float32)
        if m.ndim > 1 or (m.ndim == 1 and m.shape[0] != n):
            raise ValueError(f"mass must be a scalar or have shape ({n},) (one per event), got {m.shape}; "
                             "use hypotheses=[...] to score several values")
        columns = [np.full(n, m, dtype=np.float32) if m.ndim == 0 else m]
    _warn_outside(model, values if hypotheses is not None else columns[0])
    x = torch.from_numpy(x_np).to(module_device(model))  # once, not once per hypothesis
    out = [torch.sigmoid(torch.from_numpy(logits(model, x, c, batch_size=batch_size))) for c in columns]
    if hypotheses is None:
        return out[0].numpy()
    return torch.stack(out, dim=1).numpy() if n else np.zeros((0, len(columns)), dtype=np.float32)
