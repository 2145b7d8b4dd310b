"""Evaluation at any hypothesis inside the trained range, with or without generated signal.

A conditioned network scores background at any value of the condition, so a search can set
limits between the generated points. :func:`hypothesis_table` reports at every hypothesis h:

- the cut t_ε keeping a fraction ε of the signal (ε = 50, 80, 90 % by default): at a generated
  point, the weighted quantile of that signal's scores at h; between two generated points, t_ε
  interpolated linearly in h between the cuts of the neighbouring points (each at its own
  hypothesis) — the usual interpolation of a selection between simulated mass points;
- the background passing t_ε: its efficiency and its yield, in total and per process (with
  physical weights, ``[data] luminosity``: expected events);
- where signal exists: the ROC AUC and the signal yield at t_ε.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hepconditioning.errors import EmptyInputError
from hepconditioning.events import Events
from hepconditioning.metrics import roc_auc

__all__ = ["EFFICIENCIES", "HypothesisTable", "as_markdown", "hypothesis_table", "midpoints"]

EFFICIENCIES = (0.5, 0.8, 0.9)


@dataclass
class HypothesisTable:
    """Columns per hypothesis (see the module docstring); ``efficiencies`` the signal
    efficiencies ε; ``processes`` the background process names of ``process_yields``."""

    hypothesis: np.ndarray
    has_signal: np.ndarray
    auc: np.ndarray
    efficiencies: tuple[float, ...]
    threshold: np.ndarray  # (H, E)
    background_efficiency: np.ndarray  # (H, E)
    background: np.ndarray  # (H, E) yields
    signal: np.ndarray  # (H, E) yields (NaN without signal)
    processes: tuple[str, ...] = ()
    process_yields: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))  # (H, E, P)

    def to_dict(self) -> dict[str, np.ndarray]:
        """Flat columns (one per ε and process), for a TTree or JSON."""
        out: dict[str, np.ndarray] = {"hypothesis": self.hypothesis, "has_signal": self.has_signal.astype(np.int32),
                                      "auc": self.auc}
        for j, eps in enumerate(self.efficiencies):
            tag = f"{round(100 * eps)}"
            out[f"threshold_{tag}"] = self.threshold[:, j]
            out[f"bkg_eff_{tag}"] = self.background_efficiency[:, j]
            out[f"b_{tag}"] = self.background[:, j]
            out[f"s_{tag}"] = self.signal[:, j]
            for k, name in enumerate(self.processes):
                out[f"b_{tag}_{name}"] = self.process_yields[:, j, k]
        return out

    def to_markdown(self) -> str:
        """The table as markdown: one row per hypothesis (signal, AUC, background efficiency at each signal efficiency)."""
        head = ["hypothesis", "signal", "AUC [%]"] + [f"ε_b at ε_s = {round(100 * e)} % (b)" for e in self.efficiencies]
        rows = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
        for i, h in enumerate(self.hypothesis):
            auc = f"{100 * self.auc[i]:.2f}" if np.isfinite(self.auc[i]) else "—"
            cells = [f"{h:g}", "yes" if self.has_signal[i] else "no", auc]
            cells += [f"{self.background_efficiency[i, j]:.4f} ({self.background[i, j]:.4g})"
                      for j in range(len(self.efficiencies))]
            rows.append("| " + " | ".join(cells) + " |")
        lines = ["\n".join(rows)]
        if self.processes:
            eps = self.efficiencies[-1]
            lines.append(f"\nbackground yield per process at ε_s = {round(100 * eps)} %:\n")
            lines.append("| hypothesis | " + " | ".join(self.processes) + " |")
            lines.append("|" + "---:|" * (len(self.processes) + 1))
            for i, h in enumerate(self.hypothesis):
                lines.append(f"| {h:g} | " + " | ".join(f"{v:.4g}" for v in self.process_yields[i, -1]) + " |")
        return "\n".join(lines) + "\n"


def _cut(scores: np.ndarray, weights: np.ndarray, efficiency: float) -> float:
    """The highest t with Σ w[scores >= t] >= ε Σ w (weighted quantile from the top)."""
    order = np.argsort(-scores, kind="stable")
    cumulative = np.cumsum(weights[order], dtype=np.float64)
    reached = cumulative >= efficiency * cumulative[-1]  # negative weights: not monotonic
    index = int(np.argmax(reached)) if reached.any() else len(order) - 1
    return float(scores[order][index])


def hypothesis_table(test: Events, score: Callable[[Events], np.ndarray], hypotheses: Sequence[float], *,
                     efficiencies: Sequence[float] = EFFICIENCIES, processes: Sequence[str] = (),
                     tolerance: float = 0.5) -> HypothesisTable:
    """Evaluate at ``hypotheses`` (see the module docstring).

    Args:
        test: labelled test events with their weights (physical or not); the signal's ``mass``
            is its generated point.
        score: ``score(events) -> (n,)`` probabilities at ``events.mass`` (e.g. ``lambda ev:
            predict(model, ev)``).
        hypotheses: values of the condition; one without signal must lie between two
            generated points.
        efficiencies: signal efficiencies ε of the cuts.
        processes: names of ``test.process`` (the per-process background yields).
    """
    background, signal = test.background, test.signal
    if len(background) == 0 or len(signal) == 0:
        raise EmptyInputError("hypothesis_table needs signal and background test events")
    points = signal.mass_points.astype(np.float64)
    present = [k for k in range(len(processes)) if (background.process == k).any()]
    processes = [processes[k] for k in present]
    eps = tuple(float(e) for e in efficiencies)
    cuts: dict[float, list[float]] = {}
    for point in points:
        sig = signal[np.abs(signal.mass - point) <= tolerance]
        values = score(sig.replace(mass=np.float32(point)))
        cuts[float(point)] = [_cut(values, sig.weights.astype(np.float64), e) for e in eps]
    hyps = np.asarray(sorted(float(h) for h in hypotheses), dtype=np.float64)
    outside = hyps[(hyps < points[0] - tolerance) | (hyps > points[-1] + tolerance)]
    if outside.size:
        raise ValueError(f"hypotheses {outside.tolist()} lie outside the generated signal points "
                         f"{points[0]:g} … {points[-1]:g}: no cut can be interpolated there")
    n_h, n_e, n_p = len(hyps), len(eps), len(processes)
    table = HypothesisTable(hyps, np.zeros(n_h, bool), np.full(n_h, np.nan), eps, np.zeros((n_h, n_e)),
                            np.zeros((n_h, n_e)), np.zeros((n_h, n_e)), np.full((n_h, n_e), np.nan),
                            tuple(processes), np.zeros((n_h, n_e, n_p)))
    w_b = background.weights.astype(np.float64)
    total_b = float(w_b.sum())
    for i, h in enumerate(hyps):
        scores_b = score(background.replace(mass=np.float32(h)))
        near = np.abs(points - h) <= tolerance
        if near.any():
            point = float(points[near][0])
            sig = signal[np.abs(signal.mass - point) <= tolerance]
            scores_s = score(sig.replace(mass=np.float32(h)))
            w_s = sig.weights.astype(np.float64)
            table.has_signal[i] = True
            labels = np.concatenate([np.ones(len(sig)), np.zeros(len(background))])
            table.auc[i] = roc_auc(labels, np.concatenate([scores_s, scores_b]), np.concatenate([w_s, w_b]))
            thresholds = [_cut(scores_s, w_s, e) for e in eps]
        else:
            low, high = points[points < h].max(), points[points > h].min()
            f = (h - low) / (high - low)
            thresholds = [(1 - f) * a + f * b for a, b in zip(cuts[float(low)], cuts[float(high)], strict=True)]
        for j, t in enumerate(thresholds):
            passed = scores_b >= t
            table.threshold[i, j] = t
            table.background[i, j] = float(w_b[passed].sum())
            table.background_efficiency[i, j] = table.background[i, j] / total_b if total_b else np.nan
            if table.has_signal[i]:
                table.signal[i, j] = float(w_s[scores_s >= t].sum())
            for k, index in enumerate(present):
                table.process_yields[i, j, k] = float(w_b[passed & (background.process == index)].sum())
    return table


def midpoints(points: Sequence[float]) -> list[float]:
    """The generated points and the values halfway between neighbours (unseen hypotheses)."""
    values = sorted(float(p) for p in points)
    return sorted({*values, *((a + b) / 2 for a, b in itertools.pairwise(values))})


def as_markdown(tables: dict[str, Any]) -> str:
    """The hypothesis tables of several models as markdown, one section per model."""
    return "\n".join(f"## {label}: hypotheses\n\n{table.to_markdown()}" for label, table in tables.items())
