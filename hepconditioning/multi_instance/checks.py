"""Input checks shared by the multi-instance modules; every failure names what was received.

Internal to :mod:`hepconditioning.multi_instance`: the public functions call these at entry.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hepconditioning.errors import EmptyInputError, HepConditioningError, NonFiniteError

__all__ = [
    "MultiInstanceError",
    "as_events",
    "as_finite",
    "as_log_threshold",
    "as_n",
    "check_eps",
    "scalar_or_array",
    "weight_sum",
]

_WHERE = "multi-instance input"


class MultiInstanceError(HepConditioningError, ValueError):
    """Invalid input to a multi-instance function (range, weights, N, threshold)."""


def scalar_or_array(a: np.ndarray) -> np.ndarray | float:
    """A 0-d result as a Python float, anything else unchanged."""
    return float(a) if a.ndim == 0 else a


def as_finite(name: str, values: ArrayLike) -> np.ndarray:
    """``values`` as float64; ``NonFiniteError`` naming ``name`` on NaN/inf."""
    arr = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise NonFiniteError(name, int(bad.sum()), arr.size, where=_WHERE)
    return arr


def as_events(name: str, values: ArrayLike, size: int | None = None) -> np.ndarray:
    """Finite, non-empty ``(N,)`` float64 per-event values (``N == size`` when given)."""
    arr = as_finite(name, values)
    if arr.ndim != 1:
        raise MultiInstanceError(f"{name} must be 1-dimensional (one value per event), got shape {arr.shape}")
    if arr.size == 0:
        raise EmptyInputError(f"{name} is empty; need at least one event")
    if size is not None and arr.size != size:
        raise MultiInstanceError(f"{name} has {arr.size} entries but llr has {size}; pass one per event")
    return arr


def weight_sum(name: str, weights: np.ndarray) -> float:
    """Σ weights; ``MultiInstanceError`` unless positive (the class must carry weight)."""
    total = float(weights.sum())
    if not total > 0:
        raise MultiInstanceError(
            f"{name} sum to {total:g}; the class needs a positive total weight (check that it has "
            "events, e.g. labels == 1 for class A, and that the weights are not all zero)"
        )
    return total


def check_eps(eps: float) -> float:
    """The probability clipping ``eps``, checked to lie in [0, 0.5)."""
    if not 0 <= eps < 0.5:
        raise MultiInstanceError(f"eps must be in [0, 0.5), got {eps!r}")
    return float(eps)


def as_n(n: ArrayLike, *, integer: bool) -> np.ndarray:
    """Events per series N ≥ 1 (float64, or int64 and whole when ``integer``)."""
    arr = np.asarray(n)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"n (events per series) must be a number or an array of numbers, got {n!r}")
    arr = as_finite("n", arr)
    if (arr < 1).any():
        raise MultiInstanceError(f"n (events per series) must be >= 1, got {arr[arr < 1].ravel()[0]:g}")
    fractional = arr != np.round(arr)
    if integer and fractional.any():
        raise MultiInstanceError(f"n must be whole numbers of events for resampling, got {arr[fractional].ravel()[0]:g}")
    return arr.astype(np.int64) if integer else arr


def as_log_threshold(threshold: ArrayLike | None, log_threshold: ArrayLike | None) -> np.ndarray:
    """T on Σℓ: ``log_threshold`` as given, or ln(t/(1 − t)) of ``threshold`` t in (0, 1) (default 0.5)."""
    if threshold is not None and log_threshold is not None:
        raise TypeError("pass either threshold (a probability) or log_threshold (on Σℓ), not both")
    if log_threshold is not None:
        return as_finite("log_threshold", log_threshold)
    t = as_finite("threshold", 0.5 if threshold is None else threshold)
    if ((t <= 0) | (t >= 1)).any():
        raise MultiInstanceError(
            f"threshold must be a probability in (0, 1), got {t[(t <= 0) | (t >= 1)].ravel()[0]:g}; "
            "for extreme cuts pass log_threshold = ln(t/(1 − t)) instead"
        )
    return np.log(t) - np.log1p(-t)
