"""Per-event log-likelihood ratio ℓ: from a classifier, from the oracle weights; its moments.

A single-event classifier gives p = p(A|x) and ℓ(x) = ln(p/(1 − p)) = logit(p)
(:func:`log_likelihood_ratio`). The oracle (:func:`oracle_score`, :func:`oracle_llr`) turns
the per-event weights w_A, w_B of the two hypotheses (H→ττ: w_A = W(0), w_B = W(α_B)) into
the best possible ℓ = ln(w_A/w_B). :func:`class_moments` gives the weighted μ, σ of ℓ under
each class, the input of the CLT predictions in :mod:`hepconditioning.multi_instance.clt`.
[Bialas18]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from hepconditioning.multi_instance.checks import (
    MultiInstanceError,
    as_events,
    as_finite,
    check_eps,
    weight_sum,
)

__all__ = [
    "DEFAULT_EPS",
    "ClassMoments",
    "ClassWeights",
    "class_moments",
    "class_weights",
    "log_likelihood_ratio",
    "oracle_llr",
    "oracle_score",
]

#: Probabilities are clipped to [eps, 1 − eps] before the logit, so |ℓ| ≤ ln((1 − eps)/eps)
#: ≈ 16.1. Near 1 this moves only 1 itself and the largest float32 below it (1 − 6e-8, its
#: spacing there); near 0 it moves p < 1e-7, which float32 does resolve. Pass logits, or a
#: smaller eps with float64 scores, to keep more range.
DEFAULT_EPS = 1e-7


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
        return as_finite("logits", logits)
    eps = check_eps(eps)
    p = as_finite("probabilities", probabilities)
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
    y = as_events("labels", labels)
    if not np.isin(y, (0.0, 1.0)).all():
        raise MultiInstanceError(f"labels must be 0 or 1, got {np.unique(y[~np.isin(y, (0.0, 1.0))])[:5]}")
    w = np.ones_like(y) if weights is None else as_events("weights", weights, y.size)
    return ClassWeights(np.where(y == 1, w, 0.0), np.where(y == 0, w, 0.0))


def class_moments(llr: ArrayLike, weights_a: ArrayLike, weights_b: ArrayLike) -> ClassMoments:
    """Weighted mean and (population) standard deviation of ℓ under each class.

    μ_A = Σ w_A ℓ / Σ w_A, σ_A² = Σ w_A (ℓ − μ_A)² / Σ w_A, same for B. ``llr``,
    ``weights_a``, ``weights_b`` are ``(N,)``: in the H→ττ setting the *same* events carry
    both weights (w_A = W(0), w_B = W(α)); for a labelled sample use :func:`class_weights`.
    Negative weights are allowed but each class must have a positive total. [Bialas18]
    """
    ell = as_events("llr", llr)
    out = []
    for name, weights in (("weights_a", weights_a), ("weights_b", weights_b)):
        w = as_events(name, weights, ell.size)
        total = weight_sum(name, w)
        mu = float(w @ ell) / total
        var = float(w @ (ell - mu) ** 2) / total
        if var < 0:
            raise MultiInstanceError(f"{name} give a negative variance of llr ({var:g}); too many negative weights")
        out += [mu, var**0.5]
    return ClassMoments(*out)


# -- oracle -------------------------------------------------------------------------------
def _oracle_weights(weights_a: ArrayLike, weights_b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    w_a, w_b = np.broadcast_arrays(as_finite("weights_a", weights_a), as_finite("weights_b", weights_b))
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
    eps = check_eps(eps)
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
