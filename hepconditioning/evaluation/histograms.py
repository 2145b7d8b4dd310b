"""``hist`` histograms of classifier scores per evaluation mass and the cut curves s, b, AMS.

- :func:`score_histograms`: per evaluation mass, the weighted score distribution of signal
  and of background (``Weight`` storage: sum of weights and of squared weights per bin) —
  the class separation that ROOT users look at (written as ``TH1D`` with ``sumw2``).
- :func:`process_histograms`: the same per process (``events.process`` names), for stacks.
- :func:`cut_curves`: the cumulative s(t), b(t) (weight with ``score >= t`` for ``t`` the
  *lower edge* of each bin) and AMS(t) = s / √(s + b + b_reg) as histograms of the same
  binning, with propagated variances. They are the binned view of
  :func:`hepconditioning.metrics.ams_curve`; the exact best cut comes from the unbinned scan.

Flow bins: scores outside the range land in under/overflow; the cumulative histograms count
the overflow in every bin (it passes every cut) and hold the grand total in their underflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import hist
import numpy as np

from hepconditioning.evaluation.protocol import check_scores, mass_groups
from hepconditioning.events import Events
from hepconditioning.metrics import ams

PROCESS_PREFIX = "process_"
"""Name prefix of the per-process histograms in a results file."""

__all__ = ["PROCESS_PREFIX", "CutCurves", "ScoreHistograms", "cut_curves", "process_histograms", "score_axis",
           "score_histograms"]


class ScoreHistograms(NamedTuple):
    """Weighted score distributions of one evaluation mass (GeV)."""

    mass: float
    signal: hist.Hist
    background: hist.Hist


class CutCurves(NamedTuple):
    """Cumulative signal ``s``, background ``b`` passing ``score >= t`` and ``ams`` per bin."""

    mass: float
    s: hist.Hist
    b: hist.Hist
    ams: hist.Hist


def score_axis(*, bins: int = 50, range: tuple[float, float] = (0.0, 1.0)) -> hist.axis.Regular:
    """The regular score axis (``bins`` bins on ``range``, under/overflow on)."""
    if int(bins) < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    low, high = (float(v) for v in range)
    if not low < high:
        raise ValueError(f"range must be (low, high) with low < high, got {range!r}")
    return hist.axis.Regular(int(bins), low, high, name="score", label="classifier score")


def score_histograms(
    events: Events,
    scores: Any,
    *,
    bins: int = 50,
    range: tuple[float, float] | None = (0.0, 1.0),
    masses: Sequence[float] | None = None,
) -> list[ScoreHistograms]:
    """Signal and background score histograms per evaluation mass, increasing mass.

    Args:
        events: evaluation sample (:func:`hepconditioning.evaluation.evaluation_events`),
            grouped by its ``eval_mass`` column (``mass`` if absent); weights as stored.
        scores: ``(N,)`` classifier output for ``events``.
        bins, range: regular binning of the score (probabilities: the default 50 bins on
            [0, 1]); ``range=None`` spans the scores of the chosen masses (same for all).
        masses: a subset of the evaluation masses (GeV); default all.
    """
    groups = mass_groups(events, masses=masses)
    scores = check_scores(scores, len(events))
    if range is None:
        chosen = scores[np.logical_or.reduce(list(groups.values()))]
        low, high = float(chosen.min()), float(chosen.max())
        pad = 1e-3 * (high - low) if high > low else 0.5 * max(abs(low), 1e-3)
        range = (low - pad, high + pad)  # the maximum lands inside the last bin
    axis = score_axis(bins=bins, range=range)
    out = []
    for mass, mask in groups.items():
        filled = []
        for name, label in (("signal", 1), ("background", 0)):
            selected = mask & (events.labels == label)
            h = hist.Hist(axis, storage=hist.storage.Weight(), name=name,
                          label=f"{name} at m = {mass:g} GeV")
            h.title = f"{name} score, m = {mass:g} GeV"  # becomes the ROOT fTitle
            h.fill(score=scores[selected], weight=events.weights[selected])
            h.metadata = {"entries": int(np.count_nonzero(selected))}  # fills: ROOT's fEntries
            filled.append(h)
        out.append(ScoreHistograms(mass, *filled))
    return out


def process_histograms(events: Events, scores: Any, processes: Sequence[str], *, bins: int = 50,
                       range: tuple[float, float] = (0.0, 1.0),
                       masses: Sequence[float] | None = None) -> dict[float, dict[str, hist.Hist]]:
    """Per evaluation mass, one weighted score histogram per background process
    (``events.process`` indexes ``processes``): ``{mass: {"process_<name>": Hist}}``; stacked
    under the ``signal`` histogram of the mass by ``hepconditioning plot``."""
    groups = mass_groups(events, masses=masses)
    scores = check_scores(scores, len(events))
    axis = score_axis(bins=bins, range=range)
    out: dict[float, dict[str, hist.Hist]] = {}
    for mass, mask in groups.items():
        out[mass] = {}
        for index, name in enumerate(processes):
            selected = mask & (events.process == index) & (events.labels == 0)
            if not selected.any():
                continue
            h = hist.Hist(axis, storage=hist.storage.Weight(), name=name, label=name)
            h.title = f"{name} score, m = {mass:g}"
            h.fill(score=scores[selected], weight=events.weights[selected])
            h.metadata = {"entries": int(np.count_nonzero(selected))}
            out[mass][f"{PROCESS_PREFIX}{name}"] = h
    return out


def _cumulative(h: hist.Hist, name: str, title: str) -> hist.Hist:
    view = h.view(flow=True)
    out = hist.Hist(h.axes[0], storage=hist.storage.Weight(), name=name, label=title)
    out.title = title
    if "metadata" in vars(h):
        out.metadata = h.metadata  # the events behind it
    target = out.view(flow=True)
    for field in ("value", "variance"):
        inner = view[field][1:]  # bins and overflow
        tail = np.cumsum(inner[::-1])[::-1]  # sum over bins j >= i, overflow included
        target[field][1:-1] = tail[:-1]
        target[field][-1] = inner[-1]
        target[field][0] = view[field].sum()
    return out


def cut_curves(histograms: ScoreHistograms, *, b_reg: float = 0.0) -> CutCurves:
    """s(t), b(t) and AMS(t) histograms from one mass's score histograms.

    Bin ``i`` holds the value at ``t`` = its lower edge. AMS variance by linear propagation,
    σ²_AMS = (∂AMS/∂s)² σ²_s + (∂AMS/∂b)² σ²_b with ∂AMS/∂s = (s + 2b) / (2 (s + b)^{3/2}) and
    ∂AMS/∂b = −s / (2 (s + b)^{3/2}) (``b`` including ``b_reg``); 0 where s + b ≤ 0.
    """
    where = f"m = {histograms.mass:g} GeV"
    s = _cumulative(histograms.signal, "s", f"signal weight with score >= t, {where}")
    b = _cumulative(histograms.background, "b", f"background weight with score >= t, {where}")
    label = f"AMS(t) = s / sqrt(s + b{f' + {b_reg:g}' if b_reg else ''}), {where}"
    out = hist.Hist(s.axes[0], storage=hist.storage.Weight(), name="ams", label=label)
    out.title = label
    if "metadata" in vars(s) and "metadata" in vars(b):
        out.metadata = {"entries": s.metadata["entries"] + b.metadata["entries"]}
    vs, vb = s.view(flow=True), b.view(flow=True)
    s_val, b_val = vs["value"], vb["value"] + float(b_reg)
    total = s_val + b_val
    positive = total > 0
    denominator = 2.0 * np.where(positive, total, 1.0) ** 1.5
    d_s = np.where(positive, (s_val + 2.0 * b_val) / denominator, 0.0)
    d_b = np.where(positive, -s_val / denominator, 0.0)
    target = out.view(flow=True)
    target["value"] = ams(vs["value"], vb["value"], b_reg=b_reg)
    target["variance"] = d_s**2 * vs["variance"] + d_b**2 * vb["variance"]
    return CutCurves(histograms.mass, s, b, out)
