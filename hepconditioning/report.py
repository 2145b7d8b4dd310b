"""The figure set of a run: drawn from live results or read back from ``results.root``.

:func:`write_figures` draws, for every model, the ROC curves per mass, the score
distributions (mplhep ``histplot`` of the stored ``hist`` objects), the training history and
the t-SNE map of the last hidden layer, and, across models, AUC / σ_ratio / best cut vs mass
([Anzalone22] Figs. 6–8). :func:`figures_from_results` redraws what can be drawn from a
``results.root`` alone (``hepconditioning plot``). Both only call :mod:`hepconditioning.plotting`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from hepconditioning import plotting
from hepconditioning.evaluation import EvaluationTable
from hepconditioning.events import Events
from hepconditioning.histograms import ScoreHistograms, score_histograms

__all__ = ["figures_from_results", "hidden_features", "write_figures"]


def hidden_features(model: Any, events: Events, *, n_max: int = 2000, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """Last-hidden-layer activations ``(n, H)`` of a random subsample and its indices.

    Reads the input of the model's ``output`` layer with a forward pre-hook, so any
    :mod:`hepconditioning.nn` model with an ``output`` layer works; ``None`` otherwise.
    """
    import torch

    layer = getattr(model, "output", None)
    if not isinstance(layer, torch.nn.Module):
        return None
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(len(events), size=min(n_max, len(events)), replace=False))
    captured: list[torch.Tensor] = []
    handle = layer.register_forward_pre_hook(lambda _module, inputs: captured.append(inputs[0].detach()))
    try:
        was_training = model.training
        model.eval()
        with torch.inference_mode():
            model(torch.from_numpy(events.x[index]), torch.from_numpy(events.mass[index]))
        model.train(was_training)
    finally:
        handle.remove()
    return captured[0].numpy(), index


def _grid(n: int) -> tuple[plt.Figure, np.ndarray]:
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    return plotting.save_figure(fig, path, close=True)


def _comparison_figures(directory: Path, tables: Mapping[str, EvaluationTable]) -> list[Path]:
    written = []
    for name, draw in (("auc_vs_mass", plotting.auc_vs_mass),
                       ("sigma_ratio_vs_mass", plotting.sigma_ratio_vs_mass),
                       ("best_cut_vs_mass", plotting.best_cut_vs_mass)):
        fig, ax = plt.subplots(figsize=(6, 4.2))
        draw(dict(tables), ax=ax)
        written.append(_save(fig, directory / f"{name}.png"))
    return written


def _score_figure(directory: Path, label: str, histograms: list[ScoreHistograms]) -> Path:
    fig, axes = _grid(len(histograms))
    for ax, h in zip(axes, histograms, strict=False):
        plotting.score_distributions(h, ax=ax, log=True)
    return _save(fig, directory / f"scores_{label}.png")


def write_figures(
    directory: str | os.PathLike[str],
    *,
    tables: Mapping[str, EvaluationTable],
    evaluation: Events,
    scores: Mapping[str, np.ndarray],
    histories: Mapping[str, Any] | None = None,
    models: Mapping[str, Any] | None = None,
    bins: int = 50,
    tsne_events: int = 1500,
) -> list[Path]:
    """Draw every figure of a run into ``directory`` (PNG); returns the paths written."""
    directory = Path(directory)
    written = _comparison_figures(directory, tables)
    for label, model_scores in scores.items():
        fig, ax = plt.subplots(figsize=(6, 4.5))
        plotting.roc_per_mass(evaluation, model_scores, ax=ax)
        written.append(_save(fig, directory / f"roc_{label}.png"))
        written.append(_score_figure(directory, label, score_histograms(evaluation, model_scores, bins=bins)))
        if histories and label in histories:
            fig, ax = plt.subplots(figsize=(6.5, 4.5))
            plotting.training_history(histories[label], ax=ax)
            written.append(_save(fig, directory / f"history_{label}.png"))
        hidden = hidden_features(models[label], evaluation, n_max=tsne_events) if models and label in models else None
        if hidden is not None:
            features, index = hidden
            fig, ax = plt.subplots(figsize=(6, 5))
            plotting.tsne_embedding(features, evaluation.labels[index], evaluation.mass[index],
                                    n_samples=tsne_events, max_iter=500, ax=ax)
            ax.set_title(f"{label}: last hidden layer")
            written.append(_save(fig, directory / f"tsne_{label}.png"))
    return written


def _read_histogram(directory: Any, name: str) -> Any:
    return directory[name].to_hist()


def figures_from_results(results: str | os.PathLike[str], out: str | os.PathLike[str], *,
                         overwrite: bool = False) -> list[Path]:
    """Redraw the per-mass figures of a ``results.root`` (see :mod:`hepconditioning.io.results`).

    Writes AUC / σ_ratio / best cut vs mass and the score distributions of every model found
    in the file into the new directory ``out`` (atomically).
    """
    import uproot

    from hepconditioning.io.outdir import atomic_directory
    from hepconditioning.io.results import mass_directory, read_tables

    results = Path(results)
    if not results.exists():
        raise FileNotFoundError(f"results file {str(results)!r} does not exist; write it with "
                                "hepconditioning train/demo/evaluate")
    tables = read_tables(results)
    with atomic_directory(out, overwrite=overwrite) as tmp:
        written = _comparison_figures(tmp, tables)
        with uproot.open(results) as file:
            for label, table in tables.items():
                prefix = "" if label == "" else f"{label}/"
                histograms = []
                for mass in table.mass:
                    base = f"{prefix}{mass_directory(mass)}"
                    histograms.append(ScoreHistograms(float(mass), _read_histogram(file, f"{base}/signal"),
                                                      _read_histogram(file, f"{base}/background")))
                written.append(_score_figure(tmp, label or "model", histograms))
    return [Path(out) / p.name for p in written]
