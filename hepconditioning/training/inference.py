"""Scores of a trained model on :class:`~hepconditioning.events.Events`."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from hepconditioning.errors import HepConditioningWarning
from hepconditioning.events import Events

__all__ = ["ExtrapolationWarning", "predict"]


class ExtrapolationWarning(HepConditioningWarning):
    """A prediction asks for a mass outside the range the model was trained on."""


def predict(model: torch.nn.Module, events: Events, *, mass: float | np.ndarray | None = None,
            batch_size: int = 65536) -> np.ndarray:
    """Signal probabilities ``σ(model(x, mass))``, shape ``(N,)`` float32.

    Args:
        model: a model of :mod:`hepconditioning.nn` (returns logits).
        events: events with the model's features (same order).
        mass: GeV; ``None`` uses ``events.mass``, a scalar evaluates every event at that mass
            (the usual way to score a mass hypothesis), an array gives one value per event.
        batch_size: events per forward pass.

    A mass outside the trained range ``[min M, max M]`` warns :class:`ExtrapolationWarning`
    (extrapolation is allowed, but flagged).
    """
    if not isinstance(events, Events):
        raise TypeError(f"predict expects hepconditioning.Events, got {type(events).__name__}")
    info = getattr(model, "trained_on", None)
    n_features = getattr(model, "n_features", events.n_features)
    if events.n_features != n_features:
        raise ValueError(
            f"the model expects {n_features} features but the events have {events.n_features} "
            f"({', '.join(events.feature_names[:6])}{', ...' if events.n_features > 6 else ''}); "
            "select the features the model was trained on"
        )
    names = info.feature_names if info is not None else None
    if names and names != events.feature_names:
        raise ValueError(
            f"feature names differ from the training ones: model {list(names)[:6]}..., "
            f"events {list(events.feature_names)[:6]}...; reorder with the training feature list"
        )
    values = events.mass if mass is None else np.broadcast_to(np.asarray(mass, dtype=np.float32), (len(events),))
    condition = info.condition if info is not None else None
    low, high = condition.range if condition is not None and condition.range else (None, None)
    if low is not None and len(values) and (values.min() < low or values.max() > high):
        warnings.warn(
            f"{condition.name} values {values.min():g}–{values.max():g} {condition.unit} reach outside the "
            f"trained range [{low:g}, {high:g}] {condition.unit}; the scores are an extrapolation",
            ExtrapolationWarning, stacklevel=2,
        )
    x = events.to_torch().x
    m = torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = [torch.sigmoid(model(x[i:i + batch_size], m[i:i + batch_size]))
                   for i in range(0, len(events), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.float32)
