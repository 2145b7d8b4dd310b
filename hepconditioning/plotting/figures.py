"""One figure each: per-mass evaluation, score distributions, t-SNE and training history.

Every function takes ``ax=None`` (a new figure is made when omitted) and returns a NamedTuple
of the artists it drew (as ``hist``/mplhep do), so that callers restyle or relabel them; nothing here changes matplotlib's global
style (wrap calls in :func:`~hepconditioning.plotting.style.hep_style` for an mplhep look). :func:`save_figure` writes
atomically (temporary name, then rename).

Figures follow [Anzalone22] (arXiv:2202.00424): ROC per mass, AUC and σ_ratio vs mass for
several models (Figs. 6–8), the interpolation study (Fig. 9), t-SNE of the last hidden layer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import mplhep
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hepconditioning.evaluation.histograms import ScoreHistograms
from hepconditioning.evaluation.protocol import (
    EvaluationTable,
    auc_ratio,
    check_scores,
    mass_groups,
)
from hepconditioning.events import Events
from hepconditioning.io.atomic import atomic_path
from hepconditioning.metrics import SIGMA_RATIO_FAILURE, roc_curve
from hepconditioning.plotting.style import hep_style

__all__ = [
    "EmbeddingArtists",
    "HistoryArtists",
    "LineArtists",
    "ScoreArtists",
    "auc_ratio_vs_mass",
    "auc_vs_mass",
    "best_cut_vs_mass",
    "hep_style",
    "hypothesis_scores",
    "roc_per_mass",
    "save_figure",
    "score_distributions",
    "sigma_ratio_vs_mass",
    "training_history",
    "tsne_embedding",
]


class LineArtists(NamedTuple):
    """One line per evaluation mass or per model; the reference line (ROC diagonal, σ_ratio
    failure value, AUC ratio 1; ``None`` where there is none), shaded bands, the legend; the
    error bars of each line (bootstrap intervals) and the working points marked on ROC curves
    (empty where none were drawn)."""

    lines: list[Any]
    reference: Any | None
    bands: list[Any]
    legend: Any | None
    errorbars: tuple[Any, ...] = ()
    working_points: tuple[Any, ...] = ()


class ScoreArtists(NamedTuple):
    """``mplhep`` stairs (with error bars) of the signal and background scores, the legend."""

    signal: Any
    background: Any
    legend: Any


class EmbeddingArtists(NamedTuple):
    """Scatter of signal (dots) and background (crosses), the mass colour bar, the legend."""

    signal: Any
    background: Any
    colorbar: Any
    legend: Any


class HistoryArtists(NamedTuple):
    """Loss line (left axis), total and per-mass validation AUC lines (right axis), the best
    epoch marker (``None`` without one), the legend."""

    loss: Any
    val_auc: Any | None
    val_auc_per_mass: list[Any]
    best_epoch: Any | None
    legend: Any


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 6.0), layout="constrained")  # room for mplhep's fonts
    return ax


def roc_per_mass(events: Events, scores: Any, *, masses: Sequence[float] | None = None,
                 working_points: Mapping[float, float] | None = None, ax: Axes | None = None) -> LineArtists:
    """ROC curves (signal vs background efficiency) at each evaluation mass.

    ``events`` is an evaluation sample (:func:`hepconditioning.evaluation.evaluation_events`),
    grouped by ``eval_mass`` (``mass`` if absent); the legend gives the weighted AUC.
    ``working_points`` (``{mass: score cut}``, e.g. the best cut t* of an
    :class:`~hepconditioning.evaluation.EvaluationTable`) are marked on each curve at the
    efficiencies of ``score >= cut``.
    """
    groups = mass_groups(events, masses=masses)
    scores = check_scores(scores, len(events))
    ax = _axes(ax)
    artists, points = [], []
    for mass, mask in groups.items():
        curve = roc_curve(events.labels[mask], scores[mask], events.weights[mask])
        auc = float(np.sum(np.diff(curve.fpr) * (curve.tpr[1:] + curve.tpr[:-1])) / 2)
        (line,) = ax.plot(curve.fpr, curve.tpr, label=f"m = {mass:g} GeV (AUC {100 * auc:.1f} %)")
        artists.append(line)
        cut = _near(working_points, mass)
        if cut is not None:
            labels, weights, passed = events.labels[mask], events.weights[mask], scores[mask] >= cut
            signal, background = labels == 1, labels == 0
            tpr = weights[signal & passed].sum() / weights[signal].sum()
            fpr = weights[background & passed].sum() / weights[background].sum()
            points.append(ax.plot(fpr, tpr, marker="*", ms=12, color=line.get_color(), ls="none")[0])
    if points:  # one legend entry for the markers of every curve
        ax.plot([], [], marker="*", ms=12, color="grey", ls="none", label="best cut $t^*$")
    (diagonal,) = ax.plot([0, 1], [0, 1], ls=":", color="grey", lw=1)
    ax.set(xlabel="background efficiency", ylabel="signal efficiency", xlim=(0, 1), ylim=(0, 1.02))
    legend = ax.legend(loc="lower right", fontsize="small")
    return LineArtists(artists, diagonal, [], legend, working_points=tuple(points))


def _near(values: Mapping[float, float] | None, mass: float) -> float | None:
    """``values[m]`` for the key ``m`` within 0.5 GeV of ``mass`` (``None`` if there is none)."""
    for key, value in (values or {}).items():
        if abs(float(key) - mass) <= 0.5:
            return float(value)
    return None


def _tables(tables: EvaluationTable | Mapping[str, EvaluationTable]) -> dict[str, EvaluationTable]:
    if isinstance(tables, EvaluationTable):
        return {"": tables}
    if not isinstance(tables, Mapping) or not tables:
        raise TypeError(f"give an EvaluationTable or a non-empty mapping name -> EvaluationTable, got {tables!r}")
    return dict(tables)


def _per_mass(tables: Any, field: str, ylabel: str, ax: Axes | None, *, scale: float = 1.0) -> LineArtists:
    """One line per model of ``table.<field>`` vs mass, with the bootstrap interval
    ``table.<field>_ci`` as error bars where the table has it."""
    ax = _axes(ax)
    artists, bars = [], []
    for name, table in _tables(tables).items():
        value = scale * getattr(table, field)
        interval = getattr(table, f"{field}_ci", None)
        if interval is None:
            (line,) = ax.plot(table.mass, value, marker="o", label=name or None)
        else:  # a percentile interval need not contain the point: no negative bar lengths
            low, high = scale * interval[:, 0], scale * interval[:, 1]
            yerr = np.clip([value - low, high - value], 0.0, None)
            bar = ax.errorbar(table.mass, value, yerr=yerr, marker="o", capsize=3, label=name or None)
            line = bar.lines[0]
            bars.append(bar)
        artists.append(line)
    ax.set(xlabel="mass [GeV]", ylabel=ylabel)
    return LineArtists(artists, None, [], ax.legend() if any(_tables(tables)) else None, errorbars=tuple(bars))


def auc_vs_mass(tables: EvaluationTable | Mapping[str, EvaluationTable], *, ax: Axes | None = None) -> LineArtists:
    """Weighted ROC AUC (%) vs evaluation mass, one line per model (``{name: table}``), with
    the tables' bootstrap intervals (``auc_ci``) as error bars where they have them."""
    return _per_mass(tables, "auc", "ROC AUC [%]", ax, scale=100.0)


def sigma_ratio_vs_mass(tables: EvaluationTable | Mapping[str, EvaluationTable], *,
                        ax: Axes | None = None) -> LineArtists:
    """Significance ratio vs mass per model (error bars: the tables' ``sigma_ratio_ci``), with
    the failure value 1/√2 as a dashed line."""
    drawn = _per_mass(tables, "sigma_ratio", r"$\sigma_{ratio}$", ax)
    lines = drawn.lines
    axis = lines[0].axes
    failure = axis.axhline(SIGMA_RATIO_FAILURE, ls="--", color="grey", lw=1, label="failure value 1/√2")
    lows = [table.sigma_ratio_ci[:, 0] for table in _tables(tables).values() if table.sigma_ratio_ci is not None]
    lowest = min(SIGMA_RATIO_FAILURE, *(float(np.min(line.get_ydata())) for line in lines),
                 *(float(np.min(low)) for low in lows))
    axis.set_ylim(lowest - 0.02, 1.01)
    return LineArtists(lines, failure, [], axis.legend(), errorbars=drawn.errorbars)


def auc_ratio_vs_mass(
    tables: EvaluationTable | Mapping[str, EvaluationTable],
    reference: EvaluationTable,
    *,
    excluded: Sequence[float] = (),
    ax: Axes | None = None,
) -> LineArtists:
    """Interpolation study ([Anzalone22] Fig. 9): AUC / AUC of the model trained on all masses.

    ``tables`` are models trained without the mass points ``excluded`` (GeV), which are
    marked by grey bands; a dashed line marks the ratio 1.
    """
    named = _tables(tables)
    ratios = {name: auc_ratio(table, reference) for name, table in named.items()}
    ax = _axes(ax)
    artists = []
    for (name, table), ratio in zip(named.items(), ratios.values(), strict=True):
        (line,) = ax.plot(table.mass, ratio, marker="o", label=name or None)
        artists.append(line)
    width = 0.04 * float(np.ptp(reference.mass)) if len(reference) > 1 else 25.0
    bands = [ax.axvspan(mass - width, mass + width, color="grey", alpha=0.25,
                        label="not in training" if i == 0 else None) for i, mass in enumerate(excluded)]
    one = ax.axhline(1.0, ls="--", color="grey", lw=1)
    ax.set(xlabel="mass [GeV]", ylabel="AUC / AUC (all masses)")
    return LineArtists(artists, one, bands, ax.legend())


def best_cut_vs_mass(tables: EvaluationTable | Mapping[str, EvaluationTable], *,
                     ax: Axes | None = None) -> LineArtists:
    """Best cut t* = argmax AMS(t) vs evaluation mass, one line per model."""
    return _per_mass(tables, "threshold", r"best cut $t^*$", ax)


def score_distributions(histograms: ScoreHistograms, *, density: bool = True, log: bool = False,
                        ax: Axes | None = None) -> ScoreArtists:
    """Signal and background score histograms of one mass (``mplhep.histplot``, with the
    per-bin errors √(Σw²) of the weighted histograms)."""
    ax = _axes(ax)
    artists = mplhep.histplot(
        [histograms.signal, histograms.background], ax=ax, density=density, yerr=True, w2method="sqrt", histtype="step",
        label=["signal", "background"],
    )
    ax.set(xlabel="classifier score", ylabel="density" if density else "weighted events")
    if log:
        ax.set_yscale("log")
    # the mass in the legend: the space above the axes holds the experiment-style label
    return ScoreArtists(*artists, ax.legend(title=f"m = {histograms.mass:g} GeV", fontsize="small",
                                            title_fontsize="small"))


def hypothesis_scores(histograms: Mapping[str, Any], *, density: bool = False,
                      ax: Axes | None = None) -> LineArtists:
    """Weighted score histograms of several hypotheses (``{legend label: hist}``, e.g. the
    ``score_<m>`` TH1D of ``hepconditioning apply``), with per-bin errors √(Σw²)."""
    if not histograms:
        raise ValueError("no histograms to draw: give {label: histogram}")
    ax = _axes(ax)
    drawn = mplhep.histplot(list(histograms.values()), ax=ax, density=density, yerr=True, w2method="sqrt", histtype="step",
                            label=list(histograms))
    ax.set(xlabel="classifier score", ylabel="density" if density else "weighted events")
    return LineArtists([artist.stairs for artist in drawn], None, [], ax.legend(fontsize="small"))


def tsne_embedding(
    embeddings: Any,
    labels: Any,
    mass: Any,
    *,
    n_samples: int = 2000,
    perplexity: float = 30.0,
    max_iter: int = 1000,
    seed: int = 0,
    ax: Axes | None = None,
) -> EmbeddingArtists:
    """t-SNE (scikit-learn) of hidden-layer embeddings, colour = mass, marker = class.

    Args:
        embeddings: ``(N, H)`` activations, e.g. the last hidden layer of the network.
        labels: ``(N,)`` 1 = signal (dots), 0 = background (crosses).
        mass: ``(N,)`` mass feature (GeV) the events were evaluated with (colour).
        n_samples: random subsample size (t-SNE is O(n log n) with a large constant).
        perplexity: t-SNE perplexity (capped at (n − 1) / 3).
        max_iter: t-SNE optimisation steps (≥ 250; scikit-learn's default 1000).
        seed: seed of the subsample and of t-SNE.
    """
    from sklearn.manifold import TSNE

    embeddings = np.asarray(embeddings, dtype=np.float64)
    labels, mass = np.asarray(labels).reshape(-1), np.asarray(mass, dtype=np.float64).reshape(-1)
    n = embeddings.shape[0]
    if embeddings.ndim != 2 or labels.shape != (n,) or mass.shape != (n,):
        raise ValueError(f"need embeddings (N, H), labels (N,), mass (N,); got {embeddings.shape}, "
                         f"{labels.shape}, {mass.shape}")
    if n < 5:
        raise ValueError(f"t-SNE needs at least 5 events, got {n}")
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(n, size=min(n, int(n_samples)), replace=False))
    tsne = TSNE(n_components=2, perplexity=min(float(perplexity), (keep.size - 1) / 3), init="pca",
                max_iter=int(max_iter), random_state=seed)
    points = tsne.fit_transform(embeddings[keep])
    ax = _axes(ax)
    norm = plt.Normalize(mass[keep].min(), mass[keep].max())
    artists = []
    for value, marker, name in ((1, "o", "signal"), (0, "x", "background")):
        sel = labels[keep] == value
        artists.append(ax.scatter(points[sel, 0], points[sel, 1], c=mass[keep][sel], cmap="viridis", norm=norm,
                                  marker=marker, s=8, linewidths=0.8, label=name))
    colorbar = ax.figure.colorbar(artists[0], ax=ax, label="mass [GeV]")
    ax.set(xlabel="t-SNE 1", ylabel="t-SNE 2")
    return EmbeddingArtists(*artists, colorbar, ax.legend())


def training_history(history: Any, *, ax: Axes | None = None) -> HistoryArtists:
    """Training loss (left axis) and validation AUC (right axis, total and per mass) vs epoch.

    ``history`` has ``loss`` and ``val_auc`` (one value per epoch), ``val_auc_per_mass``
    (``(epochs, masses)`` nested lists/array, or a mapping mass → per-epoch values),
    ``mass_points`` (GeV) and ``best_epoch`` (0-based index, −1 if none), as
    ``hepconditioning.training.History``. Epochs are drawn 1-based.
    """
    ax = _axes(ax)
    loss = np.asarray(history.loss, dtype=np.float64)
    val_auc = np.asarray(history.val_auc, dtype=np.float64)
    (loss_line,) = ax.plot(np.arange(1, loss.size + 1), loss, color="black", label="training loss")
    ax.set(xlabel="epoch", ylabel="training loss")
    right = ax.twinx()
    per_mass = history.val_auc_per_mass
    if isinstance(per_mass, Mapping):
        masses, curves = list(per_mass), [np.asarray(v, dtype=np.float64) for v in per_mass.values()]
    else:
        array = np.asarray(per_mass, dtype=np.float64)
        masses, curves = (list(history.mass_points), list(array.T)) if array.size else ([], [])
    thin = [right.plot(np.arange(1, curve.size + 1), 100 * curve, lw=0.8, alpha=0.7,
                       label=f"val AUC {float(m):g} GeV")[0] for m, curve in zip(masses, curves, strict=True)]
    total = None
    if val_auc.size:
        (total,) = right.plot(np.arange(1, val_auc.size + 1), 100 * val_auc, color="C3", lw=2, label="val AUC")
    right.set_ylabel("validation AUC [%]")
    best = int(getattr(history, "best_epoch", -1))
    marker = ax.axvline(best + 1, ls="--", color="grey", lw=1, label=f"best epoch {best + 1}") if best >= 0 else None
    handles = [a for a in (loss_line, *thin, total, marker) if a is not None]
    legend = ax.legend(handles=handles, loc="center right", fontsize="x-small", title_fontsize="x-small")
    return HistoryArtists(loss_line, total, thin, marker, legend)


def save_figure(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150, close: bool = False) -> Path:
    """Save ``fig`` atomically; the format follows the suffix (``.png``, ``.pdf``, ``.svg``)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(f"cannot save {str(path)!r}: suffix {path.suffix!r} not one of "
                         f"{sorted('.' + key for key in supported)}")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi)
    if close:
        plt.close(fig)
    return path
