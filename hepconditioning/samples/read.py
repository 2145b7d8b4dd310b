"""Samples → one :class:`~hepconditioning.events.Events` with physical weights.

Each sample is read with :func:`~hepconditioning.io.read_root` (its tree, the recipe's
features, its cut). With a ``cross_section`` σ (pb) and the card's luminosity L (fb⁻¹) the
event weights become ``w · σ · L · 1000 / Σw`` — expected events — where Σw is the sum of the
generator weights of the whole sample before any cut (``sum_weights``); negative weights are
kept. ``process`` holds the index of the sample's process in :attr:`SampleSet.processes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from hepconditioning.errors import ConfigError
from hepconditioning.events import Events
from hepconditioning.io.root import RootSpec, read_root
from hepconditioning.io.root.sums import histogram_bin, tree_sum
from hepconditioning.samples.card import Sample
from hepconditioning.samples.recipe import FeatureRecipe

__all__ = ["SampleSet", "normalization", "read_samples"]


class SampleSet(NamedTuple):
    """The events of all samples and the process names (``events.process`` indexes them)."""

    events: Events
    processes: tuple[str, ...]


def normalization(sample: Sample, luminosity: float | None) -> float:
    """``σ · L · 1000 / Σw`` of ``sample`` (1 without a cross section)."""
    if sample.cross_section is None:
        return 1.0
    if luminosity is None:
        raise ConfigError(f"sample {sample.name!r} has a cross_section: give [data] luminosity = ... (fb⁻¹)")
    source = sample.sum_weights
    if source is None:
        raise ConfigError(f"sample {sample.name!r} has a cross_section: give sum_weights (the sum of the "
                          "generator weights before cuts: an expression, {tree, expr}, {histogram, bin} or a number)")
    if source.value is not None:
        total = source.value
    elif source.histogram is not None:
        total = histogram_bin(sample.files, source.histogram, source.bin)
    else:
        total = tree_sum(sample.files, source.tree or sample.tree, str(source.expr))
    if not total > 0:
        raise ConfigError(f"sample {sample.name!r}: the sum of generator weights is {total:g}; it must be "
                          "positive (check sum_weights)")
    return sample.cross_section * luminosity * 1000.0 / total


def read_samples(samples: Sequence[Sample], recipe: FeatureRecipe, *, luminosity: float | None = None) -> SampleSet:
    """Read every sample (see the module docstring)."""
    processes = tuple(dict.fromkeys(s.process for s in samples))
    parts = []
    for sample in samples:
        spec = RootSpec(sample.tree, recipe.features, label=sample.label,
                        mass=0.0 if sample.condition is None else sample.condition, weight=sample.weight,
                        process=processes.index(sample.process), cut=sample.cut)
        events = read_root(sample.files, spec)
        factor = normalization(sample, luminosity)
        parts.append(events.replace(weights=events.weights.astype(np.float64) * factor,
                                    feature_names=recipe.names))
    return SampleSet(Events.concat(parts), processes)
