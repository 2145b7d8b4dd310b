"""mplhep figures of the evaluation (:mod:`.figures`) and the figure sets of a run (:mod:`.summary`).

Every figure function takes ``ax=None`` and returns a NamedTuple of the artists it drew; nothing changes
matplotlib's global style. :mod:`.style` is the one place of the look: :func:`hep_style` (the
mplhep styles :data:`STYLES`), :class:`FigureLabel` and :func:`draw_label` (``Simulation`` /
``Open Data``, √s, luminosity); :func:`save_figure` writes atomically.
:func:`summary_figures` draws every figure of a run into a directory and
:func:`figures_from_results` does so from a ``results.root`` (``hepconditioning plot``);
:mod:`.series` draws multi-instance curves against the series size N.
"""

from __future__ import annotations

from hepconditioning.plotting.figures import (
    EmbeddingArtists,
    HistoryArtists,
    LineArtists,
    ScoreArtists,
    auc_ratio_vs_mass,
    auc_vs_mass,
    best_cut_vs_mass,
    hypothesis_scores,
    roc_per_mass,
    save_figure,
    score_distributions,
    sigma_ratio_vs_mass,
    training_history,
    tsne_embedding,
)
from hepconditioning.plotting.series import (
    AucNArtists,
    RateArtists,
    aucn_vs_n,
    hep_figure,
    rates_vs_n,
)
from hepconditioning.plotting.style import STYLES, FigureLabel, check_style, draw_label, hep_style
from hepconditioning.plotting.summary import (
    figure_from_apply,
    figures_from_results,
    summary_figures,
)

__all__ = [
    "STYLES",
    "AucNArtists",
    "EmbeddingArtists",
    "FigureLabel",
    "HistoryArtists",
    "LineArtists",
    "RateArtists",
    "ScoreArtists",
    "auc_ratio_vs_mass",
    "auc_vs_mass",
    "aucn_vs_n",
    "best_cut_vs_mass",
    "check_style",
    "draw_label",
    "figure_from_apply",
    "figures_from_results",
    "hep_figure",
    "hep_style",
    "hypothesis_scores",
    "rates_vs_n",
    "roc_per_mass",
    "save_figure",
    "score_distributions",
    "sigma_ratio_vs_mass",
    "summary_figures",
    "training_history",
    "tsne_embedding",
]


def __dir__() -> list[str]:
    return __all__
