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

Modules: :mod:`~hepconditioning.multi_instance.llr` (per-event ℓ, oracle, class moments),
:mod:`~hepconditioning.multi_instance.clt` (predicted rates, AUC_N, optimal threshold),
:mod:`~hepconditioning.multi_instance.empirical` (resampling estimates),
:mod:`~hepconditioning.multi_instance.estimate` (a parameter from series: likelihood scan,
per-value Platt scaling),
:mod:`~hepconditioning.multi_instance.checks` (input checks, ``MultiInstanceError``).

Example:
    >>> import numpy as np
    >>> m = ClassMoments(mu_a=0.1, sigma_a=0.5, mu_b=-0.1, sigma_b=0.5)
    >>> round(float(predicted_auc(m, 1)), 4), round(float(predicted_auc(m, 100)), 4)
    (0.6114, 0.9977)
"""

from __future__ import annotations

from hepconditioning.multi_instance.checks import MultiInstanceError
from hepconditioning.multi_instance.clt import (
    OptimalThreshold,
    Rates,
    optimal_threshold,
    predicted_auc,
    predicted_rates,
)
from hepconditioning.multi_instance.empirical import (
    RateComparison,
    compare_rates,
    empirical_auc,
    empirical_rates,
    series_sums,
)
from hepconditioning.multi_instance.estimate import PlattScaling, estimate_parameter, platt_scaling
from hepconditioning.multi_instance.llr import (
    DEFAULT_EPS,
    ClassMoments,
    ClassWeights,
    class_moments,
    class_weights,
    log_likelihood_ratio,
    oracle_llr,
    oracle_score,
)

__all__ = [
    "DEFAULT_EPS",
    "ClassMoments",
    "ClassWeights",
    "MultiInstanceError",
    "OptimalThreshold",
    "PlattScaling",
    "RateComparison",
    "Rates",
    "class_moments",
    "class_weights",
    "compare_rates",
    "empirical_auc",
    "empirical_rates",
    "estimate_parameter",
    "log_likelihood_ratio",
    "optimal_threshold",
    "oracle_llr",
    "oracle_score",
    "platt_scaling",
    "predicted_auc",
    "predicted_rates",
    "series_sums",
]


def __dir__() -> list[str]:
    return __all__
