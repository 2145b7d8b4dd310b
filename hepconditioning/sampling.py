"""Background mass assignment and balanced mini-batches ([Anzalone22], arXiv:2202.00424, sec. 4).

A conditioned network needs a value of the physics parameter ``m`` for *background* events too.
:func:`background_mass` draws it from the set ``M`` of the *training signal's distinct* mass
values (or a pool given explicitly), either

- ``"identical"``: a point of ``M``, every point with the same probability, or
- ``"uniform"``: uniformly on ``[min M, max M]``;

and the training loop either draws once (``"fixed"``) or redraws every epoch (``"sampled"``,
:func:`background_mass` with ``epoch=``; no copy of the data set: only the ``(N,)`` mass array
changes). This is the scheme of the reference implementation of [Anzalone22]
(github.com/Luca96/affine-parametric-networks, ``script/hep/data.py``: background masses
``gen.choice(np.sort(signal[mA].unique()))``, redrawn for every batch): with signal points
left out of training (HEPMASS-IMB without 750/1000/1250 GeV) ``M = {500, 1500}`` and background
never carries a left-out mass. Redrawing per epoch is the same distribution as per batch
whenever a background event appears at most once per epoch (every balance mode here, as long
as the background share of the batches does not exceed the background's size): each time an
event is seen it carries a fresh, independent draw.

:class:`BalancedBatchSampler` yields index batches with an exact composition per batch:

==============  ===========================================================================
``none``        plain shuffle
``class``       half signal, half background
``signal``      natural signal share, split equally among the mass points
``background``  natural background share, split equally among the background processes
``full``        half signal split equally by mass point, half background split by process
==============  ===========================================================================

Every group cycles through its own shuffled order across epochs, so no event is discarded:
small groups are repeated, large ones are consumed over several epochs. Randomness derives
from ``(seed, epoch)`` only, so any epoch can be regenerated (``resume``) without saved state.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from hepconditioning.events import Events

__all__ = ["BALANCE_MODES", "BalancedBatchSampler", "assign_background_mass", "background_mass", "training_weights"]

BALANCE_MODES = ("none", "class", "signal", "background", "full")
DISTRIBUTIONS = ("identical", "uniform")


def background_mass(events: Events, *, distribution: str = "identical", seed: int = 0,
                    epoch: int = 0, mass_points: np.ndarray | None = None) -> np.ndarray:
    """Mass array ``(N,)`` (GeV): signal masses kept, background masses drawn.

    Args:
        events: labelled events; the distinct signal mass values define ``M``.
        distribution: ``"identical"`` (a point of ``M``, equal frequencies, whatever the
            signal's own frequencies) or ``"uniform"`` (``U[min M, max M]``).
        seed, epoch: the draw depends on ``(seed, epoch)`` only.
        mass_points: draw from this pool instead (each *entry* equally likely, so repeated
            values weigh more: pass the signal's mass column to follow its frequencies).
    """
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"unknown background mass distribution {distribution!r}; choose one of {DISTRIBUTIONS}")
    signal = events.labels == 1
    if mass_points is not None:
        pool = np.asarray(mass_points, dtype=np.float32).reshape(-1)
    else:
        pool = np.unique(events.mass[signal])
    if pool.size == 0:
        raise ValueError("cannot assign a background mass: the events hold no signal (no mass points)")
    rng = np.random.default_rng([seed, epoch, 0x6D])
    n_bkg = int(np.count_nonzero(~signal))
    if distribution == "identical":
        drawn = pool[rng.integers(0, pool.size, n_bkg)]
    else:
        drawn = rng.uniform(pool.min(), pool.max(), n_bkg).astype(np.float32)
    mass = events.mass.copy()
    mass[~signal] = drawn
    return mass


def assign_background_mass(events: Events, *, distribution: str = "identical", seed: int = 0,
                           mass_points: np.ndarray | None = None) -> Events:
    """Events whose background events carry a mass drawn by :func:`background_mass`.

    Example:
        >>> ev = Events(np.zeros((4, 1)), [500, 1000, 0, 0], [1, 1, 0, 0], feature_names=["a"])
        >>> bool(np.isin(assign_background_mass(ev, seed=1).mass, [500, 1000]).all())
        True
    """
    return events.replace(mass=background_mass(events, distribution=distribution, seed=seed,
                                               mass_points=mass_points))


def _groups(events: Events, mode: str) -> tuple[list[np.ndarray], list[float]]:
    """Index arrays of the groups and their share of a batch."""
    signal = np.flatnonzero(events.labels == 1)
    background = np.flatnonzero(events.labels == 0)
    n = len(events)
    by_mass = [signal[events.mass[signal] == m] for m in np.unique(events.mass[signal])]
    by_process = [background[events.process[background] == p] for p in np.unique(events.process[background])]
    if mode == "class":
        return [signal, background], [0.5, 0.5]
    if mode == "signal":
        share = signal.size / n
        return [*by_mass, background], [share / len(by_mass)] * len(by_mass) + [1 - share]
    if mode == "background":
        share = background.size / n
        return [signal, *by_process], [1 - share] + [share / len(by_process)] * len(by_process)
    return [*by_mass, *by_process], [0.5 / len(by_mass)] * len(by_mass) + [0.5 / len(by_process)] * len(by_process)


def training_weights(events: Events, mode: str) -> np.ndarray:
    """The loss weights of ``events`` under balance ``mode``: physical weight × the balancing.

    Each group of the mode (``class``: signal, background; ``signal``: each signal mass point and
    the background; ``background``: the signal and each background process; ``full``: both;
    ``none``: all events) has its weights divided by their mean, so that the batch composition,
    not the scale of the weights (σ·L/Σw spans orders of magnitude between processes), sets the
    balance; inside a group the relative weights (cross sections, negative NLO weights) are
    kept. Unit weights stay exactly 1. A group whose weights sum to zero or less is left as is.
    """
    w = events.weights.astype(np.float64)
    groups = [np.arange(len(events))] if mode == "none" else _groups(events, mode)[0]
    out = w.copy()
    for group in groups:
        total = w[group].sum()
        if group.size and total > 0:
            out[group] = w[group] * (group.size / total)
    return out.astype(np.float32)


def _quotas(shares: list[float], batch_size: int) -> np.ndarray:
    # largest-remainder rounding: exact sum, every non-empty group at least one event
    raw = np.asarray(shares) * batch_size
    quotas = np.maximum(np.floor(raw).astype(np.int64), 1)
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    for i in order[: max(batch_size - int(quotas.sum()), 0)]:
        quotas[i] += 1
    return quotas


class BalancedBatchSampler:
    """Index batches over ``events`` with an exact per-batch composition.

    Args:
        events: the training events (labels, mass, process are used).
        mode: one of ``"none"``, ``"class"``, ``"signal"``, ``"background"``, ``"full"``.
        batch_size: events per batch.
        seed: the batches of epoch ``e`` depend on ``(seed, e)`` only.
        batches_per_epoch: default ``ceil(N / batch_size)`` (an epoch shows N events).

    Iterating yields ``torch.int64`` index tensors of shape ``(batch_size,)`` (the last batch of
    ``"none"`` may be shorter); call :meth:`set_epoch` before each epoch. ``quotas`` holds the
    number of events each group contributes per batch.
    """

    def __init__(self, events: Events, *, mode: str = "none", batch_size: int = 1024, seed: int = 0,
                 batches_per_epoch: int | None = None) -> None:
        if mode not in BALANCE_MODES:
            raise ValueError(f"unknown balance mode {mode!r}; choose one of {BALANCE_MODES}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        n = len(events)
        if n == 0:
            raise ValueError("cannot sample batches from empty events")
        self.mode = mode
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.epoch = 0
        self.n_events = n
        self.batches_per_epoch = int(batches_per_epoch or -(-n // self.batch_size))
        if mode == "none":
            self.groups: list[np.ndarray] = [np.arange(n)]
            self.quotas = np.array([min(self.batch_size, n)])
            return
        groups, shares = _groups(events, mode)
        empty = [i for i, g in enumerate(groups) if g.size == 0]
        if empty:
            raise ValueError(f"balance mode {mode!r} needs signal and background events; one class is empty")
        if len(groups) > self.batch_size:
            raise ValueError(f"batch_size {batch_size} is smaller than the {len(groups)} groups of mode {mode!r}")
        self.groups = groups
        self.quotas = _quotas(shares, self.batch_size)

    def __len__(self) -> int:
        return self.batches_per_epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose batches the next iteration yields."""
        self.epoch = int(epoch)

    def state_dict(self) -> dict[str, int]:
        """The sampler's state (seed and epoch), to resume the same sequence of batches."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Restore the state written by :meth:`state_dict`."""
        self.seed, self.epoch = int(state["seed"]), int(state["epoch"])

    def _stream(self, group: int, start: int, count: int) -> np.ndarray:
        # positions [start, start + count) of the group's endless sequence of shuffled passes
        members = self.groups[group]
        first, last = start // members.size, (start + count - 1) // members.size
        passes = [members[np.random.default_rng([self.seed, group, cycle]).permutation(members.size)]
                  for cycle in range(first, last + 1)]
        offset = start - first * members.size
        return np.concatenate(passes)[offset:offset + count]

    def epoch_indices(self, epoch: int | None = None) -> np.ndarray:
        """All indices of an epoch, shape ``(batches_per_epoch, batch_size)`` (``none``: flat)."""
        epoch = self.epoch if epoch is None else int(epoch)
        nb = self.batches_per_epoch
        if self.mode == "none":
            return self._stream(0, epoch * self.n_events, self.n_events)
        columns = [self._stream(g, epoch * nb * int(q), nb * int(q)).reshape(nb, int(q))
                   for g, q in enumerate(self.quotas)]
        return np.concatenate(columns, axis=1)

    def __iter__(self) -> Iterator[torch.Tensor]:
        indices = torch.from_numpy(self.epoch_indices().astype(np.int64))
        if self.mode == "none":
            yield from torch.split(indices, self.batch_size)
        else:
            yield from indices.unbind(0)
