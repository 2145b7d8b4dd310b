"""``Events``: the one columnar container every stage passes on.

reader → dataset → sampler → model → metrics → writer all take and return ``Events``.
Arrays are plain numpy; :meth:`Events.to_torch` shares their memory with torch tensors.

Vocabulary: ``x`` features ``(N, F)`` float32, ``mass`` the condition (the physics
parameter: GeV for a mass, rad for the CP angle; :class:`Events`) ``(N,)`` float32, ``labels`` ``(N,)`` float32 in {0, 1}, ``weights`` ``(N,)`` float32
(negative allowed, e.g. NLO generators), ``process`` ``(N,)`` int32 sub-class id (background
process; 0 when there is one), and extra per-event ``columns`` (e.g. the spin weights
``w_a``, ``w_b`` of H→ττ, or particle 4-vectors ``(N, 6, 4)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from hepconditioning.errors import MissingColumnError, NonFiniteError

if TYPE_CHECKING:
    import torch

__all__ = ["Events", "TorchEvents", "process_ids"]


class TorchEvents(NamedTuple):
    """Torch views of an :class:`Events` (memory shared with the numpy arrays)."""

    x: torch.Tensor
    mass: torch.Tensor
    labels: torch.Tensor
    weights: torch.Tensor
    process: torch.Tensor


def _as_1d(name: str, values: Any, n: int, dtype: type) -> np.ndarray:
    arr = np.asarray(values, dtype=dtype)
    arr = np.full(n, arr, dtype=dtype) if arr.ndim == 0 else np.ascontiguousarray(arr)
    if arr.shape != (n,):
        raise ValueError(f"{name!r} must have shape ({n},) to match x, got {arr.shape}")
    return arr


def process_ids(values: Any, *, where: str = "process") -> np.ndarray:
    """``values`` as int32 process ids, or a ValueError naming the offending values.

    Floats must be whole numbers and every value must fit in int32: a cast would silently turn
    1.7 into 1 or 2147483653 into -2147483643.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int32)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{where} must hold integer process ids, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if np.any(bad):
            raise ValueError(
                f"{where} must hold integer process ids; found non-integer value(s) "
                f"{np.unique(arr[bad])[:5].tolist()} ({int(np.count_nonzero(bad))} of {arr.size}); "
                "convert them explicitly (e.g. np.rint) if they are ids stored as floats")
    if arr.dtype.kind in "iu" and np.can_cast(arr.dtype, np.int32):
        return arr.astype(np.int32, copy=False)
    info = np.iinfo(np.int32)
    out_of_range = (arr < info.min) | (arr > info.max)
    if np.any(out_of_range):
        raise ValueError(
            f"{where} has process id(s) {np.unique(arr[out_of_range])[:5].tolist()} outside the int32 "
            f"range [{info.min}, {info.max}]; renumber the processes (e.g. 0, 1, 2, ...)")
    return arr.astype(np.int32, copy=False)


def _check_finite(name: str, arr: np.ndarray) -> None:
    if arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        if not finite.all():
            raise NonFiniteError(name, int(arr.size - np.count_nonzero(finite)), arr.size)


def _check_finite_rows(x: np.ndarray, names: Sequence[str], block: int = 65536) -> None:
    # row blocks keep the boolean temporary small (a 7M x 27 x would need 190 MB at once)
    for start in range(0, x.shape[0], block):
        finite = np.isfinite(x[start:start + block])
        if not finite.all():
            col = int(np.argmax(~finite.all(axis=0)))
            raise NonFiniteError(names[col], int(np.count_nonzero(~np.isfinite(x[:, col]))), x.shape[0])


class Events:
    """Columnar event container with validated, aligned per-event arrays.

    Args:
        x: features ``(N, F)``; converted to C-contiguous float32.
        condition: ``(N,)``, the physics parameter the classifier is conditioned on (signal: its
            point; background: the value assigned to it). A scalar broadcasts. Its name, unit
            and scale are the model's ``condition``: the X mass in GeV for HEPMASS, the CP mixing
            angle α in rad for H→ττ. ``mass=`` (keyword) and :attr:`mass` are the same array
            under its HEPMASS name.
        labels: ``(N,)`` 1 = signal (class A), 0 = background (class B).
        weights: ``(N,)`` per-event weights, default 1; negative values are allowed.
        feature_names: one name per column of ``x``.
        process: ``(N,)`` integer sub-class id (background process), default 0.
        columns: extra per-event arrays whose first axis has length N.

    One name and one owner for each quantity that travels with the events:

    - the condition: :attr:`condition` (``mass`` for HEPMASS), everywhere; models receive it as
      ``model(x, condition)``.
    - the background's condition: drawn by :func:`hepconditioning.sampling.background_mass`
      for every training epoch and for validation (``TrainConfig.background_mass``); files and
      generators carry the mass column as the real HEPMASS files do (the draw replaces it);
      :func:`hepconditioning.evaluation.evaluation_events` sets every event to the evaluation
      mass m_i.
    - the evaluation mass: ``mass`` = m_i of an evaluation sample; the column ``eval_mass``
      (:data:`hepconditioning.io.results.EVAL_MASS`) only *tags* the rows of an evaluation
      sample with their group, so that rescoring them at another mass keeps the grouping.
    - spin weights (H→ττ): the columns ``w_a``, ``w_b`` (W(0), W(α_B); soft targets with
      ``TrainConfig(targets="spin_weights")``) or W(α) per batch from ``h_minus``, ``h_plus``
      (:func:`hepconditioning.training.spin_weight_batches`); both reach the loss through
      :func:`hepconditioning.training.soft_targets`. ``htautau.as_labelled`` writes the
      equivalent labelled sample for tools without soft targets.

    Example:
        >>> ev = Events(np.zeros((4, 2)), mass=[500, 500, 750, 750], labels=[1, 0, 1, 0],
        ...             feature_names=["a", "b"])
        >>> len(ev), ev.mass_points.tolist()
        (4, [500.0, 750.0])
    """

    __slots__ = ("_columns", "condition", "feature_names", "labels", "process", "weights", "x")

    def __init__(
        self,
        x: Any,
        condition: Any = None,
        labels: Any = None,
        weights: Any = None,
        *,
        feature_names: Sequence[str],
        process: Any = None,
        columns: Mapping[str, Any] | None = None,
        mass: Any = None,
    ) -> None:
        if mass is not None:
            if condition is not None:
                raise TypeError("Events() takes the condition once: condition= or its HEPMASS name mass=, not both")
            condition = mass
        if condition is None or labels is None:
            raise TypeError("Events() needs the condition values (condition= or mass=) and the labels")
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2:
            raise ValueError(f"x must be 2-dimensional (N events, F features), got shape {x.shape}")
        n, f = x.shape
        names = tuple(str(name) for name in feature_names)
        if len(names) != f:
            raise ValueError(f"feature_names has {len(names)} names but x has {f} columns")
        if len(set(names)) != len(names):
            dup = sorted({nm for nm in names if names.count(nm) > 1})
            raise ValueError(f"feature_names must be unique, repeated: {dup}")
        _check_finite_rows(x, names)
        self.x = x
        self.feature_names = names
        self.condition = _as_1d("mass", condition, n, np.float32)
        self.labels = _as_1d("labels", labels, n, np.float32)
        self.weights = _as_1d("weights", 1.0 if weights is None else weights, n, np.float32)
        self.process = _as_1d("process", 0 if process is None else process_ids(process), n, np.int32)
        for name in ("mass", "labels", "weights"):  # mass: the condition's HEPMASS name
            _check_finite(name, getattr(self, name))
        if not np.isin(self.labels, (0.0, 1.0)).all():
            bad = np.unique(self.labels[~np.isin(self.labels, (0.0, 1.0))])[:5]
            raise ValueError(f"labels must be 0 (background) or 1 (signal), got values {bad.tolist()}")
        self._columns: dict[str, np.ndarray] = {}
        for key, value in (columns or {}).items():
            arr = np.asarray(value)
            if arr.ndim == 0 or arr.shape[0] != n:
                raise ValueError(f"column {key!r} must have first dimension {n}, got shape {arr.shape}")
            _check_finite(key, arr)
            self._columns[str(key)] = arr

    # -- basic protocol -------------------------------------------------------------------
    def __len__(self) -> int:
        return self.x.shape[0]

    @property
    def mass(self) -> np.ndarray:
        """The condition under its HEPMASS name (the same array as :attr:`condition`)."""
        return self.condition

    @mass.setter
    def mass(self, values: np.ndarray) -> None:
        self.condition = values

    def __repr__(self) -> str:
        n_sig = int(self.labels.sum())
        extra = f", columns={list(self._columns)}" if self._columns else ""
        return (
            f"<Events n={len(self)} features={len(self.feature_names)} signal={n_sig} "
            f"background={len(self) - n_sig} mass_points={self.mass_points.tolist()}{extra}>"
        )

    @property
    def n_features(self) -> int:
        """Number of feature columns of ``x``."""
        return self.x.shape[1]

    @property
    def columns(self) -> Mapping[str, np.ndarray]:
        """Extra per-event columns (read-only mapping)."""
        return dict(self._columns)

    def column(self, name: str) -> np.ndarray:
        """One named per-event array: a feature, a core array or an extra column."""
        if name in self._columns:
            return self._columns[name]
        if name in ("mass", "labels", "weights", "process"):
            return getattr(self, name)
        if name in self.feature_names:
            return self.x[:, self.feature_names.index(name)]
        raise MissingColumnError(
            name, [*self.feature_names, "mass", "labels", "weights", "process", *self._columns],
            where="Events",
        )

    @property
    def condition_points(self) -> np.ndarray:
        """Sorted distinct condition values of the signal (its mass points in GeV for HEPMASS)."""
        return np.unique(self.condition[self.labels == 1])

    @property
    def mass_points(self) -> np.ndarray:
        """:attr:`condition_points` under the HEPMASS name."""
        return self.condition_points

    @property
    def signal(self) -> Events:
        """The events with label 1."""
        return self[self.labels == 1]

    @property
    def background(self) -> Events:
        """The events with label 0."""
        return self[self.labels == 0]

    # -- selection and combination --------------------------------------------------------
    def __getitem__(self, index: Any) -> Events:
        """Boolean mask, integer index array or slice → a new ``Events``."""
        if isinstance(index, (int, np.integer)):
            index = slice(int(index), int(index) + 1 or None)
        if not isinstance(index, slice):
            index = np.asarray(index)
            if index.dtype == bool and index.shape != (len(self),):
                raise IndexError(f"boolean mask has shape {index.shape}, expected ({len(self)},)")
        return self._replaced(
            x=self.x[index], mass=self.mass[index], labels=self.labels[index],
            weights=self.weights[index], process=self.process[index],
            columns={k: v[index] for k, v in self._columns.items()},
        )

    def replace(self, **changes: Any) -> Events:
        """A copy with some arrays replaced, e.g. ``events.replace(condition=new_values)`` (or
        ``mass=``, its HEPMASS name).

        ``columns`` given here are merged into the existing ones.
        """
        if "condition" in changes:
            if "mass" in changes:
                raise TypeError("replace() takes the condition once: condition= or mass=, not both")
            changes["mass"] = changes.pop("condition")
        allowed = {"x", "condition", "mass", "labels", "weights", "process", "feature_names", "columns"}
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(f"replace() got unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        columns = {**self._columns, **changes.pop("columns", {})}
        fields = {
            "x": self.x, "mass": self.mass, "labels": self.labels, "weights": self.weights,
            "process": self.process, "feature_names": self.feature_names, **changes,
        }
        return Events(
            fields["x"], fields["mass"], fields["labels"], fields["weights"],
            feature_names=fields["feature_names"], process=fields["process"], columns=columns,
        )

    def _replaced(self, **arrays: Any) -> Events:
        # arrays are slices of already validated arrays: skip re-validation
        new = object.__new__(Events)
        new.feature_names = self.feature_names
        new._columns = arrays.pop("columns")
        for key, value in arrays.items():
            setattr(new, key, np.ascontiguousarray(value))
        return new

    @classmethod
    def concat(cls, parts: Sequence[Events]) -> Events:
        """Concatenate along events; all parts need the same features and columns."""
        parts = list(parts)
        if not parts:
            raise ValueError("Events.concat needs at least one Events")
        first = parts[0]
        for i, part in enumerate(parts[1:], start=1):
            if part.feature_names != first.feature_names:
                raise ValueError(
                    f"part {i} has features {part.feature_names[:5]}... but part 0 has "
                    f"{first.feature_names[:5]}...; select the same columns before concatenating"
                )
            if set(part._columns) != set(first._columns):
                raise ValueError(
                    f"part {i} has columns {sorted(part._columns)} but part 0 has {sorted(first._columns)}"
                )
        return first._replaced(
            x=np.concatenate([p.x for p in parts]),
            mass=np.concatenate([p.mass for p in parts]),
            labels=np.concatenate([p.labels for p in parts]),
            weights=np.concatenate([p.weights for p in parts]),
            process=np.concatenate([p.process for p in parts]),
            columns={k: np.concatenate([p._columns[k] for p in parts]) for k in first._columns},
        )

    def strata(self) -> np.ndarray:
        """Integer id per event of its (label, mass point or process) group.

        Signal is grouped by mass point, background by process; used for stratified splits
        and balanced sampling.
        """
        key_mass = np.where(self.labels == 1, self.mass, np.float32(-1.0))
        key_proc = np.where(self.labels == 1, -1, self.process)
        keys = np.stack([self.labels.astype(np.float64), key_mass.astype(np.float64),
                         key_proc.astype(np.float64)], axis=1)
        return np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1)

    def split(self, fraction: float, *, seed: int | np.random.Generator | None = 0,
              stratify: bool = True) -> tuple[Events, Events]:
        """Random split into ``(rest, part)`` with ``part`` holding ``fraction`` of the events.

        With ``stratify`` each (label, mass point / process) group is split in the same
        proportion, so a 25 % validation split keeps the original (im)balance.
        """
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"fraction must be in (0, 1), got {fraction}")
        rng = np.random.default_rng(seed)
        n = len(self)
        order = rng.permutation(n)
        if stratify:
            groups = self.strata()[order]
            # rank of each event inside its group, in the permuted order
            sort = np.argsort(groups, kind="stable")
            counts = np.bincount(groups)
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            rank = np.empty(n, dtype=np.int64)
            rank[sort] = np.arange(n) - np.repeat(starts, counts)
            take = rank < np.round(fraction * counts[groups])
        else:
            take = np.arange(n) < round(fraction * n)
        part = np.sort(order[take])
        rest = np.sort(order[~take])
        return self[rest], self[part]

    # -- conversion -----------------------------------------------------------------------
    def to_torch(self, device: str | torch.device | None = None) -> TorchEvents:
        """Torch tensors sharing memory with the arrays (copied only to move ``device``)."""
        import torch

        tensors = [torch.from_numpy(a) for a in (self.x, self.mass, self.labels, self.weights, self.process)]
        if device is not None:
            tensors = [t.to(device) for t in tensors]
        return TorchEvents(*tensors)

    def to_dict(self) -> dict[str, np.ndarray]:
        """Flat mapping of every per-event array (features by name), e.g. for writers."""
        out = {name: self.x[:, i] for i, name in enumerate(self.feature_names)}
        out.update(mass=self.mass, labels=self.labels, weights=self.weights, process=self.process)
        out.update(self._columns)
        return out
