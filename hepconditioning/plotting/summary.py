"""Every figure of a run, written into a directory: from memory or from a ``results.root``.

Files (PNG; ``<model>`` omitted for a single unnamed model)::

    auc_vs_mass.png           ROC AUC vs mass, every model       [Anzalone22] Figs. 6–7
    sigma_ratio_vs_mass.png   σ_ratio vs mass, failure value 1/√2
    best_cut_vs_mass.png      best cut t* vs mass
    roc_<model>.png           ROC curve per evaluation mass
    scores_<model>.png        signal/background score distributions, one panel per mass
    history_<model>.png       training loss and validation AUC (when a history is given)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from hepconditioning.evaluation.histograms import ScoreHistograms, score_histograms
from hepconditioning.evaluation.protocol import EvaluationTable
from hepconditioning.evaluation.results import read_results
from hepconditioning.events import Events
from hepconditioning.io.outdir import atomic_directory
from hepconditioning.plotting.figures import (
    auc_vs_mass,
    best_cut_vs_mass,
    roc_per_mass,
    save_figure,
    score_distributions,
    sigma_ratio_vs_mass,
    training_history,
)
from hepconditioning.plotting.stacks import process_stack

__all__ = ["figures_from_results", "summary_figures"]


def _name(stem: str, label: str) -> str:
    return f"{stem}_{label}.png" if label else f"{stem}.png"


def _save(fig: Any, directory: Path, name: str, dpi: int) -> Path:
    return save_figure(fig, directory / name, dpi=dpi, close=True)


def _score_grid(histograms: list[ScoreHistograms], title: str) -> Any:
    ncols = min(len(histograms), 3)
    nrows = math.ceil(len(histograms) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.8 * ncols, 3.8 * nrows), layout="constrained",
                             squeeze=False)
    for ax, h in zip(axes.flat, histograms, strict=False):
        score_distributions(h, ax=ax)
    for ax in axes.flat[len(histograms):]:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig


def summary_figures(
    directory: str | os.PathLike[str],
    *,
    tables: EvaluationTable | Mapping[str, EvaluationTable],
    histories: Mapping[str, Any] | None = None,
    evaluation: Events | None = None,
    scores: Any = None,
    histograms: Mapping[str, list[ScoreHistograms]] | None = None,
    bins: int = 50,
    dpi: int = 120,
) -> list[Path]:
    """Draw the figures of a run (see the module) into the existing ``directory``.

    Args:
        tables: per-mass metrics by model name (or one table).
        histories: training histories by model name (``hepconditioning.training.History``).
        evaluation, scores: the evaluation sample and ``{model: (N,) scores}`` (or one array)
            for the ROC curves and, without ``histograms``, the score distributions.
        histograms: per-mass score histograms by model (e.g. read from a ``results.root``).
        bins: score bins when the histograms are filled here (each mass over its scores' range).

    Returns:
        the files written, in order.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise NotADirectoryError(f"figure directory {str(directory)!r} does not exist; create it first")
    named = {"": tables} if isinstance(tables, EvaluationTable) else dict(tables)
    if scores is not None and not isinstance(scores, Mapping):
        scores = {"": scores}
    scores = dict(scores or {})
    if scores and evaluation is None:
        raise ValueError("scores were given without the evaluation events they belong to (evaluation=...)")
    histograms = dict(histograms or {})
    histories = dict(histories or {})
    written = []
    for stem, draw in (("auc_vs_mass", auc_vs_mass), ("sigma_ratio_vs_mass", sigma_ratio_vs_mass),
                       ("best_cut_vs_mass", best_cut_vs_mass)):
        artists = draw(named)
        written.append(_save(artists.lines[0].figure, directory, f"{stem}.png", dpi))
    for label in named:
        title = label
        if label in scores:
            roc = roc_per_mass(evaluation, scores[label])
            roc.reference.axes.set_title(title)
            written.append(_save(roc.reference.figure, directory, _name("roc", label), dpi))
        per_mass = histograms.get(label)
        if per_mass is None and label in scores:
            per_mass = [score_histograms(evaluation, scores[label], bins=bins, range=None, masses=[mass])[0]
                        for mass in named[label].mass]  # each panel over its own score range
        if per_mass:
            written.append(_save(_score_grid(per_mass, title), directory, _name("scores", label), dpi))
        if label in histories:
            history = training_history(histories[label])
            history.loss.axes.set_title(title)
            written.append(_save(history.loss.figure, directory, _name("history", label), dpi))
    return written


def figures_from_results(
    results: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    dpi: int = 120,
) -> list[Path]:
    """Draw the figures of a ``results.root`` (:func:`hepconditioning.evaluation.write_results`)
    into the directory ``out``, built aside and renamed into place when complete.

    Returns:
        the files written (their final paths).
    """
    stored = read_results(results)
    # score distributions are refilled from the stored scores over their own range (the
    # stored histograms span a fixed range), with the stored number of bins
    bins = next((len(hs[0].signal.axes[0]) for hs in stored.histograms.values() if hs), 50)
    with atomic_directory(out, overwrite=overwrite) as tmp:
        written = summary_figures(tmp, tables=stored.tables, evaluation=stored.events, scores=stored.scores,
                                  bins=bins, dpi=dpi)
        for label, per_mass in stored.processes.items():  # results of [[samples]] runs
            signal = {h.mass: h.signal for h in stored.histograms.get(label, [])}
            for mass, backgrounds in per_mass.items():
                if backgrounds:
                    fig, ax = plt.subplots(figsize=(6, 4.5))
                    process_stack(backgrounds, signal.get(mass), ax=ax, title=f"{label or 'model'}: hypothesis {mass:g}")
                    name = f"stack_{label or 'model'}_{f'{mass:g}'.replace('.', 'p')}.png"
                    written.append(save_figure(fig, tmp / name, dpi=dpi, close=True))
    return [Path(out) / path.name for path in written]
