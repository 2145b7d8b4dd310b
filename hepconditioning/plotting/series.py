"""Figures of series of N events (multi-instance classification, [Bialas18] arXiv:1803.00838):
TPR_N / FPR_N and AUC_N against N, on a labelled mplhep figure (:func:`hep_figure`).

Every function takes ``ax=None`` (a new :func:`hep_figure` when omitted) and returns a
NamedTuple of the artists it drew.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

__all__ = ["AucNArtists", "RateArtists", "aucn_vs_n", "hep_figure", "rates_vs_n"]


class RateArtists(NamedTuple):
    """TPR_N (solid) and FPR_N (dashed) lines."""

    tpr: Any
    fpr: Any


class AucNArtists(NamedTuple):
    """Measured AUC_N (points) and its CLT prediction (line)."""

    measured: Any
    predicted: Any


def hep_figure(ncols: int = 1, *, left: str | None = r"$\it{Simulation}$", right: str | None = None,
               width: float = 8.0, height: float = 7.0) -> tuple[Figure, Any]:
    """A figure of ``ncols`` axes in a row with the experiment-style titles ``left`` and ``right``.

    A plain :class:`~matplotlib.figure.Figure` (not registered with pyplot, so nothing to
    close); create and draw inside :func:`~hepconditioning.plotting.hep_style` for the mplhep
    look. Returns ``(figure, axes)``: one ``Axes``, or an array of them for ``ncols > 1``.
    """
    fig = Figure(figsize=(width * ncols, height))
    fig.subplots_adjust(left=0.19 / ncols, right=1 - 0.03 / ncols, bottom=0.12, top=0.93, wspace=0.3)
    axes = fig.subplots(1, ncols)
    for ax in np.atleast_1d(axes):
        if left:
            ax.set_title(left, loc="left", fontsize="medium")
        if right:
            ax.set_title(right, loc="right", fontsize="medium")
    return fig, axes


def rates_vs_n(n: ArrayLike, tpr: ArrayLike, fpr: ArrayLike, *, label: str | None = None,
               color: str | None = None, ax: Axes | None = None) -> RateArtists:
    """TPR_N (solid, labelled) and FPR_N (dashed) of one classifier against the series size N."""
    ax = ax if ax is not None else hep_figure()[1]
    (tpr_line,) = ax.plot(n, tpr, "-", color=color, label=label)
    (fpr_line,) = ax.plot(n, fpr, "--", color=tpr_line.get_color())
    ax.set(xscale="log", xlabel="N events per series", ylabel="TPR (solid), FPR (dashed)", ylim=(-0.02, 1.02))
    return RateArtists(tpr_line, fpr_line)


def aucn_vs_n(n: ArrayLike, measured: ArrayLike, predicted: ArrayLike, *, label: str | None = None,
              color: str | None = None, ax: Axes | None = None) -> AucNArtists:
    """AUC_N measured by resampling (points) and predicted by the CLT (line) against N."""
    ax = ax if ax is not None else hep_figure()[1]
    (points,) = ax.plot(n, measured, "o", color=color, label=f"{label}: measured" if label else "measured")
    (line,) = ax.plot(n, predicted, "-", color=points.get_color(), label=f"{label}: CLT" if label else "CLT")
    ax.set(xscale="log", xlabel="N events per series", ylabel=r"AUC$_N$")
    return AucNArtists(points, line)
