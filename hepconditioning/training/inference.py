"""Scores of a trained model on raw inputs: :func:`predict`."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from hepconditioning.errors import HepConditioningWarning
from hepconditioning.events import Events
from hepconditioning.training.device import module_device, to_device
from hepconditioning.training.inputs import feature_matrix

__all__ = ["ExtrapolationWarning", "batched_logits", "predict"]


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


_MAX_GROUPS = 64  # distinct condition values scored group by group (mass points, hypotheses)


def batched_logits(model: torch.nn.Module, x: torch.Tensor, mass: torch.Tensor, *,
                   batch_size: int = 2048) -> torch.Tensor:
    """Logits ``(N,)`` of ``model`` on ``x`` ``(N, F)`` at ``mass`` ``(N,)`` or ``(N, K)``, in
    passes of ``batch_size`` events (call under ``torch.inference_mode()``, model in eval mode).

    Models with ``logits_at`` (the conditioned MLPs) are evaluated per distinct condition value
    (at most 64 of them: mass points, hypotheses) with the conditioning folded into the weights
    (:meth:`hepconditioning.nn.ConditionedMLP.logits_at`); the default pass of 2048 events
    keeps the activations in the CPU cache (2048 x 300 floats = 2.4 MB).
    """
    logits_at = getattr(model, "logits_at", None)
    if logits_at is not None and mass.ndim == 1 and len(mass):
        low, high = torch.aminmax(mass)
        if low == high:
            return torch.cat([logits_at(x[i:i + batch_size], low) for i in range(0, len(x), batch_size)])
        values, inverse, counts = torch.unique(mass, return_inverse=True, return_counts=True)
        if len(values) <= _MAX_GROUPS:
            order = torch.argsort(inverse, stable=True)
            out = torch.empty(len(mass), device=mass.device)
            start = 0
            for value, count in zip(values, counts.tolist(), strict=True):
                for i in range(start, start + count, batch_size):
                    rows = order[i:min(i + batch_size, start + count)]
                    out[rows] = logits_at(x.index_select(0, rows), value)
                start += count
            return out
    out = [model(x[i:i + batch_size], mass[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    return torch.cat(out) if out else torch.zeros(0, device=mass.device)


def predict(model: torch.nn.Module, inputs: Any, *, mass: float | np.ndarray | None = None,
            hypotheses: Any = None, batch_size: int = 2048) -> np.ndarray:
    """Signal probabilities ``σ(model(x, mass))`` on raw inputs, float32.

    Args:
        model: a model of :mod:`hepconditioning.nn` (returns logits; its standardizer turns
            raw features into network inputs).
        inputs: ``Events``; a mapping, numpy structured array or awkward record of named
            ``(N,)`` arrays (the trained feature names); or an ``(N, F)`` array in the trained
            order (see :func:`hepconditioning.training.inputs.feature_matrix`).
        mass: the condition (GeV for HEPMASS; its name and unit are ``model.condition``):
            a scalar (every event at that value, the usual way to score one hypothesis) or an
            ``(N,)`` array (one value per event). ``None`` uses ``events.mass`` for ``Events``.
        hypotheses: several condition values ``(K,)`` at once instead of ``mass``: every event
            is scored at each, and the result has shape ``(N, K)``.
        batch_size: events per forward pass; the default keeps the activations of a pass in
            the CPU cache (2048 events x 300 floats = 2.4 MB).

    Returns:
        ``(N,)``, or ``(N, K)`` with ``hypotheses``.

    A condition outside the trained range warns :class:`ExtrapolationWarning` (allowed, flagged).
    """
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
    device = module_device(model)  # a model moved to a GPU scores there
    x = to_device(torch.from_numpy(x_np), device)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = [batched_logits(model, x, to_device(torch.from_numpy(np.ascontiguousarray(c, dtype=np.float32)),
                                                      device), batch_size=batch_size).sigmoid_().cpu()
                   for c in columns]
    finally:
        model.train(was_training)
    if hypotheses is None:
        return out[0].numpy()
    return torch.stack(out, dim=1).numpy() if n else np.zeros((0, len(columns)), dtype=np.float32)
