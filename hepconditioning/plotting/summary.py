"""Every figure of a run, written into a directory: from memory or from a ``results.root``.

Files (PNG; ``<model>`` omitted for a single unnamed model)::

    auc_vs_mass.png           ROC AUC vs mass, every model       [Anzalone22] Figs. 6–7
    sigma_ratio_vs_mass.png   σ_ratio vs mass, failure value 1/√2
    best_cut_vs_mass.png      best cut t* vs mass
    roc_<model>.png           ROC curve per evaluation mass, best cut t* marked
    scores_<model>.png        signal/background score distributions, one panel per mass
    history_<model>.png       training loss and validation AUC (when a history is given)

Every figure is drawn in the mplhep style of its :class:`~hepconditioning.plotting.style.FigureLabel`
and carries that label (``Simulation`` / ``Open Data``, √s, luminosity). AUC and σ_ratio vs
mass have error bars: the tables' bootstrap intervals, or, where the tables have none and the
scores are given, Poisson-bootstrap intervals computed here (``bootstrap`` replicas, seeded).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from hepconditioning.evaluation.histograms import ScoreHistograms, score_histograms
from hepconditioning.evaluation.protocol import EvaluationTable, evaluate_scores
from hepconditioning.evaluation.results import read_results
from hepconditioning.events import Events
from hepconditioning.io.outdir import atomic_directory
from hepconditioning.io.root.reader import open_root
from hepconditioning.plotting import figures
from hepconditioning.plotting.stacks import process_stack
from hepconditioning.plotting.style import FigureLabel, draw_label, hep_style

__all__ = ["figure_from_apply", "figures_from_results", "summary_figures"]


def _name(stem: str, label: str) -> str:
    return f"{stem}_{label}.png" if label else f"{stem}.png"


def _save(fig: Any, directory: Path, name: str, dpi: int) -> Path:
    return figures.save_figure(fig, directory / name, dpi=dpi, close=True)


def _score_grid(histograms: list[ScoreHistograms], title: str, label: FigureLabel) -> Any:
    ncols = min(len(histograms), 3)
    nrows = math.ceil(len(histograms) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.4 * ncols, 5.2 * nrows), layout="constrained",
                             squeeze=False)
    for ax, h in zip(axes.flat, histograms, strict=False):
        figures.score_distributions(h, ax=ax)
        draw_label(ax, label)
    for ax in axes.flat[len(histograms):]:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig


def _with_intervals(table: EvaluationTable, evaluation: Events | None, scores: Any, bootstrap: int) -> EvaluationTable:
    """``table`` with bootstrap intervals of AUC and σ_ratio: its own, else computed from the
    scores (the point values stay those of ``table``)."""
    if table.auc_ci is not None or scores is None or evaluation is None or bootstrap <= 0:
        return table
    intervals = evaluate_scores(evaluation, scores, masses=list(table.mass), bootstrap=bootstrap, seed=0)
    return dataclasses.replace(table, auc_ci=intervals.auc_ci, sigma_ratio_ci=intervals.sigma_ratio_ci)


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
    label: FigureLabel | None = None,
    bootstrap: int = 200,
) -> list[Path]:
    """Draw the figures of a run (see the module) into the existing ``directory``.

    Args:
        tables: per-mass metrics by model name (or one table).
        histories: training histories by model name (``hepconditioning.training.History``).
        evaluation, scores: the evaluation sample and ``{model: (N,) scores}`` (or one array)
            for the ROC curves and, without ``histograms``, the score distributions.
        histograms: per-mass score histograms by model (e.g. read from a ``results.root``).
        bins: score bins when the histograms are filled here (each mass over its scores' range).
        label: style and experiment-style label of every figure (default: CMS style,
            ``Simulation``, no √s).
        bootstrap: Poisson-bootstrap replicas of the error bars of tables without intervals
            (0: none).

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
    label = label or FigureLabel()
    named = {name: _with_intervals(table, evaluation, scores.get(name), bootstrap) for name, table in named.items()}
    with hep_style(label.style):
        return _draw(directory, named, dict(histories or {}), evaluation, scores, dict(histograms or {}),
                     bins=bins, dpi=dpi, label=label)


def _draw(directory: Path, named: dict[str, EvaluationTable], histories: dict[str, Any],
          evaluation: Events | None, scores: dict[str, Any], histograms: dict[str, list[ScoreHistograms]],
          *, bins: int, dpi: int, label: FigureLabel) -> list[Path]:
    written = []
    for stem, draw in (("auc_vs_mass", figures.auc_vs_mass), ("sigma_ratio_vs_mass", figures.sigma_ratio_vs_mass),
                       ("best_cut_vs_mass", figures.best_cut_vs_mass)):
        artists = draw(named)
        draw_label(artists.lines[0].axes, label)
        written.append(_save(artists.lines[0].figure, directory, f"{stem}.png", dpi))
    for name, table in named.items():
        if name in scores:
            roc = figures.roc_per_mass(evaluation, scores[name],
                                       working_points=dict(zip(table.mass, table.threshold, strict=True)))
            roc.legend.set_title(name or None)
            draw_label(roc.reference.axes, label)
            written.append(_save(roc.reference.figure, directory, _name("roc", name), dpi))
        per_mass = histograms.get(name)
        if per_mass is None and name in scores:
            per_mass = [score_histograms(evaluation, scores[name], bins=bins, range=None, masses=[mass])[0]
                        for mass in table.mass]  # each panel over its own score range
        if per_mass:
            written.append(_save(_score_grid(per_mass, name, label), directory, _name("scores", name), dpi))
        if name in histories:
            history = figures.training_history(histories[name])
            history.legend.set_title(name or None)
            draw_label(history.loss.axes, label)
            written.append(_save(history.loss.figure, directory, _name("history", name), dpi))
    return written


def figures_from_results(
    results: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    dpi: int = 120,
    label: FigureLabel | None = None,
) -> list[Path]:
    """Draw the figures of a ``results.root`` (:func:`hepconditioning.evaluation.write_results`)
    into the directory ``out``, built aside and renamed into place when complete; ``label``
    as in :func:`summary_figures` (the error bars are bootstrapped from the stored scores).

    Returns:
        the files written (their final paths).
    """
    stored = read_results(results)
    # score distributions are refilled from the stored scores over their own range (the
    # stored histograms span a fixed range), with the stored number of bins
    bins = next((len(hs[0].signal.axes[0]) for hs in stored.histograms.values() if hs), 50)
    with atomic_directory(out, overwrite=overwrite) as tmp:
        written = summary_figures(tmp, tables=stored.tables, evaluation=stored.events, scores=stored.scores,
                                  bins=bins, dpi=dpi, label=label)
        style = label if label is not None else FigureLabel()
        for model, per_mass in stored.processes.items():  # results of [[samples]] runs
            signal = {h.mass: h.signal for h in stored.histograms.get(model, [])}
            for mass, backgrounds in per_mass.items():
                if not backgrounds:
                    continue
                with hep_style(style.style):
                    fig, ax = plt.subplots(figsize=(10, 8))
                    process_stack(backgrounds, signal.get(mass), ax=ax)
                    ax.text(0.03, 0.95, f"{model or 'model'}, hypothesis {mass:g}", transform=ax.transAxes,
                            va="top")
                    draw_label(ax, style)
                name = f"stack_{model or 'model'}_{f'{mass:g}'.replace('.', 'p')}.png"
                written.append(figures.save_figure(fig, tmp / name, dpi=dpi, close=True))
    return [Path(out) / path.name for path in written]


def figure_from_apply(histograms: str | os.PathLike[str], *, label: FigureLabel | None = None,
                      dpi: int = 120) -> Path:
    """Draw the score histograms of a ``histograms.root`` written by ``hepconditioning apply``
    (one ``score_<m>`` TH1D per mass hypothesis) into ``histograms.png`` beside it, in the
    style of ``label`` and carrying it (default: CMS style, ``Simulation``).

    Returns:
        the PNG written.
    """
    histograms = Path(histograms)
    with open_root(histograms) as file:
        found = {key.split(";")[0]: file[key].to_hist() for key in file.keys(cycle=False)
                 if key.startswith("score_")}
    named = {f"m = {name[len('score_'):].replace('p', '.')} GeV": h for name, h in found.items()}
    label = label or FigureLabel()
    with hep_style(label.style):
        drawn = figures.hypothesis_scores(named)
        draw_label(drawn.legend.axes, label)
        return _save(drawn.legend.axes.figure, histograms.parent, "histograms.png", dpi)
