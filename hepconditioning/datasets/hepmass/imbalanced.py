"""HEPMASS-IMB: the imbalanced training set of Anzalone et al. 2022 (arXiv:2202.00424).

Built from the HEPMASS *training* file only (the test file stays as it is): every background
event is kept, and of the signal a random subset of 350k (500 GeV), 140k (750), 35k (1000),
7k (1250) and 2k (1500) events — ~534k signal, ~13 % of the result, up to a 175× imbalance
between mass points. The real training file holds 700k signal events per mass point; smaller
inputs (generated files, the bundled sample) get the same counts times a scale factor
:func:`imbalanced_scale`, so the ratios between mass points are those of the paper.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hepconditioning.errors import EmptyInputError, UnknownMassPointError
from hepconditioning.events import Events

__all__ = ["HEPMASS_SIGNAL_PER_MASS", "IMB_COUNTS", "imbalanced_counts", "imbalanced_scale", "make_imbalanced"]

IMB_COUNTS: Mapping[float, int] = {500.0: 350_000, 750.0: 140_000, 1000.0: 35_000, 1250.0: 7_000, 1500.0: 2_000}
HEPMASS_SIGNAL_PER_MASS = 700_000  # signal events per mass point in the real training file


def _signal_per_mass(events: Events, counts: Mapping[float, int]) -> dict[float, int]:
    signal_mass = events.mass[events.labels == 1]
    if signal_mass.size == 0:
        raise EmptyInputError("the events hold no signal; HEPMASS-IMB subsamples signal from a HEPMASS training set")
    present, n_present = np.unique(signal_mass, return_counts=True)
    known = np.array(sorted(float(m) for m in counts))
    unknown = [float(m) for m in present if not np.isclose(known, m, rtol=0, atol=0.5).any()]
    if unknown:
        raise UnknownMassPointError(unknown, known.tolist(), where="the signal of the HEPMASS-IMB input")
    available = {float(m): 0 for m in counts}
    for m, k in zip(present, n_present, strict=True):
        available[float(known[np.argmin(np.abs(known - m))])] += int(k)
    return available


def imbalanced_scale(events: Events, *, counts: Mapping[float, int] = IMB_COUNTS) -> float:
    """Scale factor of the IMB counts for a training set smaller than the real one.

    s = min(1, min_m N_sig(m) / 700 000): the real file (700k signal per mass) gives 1, a file
    with 7k signal per mass gives 0.01 (3 500 / 1 400 / 350 / 70 / 20 signal events).
    """
    available = _signal_per_mass(events, counts)
    return min(1.0, min(available.values()) / HEPMASS_SIGNAL_PER_MASS)


def imbalanced_counts(scale: float, *, counts: Mapping[float, int] = IMB_COUNTS) -> dict[float, int]:
    """Signal events kept per mass point: round(scale × count)."""
    if not scale > 0:
        raise ValueError(f"scale must be > 0, got {scale!r}")
    return {float(m): round(scale * c) for m, c in counts.items()}


def make_imbalanced(
    events: Events,
    *,
    counts: Mapping[float, int] = IMB_COUNTS,
    scale: float | None = None,
    seed: int = 0,
) -> Events:
    """Build HEPMASS-IMB from a HEPMASS-layout training set (Anzalone et al. 2022, §4.1).

    Args:
        events: the training set; signal masses must be keys of ``counts`` (±0.5 GeV).
        counts: signal events to keep per mass point at scale 1 (default: the paper's).
        scale: factor on ``counts``; default :func:`imbalanced_scale` of ``events``.
        seed: seed of the random signal subset (same seed, same subset).

    Returns:
        ``Events`` with every background event and round(scale × count) signal events per
        mass point, in the input order.

    Raises:
        UnknownMassPointError: a signal mass that is not a key of ``counts``.
        ValueError: a mass point has fewer signal events than requested.
    """
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    available = _signal_per_mass(events, counts)
    if scale is None:
        scale = imbalanced_scale(events, counts=counts)
    wanted = imbalanced_counts(scale, counts=counts)
    short = {m: (wanted[m], available[m]) for m in wanted if wanted[m] > available[m]}
    if short:
        detail = ", ".join(f"{m:g} GeV needs {w} has {a}" for m, (w, a) in short.items())
        raise ValueError(f"not enough signal for HEPMASS-IMB at scale {scale:g} ({detail}); "
                         "pass a smaller scale or scale=None to derive it from the input")
    rng = np.random.default_rng(seed)
    keep = events.labels == 0
    is_signal = events.labels == 1
    for m, k in wanted.items():
        where = np.flatnonzero(is_signal & np.isclose(events.mass, m, rtol=0, atol=0.5))
        keep[rng.choice(where, size=k, replace=False)] = True
    return events[keep]
