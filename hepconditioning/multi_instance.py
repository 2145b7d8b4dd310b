"""Multi-instance classification: decide the class of N events known to share one class.

[Bialas18] Białas, Nemeth, Richter-Wąs, "A multi-instance deep neural network classifier:
application to Higgs boson CP measurement", arXiv:1803.00838.

A single-event classifier gives p = p(A|x). Its log-likelihood ratio ℓ(x) = ln(p/(1 − p))
adds up over independent events, so for a series x₁…x_N

    P(A|x₁…x_N) = Πpᵢ / (Πpᵢ + Π(1 − pᵢ)) > t   ⇔   Σᵢ ℓ(xᵢ) > T = ln(t/(1 − t)).

Everything here therefore works with ℓ (never with a product of N probabilities). With
μ_A, σ_A (μ_B, σ_B) the weighted mean and standard deviation of ℓ under class A (B), the
central-limit theorem predicts

    TPR_N(t) = Φ((N μ_A − T)/(√N σ_A)),   FPR_N(t) = Φ((N μ_B − T)/(√N σ_B)),
    AUC_N    = Φ(√N (μ_A − μ_B)/√(σ_A² + σ_B²)),

exact when ℓ is Gaussian. ``empirical_rates`` / ``empirical_auc`` measure the same by
weighted resampling of series, to check the prediction on a real (skewed) ℓ. The oracle
(``oracle_score``, ``oracle_llr``) turns the per-event weights w_A, w_B of the two hypotheses
(H→ττ: w_A = W(0), w_B = W(α_B)) into the best possible ℓ = ln(w_A/w_B), so the same
functions give the oracle's μ/σ and curves. Class A is the class with label 1.

Example:
    >>> import numpy as np
    >>> m = ClassMoments(mu_a=0.1, sigma_a=0.5, mu_b=-0.1, sigma_b=0.5)
    >>> round(float(predicted_auc(m, 1)), 4), round(float(predicted_auc(m, 100)), 4)
    (0.6114, 0.9977)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, ndtr
from scipy.stats import rankdata

from hepconditioning.errors import EmptyInputError, HepConditioningError, NonFiniteError

__all__ = [
    "DEFAULT_EPS",
    "ClassMoments",
    "ClassWeights",
    "MultiInstanceError",
    "OptimalThreshold",
    "Rates",
    "class_moments",
    "class_weights",
    "empirical_auc",
    "empirical_rates",
    "log_likelihood_ratio",
    "optimal_threshold",
    "oracle_llr",
    "oracle_score",
    "predicted_auc",
    "predicted_rates",
    "series_sums",
]

#: Probabilities are clipped to [eps, 1 − eps] before the logit, so |ℓ| ≤ ln((1 − eps)/eps)
#: ≈ 16.1. Only scores that float32 cannot tell from 0 or 1 are touched (its spacing just
#: below 1 is 6e-8); pass logits, or a smaller eps with float64 scores, to keep more range.
DEFAULT_EPS = 1e-7

_WHERE = "multi-instance input"
_BLOCK = 1 << 22  # resampled events held in memory at once (32 MiB of float64)


class MultiInstanceError(HepConditioningError, ValueError):
    """Invalid input to a multi-instance function (range, weights, N, threshold)."""


class ClassMoments(NamedTuple):
    """Weighted mean and standard deviation of ℓ under class A and under class B."""

    mu_a: float
    sigma_a: float
    mu_b: float
    sigma_b: float


class ClassWeights(NamedTuple):
    """Per-event weights of class A and class B, ``(N,)`` each."""

    weights_a: np.ndarray
    weights_b: np.ndarray


class Rates(NamedTuple):
    """True- and false-positive rates of the multi-instance decision Σℓ > T."""

    tpr: np.ndarray | float
    fpr: np.ndarray | float


class OptimalThreshold(NamedTuple):
    """Threshold minimizing (1 − TPR_N) + FPR_N.

    ``log_threshold`` is T* on Σℓ (use it: safe for any N); ``threshold`` = sigmoid(T*) is the
    cut on P(A|x₁…x_N) (rounds to 0 or 1 in float64 once |T*| ≳ 37); ``event_threshold`` =
    sigmoid(T*/N) is the equivalent single-event probability p*: Σℓ > T* ⇔ mean ℓ > logit(p*).
    """

    threshold: np.ndarray | float
    log_threshold: np.ndarray | float
    event_threshold: np.ndarray | float


# ----------------------------------------------------------------------------- validation


def _scalar_or_array(a: np.ndarray) -> np.ndarray | float:
    return float(a) if a.ndim == 0 else a


def _finite(name: str, values: ArrayLike) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise NonFiniteError(name, int(bad.sum()), arr.size, where=_WHERE)
    return arr


def _events(name: str, values: ArrayLike, size: int | None = None) -> np.ndarray:
    arr = _finite(name, values)
    if arr.ndim != 1:
        raise MultiInstanceError(f"{name} must be 1-dimensional (one value per event), got shape {arr.shape}")
    if arr.size == 0:
        raise EmptyInputError(f"{name} is empty; need at least one event")
    if size is not None and arr.size != size:
        raise MultiInstanceError(f"{name} has {arr.size} entries but llr has {size}; pass one per event")
    return arr


def _weight_sum(name: str, weights: np.ndarray) -> float:
    total = float(weights.sum())
    if not total > 0:
        raise MultiInstanceError(
            f"{name} sum to {total:g}; the class needs a positive total weight (check that it has "
            "events, e.g. labels == 1 for class A, and that the weights are not all zero)"
        )
    return total


def _eps(eps: float) -> float:
    if not 0 <= eps < 0.5:
        raise MultiInstanceError(f"eps must be in [0, 0.5), got {eps!r}")
    return float(eps)


def _n(n: ArrayLike, *, integer: bool) -> np.ndarray:
    arr = np.asarray(n)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"n (events per series) must be a number or an array of numbers, got {n!r}")
    arr = _finite("n", arr)
    if (arr < 1).any():
        raise MultiInstanceError(f"n (events per series) must be >= 1, got {arr[arr < 1].ravel()[0]:g}")
    fractional = arr != np.round(arr)
    if integer and fractional.any():
        raise MultiInstanceError(f"n must be whole numbers of events for resampling, got {arr[fractional].ravel()[0]:g}")
    return arr.astype(np.int64) if integer else arr


def _moments(moments: ClassMoments | tuple[float, float, float, float]) -> ClassMoments:
    m = ClassMoments(*(float(v) for v in moments))
    if not all(np.isfinite(m)) or not (m.sigma_a > 0 and m.sigma_b > 0):
        raise MultiInstanceError(f"moments need finite means and positive finite widths, got {m}")
    return m


def _log_threshold(threshold: ArrayLike | None, log_threshold: ArrayLike | None) -> np.ndarray:
    if threshold is not None and log_threshold is not None:
        raise TypeError("pass either threshold (a probability) or log_threshold (on Σℓ), not both")
    if log_threshold is not None:
        return _finite("log_threshold", log_threshold)
    t = _finite("threshold", 0.5 if threshold is None else threshold)
    if ((t <= 0) | (t >= 1)).any():
        raise MultiInstanceError(
            f"threshold must be a probability in (0, 1), got {t[(t <= 0) | (t >= 1)].ravel()[0]:g}; "
            "for extreme cuts pass log_threshold = ln(t/(1 − t)) instead"
        )
    return np.log(t) - np.log1p(-t)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# ----------------------------------------------------------------------------- per event


def log_likelihood_ratio(
    probabilities: ArrayLike | None = None, *, logits: ArrayLike | None = None, eps: float = DEFAULT_EPS
) -> np.ndarray:
    """Per-event log-likelihood ratio ℓ = ln(p/(1 − p)) = logit(p), float64, same shape.

    Pass ``logits`` when the model gives them (preferred: exact, no clipping); they are
    returned as float64. Probabilities must lie in [0, 1] (values outside raise
    ``MultiInstanceError``); they are clipped to [eps, 1 − eps] (``DEFAULT_EPS`` = 1e-7, so
    |ℓ| ≤ 16.1), which makes exactly 0 and 1 finite. ``eps=0`` switches clipping off and makes
    exactly 0 or 1 an error instead. [Bialas18]
    """
    if (probabilities is None) == (logits is None):
        raise TypeError("pass exactly one of probabilities or logits=")
    if logits is not None:
        return _finite("logits", logits)
    eps = _eps(eps)
    p = _finite("probabilities", probabilities)
    outside = (p < 0) | (p > 1) if eps > 0 else (p <= 0) | (p >= 1)
    if outside.any():
        interval = "[0, 1]" if eps > 0 else "(0, 1) (eps=0 turns clipping off)"
        raise MultiInstanceError(
            f"probabilities must lie in {interval}; {int(outside.sum())} of {p.size} do not, "
            f"e.g. {p[outside].ravel()[0]:g}. Pass logits= if the model returns logits"
        )
    p = np.clip(p, eps, 1 - eps)
    return np.log(p) - np.log1p(-p)


def class_weights(labels: ArrayLike, weights: ArrayLike | None = None) -> ClassWeights:
    """Labelled form → per-class weights: w_A = w·[label = 1], w_B = w·[label = 0].

    ``labels (N,)`` in {0, 1}, ``weights (N,)`` (default 1). Use as
    ``class_moments(llr, *class_weights(labels, weights))``.
    """
    y = _events("labels", labels)
    if not np.isin(y, (0.0, 1.0)).all():
        raise MultiInstanceError(f"labels must be 0 or 1, got {np.unique(y[~np.isin(y, (0.0, 1.0))])[:5]}")
    w = np.ones_like(y) if weights is None else _events("weights", weights, y.size)
    return ClassWeights(np.where(y == 1, w, 0.0), np.where(y == 0, w, 0.0))


def class_moments(llr: ArrayLike, weights_a: ArrayLike, weights_b: ArrayLike) -> ClassMoments:
    """Weighted mean and (population) standard deviation of ℓ under each class.

    μ_A = Σ w_A ℓ / Σ w_A, σ_A² = Σ w_A (ℓ − μ_A)² / Σ w_A, same for B. ``llr``,
    ``weights_a``, ``weights_b`` are ``(N,)``: in the H→ττ setting the *same* events carry
    both weights (w_A = W(0), w_B = W(α)); for a labelled sample use :func:`class_weights`.
    Negative weights are allowed but each class must have a positive total. [Bialas18]
    """
    ell = _events("llr", llr)
    out = []
    for name, weights in (("weights_a", weights_a), ("weights_b", weights_b)):
        w = _events(name, weights, ell.size)
        total = _weight_sum(name, w)
        mu = float(w @ ell) / total
        var = float(w @ (ell - mu) ** 2) / total
        if var < 0:
            raise MultiInstanceError(f"{name} give a negative variance of llr ({var:g}); too many negative weights")
        out += [mu, var**0.5]
    return ClassMoments(*out)


# ----------------------------------------------------------------------------- predictions


def predicted_rates(
    moments: ClassMoments, n: ArrayLike, threshold: ArrayLike | None = None, *, log_threshold: ArrayLike | None = None
) -> Rates:
    """CLT prediction of TPR_N and FPR_N for the decision P(A|x₁…x_N) > t ⇔ Σℓ > T.

    TPR_N(t) = Φ((N μ_A − T)/(√N σ_A)), FPR_N(t) = Φ((N μ_B − T)/(√N σ_B)), T = ln(t/(1 − t)),
    Φ the standard normal CDF. ``threshold`` t in (0, 1) (default 0.5, i.e. T = 0) or
    ``log_threshold`` T directly. ``n`` (≥ 1; real values interpolate) and the threshold
    broadcast against each other. Exact for Gaussian ℓ. [Bialas18]
    """
    m = _moments(moments)
    nn, T = np.broadcast_arrays(_n(n, integer=False), _log_threshold(threshold, log_threshold))
    root = np.sqrt(nn)
    tpr = ndtr((nn * m.mu_a - T) / (root * m.sigma_a))
    fpr = ndtr((nn * m.mu_b - T) / (root * m.sigma_b))
    return Rates(_scalar_or_array(tpr), _scalar_or_array(fpr))


def predicted_auc(moments: ClassMoments, n: ArrayLike) -> np.ndarray | float:
    """CLT prediction AUC_N = Φ(√N (μ_A − μ_B)/√(σ_A² + σ_B²)), vectorized over ``n`` ≥ 1.

    AUC_N = P(Σℓ under A > Σℓ under B); exact for Gaussian ℓ, and for N = 1 it is the
    single-event AUC of Gaussian ℓ. [Bialas18]
    """
    m = _moments(moments)
    nn = _n(n, integer=False)
    return _scalar_or_array(ndtr(np.sqrt(nn) * (m.mu_a - m.mu_b) / np.hypot(m.sigma_a, m.sigma_b)))


def optimal_threshold(moments: ClassMoments, n: ArrayLike = 1, *, method: str = "crossing") -> OptimalThreshold:
    """Threshold T* on Σℓ minimizing the misclassification (1 − TPR_N) + FPR_N.

    With the CLT, Σℓ ~ 𝒩(m_A = Nμ_A, v_A = Nσ_A²) under A and 𝒩(m_B, v_B) under B; the
    derivative of (1 − TPR) + FPR is pdf_A(T) − pdf_B(T), so T* is a crossing of the two
    densities: g(T) = ln pdf_A − ln pdf_B = a T² + b T + c = 0 with
    a = 1/(2v_B) − 1/(2v_A), b = m_A/v_A − m_B/v_B, c = m_B²/(2v_B) − m_A²/(2v_A) + ½ ln(v_B/v_A).
    Two normal densities always cross; the minimum is the root where g rises (g'(T*) > 0),
    T* = (−b + √(b² − 4ac))/(2a) — the larger root when σ_A > σ_B, the smaller when
    σ_A < σ_B — evaluated as 2c/(−b − √(b² − 4ac)) when b > 0 (no cancellation as a → 0).
    It is the global minimum: the other root is a maximum and the error tends to 1 at ±∞.

    ``method="midpoint"`` gives the equal-σ solution of [Bialas18], T* = N(μ_A + μ_B)/2,
    i.e. the single-event threshold p* = 1/(1 + exp(−(μ_A + μ_B)/2)) for every N; "crossing"
    (default) equals it when σ_A = σ_B. Both need μ_A > μ_B (ℓ larger under class A).
    Vectorized over ``n`` ≥ 1. Shifting every ℓ by a constant shifts T* by N times it, so the
    rates at T* do not depend on the calibration of the network (unlike the fixed t = 0.5).
    """
    m = _moments(moments)
    if not m.mu_a > m.mu_b:
        raise MultiInstanceError(
            f"llr does not separate the classes: mu_a = {m.mu_a:g} <= mu_b = {m.mu_b:g}; "
            "were weights_a and weights_b (or the labels) swapped?"
        )
    nn = _n(n, integer=False)
    m_a, m_b, v_a, v_b = nn * m.mu_a, nn * m.mu_b, nn * m.sigma_a**2, nn * m.sigma_b**2
    if method == "midpoint":
        T = (m_a + m_b) / 2
    elif method == "crossing":
        a = 1 / (2 * v_b) - 1 / (2 * v_a)
        b = m_a / v_a - m_b / v_b
        c = m_b**2 / (2 * v_b) - m_a**2 / (2 * v_a) + 0.5 * np.log(v_b / v_a)
        root = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
        # a = 0 needs b > 0, which holds for sigma_a == sigma_b and mu_a > mu_b
        with np.errstate(divide="ignore", invalid="ignore"):
            T = np.where(b > 0, 2 * c / (-b - root), (-b + root) / (2 * a))
    else:
        raise MultiInstanceError(f"method must be 'crossing' or 'midpoint', got {method!r}")
    return OptimalThreshold(_scalar_or_array(expit(T)), _scalar_or_array(T), _scalar_or_array(expit(T / nn)))


# ----------------------------------------------------------------------------- resampling


def _resampling_weights(name: str, weights: ArrayLike, size: int) -> np.ndarray:
    w = _events(name, weights, size)
    if (w < 0).any():
        raise MultiInstanceError(
            f"{name} has {int((w < 0).sum())} negative value(s) (e.g. {w[w < 0][0]:g}); "
            "weighted resampling needs weights >= 0"
        )
    _weight_sum(name, w)
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
    ell = _events("llr", llr)
    w = _resampling_weights("weights", weights, ell.size)
    return _draw_sums(ell, w, _n(n, integer=True), int(n_series), _rng(seed))


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
    T = _log_threshold(threshold, log_threshold)
    nn = _n(n, integer=True)
    n_b, T_b = np.broadcast_arrays(nn, T)
    unique, inverse = np.unique(n_b, return_inverse=True)
    ell = _events("llr", llr)
    rng = _rng(seed)
    rates = []
    for name, weights in (("weights_a", weights_a), ("weights_b", weights_b)):
        w = _resampling_weights(name, weights, ell.size)
        sums = np.sort(_draw_sums(ell, w, unique, int(n_series), rng), axis=-1)
        above = np.empty(n_b.shape)
        for k in range(unique.size):
            sel = inverse.reshape(n_b.shape) == k
            above[sel] = n_series - np.searchsorted(sums[k], T_b[sel], side="right")
        rates.append(_scalar_or_array(above / n_series))
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
    ell = _events("llr", llr)
    w_a = _resampling_weights("weights_a", weights_a, ell.size)
    w_b = _resampling_weights("weights_b", weights_b, ell.size)
    nn = _n(n, integer=True)
    rng = _rng(seed)
    s_a = _draw_sums(ell, w_a, nn, int(n_series), rng)
    s_b = _draw_sums(ell, w_b, nn, int(n_series), rng)
    ranks = rankdata(np.concatenate([s_a, s_b], axis=-1), axis=-1)
    ns = s_a.shape[-1]
    auc = (ranks[..., :ns].sum(axis=-1) - ns * (ns + 1) / 2) / (ns * s_b.shape[-1])
    return _scalar_or_array(np.asarray(auc))


# ----------------------------------------------------------------------------- oracle


def _oracle_weights(weights_a: ArrayLike, weights_b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    w_a, w_b = np.broadcast_arrays(_finite("weights_a", weights_a), _finite("weights_b", weights_b))
    for name, w in (("weights_a", w_a), ("weights_b", w_b)):
        if (w < 0).any():
            raise MultiInstanceError(f"{name} has {int((w < 0).sum())} negative value(s); the oracle needs weights >= 0")
    return w_a, w_b


def oracle_score(weights_a: ArrayLike, weights_b: ArrayLike) -> np.ndarray:
    """Oracle probability p = w_A/(w_A + w_B), the best single-event classifier.

    H→ττ: w_A = W(0), w_B = W(α_B) of the same event [Jozefowicz16, Bialas18]. Weights must be
    ≥ 0; an event with w_A = w_B = 0 carries no weight in either class and gets p = 0.5.
    """
    w_a, w_b = _oracle_weights(weights_a, weights_b)
    total = w_a + w_b
    return np.divide(w_a, total, out=np.full(total.shape, 0.5), where=total > 0)


def oracle_llr(weights_a: ArrayLike, weights_b: ArrayLike, *, eps: float = DEFAULT_EPS) -> np.ndarray:
    """Oracle log-likelihood ratio ℓ = ln(w_A/w_B) = logit(:func:`oracle_score`).

    Clipped exactly like :func:`log_likelihood_ratio` clips probabilities: |ℓ| ≤
    ln((1 − eps)/eps) (16.1 for the default), so w_A = 0 or w_B = 0 give a finite ℓ;
    w_A = w_B = 0 gives ℓ = 0. ``eps=0`` makes a zero weight (on one side) an error instead.
    Feed it to :func:`class_moments` with (w_A, w_B) for the oracle's μ/σ and curves.
    """
    eps = _eps(eps)
    w_a, w_b = _oracle_weights(weights_a, weights_b)
    pos_a, pos_b = w_a > 0, w_b > 0
    if eps == 0 and (pos_a != pos_b).any():
        raise MultiInstanceError(
            f"{int((pos_a != pos_b).sum())} event(s) have exactly one zero weight, so ln(w_a/w_b) is "
            "infinite; pass eps > 0 to clip"
        )
    bound = np.log1p(-eps) - np.log(eps) if eps > 0 else np.inf
    ell = np.zeros(w_a.shape)
    both = pos_a & pos_b
    ell[both] = np.log(w_a[both]) - np.log(w_b[both])
    ell[pos_a & ~pos_b] = bound
    ell[~pos_a & pos_b] = -bound
    return np.clip(ell, -bound, bound)
