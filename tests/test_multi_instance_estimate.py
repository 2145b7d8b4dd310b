"""multi_instance.estimate (parameter from series, Platt scaling) and compare_rates."""

from __future__ import annotations

import numpy as np
import pytest

from hepconditioning.multi_instance import (
    MultiInstanceError,
    class_moments,
    compare_rates,
    empirical_rates,
    estimate_parameter,
    platt_scaling,
    predicted_rates,
)

GRID = np.linspace(-1.0, 1.0, 41)


def _gaussian_family(theta_true: float, n_events: int = 20_000, seed: int = 0):
    """Events x ~ N(θ_true, 1) (uniform weights); ln[p(x|θ)/p(x|0)] = θx − θ²/2 on GRID."""
    x = np.random.default_rng(seed).normal(theta_true, 1.0, n_events)
    return GRID[None, :] * x[:, None] - GRID[None, :] ** 2 / 2, np.ones(n_events)


def test_estimate_is_unbiased_and_shrinks_as_one_over_root_n():
    log_ratio, weights = _gaussian_family(0.3)
    estimates = estimate_parameter(log_ratio, weights, GRID, [25, 400], n_series=2000, seed=1)
    assert estimates.shape == (2, 2000)
    np.testing.assert_allclose(estimates.mean(axis=1), 0.3, atol=0.02)
    np.testing.assert_allclose(estimates.std(axis=1), [1 / 5, 1 / 20], rtol=0.1)  # σ/√N, σ = 1
    again = estimate_parameter(log_ratio, weights, GRID, [25, 400], n_series=2000, seed=1)
    np.testing.assert_array_equal(estimates, again)


def test_estimate_rejects_bad_inputs():
    log_ratio, weights = _gaussian_family(0.0, 100)
    with pytest.raises(MultiInstanceError, match="increasing grid"):
        estimate_parameter(log_ratio, weights, GRID[::-1], [10])
    with pytest.raises(MultiInstanceError, match="weights must be"):
        estimate_parameter(log_ratio, -weights, GRID, [10])
    with pytest.raises(MultiInstanceError, match=">= 1"):
        estimate_parameter(log_ratio, weights, GRID, [0])


def test_platt_scaling_undoes_an_affine_miscalibration():
    rng = np.random.default_rng(3)
    ell = rng.normal(0, 1.5, 50_000)
    p = 1 / (1 + np.exp(-ell))  # ℓ is the exact log-likelihood ratio of these soft targets
    distorted = np.stack([(ell - 1.0) / 2.0, ell], axis=1)
    fit = platt_scaling(distorted, p[:, None], (1 - p)[:, None])
    np.testing.assert_allclose(fit.scale, [2.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(fit.offset, [1.0, 0.0], atol=1e-6)


def test_compare_rates_is_measured_next_to_predicted():
    rng = np.random.default_rng(5)
    llr = rng.normal(0, 1, 3000)
    w_a, w_b = np.exp(llr / 2), np.exp(-llr / 2)
    result = compare_rates(llr, w_a, w_b, [1, 10], log_threshold=0.0, n_series=500, seed=2)
    measured = empirical_rates(llr, w_a, w_b, [1, 10], log_threshold=0.0, n_series=500, seed=2)
    np.testing.assert_array_equal(result.measured.tpr, measured.tpr)
    predicted = predicted_rates(class_moments(llr, w_a, w_b), [1, 10], log_threshold=0.0)
    np.testing.assert_array_equal(result.predicted.fpr, predicted.fpr)
