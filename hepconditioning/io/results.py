"""The evaluation results as one ROOT file: per-event scores, per-mass histograms, best cuts.

Layout of the file written by :func:`write_results` (opens in ROOT 6 and uproot), for models
``AffinePNN`` and ``pNN`` scored on the same evaluation events::

    results.root
    ├── scores            TTree, one entry per evaluated event:
    │                       score_AffinePNN, score_pNN (float32/64; a single unnamed model:
    │                       ``score``), label (int32, 1 = signal), mass (float32, GeV: the mass
    │                       feature the event was scored with), weight (float32, evaluation
    │                       weight), eval_mass (float32, GeV), process (int32)
    ├── AffinePNN/        one directory per model (a single unnamed model: the file's top):
    │   ├── best_cuts     TTree, one entry per evaluation mass (float64 unless noted):
    │   │                   mass (GeV), auc, pr_auc, sigma_ratio, threshold (t* = argmax AMS),
    │   │                   ams, s, b (weights passing t*), n_signal, n_background (int64)
    │   └── mass_<m>/     one directory per evaluation mass, ``<m>`` as ``%g`` with '.' → 'p'
    │       │             (``mass_500``, ``mass_612p5``); every histogram a TH1D with sumw2:
    │       ├── signal, background   weighted score distributions
    │       ├── s, b                 weight passing ``score >= t``, ``t`` = lower bin edge
    │       └── ams                  AMS(t) = s / √(s + b), variances propagated
    └── pNN/ …

In ROOT: ``TFile f("results.root"); f.Get<TH1D>("AffinePNN/mass_500/signal")->Draw();
scores->Draw("score_AffinePNN", "weight * (label == 1 && eval_mass == 500)")``.
:func:`read_results` reads the file back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import uproot

from hepconditioning.evaluation import EVAL_MASS, EvaluationTable, check_scores, evaluate_scores
from hepconditioning.events import Events
from hepconditioning.histograms import ScoreHistograms, cut_curves, score_histograms
from hepconditioning.io.atomic import check_output_path
from hepconditioning.io.root import write_root

__all__ = ["Results", "mass_directory", "read_results", "write_results"]

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHARED = ("label", "mass", "weight", "eval_mass", "process")


class Results(NamedTuple):
    """What :func:`read_results` reads: the evaluation events (no features: ``x`` is
    ``(N, 0)``; ``mass`` is the evaluation mass), scores, tables and histograms per model
    (key ``""`` for a single unnamed model)."""

    events: Events
    scores: dict[str, np.ndarray]
    tables: dict[str, EvaluationTable]
    histograms: dict[str, list[ScoreHistograms]]


def mass_directory(mass: float) -> str:
    """Directory name of one evaluation mass: ``mass_500``, ``mass_612p5``."""
    return "mass_" + f"{float(mass):g}".replace(".", "p").replace("-", "m")


def _by_model(scores: Any, tables: Any, n: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if isinstance(scores, Mapping):
        if not scores:
            raise ValueError("scores is an empty mapping; give {model_name: (N,) scores}")
        bad = [label for label in scores if not isinstance(label, str) or not _LABEL.match(label)]
        if bad:
            raise ValueError(f"model names {bad} cannot name ROOT branches and directories; use letters, "
                             "digits and '_' (not starting with a digit)")
        if tables is not None and not isinstance(tables, Mapping):
            raise TypeError("scores is a mapping by model, so tables must be one too ({model_name: EvaluationTable})")
        tables = dict(tables or {})
        unknown = sorted(set(tables) - set(scores))
        if unknown:
            raise ValueError(f"tables given for models {unknown} without scores; models: {sorted(scores)}")
    else:
        if tables is not None and not isinstance(tables, EvaluationTable):
            raise TypeError(f"tables must be an EvaluationTable for one array of scores, got {type(tables).__name__}")
        scores, tables = {"": scores}, ({} if tables is None else {"": tables})
    for label, table in tables.items():
        if not isinstance(table, EvaluationTable):
            raise TypeError(f"tables[{label!r}] must be an EvaluationTable, got {type(table).__name__}")
    where = {label: f"scores[{label!r}]" if label else "scores" for label in scores}
    return {label: check_scores(values, n, where=where[label]) for label, values in scores.items()}, tables


def write_results(
    path: str | os.PathLike[str],
    events: Events,
    scores: Any,
    *,
    tables: EvaluationTable | Mapping[str, EvaluationTable] | None = None,
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
        scores: ``(N,)`` classifier output for ``events`` (probabilities for the default
            range), or ``{model_name: (N,) scores}`` for several models.
        tables: per-mass metrics for ``best_cuts`` and the masses to write (an
            ``EvaluationTable``, or a mapping by model name like ``scores``); computed with
            :func:`hepconditioning.evaluation.evaluate_scores` (exact best-cut scan) where missing.
        bins, range: binning of the score histograms.
        compression: as in :func:`hepconditioning.io.write_root`.

    Returns:
        the path written.
    """
    path = check_output_path(path)
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    scores, tables = _by_model(scores, tables, len(events))
    eval_mass = events.column(EVAL_MASS) if EVAL_MASS in events.columns else events.mass
    tree = {
        "label": events.labels.astype(np.int32), "mass": events.mass, "weight": events.weights,
        "eval_mass": np.asarray(eval_mass, dtype=np.float32), "process": events.process,
    }
    trees: dict[str, Any] = {}
    titles: dict[str, str] = {}
    histograms: dict[str, Any] = {}
    for label, values in scores.items():
        prefix = f"{label}/" if label else ""
        tree[f"score_{label}" if label else "score"] = values if values.dtype.kind == "f" else values.astype(np.float64)
        table = tables[label] if label in tables else evaluate_scores(events, values)
        trees[f"{prefix}best_cuts"] = {name: np.asarray(column) for name, column in table.to_dict().items()}
        titles[f"{prefix}best_cuts"] = f"{label or 'model'} per evaluation mass: best cut t* = argmax AMS(t), AUC, sigma_ratio"
        for histogram in score_histograms(events, values, bins=bins, range=range, masses=table.mass):
            directory = prefix + mass_directory(histogram.mass)
            curves = cut_curves(histogram)
            for name, h in (("signal", histogram.signal), ("background", histogram.background),
                            ("s", curves.s), ("b", curves.b), ("ams", curves.ams)):
                histograms[f"{directory}/{name}"] = h
    trees = {"scores": tree, **trees}
    titles["scores"] = "per-event classifier scores (weight: evaluation weight, eval_mass in GeV)"
    return write_root(path, trees=trees, histograms=histograms, titles=titles, compression=compression)


def read_results(path: str | os.PathLike[str]) -> Results:
    """Read a file written by :func:`write_results` (scores, tables, histograms per model)."""
    with uproot.open(path) as file:
        if "scores" not in file:
            raise ValueError(f"{str(path)!r} has no 'scores' tree; was it written by write_results?")
        arrays = file["scores"].arrays(library="np")
        labels = [name[len("score_"):] for name in arrays if name.startswith("score_")]
        labels = labels or ([""] if "score" in arrays else [])
        missing = [name for name in _SHARED if name not in arrays]
        if not labels or missing:
            raise ValueError(f"the 'scores' tree of {str(path)!r} lacks branches {missing or ['score_*']}")
        events = Events(np.zeros((len(arrays["label"]), 0), np.float32), arrays["mass"],
                        arrays["label"].astype(np.float32), arrays["weight"], feature_names=[],
                        process=arrays["process"], columns={EVAL_MASS: arrays["eval_mass"]})
        scores, tables, histograms = {}, {}, {}
        for label in labels:
            prefix = f"{label}/" if label else ""
            scores[label] = arrays[f"score_{label}" if label else "score"]
            best = file[f"{prefix}best_cuts"].arrays(library="np")
            tables[label] = EvaluationTable(**best)
            histograms[label] = [
                ScoreHistograms(float(mass), *(file[f"{prefix}{mass_directory(mass)}/{name}"].to_hist()
                                               for name in ("signal", "background")))
                for mass in tables[label].mass
            ]
    return Results(events, scores, tables, histograms)
