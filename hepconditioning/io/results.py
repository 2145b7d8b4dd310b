"""The evaluation results as one ROOT file: per-event scores, per-mass histograms, best cuts.

Layout of the file written by :func:`write_results` (opens in ROOT 6 and uproot)::

    results.root
    ├── scores        TTree, one entry per evaluated event:
    │                   score (float32/64), label (int32, 1 = signal), mass (float32, GeV: the
    │                   mass feature the event was scored with), weight (float32, evaluation
    │                   weight), eval_mass (float32, GeV), process (int32)
    ├── best_cuts     TTree, one entry per evaluation mass (float64 unless noted):
    │                   mass (GeV), threshold (t* = argmax AMS), ams, s, b (weights passing t*),
    │                   sigma_ratio, auc, pr_auc, n_signal, n_background (int64)
    └── mass_<m>/     one directory per evaluation mass, ``<m>`` as ``%g`` with '.' → 'p'
                      (``mass_500``, ``mass_612p5``); every histogram a TH1D with sumw2:
        ├── signal        weighted score distribution of the signal
        ├── background    weighted score distribution of the background
        ├── s, b          weight passing ``score >= t``, ``t`` = lower edge of each bin
        └── ams           AMS(t) = s / √(s + b), variances propagated

In ROOT: ``TFile f("results.root"); f.Get<TH1D>("mass_500/signal")->Draw();
scores->Draw("score", "weight * (label == 1 && eval_mass == 500)")``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from hepconditioning.evaluation import EVAL_MASS, EvaluationTable, check_scores, evaluate_scores
from hepconditioning.events import Events
from hepconditioning.histograms import cut_curves, score_histograms
from hepconditioning.io.atomic import check_output_path
from hepconditioning.io.root import write_root

__all__ = ["mass_directory", "write_results"]


def mass_directory(mass: float) -> str:
    """Directory name of one evaluation mass: ``mass_500``, ``mass_612p5``."""
    return "mass_" + f"{float(mass):g}".replace(".", "p").replace("-", "m")


def write_results(
    path: str | os.PathLike[str],
    events: Events,
    scores: Any,
    *,
    table: EvaluationTable | None = None,
    bins: int = 50,
    range: tuple[float, float] = (0.0, 1.0),
    compression: str | None = "lz4",
) -> Path:
    """Write per-event scores, per-mass score histograms, cut curves and best cuts (see module).

    Args:
        path: output ``.root`` file; its directory must exist. Written to a temporary name
            and renamed, so an existing file is replaced only by a complete one.
        events: the evaluation sample (:func:`hepconditioning.evaluation.evaluation_events`),
            grouped by its ``eval_mass`` column (``mass`` if absent).
        scores: ``(N,)`` classifier output for ``events`` (probabilities for the default range).
        table: per-mass metrics for ``best_cuts`` and the masses to write; default computed
            with :func:`hepconditioning.evaluation.evaluate_scores` (exact best-cut scan).
        bins, range: binning of the score histograms.
        compression: as in :func:`hepconditioning.io.write_root`.

    Returns:
        the path written.
    """
    path = check_output_path(path)
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    if table is not None and not isinstance(table, EvaluationTable):
        raise TypeError(f"table must be an EvaluationTable or None, got {type(table).__name__}")
    scores = check_scores(scores, len(events))
    table = evaluate_scores(events, scores) if table is None else table
    histograms: dict[str, Any] = {}
    for histogram in score_histograms(events, scores, bins=bins, range=range, masses=table.mass):
        directory = mass_directory(histogram.mass)
        curves = cut_curves(histogram)
        for name, h in (("signal", histogram.signal), ("background", histogram.background),
                        ("s", curves.s), ("b", curves.b), ("ams", curves.ams)):
            histograms[f"{directory}/{name}"] = h
    eval_mass = events.column(EVAL_MASS) if EVAL_MASS in events.columns else events.mass
    trees = {
        "scores": {
            "score": scores if scores.dtype in (np.float32, np.float64) else scores.astype(np.float64),
            "label": events.labels.astype(np.int32),
            "mass": events.mass,
            "weight": events.weights,
            "eval_mass": np.asarray(eval_mass, dtype=np.float32),
            "process": events.process,
        },
        "best_cuts": {name: np.asarray(values) for name, values in table.to_dict().items()},
    }
    titles = {
        "scores": "per-event classifier scores (weight: evaluation weight, eval_mass in GeV)",
        "best_cuts": "per evaluation mass: best cut t* = argmax AMS(t) by exact scan, AUC, sigma_ratio",
    }
    return write_root(path, trees=trees, histograms=histograms, titles=titles, compression=compression)
