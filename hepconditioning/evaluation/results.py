"""The evaluation results as one ROOT file: compute what is missing, then write and read it.

:func:`write_results` computes the per-mass tables (when not given), the score histograms and
the cut curves s, b, AMS, and hands them to the pure writer
:func:`hepconditioning.io.write_results_file`, which documents the file layout::

    results.root: scores (TTree), <model>/best_cuts (TTree), <model>/mass_<m>/{signal,
    background, s, b, ams} (TH1D with sumw2)

:func:`read_results` reads the file back as :class:`EvaluationTable` and
:class:`~hepconditioning.evaluation.histograms.ScoreHistograms` per model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from hepconditioning.evaluation.histograms import (
    PROCESS_PREFIX,
    ScoreHistograms,
    cut_curves,
    process_histograms,
    score_histograms,
)
from hepconditioning.evaluation.protocol import EvaluationTable, check_scores, evaluate_scores
from hepconditioning.events import Events
from hepconditioning.io.atomic import check_output_path
from hepconditioning.io.results import check_model_names, read_results_file, write_results_file
from hepconditioning.io.root.writer import DEFAULT_COMPRESSION

__all__ = ["Results", "read_results", "write_results"]


class Results(NamedTuple):
    """What :func:`read_results` reads: the evaluation events (no features: ``x`` is
    ``(N, 0)``; ``mass`` is the evaluation mass), scores, tables and histograms per model
    (key ``""`` for a single unnamed model)."""

    events: Events
    scores: dict[str, np.ndarray]
    tables: dict[str, EvaluationTable]
    histograms: dict[str, list[ScoreHistograms]]
    processes: dict[str, dict[float, dict[str, Any]]] = {}  # noqa: RUF012 (read-only default)


def _by_model(scores: Any, tables: Any, n: int) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    if isinstance(scores, Mapping):
        if not scores:
            raise ValueError("scores is an empty mapping; give {model_name: (N,) scores}")
        check_model_names(scores)
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
    compression: str | None = DEFAULT_COMPRESSION,
    processes: Sequence[str] | None = None,
    hypotheses: Mapping[str, Any] | None = None,
) -> Path:
    """Write per-event scores, per-mass score histograms, cut curves and best cuts.

    Args:
        path: output ``.root`` file; its directory must exist. Written to a temporary name
            and renamed, so an existing file is replaced only by a complete one.
        events: the evaluation sample (:func:`~hepconditioning.evaluation.evaluation_events`),
            grouped by its ``eval_mass`` column (``mass`` if absent).
        scores: ``(N,)`` classifier output for ``events`` (probabilities for the default
            range), or ``{model_name: (N,) scores}`` for several models.
        tables: per-mass metrics for ``best_cuts`` and the masses to write (an
            ``EvaluationTable``, or a mapping by model name like ``scores``); computed with
            :func:`~hepconditioning.evaluation.evaluate_scores` (exact best-cut scan) where missing.
        bins, range: binning of the score histograms.
        compression: as in :func:`hepconditioning.io.write_root`.
        processes: names of the process ids of ``events.process``: adds one histogram
            ``process_<name>`` per process and mass (the stacks of ``hepconditioning plot``).
        hypotheses: ``{model_name: HypothesisTable}`` written as the tree ``<model>/hypotheses``.

    Returns:
        the path written (layout: :mod:`hepconditioning.io.results`).
    """
    path = check_output_path(path)
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    scores, tables = _by_model(scores, tables, len(events))
    computed: dict[str, Any] = {}
    histograms: dict[str, dict[float, dict[str, Any]]] = {}
    for label, values in scores.items():
        table = tables[label] if label in tables else evaluate_scores(events, values)
        computed[label] = table
        histograms[label] = {}
        for histogram in score_histograms(events, values, bins=bins, range=range, masses=table.mass):
            curves = cut_curves(histogram)
            histograms[label][histogram.mass] = {
                "signal": histogram.signal, "background": histogram.background,
                "s": curves.s, "b": curves.b, "ams": curves.ams,
            }
        if processes:
            for mass, named in process_histograms(events, values, processes, bins=bins, range=range,
                                                  masses=table.mass).items():
                histograms[label][mass].update(named)
    extra = {f"{label}/hypotheses" if label else "hypotheses": table.to_dict()
             for label, table in (hypotheses or {}).items()}
    return write_results_file(path, events, scores, tables=computed, histograms=histograms,
                              compression=compression, extra_trees=extra)


def read_results(path: str | os.PathLike[str]) -> Results:
    """Read a file written by :func:`write_results` (scores, tables, histograms per model)."""
    stored = read_results_file(path)
    tables = {label: EvaluationTable(**columns) for label, columns in stored.tables.items()}
    histograms = {
        label: [ScoreHistograms(mass, named["signal"], named["background"]) for mass, named in per_mass.items()]
        for label, per_mass in stored.histograms.items()
    }
    processes = {label: {mass: {name[len(PROCESS_PREFIX):]: h for name, h in named.items()
                                if name.startswith(PROCESS_PREFIX)}
                         for mass, named in per_mass.items()}
                 for label, per_mass in stored.histograms.items()}
    return Results(stored.events, stored.scores, tables, histograms, processes)
