"""Weighted binary-classification metrics of [Anzalone22]: ROC/PR AUC, AMS, best cut, σ_ratio.

All functions take ``(labels, scores, weights=None)`` with ``labels`` ``(N,)`` in {0, 1}
(1 = signal), ``scores`` ``(N,)`` (any monotone score: probabilities or logits) and optional
per-event ``weights`` ``(N,)`` (negative values allowed, e.g. NLO generators). They sort the
scores once (O(N log N)) and accumulate weights over the *distinct* score values, so tied
scores are one threshold, exactly as ``sklearn.metrics`` does; results agree with
``roc_auc_score`` / ``average_precision_score`` with ``sample_weight``.

Cut convention: an event passes threshold ``t`` when ``score >= t``; ``s_t`` and ``b_t`` are
the summed signal and background weights that pass.

- AMS(t) = s_t / √(s_t + b_t + b_reg)  (approximate median significance, ``b_reg = 0`` in
  [Anzalone22]; 0 where the denominator is not positive).
- Best cut t* = argmax_t AMS(t), scanned over every distinct score (the reference code of
  [Anzalone22] used a 50-point grid).
- Significance ratio σ_ratio = max_t AMS(t) / (s_max / √s_max) = max_t s_t / √(s_max (s_t + b_t))
  with s_max the total signal weight: 1 for a perfect classifier, √(s_max / (s_max + b_max))
  when the best cut keeps everything — ``1/√2`` (:data:`SIGMA_RATIO_FAILURE`) with balanced
  classes.

Reference: Anzalone, Diotalevi, Bonacorsi, Mach. Learn.: Sci. Technol. 3 (2022) 035017,
arXiv:2202.00424, section 4 (metrics).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from hepconditioning.errors import HepConditioningError, NonFiniteError

__all__ = [
    "SIGMA_RATIO_FAILURE",
    "AmsCurve",
    "BestCut",
    "MetricInputError",
    "MetricSummary",
    "PrCurve",
    "RocCurve",
    "ams",
    "ams_curve",
    "best_cut",
    "pr_auc",
    "pr_curve",
    "roc_auc",
    "roc_curve",
    "significance_ratio",
    "summarize",
    "two_hypothesis_auc",
]

SIGMA_RATIO_FAILURE = 1.0 / math.sqrt(2.0)
"""σ_ratio of a classifier whose best cut keeps every event, with balanced class weights."""


class MetricInputError(HepConditioningError, ValueError):
    """Labels, scores or weights that a metric cannot be computed from."""


class RocCurve(NamedTuple):
    """ROC curve: one point per distinct threshold, thresholds decreasing.

    The first point is ``(fpr, tpr) = (0, 0)`` at ``threshold = +inf`` (nothing passes).
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray


class PrCurve(NamedTuple):
    """Precision–recall curve, thresholds decreasing (recall increasing for positive weights).

    The first point is ``(recall, precision) = (0, 1)`` at ``threshold = +inf``, as in
    ``sklearn.metrics.precision_recall_curve`` (which lists the points in reverse order).
    """

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray


class AmsCurve(NamedTuple):
    """Weighted signal ``s`` and background ``b`` passing ``score >= threshold`` and AMS."""

    thresholds: np.ndarray
    s: np.ndarray
    b: np.ndarray
    ams: np.ndarray


class BestCut(NamedTuple):
    """The threshold t* maximising AMS(t), with ``s`` and ``b`` passing it."""

    threshold: float
    ams: float
    s: float
    b: float


class MetricSummary(NamedTuple):
    """Every scalar metric of one sample, from a single sort (see :func:`summarize`)."""

    auc: float
    pr_auc: float
    sigma_ratio: float
    threshold: float
    ams: float
    s: float
    b: float


class _Cumulative(NamedTuple):
    thresholds: np.ndarray  # distinct scores, decreasing
    s: np.ndarray  # signal weight with score >= threshold
    b: np.ndarray  # background weight with score >= threshold


def _validate(labels: Any, scores: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    if scores.ndim != 1 or labels.ndim != 1:
        raise MetricInputError(
            f"labels and scores must be 1-dimensional (N,), got shapes {labels.shape} and {scores.shape}"
        )
    n = scores.shape[0]
    if labels.shape[0] != n:
        raise MetricInputError(f"labels has {labels.shape[0]} entries but scores has {n}; give one label per score")
    if n == 0:
        raise MetricInputError("no events: labels and scores are empty")
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"scores must be numbers, got dtype {scores.dtype}")
    if scores.dtype.kind == "f" and not np.isfinite(scores).all():
        raise NonFiniteError("scores", int(n - np.count_nonzero(np.isfinite(scores))), n, where="the metric input")
    signal = labels == 1
    if labels.dtype != bool and not (signal | (labels == 0)).all():
        bad = np.unique(labels[~(signal | (labels == 0))])[:5]
        raise MetricInputError(f"labels must be 0 (background) or 1 (signal), got values {bad.tolist()}")
    if weights is None:
        weights = np.ones(n)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (n,):
            raise MetricInputError(f"weights has shape {weights.shape} but scores has ({n},); give one weight per event")
        if not np.isfinite(weights).all():
            raise NonFiniteError("weights", int(n - np.count_nonzero(np.isfinite(weights))), n, where="the metric input")
    return signal, scores, weights


def _cumulative(labels: Any, scores: Any, weights: Any) -> _Cumulative:
    """Sort once, sum weights per distinct score, accumulate from the highest score down."""
    signal, scores, weights = _validate(labels, scores, weights)
    order = np.argsort(scores)[::-1]  # decreasing; ties grouped below, order inside is irrelevant
    sorted_scores = scores[order]
    w_sig = np.where(signal, weights, 0.0)[order]
    w_bkg = np.where(signal, 0.0, weights)[order]
    last = np.flatnonzero(sorted_scores[1:] != sorted_scores[:-1])  # last index of each tie group
    ends = np.append(last, sorted_scores.size - 1)
    s = np.cumsum(w_sig)[ends]
    b = np.cumsum(w_bkg)[ends]
    s_total, b_total = s[-1], b[-1]
    if not s_total > 0 or not b_total > 0:
        n_sig = int(np.count_nonzero(signal))
        raise MetricInputError(
            f"both classes need a positive total weight; got signal {s_total:g} ({n_sig} events) and "
            f"background {b_total:g} ({signal.size - n_sig} events); a metric needs signal and "
            "background events whose weights do not cancel"
        )
    return _Cumulative(sorted_scores[ends].astype(np.float64), s, b)


def roc_curve(labels: Any, scores: Any, weights: Any = None) -> RocCurve:
    """Weighted ROC curve: ``tpr = s_t / s_max``, ``fpr = b_t / b_max`` per distinct threshold.

    Args:
        labels: ``(N,)`` 1 = signal, 0 = background.
        scores: ``(N,)`` classifier output; higher = more signal-like.
        weights: ``(N,)`` per-event weights (default 1); negative values allowed, each class
            total must be positive.

    Returns:
        :class:`RocCurve` with ``D + 1`` points for ``D`` distinct scores.

    Example:
        >>> roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).tpr.tolist()
        [0.0, 0.5, 0.5, 1.0, 1.0]
    """
    cum = _cumulative(labels, scores, weights)
    return RocCurve(
        fpr=np.concatenate([[0.0], cum.b / cum.b[-1]]),
        tpr=np.concatenate([[0.0], cum.s / cum.s[-1]]),
        thresholds=np.concatenate([[np.inf], cum.thresholds]),
    )


def roc_auc(labels: Any, scores: Any, weights: Any = None) -> float:
    """Weighted area under the ROC curve (trapezoids; ties count one half).

    Equals ``sklearn.metrics.roc_auc_score(labels, scores, sample_weight=weights)`` and the
    weighted Mann–Whitney probability P(score_signal > score_background) + ½ P(tie).
    Invariant under strictly increasing transforms of ``scores``.

    Example:
        >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        0.75
    """
    curve = roc_curve(labels, scores, weights)
    return float(np.sum(np.diff(curve.fpr) * (curve.tpr[1:] + curve.tpr[:-1])) / 2.0)


def two_hypothesis_auc(scores: Any, weights_a: Any, weights_b: Any) -> float:
    """Weighted ROC AUC of ``scores`` ``(N,)`` separating hypothesis A from hypothesis B when every
    event belongs to both, with weight ``weights_a`` under A and ``weights_b`` under B.

    The AUC of the soft-target problem of per-event hypothesis weights (H→ττ: w_A = W(0),
    w_B = W(α), [Bialas18] arXiv:1803.00838): :func:`roc_auc` of the events taken twice, with
    labels 1 then 0 and weights ``weights_a`` then ``weights_b``.

    Example:
        >>> two_hypothesis_auc([0.2, 0.8], [0.0, 1.0], [1.0, 0.0])
        1.0
    """
    scores = np.asarray(scores)
    n = scores.shape[0] if scores.ndim else 0
    return roc_auc(np.r_[np.ones(n), np.zeros(n)], np.r_[scores, scores],
                   np.r_[np.asarray(weights_a, dtype=np.float64), np.asarray(weights_b, dtype=np.float64)])


def pr_curve(labels: Any, scores: Any, weights: Any = None) -> PrCurve:
    """Weighted precision ``s_t / (s_t + b_t)`` (0 where that is 0) and recall ``s_t / s_max``."""
    cum = _cumulative(labels, scores, weights)
    passed = cum.s + cum.b
    precision = np.divide(cum.s, passed, out=np.zeros_like(passed), where=passed != 0)
    return PrCurve(
        precision=np.concatenate([[1.0], precision]),
        recall=np.concatenate([[0.0], cum.s / cum.s[-1]]),
        thresholds=np.concatenate([[np.inf], cum.thresholds]),
    )


def pr_auc(labels: Any, scores: Any, weights: Any = None) -> float:
    """Average precision AP = Σ_k (R_k − R_{k−1}) P_k over thresholds, decreasing.

    The step-function integral of the PR curve, no interpolation; equal to
    ``sklearn.metrics.average_precision_score(labels, scores, sample_weight=weights)``
    (including its clip at 0, reachable only with negative weights).

    Example:
        >>> round(pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
        0.8333
    """
    curve = pr_curve(labels, scores, weights)
    return float(max(0.0, np.sum(np.diff(curve.recall) * curve.precision[1:])))


def ams(s: Any, b: Any, *, b_reg: float = 0.0) -> np.ndarray:
    """Approximate median significance AMS = s / √(s + b + b_reg), elementwise.

    Args:
        s: weighted signal passing a cut (scalar or array).
        b: weighted background passing the same cut.
        b_reg: constant added to the denominator (regularises cuts keeping almost nothing).

    Returns:
        float64 array (0-d for scalars); 0 where ``s + b + b_reg <= 0``.

    Example:
        >>> float(ams(9.0, 16.0))
        1.8
    """
    s = np.asarray(s, dtype=np.float64)
    total = s + np.asarray(b, dtype=np.float64) + float(b_reg)
    positive = total > 0
    return np.divide(s, np.sqrt(np.where(positive, total, 1.0)), out=np.zeros(np.broadcast(s, total).shape),
                     where=positive)


def ams_curve(labels: Any, scores: Any, weights: Any = None, *, b_reg: float = 0.0) -> AmsCurve:
    """``s_t``, ``b_t`` and AMS(t) at every distinct score ``t`` (decreasing)."""
    cum = _cumulative(labels, scores, weights)
    return AmsCurve(cum.thresholds, cum.s, cum.b, ams(cum.s, cum.b, b_reg=b_reg))


def best_cut(labels: Any, scores: Any, weights: Any = None, *, b_reg: float = 0.0) -> BestCut:
    """The threshold t* = argmax_t AMS(t) by an exact scan over every distinct score.

    Among equal maxima the highest threshold (tightest cut) is returned.

    Example:
        >>> best_cut([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).threshold  # s = 2, b = 1
        0.35
    """
    curve = ams_curve(labels, scores, weights, b_reg=b_reg)
    i = int(np.argmax(curve.ams))
    return BestCut(float(curve.thresholds[i]), float(curve.ams[i]), float(curve.s[i]), float(curve.b[i]))


def significance_ratio(labels: Any, scores: Any, weights: Any = None) -> float:
    """σ_ratio = max_t AMS(t) / √s_max = max_t s_t / √(s_max (s_t + b_t)) [Anzalone22].

    1 for a perfect classifier; :data:`SIGMA_RATIO_FAILURE` (1/√2) when the best cut keeps
    every event of two balanced classes, e.g. for a constant score.

    Example:
        >>> significance_ratio([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
        1.0
    """
    return _sigma_ratio(_cumulative(labels, scores, weights))


def summarize(labels: Any, scores: Any, weights: Any = None) -> MetricSummary:
    """ROC AUC, PR AUC, σ_ratio and the best cut (t*, AMS, s, b) from one sort of the scores.

    Same values as :func:`roc_auc`, :func:`pr_auc`, :func:`significance_ratio` and
    :func:`best_cut` called one by one (4x fewer sorts on large samples).
    """
    cum = _cumulative(labels, scores, weights)
    tpr = np.concatenate([[0.0], cum.s / cum.s[-1]])
    fpr = np.concatenate([[0.0], cum.b / cum.b[-1]])
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)
    passed = cum.s + cum.b
    precision = np.divide(cum.s, passed, out=np.zeros_like(passed), where=passed != 0)
    average_precision = float(max(0.0, np.sum(np.diff(tpr) * precision)))
    significance = ams(cum.s, cum.b)
    i = int(np.argmax(significance))
    return MetricSummary(auc, average_precision, _sigma_ratio(cum), float(cum.thresholds[i]),
                         float(significance[i]), float(cum.s[i]), float(cum.b[i]))


def _sigma_ratio(cum: _Cumulative) -> float:
    # s_t / sqrt(s_max (s_t + b_t)) rather than AMS / sqrt(s_max): exactly 1 when perfect
    passed = cum.s[-1] * (cum.s + cum.b)
    positive = passed > 0
    ratio = np.divide(cum.s, np.sqrt(np.where(positive, passed, 1.0)), out=np.zeros_like(passed),
                      where=positive)
    return float(ratio.max())
