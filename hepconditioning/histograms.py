"""Alias of :mod:`hepconditioning.evaluation.histograms` (its home before 0.2), kept because
``hepconditioning.histograms`` was a public submodule; new code imports from
:mod:`hepconditioning.evaluation`."""

from __future__ import annotations

from hepconditioning.evaluation.histograms import (
    CutCurves,
    ScoreHistograms,
    cut_curves,
    score_axis,
    score_histograms,
)

__all__ = ["CutCurves", "ScoreHistograms", "cut_curves", "score_axis", "score_histograms"]


def __dir__() -> list[str]:
    return __all__
