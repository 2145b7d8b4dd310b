"""Weighted bootstrap confidence intervals of the per-mass metrics (ROC AUC, σ_ratio).

The test sample is resampled with Poisson(1) multiplicities per event (the "Poisson
bootstrap": each event's weight is multiplied by an independent k ~ Poisson(1), which for
large N is the multinomial bootstrap of N events with replacement). Physics weights are kept:
an event of weight w enters a replica with weight k·w. The scores are sorted once; every
replica only re-accumulates the weights over the fixed order of distinct scores, so a replica
costs O(N) instead of O(N log N).

Intervals are percentile intervals of the replicas at ``level`` (default 68.27 %, ±1σ);
``std`` is the replicas' standard deviation. The central value stays the metric of the
sample itself (:func:`hepconditioning.metrics.summarize`).

Reference for the metrics: Anzalone, Diotalevi, Bonacorsi, arXiv:2202.00424, section 4.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from hepconditioning.metrics import MetricInputError, roc_auc, significance_ratio

__all__ = ["BootstrapInterval", "MetricIntervals", "bootstrap_metrics"]


class BootstrapInterval(NamedTuple):
    """``value`` of the sample, percentile interval ``[low, high]`` and replica ``std``."""

    value: float
    low: float
    high: float
    std: float


class MetricIntervals(NamedTuple):
    """Bootstrap intervals of the weighted ROC AUC and of σ_ratio."""

    auc: BootstrapInterval
    sigma_ratio: BootstrapInterval


def _grouped(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Event order (decreasing score) and each sorted event's distinct-score group index."""
    order = np.argsort(scores, kind="stable")[::-1]
    s = scores[order]
    group = np.concatenate([[0], np.cumsum(s[1:] != s[:-1])])
    return order, group, int(group[-1]) + 1


def _replica_metrics(w_sig: np.ndarray, w_bkg: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[float, float]:
    s = np.cumsum(np.bincount(group, weights=w_sig, minlength=n_groups))
    b = np.cumsum(np.bincount(group, weights=w_bkg, minlength=n_groups))
    s_tot, b_tot = s[-1], b[-1]
    if not (s_tot > 0 and b_tot > 0):
        return np.nan, np.nan
    tpr = np.concatenate([[0.0], s / s_tot])
    fpr = np.concatenate([[0.0], b / b_tot])
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)
    passed = s_tot * (s + b)
    ratio = np.divide(s, np.sqrt(np.where(passed > 0, passed, 1.0)), out=np.zeros_like(s), where=passed > 0)
    return auc, float(ratio.max())


def bootstrap_metrics(labels: Any, scores: Any, weights: Any = None, *, n_resamples: int = 200,
                      seed: int = 0, level: float = 0.6827) -> MetricIntervals:
    """Poisson-bootstrap intervals of the weighted ROC AUC and σ_ratio.

    Args:
        labels: ``(N,)`` 1 = signal, 0 = background.
        scores: ``(N,)`` classifier output.
        weights: ``(N,)`` event weights (default 1), e.g. the per-mass class balancing.
        n_resamples: bootstrap replicas (≥ 2).
        seed: seed of the Poisson multiplicities (same seed, same interval).
        level: central probability of the percentile interval (0.6827: ±1σ, 0.95: 95 %).

    Returns:
        :class:`MetricIntervals`; each ``value`` equals :func:`~hepconditioning.metrics.roc_auc`
        / :func:`~hepconditioning.metrics.significance_ratio` of the sample.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = rng.integers(0, 2, 2000); x = y + rng.normal(size=2000)
        >>> ci = bootstrap_metrics(y, x, n_resamples=50).auc
        >>> ci.low < ci.value < ci.high
        True
    """
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 2:
        raise ValueError(f"n_resamples must be an integer >= 2, got {n_resamples!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.6827 for ±1σ or 0.95; got {level!r}")
    auc = roc_auc(labels, scores, weights)  # validates the inputs (shapes, labels, NaN)
    ratio = significance_ratio(labels, scores, weights)
    labels = np.asarray(labels)
    scores = np.asarray(scores)
    weights = np.ones(scores.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    order, group, n_groups = _grouped(labels, scores)
    signal = (labels == 1)[order]
    w = weights[order]
    rng = np.random.default_rng([seed, 0xB007])
    replicas = np.empty((int(n_resamples), 2))
    for i in range(int(n_resamples)):
        wk = w * rng.poisson(1.0, w.shape[0])
        replicas[i] = _replica_metrics(np.where(signal, wk, 0.0), np.where(signal, 0.0, wk), group, n_groups)
    if np.isnan(replicas).all():
        raise MetricInputError("every bootstrap replica lost a class; the sample is too small for a bootstrap")
    tail = 50.0 * (1.0 - float(level))
    low, high = np.nanpercentile(replicas, [tail, 100.0 - tail], axis=0)
    std = np.nanstd(replicas, axis=0, ddof=1)
    return MetricIntervals(BootstrapInterval(auc, float(low[0]), float(high[0]), float(std[0])),
                           BootstrapInterval(ratio, float(low[1]), float(high[1]), float(std[1])))
