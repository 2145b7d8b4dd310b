"""Weighted Poisson-bootstrap intervals of the per-mass metrics."""

from __future__ import annotations

import numpy as np
import pytest

from hepconditioning.bootstrap import bootstrap_metrics
from hepconditioning.metrics import roc_auc, significance_ratio


def _sample(n: int, seed: int):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    scores = np.round(labels * 0.8 + rng.normal(size=n), 2)  # ties on purpose
    weights = np.where(labels == 1, 1.0, 0.5) * rng.uniform(0.5, 1.5, n)
    return labels, scores, weights


def test_interval_brackets_value_and_matches_spread_of_independent_samples() -> None:
    labels, scores, weights = _sample(4000, 1)
    ci = bootstrap_metrics(labels, scores, weights, n_resamples=300, seed=2)
    assert ci.auc.value == pytest.approx(roc_auc(labels, scores, weights))
    assert ci.sigma_ratio.value == pytest.approx(significance_ratio(labels, scores, weights))
    assert ci.auc.low < ci.auc.value < ci.auc.high
    # the spread of the AUC over independent samples of the same size agrees with the bootstrap σ
    spread = np.std([roc_auc(*_sample(4000, s)) for s in range(10, 40)], ddof=1)
    assert 0.6 < ci.auc.std / spread < 1.6


def test_same_seed_same_interval_and_level_widens() -> None:
    labels, scores, weights = _sample(1000, 3)
    a = bootstrap_metrics(labels, scores, weights, n_resamples=50, seed=4)
    assert a == bootstrap_metrics(labels, scores, weights, n_resamples=50, seed=4)
    wide = bootstrap_metrics(labels, scores, weights, n_resamples=50, seed=4, level=0.95)
    assert wide.auc.high - wide.auc.low > a.auc.high - a.auc.low


def test_bad_options() -> None:
    labels, scores, _weights = _sample(100, 5)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_metrics(labels, scores, n_resamples=1)
    with pytest.raises(ValueError, match="level"):
        bootstrap_metrics(labels, scores, level=1.5)


def test_evaluation_table_bootstrap_option() -> None:
    from hepconditioning import Events
    from hepconditioning.evaluation import evaluate_per_mass, evaluate_scores, evaluation_events

    rng = np.random.default_rng(7)
    n = 3000
    labels = rng.integers(0, 2, n)
    mass = np.where(labels == 1, rng.choice([500.0, 1000.0], n), 500.0)
    x = (labels * mass / 1000 + rng.normal(size=n)).reshape(-1, 1)
    test = Events(x, mass, labels, feature_names=["a"])
    ev = evaluation_events(test)
    scores = ev.x[:, 0] * ev.mass / 1000
    table = evaluate_scores(ev, scores, bootstrap=40, seed=1)
    assert table.auc_ci.shape == (2, 2) and table.sigma_ratio_ci.shape == (2, 2)
    assert np.all(table.auc_ci[:, 0] <= table.auc) and np.all(table.auc <= table.auc_ci[:, 1])
    assert "[" in table.to_markdown()
    plain = evaluate_scores(ev, scores)
    assert plain.auc_ci is None and np.array_equal(plain.auc, table.auc)
    per_mass = evaluate_per_mass(lambda part: part.x[:, 0] * part.mass / 1000, test, bootstrap=40, seed=1)
    np.testing.assert_allclose(per_mass.auc_ci, table.auc_ci)
