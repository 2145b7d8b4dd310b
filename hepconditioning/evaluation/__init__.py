"""Evaluation: the per-mass protocol, its tables and histograms, and the results file.

Everything that *computes* from scores lives here; :mod:`hepconditioning.io` only writes and
reads what was computed (:func:`hepconditioning.io.write_results_file`).

- :mod:`~hepconditioning.evaluation.protocol`: the evaluation sample of [Anzalone22]
  (:func:`evaluation_events`), per-mass metrics (:func:`evaluate_scores`,
  :func:`evaluate_per_mass`, :class:`EvaluationTable`), the interpolation study helpers
  (:func:`without_mass_points`, :func:`auc_ratio`).
- :mod:`~hepconditioning.evaluation.histograms`: ``hist`` score histograms per evaluation mass
  (:func:`score_histograms`) and the binned cut curves s, b, AMS (:func:`cut_curves`).
- :mod:`~hepconditioning.evaluation.hypotheses`: any hypothesis inside the trained range, with
  or without generated signal: background efficiency and yields at fixed signal efficiencies
  (:func:`hypothesis_table`).
- :mod:`~hepconditioning.evaluation.results`: :func:`write_results` computes the tables and
  histograms that are missing and writes the results file; :func:`read_results` reads it back.

Reference: Anzalone, Diotalevi, Bonacorsi, Mach. Learn.: Sci. Technol. 3 (2022) 035017,
arXiv:2202.00424, sections 4–5.
"""

from __future__ import annotations

from hepconditioning.evaluation.histograms import (
    CutCurves,
    ScoreHistograms,
    cut_curves,
    score_axis,
    score_histograms,
)
from hepconditioning.evaluation.hypotheses import HypothesisTable, hypothesis_table
from hepconditioning.evaluation.protocol import (
    EVAL_MASS,
    EVENT_WEIGHT,
    EvaluationRow,
    EvaluationTable,
    auc_ratio,
    check_scores,
    evaluate_per_mass,
    evaluate_scores,
    evaluation_events,
    mass_groups,
    without_mass_points,
)
from hepconditioning.evaluation.results import Results, read_results, write_results

__all__ = [
    "EVAL_MASS",
    "EVENT_WEIGHT",
    "CutCurves",
    "EvaluationRow",
    "EvaluationTable",
    "HypothesisTable",
    "Results",
    "ScoreHistograms",
    "auc_ratio",
    "check_scores",
    "cut_curves",
    "evaluate_per_mass",
    "evaluate_scores",
    "evaluation_events",
    "hypothesis_table",
    "mass_groups",
    "read_results",
    "score_axis",
    "score_histograms",
    "without_mass_points",
    "write_results",
]


def __dir__() -> list[str]:
    return __all__
