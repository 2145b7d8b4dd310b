from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from hepconditioning.errors import HepConditioningError, NonFiniteError
from hepconditioning.metrics import (
    SIGMA_RATIO_FAILURE,
    BestCut,
    MetricInputError,
    RocCurve,
    ams,
    ams_curve,
    best_cut,
    pr_auc,
    pr_curve,
    roc_auc,
    roc_curve,
    significance_ratio,
    summarize,
)


def sample(n: int, seed: int, *, ties: bool = False, weights: str = "positive"):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    scores = rng.normal(size=n) + 0.8 * labels
    if ties:
        scores = np.round(scores, 1)  # many tied values across classes
    if weights == "none":
        w = None
    elif weights == "positive":
        w = rng.uniform(0.1, 3.0, n)
    else:  # negative weights on ~15 % of the signal events only (sklearn needs monotone fpr)
        w = rng.uniform(0.1, 3.0, n)
        w[(labels == 1) & (rng.random(n) < 0.15)] *= -0.5
    return labels, scores, w


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weights", ["none", "positive", "negative"])
@pytest.mark.parametrize("seed", [0, 1])
def test_auc_and_ap_equal_sklearn(ties, weights, seed):
    labels, scores, w = sample(3000, seed, ties=ties, weights=weights)
    assert roc_auc(labels, scores, w) == pytest.approx(roc_auc_score(labels, scores, sample_weight=w), abs=1e-12)
    assert pr_auc(labels, scores, w) == pytest.approx(
        average_precision_score(labels, scores, sample_weight=w), abs=1e-12
    )


def test_average_precision_with_negative_background_weights_equals_sklearn():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 2000)
    scores = rng.normal(size=2000) + labels
    w = rng.normal(1.0, 0.8, 2000)  # negative weights in both classes
    assert pr_auc(labels, scores, w) == pytest.approx(average_precision_score(labels, scores, sample_weight=w))


def test_roc_curve_points_equal_sklearn():
    labels, scores, w = sample(500, 3, ties=True)
    fpr, tpr, thr = sk_roc_curve(labels, scores, sample_weight=w, drop_intermediate=False)
    curve = roc_curve(labels, scores, w)
    assert isinstance(curve, RocCurve)
    np.testing.assert_allclose(curve.fpr, fpr, atol=1e-12)
    np.testing.assert_allclose(curve.tpr, tpr, atol=1e-12)
    np.testing.assert_array_equal(curve.thresholds[1:], thr[1:])
    assert curve.thresholds[0] == np.inf


def test_pr_curve_endpoints():
    labels, scores, w = sample(400, 4)
    curve = pr_curve(labels, scores, w)
    assert curve.recall[0] == 0 and curve.precision[0] == 1
    assert curve.recall[-1] == pytest.approx(1.0)
    assert curve.precision[-1] == pytest.approx(np.sum(w[labels == 1]) / np.sum(w))


def test_auc_invariant_under_monotone_transforms():
    labels, scores, w = sample(2000, 7, ties=True)
    reference = roc_auc(labels, scores, w)
    for transformed in (np.exp(scores), 1 / (1 + np.exp(-3 * scores)), 5 * scores - 2, scores**3):
        assert roc_auc(labels, transformed, w) == pytest.approx(reference, abs=1e-12)
    assert roc_auc(labels, -scores, w) == pytest.approx(1 - reference, abs=1e-12)


def test_known_values():
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5  # a tie counts one half
    assert roc_auc([0, 1, 1], [0.2, 0.1, 0.9], [1.0, 1.0, 3.0]) == 0.75
    assert float(ams(9.0, 16.0)) == 1.8
    assert float(ams(1.0, 0.0, b_reg=3.0)) == 0.5
    assert float(ams(1.0, -2.0)) == 0.0  # no significance where s + b <= 0


def test_sigma_ratio_perfect_and_constant():
    labels = np.repeat([0, 1], 500)
    assert significance_ratio(labels, labels + 0.1) == 1.0
    assert significance_ratio(labels, np.full(1000, 0.3)) == pytest.approx(SIGMA_RATIO_FAILURE, abs=1e-15)
    assert math.isclose(SIGMA_RATIO_FAILURE, 1 / math.sqrt(2))
    # balanced weights: 1 signal vs 5 background events weighted 1/5 each
    labels = np.array([1, 0, 0, 0, 0, 0])
    w = np.array([1, 0.2, 0.2, 0.2, 0.2, 0.2])
    assert significance_ratio(labels, np.zeros(6), w) == pytest.approx(SIGMA_RATIO_FAILURE)
    # a random classifier is still >= the failure value (the cut keeping all is allowed)
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 5000)
    assert SIGMA_RATIO_FAILURE <= significance_ratio(labels, rng.random(10000)) < 0.75


def brute_force_best(labels, scores, w):
    best = (-1.0, None, None, None)
    for t in np.unique(scores)[::-1]:  # decreasing: ties resolved to the tightest cut
        passed = scores >= t
        s = w[passed & (labels == 1)].sum()
        b = w[passed & (labels == 0)].sum()
        value = s / math.sqrt(s + b) if s + b > 0 else 0.0
        if value > best[0]:
            best = (value, t, s, b)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_best_cut_equals_brute_force_scan(seed):
    labels, scores, w = sample(60, seed, ties=seed % 2 == 0, weights="negative" if seed > 4 else "positive")
    value, t, s, b = brute_force_best(labels, scores, w)
    cut = best_cut(labels, scores, w)
    assert isinstance(cut, BestCut)
    assert cut.threshold == t
    assert cut.ams == pytest.approx(value)
    assert (cut.s, cut.b) == pytest.approx((s, b))
    assert significance_ratio(labels, scores, w) == pytest.approx(value / math.sqrt(w[labels == 1].sum()))


def test_ams_curve_is_cumulative():
    labels, scores, w = sample(300, 9, ties=True)
    curve = ams_curve(labels, scores, w)
    assert np.all(np.diff(curve.thresholds) < 0)
    t = curve.thresholds[10]
    assert curve.s[10] == pytest.approx(w[(scores >= t) & (labels == 1)].sum())
    assert curve.b[10] == pytest.approx(w[(scores >= t) & (labels == 0)].sum())
    np.testing.assert_allclose(curve.ams, curve.s / np.sqrt(curve.s + curve.b))


@pytest.mark.parametrize(
    ("labels", "scores", "weights", "match"),
    [
        ([0, 1, 1], [0.1, 0.2], None, "labels has 3 entries but scores has 2"),
        ([0, 1], [0.1, 0.2], [1.0], "weights has shape"),
        ([1, 1, 1], [0.1, 0.2, 0.3], None, "both classes need a positive total weight"),
        ([0, 0], [0.1, 0.2], None, "both classes need a positive total weight"),
        ([0, 1, 1], [0.1, 0.2, 0.3], [1.0, 1.0, -1.0], "signal 0"),
        ([0, 2], [0.1, 0.2], None, "labels must be 0"),
        ([], [], None, "no events"),
    ],
)
def test_bad_inputs(labels, scores, weights, match):
    for metric in (roc_auc, pr_auc, best_cut, significance_ratio):
        with pytest.raises(MetricInputError, match=match) as info:
            metric(labels, scores, weights)
        assert isinstance(info.value, (ValueError, HepConditioningError))


def test_non_finite_inputs():
    with pytest.raises(NonFiniteError, match=r"'scores'.*1 non-finite"):
        roc_auc([0, 1, 1], [0.1, np.nan, 0.3])
    with pytest.raises(NonFiniteError, match="'weights'"):
        roc_auc([0, 1], [0.1, 0.2], [1.0, np.inf])


@pytest.mark.parametrize("weights", ["none", "negative"])
def test_summarize_equals_individual_metrics(weights):
    labels, scores, w = sample(1000, 11, ties=True, weights=weights)
    summary = summarize(labels, scores, w)
    cut = best_cut(labels, scores, w)
    assert summary.auc == pytest.approx(roc_auc(labels, scores, w), abs=1e-14)
    assert summary.pr_auc == pytest.approx(pr_auc(labels, scores, w), abs=1e-14)
    assert summary.sigma_ratio == significance_ratio(labels, scores, w)
    assert (summary.threshold, summary.ams, summary.s, summary.b) == tuple(cut)


def test_two_hypothesis_auc_equals_sklearn_on_doubled_events():
    from hepconditioning.metrics import two_hypothesis_auc

    rng = np.random.default_rng(8)
    scores, w_a, w_b = rng.normal(size=500), rng.uniform(0, 2, 500), rng.uniform(0, 2, 500)
    expected = roc_auc_score(np.r_[np.ones(500), np.zeros(500)], np.r_[scores, scores], sample_weight=np.r_[w_a, w_b])
    assert two_hypothesis_auc(scores, w_a, w_b) == pytest.approx(expected, abs=1e-12)
