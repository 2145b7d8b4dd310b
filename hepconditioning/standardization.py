"""Input standardization fitted on the training split: ``z = clip((x − center) / scale)``.

A :class:`Standardizer` is fitted once, on the training split only (never on validation or
test events, which would leak their distribution into the model), and then travels with the
model: :class:`hepconditioning.nn.Standardization` (``Standardization.from_standardizer``) is
the torch module with buffers that sits first inside every :mod:`hepconditioning.nn` model
(``model.standardizer``, set by ``model.set_standardizer``), so a saved model, its
ONNX export and the coffea wrapper all take raw features (GeV, radians, counts) as input.

Example:
    >>> x = np.array([[100.0, 1.0], [300.0, -1.0]])
    >>> s = Standardizer.fit(x)
    >>> s(x).tolist()
    [[-1.0, 1.0], [1.0, -1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from hepconditioning.events import Events

__all__ = ["Standardizer", "input_state"]


def _vector(name: str, values: Any) -> np.ndarray:
    arr = np.array(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array (one value per feature), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Standardizer:
    """Per-feature affine map ``z = (x − center) / scale``, then ``z`` clipped to ``[−clip, clip]``.

    Args:
        center: ``(F,)`` subtracted from the features (the training mean).
        scale: ``(F,)`` > 0, divides the centred features (the training standard deviation;
            1 for a constant feature).
        clip: optional bound on ``|z|`` (e.g. 5: a tail event cannot push the network far
            outside the region it was trained on); ``None`` keeps every value.
    """

    center: np.ndarray
    scale: np.ndarray
    clip: float | None = None

    def __post_init__(self) -> None:
        center, scale = _vector("center", self.center), _vector("scale", self.scale)
        if center.shape != scale.shape:
            raise ValueError(f"center has {center.size} values but scale has {scale.size}")
        if (scale <= 0).any():
            raise ValueError(f"scale must be > 0 for every feature, got {scale.tolist()}")
        if self.clip is not None and not (np.isfinite(self.clip) and self.clip > 0):
            raise ValueError(f"clip must be a positive number or None, got {self.clip!r}")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "clip", None if self.clip is None else float(self.clip))

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def fit(cls, x: Events | np.ndarray, *, weights: np.ndarray | None = None,
            clip: float | None = None) -> Standardizer:
        """Mean and standard deviation of the training features ``x`` ``(N, F)`` (or ``Events``).

        ``weights`` (``(N,)``, non-negative) give a weighted mean and variance; a constant
        feature gets ``scale = 1``. Fit on the training split only.
        """
        values = x.x if isinstance(x, Events) else np.asarray(x)
        if values.ndim != 2 or values.shape[0] == 0:
            raise ValueError(f"Standardizer.fit needs features of shape (N, F) with N > 0, got {values.shape}")
        values = values.astype(np.float64, copy=False)
        if not np.isfinite(values).all():
            raise ValueError("Standardizer.fit got NaN or infinite features; clean the training data first")
        if weights is None:
            center, var = values.mean(axis=0), values.var(axis=0)
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (values.shape[0],) or (w < 0).any() or w.sum() <= 0:
                raise ValueError(f"weights must be (N,) = ({values.shape[0]},), non-negative with a positive sum")
            center = np.average(values, axis=0, weights=w)
            var = np.average((values - center) ** 2, axis=0, weights=w)
        std = np.sqrt(var)
        return cls(center, np.where(std > 0, std, 1.0), clip)

    @classmethod
    def identity(cls, n_features: int) -> Standardizer:
        """The map that leaves ``n_features`` features unchanged (center 0, scale 1, no clip)."""
        return cls(np.zeros(n_features), np.ones(n_features))

    @property
    def n_features(self) -> int:
        """Number of features the standardizer was fitted on."""
        return int(self.center.size)

    @property
    def is_identity(self) -> bool:
        """Whether applying it changes nothing (zero centre, unit scale, no clipping)."""
        return self.clip is None and not self.center.any() and bool((self.scale == 1).all())

    # -- application ----------------------------------------------------------------------
    @overload
    def __call__(self, x: Events) -> Events: ...
    @overload
    def __call__(self, x: np.ndarray) -> np.ndarray: ...

    def __call__(self, x: Events | np.ndarray) -> Events | np.ndarray:
        """Standardize ``(N, F)`` features (float64 out) or the features of ``Events``."""
        if isinstance(x, Events):
            return x.replace(x=self(x.x))
        values = np.asarray(x, dtype=np.float64)
        if values.shape[-1:] != (self.n_features,):
            raise ValueError(f"the standardizer was fitted on {self.n_features} features, got an array "
                             f"of shape {values.shape}")
        z = (values - self.center) / self.scale
        return np.clip(z, -self.clip, self.clip) if self.clip is not None else z

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Raw features from standardized ones, ``z · scale + center`` (clipped values stay clipped)."""
        return np.asarray(z, dtype=np.float64) * self.scale + self.center

    def then(self, other: Standardizer) -> Standardizer:
        """One standardizer equal to applying ``self`` and then ``other`` (``self`` unclipped)."""
        if self.clip is not None:
            raise ValueError("cannot compose after a clipped standardizer; clip only in the last one")
        if other.n_features != self.n_features:
            raise ValueError(f"cannot compose {self.n_features} features with {other.n_features}")
        return Standardizer(self.center + other.center * self.scale, self.scale * other.scale, other.clip)

    # -- storage --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"center": [...], "scale": [...], "clip": float | None}``."""
        return {"center": self.center.tolist(), "scale": self.scale.tolist(), "clip": self.clip}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Standardizer:
        return cls(data["center"], data["scale"], data.get("clip"))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Standardizer) and self.clip == other.clip
                and np.array_equal(self.center, other.center) and np.array_equal(self.scale, other.scale))

    def __repr__(self) -> str:
        clip = f", clip={self.clip:g}" if self.clip is not None else ""
        return f"Standardizer(n_features={self.n_features}{clip})"


def input_state(x: Events | np.ndarray) -> str:
    """``"standardized"`` when the features ``x`` ``(N, F)`` are already standardized (every
    feature with ``|mean| ≤ 1`` and standard deviation in ``[0.4, 2.5]``), else ``"physical"``.

    Physical inputs almost always hold a quantity in GeV or a count (means of tens or
    hundreds); a set made only of angles, fractions and flags also passes as standardized.
    """
    values = x.x if isinstance(x, Events) else np.asarray(x)
    if values.ndim != 2 or values.shape[0] == 0:
        raise ValueError(f"input_state needs features of shape (N, F) with N > 0, got {values.shape}")
    values = values.astype(np.float64, copy=False)
    mean, std = values.mean(axis=0), values.std(axis=0)
    standardized = bool((np.abs(mean) <= 1.0).all() and ((std >= 0.4) & (std <= 2.5)).all())
    return "standardized" if standardized else "physical"
