"""Empirical multi-instance rates and AUC by weighted resampling of series of N events.

Measures what :mod:`hepconditioning.multi_instance.clt` predicts, to check the prediction on
a real (skewed) ℓ: series of N events are drawn with replacement, with probability ∝ the
class weight, and their Σℓ compared with the threshold or with each other. [Bialas18]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata

from hepconditioning.multi_instance.checks import (
    MultiInstanceError,
    as_events,
    as_log_threshold,
    as_n,
    scalar_or_array,
    weight_sum,
)
from hepconditioning.multi_instance.clt import Rates, predicted_rates
from hepconditioning.multi_instance.llr import class_moments

__all__ = ["RateComparison", "compare_rates", "empirical_auc", "empirical_rates", "series_sums"]

_BLOCK = 1 << 22  # resampled events held in memory at once (32 MiB of float64)


def series_sums(
    llr: ArrayLike, weights: ArrayLike, n: ArrayLike, *, n_series: int = 10_000,
    seed: int | np.random.Generator | None,
) -> np.ndarray:
    """Σℓ over ``n_series`` series of N events drawn with replacement, probability ∝ weight.

    Returns shape ``np.shape(n) + (n_series,)``. Weights must be ≥ 0 with a positive sum
    (``MultiInstanceError`` otherwise); zero-weight events are never drawn. For an array
    ``n`` the series are nested: the sum for N uses the first N events of the series drawn
    for max(n), so curves vs N are smooth and each N on its own is an unbiased sample.
    Memory is bounded by drawing blocks of series (2²² events at a time).
    """
    ell = as_events("llr", llr)
    w = _resampling_weights("weights", weights, ell.size)
    return _draw_sums(ell, w, as_n(n, integer=True), int(n_series), _rng(seed))


def empirical_rates(
    llr: ArrayLike, weights_a: ArrayLike, weights_b: ArrayLike, n: ArrayLike, *,
    threshold: ArrayLike | None = None, log_threshold: ArrayLike | None = None,
    n_series: int = 10_000, seed: int | np.random.Generator | None,
) -> Rates:
    """Measured TPR_N, FPR_N of Σℓ > T from resampled series (compare :func:`predicted_rates`).

    Class-A series draw events with probability ∝ w_A, class-B series ∝ w_B (see
    :func:`series_sums`); TPR = fraction of class-A series with Σℓ > T, FPR likewise for B.
    ``n`` and the threshold broadcast as in :func:`predicted_rates`. Binomial uncertainty
    √(r(1 − r)/n_series). [Bialas18]
    """
    T = as_log_threshold(threshold, log_threshold)
    nn = as_n(n, integer=True)
    n_b, T_b = np.broadcast_arrays(nn, T)
    unique, inverse = np.unique(n_b, return_inverse=True)
    ell = as_events("llr", llr)
    w_a = _resampling_weights("weights_a", weights_a, ell.size)
    w_b = _resampling_weights("weights_b", weights_b, ell.size)  # both checked before drawing
    rng = _rng(seed)
    rates = []
    for w in (w_a, w_b):
        sums = np.sort(_draw_sums(ell, w, unique, int(n_series), rng), axis=-1)
        above = np.empty(n_b.shape)
        for k in range(unique.size):
            sel = inverse.reshape(n_b.shape) == k
            above[sel] = n_series - np.searchsorted(sums[k], T_b[sel], side="right")
        rates.append(scalar_or_array(above / n_series))
    return Rates(*rates)


def empirical_auc(
    llr: ArrayLike, weights_a: ArrayLike, weights_b: ArrayLike, n: ArrayLike, *,
    n_series: int = 10_000, seed: int | np.random.Generator | None,
) -> np.ndarray | float:
    """Measured AUC_N between resampled class-A and class-B series sums Σℓ.

    AUC_N = P(S_A > S_B) + ½ P(S_A = S_B), by the Mann–Whitney rank formula
    (R_A − n_s(n_s + 1)/2)/n_s² on the equally weighted series (the event weights enter
    through the resampling), identical to ``sklearn.metrics.roc_auc_score``. Vectorized over
    ``n``; compare :func:`predicted_auc`. [Bialas18]
    """
    ell = as_events("llr", llr)
    w_a = _resampling_weights("weights_a", weights_a, ell.size)
    w_b = _resampling_weights("weights_b", weights_b, ell.size)
    nn = as_n(n, integer=True)
    rng = _rng(seed)
    s_a = _draw_sums(ell, w_a, nn, int(n_series), rng)
    s_b = _draw_sums(ell, w_b, nn, int(n_series), rng)
    ranks = rankdata(np.concatenate([s_a, s_b], axis=-1), axis=-1)
    ns = s_a.shape[-1]
    auc = (ranks[..., :ns].sum(axis=-1) - ns * (ns + 1) / 2) / (ns * s_b.shape[-1])
    return scalar_or_array(np.asarray(auc))


class RateComparison(NamedTuple):
    """TPR_N, FPR_N measured by resampling and predicted by the CLT, for the same thresholds."""

    measured: Rates
    predicted: Rates


def compare_rates(
    llr: ArrayLike, weights_a: ArrayLike, weights_b: ArrayLike, n: ArrayLike, *,
    log_threshold: ArrayLike, n_series: int = 10_000, seed: int | np.random.Generator | None,
) -> RateComparison:
    """:func:`empirical_rates` next to :func:`~hepconditioning.multi_instance.predicted_rates`
    (with the class moments of ``llr``), for the decisions Σℓ > T of series of ``n`` events."""
    measured = empirical_rates(llr, weights_a, weights_b, n, log_threshold=log_threshold, n_series=n_series,
                               seed=seed)
    predicted = predicted_rates(class_moments(llr, weights_a, weights_b), n, log_threshold=log_threshold)
    return RateComparison(measured, predicted)


def _resampling_weights(name: str, weights: ArrayLike, size: int) -> np.ndarray:
    w = as_events(name, weights, size)
    if (w < 0).any():
        raise MultiInstanceError(
            f"{name} has {int((w < 0).sum())} negative value(s) (e.g. {w[w < 0][0]:g}); "
            "weighted resampling needs weights >= 0"
        )
    weight_sum(name, w)
    return w


def _draw_sums(ell: np.ndarray, w: np.ndarray, nn: np.ndarray, n_series: int,
               rng: np.random.Generator) -> np.ndarray:
    if n_series < 1:
        raise MultiInstanceError(f"n_series must be >= 1, got {n_series!r}")
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    n_max = int(nn.max())
    columns = nn.ravel() - 1
    out = np.empty((columns.size, n_series))
    block = max(1, _BLOCK // n_max)
    for start in range(0, n_series, block):  # blocks of series, each block vectorized
        stop = min(start + block, n_series)
        idx = np.searchsorted(cdf, rng.random((stop - start, n_max)), side="right")
        sums = np.cumsum(ell[np.minimum(idx, ell.size - 1)], axis=1)
        out[:, start:stop] = sums[:, columns].T
    return out.reshape((*nn.shape, n_series))


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
