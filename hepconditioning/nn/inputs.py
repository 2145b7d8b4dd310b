"""Raw inputs of a trained model → the ``(N, F)`` float32 matrix in the trained order.

:func:`feature_matrix` accepts what an analysis has at hand: ``Events``; a mapping of named
``(N,)`` arrays (a ``dict``, a numpy structured array, an awkward record array or a
``coffea``/``uproot`` record such as ``events.HEPMASS``); or an ``(N, F)`` array already in
the stored feature order. Names are checked against ``model.trained_on`` (what the model was
trained on); a missing name is reported with the nearest names present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hepconditioning.errors import MissingColumnError, NonFiniteError
from hepconditioning.events import Events

__all__ = ["feature_matrix"]


def _names(model: Any) -> tuple[str, ...] | None:
    info = getattr(model, "trained_on", None)
    return info.feature_names if info is not None else None


def _fields(inputs: Any) -> list[str] | None:
    if isinstance(inputs, Mapping):
        return [str(k) for k in inputs]
    if isinstance(inputs, np.ndarray) and inputs.dtype.names:
        return list(inputs.dtype.names)
    fields = getattr(inputs, "fields", None)  # awkward Array / Record, coffea NanoEvents
    return list(fields) if isinstance(fields, (list, tuple)) and fields else None


def _column(inputs: Any, name: str) -> np.ndarray:
    value = inputs[name]
    if not isinstance(value, np.ndarray):
        try:
            import awkward as ak

            value = ak.to_numpy(value) if isinstance(value, (ak.Array, ak.Record)) else np.asarray(value)
        except ImportError:  # pragma: no cover - awkward is a dependency
            value = np.asarray(value)
    return np.asarray(value)


def _feature_mismatch(trained: list[str], given: list[str]) -> str:
    def shown(items: list[str]) -> str:
        return ", ".join(map(repr, items[:6])) + (", ..." if len(items) > 6 else "")

    missing = [name for name in trained if name not in given]
    extra = [name for name in given if name not in trained]
    text = f"the model expects {len(trained)} features but the events have {len(given)}"
    if missing:
        text += f"; missing: {shown(missing)}"
    if extra:
        text += f"; not trained on: {shown(extra)}"
    if not missing and not extra:
        return (f"the events have the model's {len(trained)} features in another order; select them "
                f"in the training order: events[...] with feature_names {shown(trained)}")
    return text + "; give events with the features the model was trained on"


def feature_matrix(model: Any, inputs: Any) -> np.ndarray:
    """``(N, F)`` C-contiguous float32 features for ``model`` from raw ``inputs`` (see module doc).

    Raises:
        MissingColumnError: a trained feature is not among the named inputs.
        ValueError: wrong shape or feature names in another order (``Events``).
        NonFiniteError: NaN or inf in the features (select events first; nothing is replaced).
    """
    names = _names(model)
    n_features = int(getattr(model, "n_features", len(names) if names else 0))
    if isinstance(inputs, Events):
        if names and inputs.feature_names != names:
            raise ValueError(_feature_mismatch(list(names), list(inputs.feature_names)))
        x = inputs.x
    elif (fields := _fields(inputs)) is not None:
        if not names:
            raise ValueError("the model records no feature names (model.trained_on is None); pass an (N, F) "
                             "array in the training order instead of named arrays")
        for name in names:
            if name not in fields:
                raise MissingColumnError(name, fields, where="the inputs (the model's trained features are "
                                         f"{', '.join(names[:6])}{', ...' if len(names) > 6 else ''})")
        columns = [_column(inputs, name) for name in names]
        shapes = {c.shape for c in columns}
        if len(shapes) != 1 or len(next(iter(shapes))) != 1:
            raise ValueError(f"every named input must be a flat (N,) array (one value per event), got shapes "
                             f"{sorted(shapes)}; reduce jagged arrays first (e.g. the leading jet)")
        x = np.stack(columns, axis=1)
    else:
        x = np.asarray(inputs)
        if x.dtype == object:
            raise TypeError(f"cannot read features from {type(inputs).__name__}; give Events, a mapping or "
                            "awkward record of named arrays, or an (N, F) array")
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(f"the model expects {n_features} features (N, {n_features}), got shape {x.shape}"
                         + (f"; the features are {', '.join(names[:6])}, ..." if names else ""))
    bad = ~np.isfinite(x)
    if bad.any():
        col = int(np.argmax(bad.any(axis=0)))
        label = names[col] if names else f"column {col}"
        raise NonFiniteError(label, int(bad[:, col].sum()), x.shape[0], where="the model inputs")
    return x
