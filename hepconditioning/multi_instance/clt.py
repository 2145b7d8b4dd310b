"""Central-limit predictions for a series of N events: TPR_N, FPR_N, AUC_N, optimal threshold.

With μ_A, σ_A (μ_B, σ_B) the weighted mean and standard deviation of ℓ under class A (B)
(:func:`~hepconditioning.multi_instance.class_moments`), Σℓ over N independent events is
approximately 𝒩(N μ, N σ²) under each class, so

    TPR_N(t) = Φ((N μ_A − T)/(√N σ_A)),   FPR_N(t) = Φ((N μ_B − T)/(√N σ_B)),
    AUC_N    = Φ(√N (μ_A − μ_B)/√(σ_A² + σ_B²)),

with T = ln(t/(1 − t)), exact when ℓ is Gaussian. [Bialas18]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, ndtr

from hepconditioning.multi_instance.checks import (
    MultiInstanceError,
    as_log_threshold,
    as_n,
    scalar_or_array,
)
from hepconditioning.multi_instance.llr import ClassMoments

__all__ = ["OptimalThreshold", "Rates", "optimal_threshold", "predicted_auc", "predicted_rates"]


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
    nn, T = np.broadcast_arrays(as_n(n, integer=False), as_log_threshold(threshold, log_threshold))
    root = np.sqrt(nn)
    tpr = ndtr((nn * m.mu_a - T) / (root * m.sigma_a))
    fpr = ndtr((nn * m.mu_b - T) / (root * m.sigma_b))
    return Rates(scalar_or_array(tpr), scalar_or_array(fpr))


def predicted_auc(moments: ClassMoments, n: ArrayLike) -> np.ndarray | float:
    """CLT prediction AUC_N = Φ(√N (μ_A − μ_B)/√(σ_A² + σ_B²)), vectorized over ``n`` ≥ 1.

    AUC_N = P(Σℓ under A > Σℓ under B); exact for Gaussian ℓ, and for N = 1 it is the
    single-event AUC of Gaussian ℓ. [Bialas18]
    """
    m = _moments(moments)
    nn = as_n(n, integer=False)
    return scalar_or_array(ndtr(np.sqrt(nn) * (m.mu_a - m.mu_b) / np.hypot(m.sigma_a, m.sigma_b)))


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
    nn = as_n(n, integer=False)
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
    return OptimalThreshold(scalar_or_array(expit(T)), scalar_or_array(T), scalar_or_array(expit(T / nn)))


def _moments(moments: ClassMoments | tuple[float, float, float, float]) -> ClassMoments:
    m = ClassMoments(*(float(v) for v in moments))
    if not all(np.isfinite(m)) or not (m.sigma_a > 0 and m.sigma_b > 0):
        raise MultiInstanceError(f"moments need finite means and positive finite widths, got {m}")
    return m
