"""Mini-batches from preloaded tensors: index batches from the balanced sampler, gathered.

:class:`BatchSource` holds the whole training set as tensors (``Events.to_torch``, memory
shared with numpy), draws the background mass for each epoch (``"sampled"``) into one
``(N,)`` tensor — the features are never copied — and yields :class:`Batch` tuples gathered
with ``index_select``: O(batch) work per batch, no per-event Python. The tensors live on
``config.device`` (see :mod:`.device`): on a GPU the training set is copied there once and
only the epoch's batch indices are streamed, through pinned memory, once per epoch.

Any object with ``__len__`` (batches per epoch), ``set_epoch(epoch)`` and ``__iter__``
yielding :class:`Batch` can be passed to ``fit(batches=...)``, e.g. a source that draws a CP
angle per batch and computes soft targets from per-event spin weights. Its randomness must
derive from ``(seed, epoch)`` for ``resume`` to be exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, Protocol

import torch

from hepconditioning.events import Events
from hepconditioning.sampling import BalancedBatchSampler, background_mass, training_weights
from hepconditioning.training.config import TrainConfig
from hepconditioning.training.device import resolve_device, to_device
from hepconditioning.training.loss import soft_targets

__all__ = ["Batch", "BatchSource", "BatchSourceLike", "ParameterBatchSource", "event_targets"]


class Batch(NamedTuple):
    """One mini-batch: ``x (B, F)``, ``mass (B,)`` or ``(B, K)`` GeV, soft ``targets (B,)`` and
    effective ``weights (B,)`` (see :func:`hepconditioning.training.loss.soft_targets`)."""

    x: torch.Tensor
    mass: torch.Tensor
    targets: torch.Tensor
    weights: torch.Tensor


class BatchSourceLike(Protocol):
    def __len__(self) -> int: ...
    def set_epoch(self, epoch: int) -> None:
        """Prepare the batches of ``epoch`` (sampler order, per-epoch draws)."""
        ...
    def __iter__(self) -> Iterator[Batch]: ...


def event_targets(events: Events, targets: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-event ``(t, w')`` for ``targets = "labels"`` or ``"spin_weights"`` (columns w_a, w_b)."""
    tensors = events.to_torch()
    if targets == "spin_weights":
        a = torch.as_tensor(events.column("w_a"), dtype=torch.float32)
        b = torch.as_tensor(events.column("w_b"), dtype=torch.float32)
    else:
        a, b = tensors.labels, 1.0 - tensors.labels
    return soft_targets(a, b, tensors.weights)


class BatchSource:
    """Balanced mini-batches of ``events`` following ``config`` (balance, batch size, background
    mass distribution and sampling, targets, seed), preloaded on ``config.device``."""

    def __init__(self, events: Events, config: TrainConfig) -> None:
        self.events = events
        self.config = config
        self.device = resolve_device(config.device)
        self.sampler = BalancedBatchSampler(events, mode=config.balance, batch_size=config.batch_size,
                                            seed=config.seed)
        tensors = events.to_torch()
        self.x = to_device(tensors.x, self.device)
        weighted = events.replace(weights=training_weights(events, config.balance))  # physical × balancing
        self.targets, self.weights = (to_device(t, self.device) for t in event_targets(weighted, config.targets))
        self.mass = torch.empty_like(tensors.mass, device=self.device)
        self._mass_epoch: int | None = None
        self.set_epoch(0)

    def __len__(self) -> int:
        return len(self.sampler)

    def set_epoch(self, epoch: int) -> None:
        """Prepare the batches of ``epoch`` (sampler order and, when sampled per epoch, the background masses)."""
        self.sampler.set_epoch(epoch)
        draw = epoch if self.config.background_sampling == "sampled" else 0
        if draw != self._mass_epoch:
            mass = background_mass(self.events, distribution=self.config.background_mass,
                                   seed=self.config.seed, epoch=draw,
                                   mass_points=self.config.background_mass_points)
            self.mass.copy_(to_device(torch.from_numpy(mass), self.device))
            self._mass_epoch = draw

    def indices(self) -> Iterator[torch.Tensor]:
        """The epoch's index batches, on the device (one host→device copy per epoch)."""
        if self.device.type == "cpu":
            yield from self.sampler
            return
        flat = to_device(torch.from_numpy(self.sampler.epoch_indices().reshape(-1).astype("int64")), self.device)
        yield from torch.split(flat, self.sampler.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        for idx in self.indices():
            yield Batch(self.x.index_select(0, idx), self.mass.index_select(0, idx),
                        self.targets.index_select(0, idx), self.weights.index_select(0, idx))


class ParameterBatchSource:
    """Batches whose conditioning parameter is drawn per batch, with targets computed from it.

    For a network conditioned on e.g. a CP angle α: ``parameter(generator, n)`` draws the
    ``(n,)`` or ``(n, K)`` values for a batch of ``n`` events and ``targets(index, values)``
    returns the two-hypothesis weights ``(a, b)`` ``(n,)`` of those events (e.g. spin weights
    ``w(α)`` and ``w(α_B)``); every event contributes ``w·[a BCE(1) + b BCE(0)]``. The
    parameter is passed to the model in place of ``mass`` (scaled by the model's
    ``mass_scale``). Randomness comes from a generator seeded with ``(seed, epoch)``.
    Batch composition follows ``config.balance`` like :class:`BatchSource`; no background mass
    is drawn (the parameter replaces it), so the attributes can be set in any order.
    """

    def __init__(self, events: Events, config: TrainConfig, *,
                 parameter: Callable[[torch.Generator, int], torch.Tensor],
                 targets: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.events = events
        self.config = config
        self.sampler = BalancedBatchSampler(events, mode=config.balance, batch_size=config.batch_size,
                                            seed=config.seed)
        tensors = events.to_torch()
        self.x = tensors.x
        self.event_weights = tensors.weights
        self.parameter = parameter
        self.target_function = targets
        self.generator = torch.Generator()
        self.set_epoch(0)

    def __len__(self) -> int:
        return len(self.sampler)

    def set_epoch(self, epoch: int) -> None:
        """Prepare the batches of ``epoch`` (sampler order and the parameter draws, seeded by epoch)."""
        self.sampler.set_epoch(epoch)
        self.generator.manual_seed(self.config.seed * 1_000_003 + epoch)

    def __iter__(self) -> Iterator[Batch]:
        for idx in self.sampler:  # host tensors: fit() copies each batch to the device
            values = self.parameter(self.generator, idx.numel())
            a, b = self.target_function(idx, values)
            targets, weights = soft_targets(a, b, self.event_weights.index_select(0, idx))
            yield Batch(self.x.index_select(0, idx), values, targets, weights)
