from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from hepconditioning.errors import NonFiniteError
from hepconditioning.multi_instance import (
    DEFAULT_EPS,
    ClassMoments,
    MultiInstanceError,
    class_moments,
    class_weights,
    empirical_auc,
    empirical_rates,
    log_likelihood_ratio,
    optimal_threshold,
    oracle_llr,
    oracle_score,
    predicted_auc,
    predicted_rates,
    series_sums,
)

N_SERIES = 20_000


def _auc_sigma(auc, n):
    """Hanley–McNeil standard error of an AUC from n positives and n negatives."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    return np.sqrt((auc * (1 - auc) + (n - 1) * (q1 - auc**2) + (n - 1) * (q2 - auc**2)) / n**2)


def _labelled(gen_a, gen_b, n=100_000, seed=0):
    """Half class A (label 1), half class B, with weights uncorrelated with llr."""
    rng = np.random.default_rng(seed)
    llr = np.concatenate([gen_a(rng, n), gen_b(rng, n)])
    labels = np.repeat([1.0, 0.0], n)
    return llr, labels, rng.uniform(0.5, 1.5, 2 * n)


def _gaussian(rng, n):
    return rng.normal(0.15, 1.0, n)


def _gaussian_b(rng, n):
    return rng.normal(-0.1, 0.8, n)


def _rho_rho_weights(alpha, n=200_000, seed=3):
    """Oracle toy of the ρρ channel without cuts: |h±| = 1, isotropic and independent, so
    the spin weight W(α) of PHYSICS.md §6 depends on h± only (its no-cut oracle AUCs)."""
    rng = np.random.default_rng(seed)
    hm, hp = (v / np.linalg.norm(v, axis=1, keepdims=True) for v in rng.normal(size=(2, n, 3)))

    def weight(a):
        return (1 - hm[:, 2] * hp[:, 2] + np.cos(2 * a) * (hm[:, 0] * hp[:, 0] + hm[:, 1] * hp[:, 1])
                + np.sin(2 * a) * (hm[:, 0] * hp[:, 1] - hm[:, 1] * hp[:, 0]))

    return weight(0.0), weight(alpha)


# ----------------------------------------------------------------------------- per-event ℓ


def test_llr_from_logits_and_probabilities():
    z = np.linspace(-12, 12, 97)
    assert np.array_equal(log_likelihood_ratio(logits=z.astype(np.float32)), z.astype(np.float32))
    np.testing.assert_allclose(log_likelihood_ratio(expit(z)), z, rtol=0, atol=1e-9)
    # tiny probabilities keep their full range (no clipping below eps is needed there)
    assert log_likelihood_ratio(1e-300, eps=1e-320) == pytest.approx(np.log(1e-300))
    # the multi-instance probability Πp/(Πp + Π(1-p)) is sigmoid(Σℓ) ...
    p = np.random.default_rng(0).uniform(0.05, 0.95, 6)
    assert expit(log_likelihood_ratio(p).sum()) == pytest.approx(p.prod() / (p.prod() + (1 - p).prod()))
    # ... and stays finite where the product of 2000 probabilities underflows to 0/0
    p = np.full(2000, 1e-3)
    p[::2] = 1 - 1e-3
    assert log_likelihood_ratio(p).sum() == pytest.approx(0.0, abs=1e-8)


def test_llr_clips_exact_zero_and_one_with_documented_eps():
    bound = np.log((1 - DEFAULT_EPS) / DEFAULT_EPS)
    np.testing.assert_allclose(log_likelihood_ratio([0.0, 1.0]), [-bound, bound])
    assert bound == pytest.approx(16.118, abs=1e-3)
    np.testing.assert_allclose(log_likelihood_ratio([0.0, 1.0], eps=1e-3), [-np.log(999), np.log(999)])
    with pytest.raises(MultiInstanceError, match=r"\(0, 1\).* 1 of 2 .*e.g. 1"):
        log_likelihood_ratio([0.5, 1.0], eps=0)


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_llr_rejects_probabilities_outside_unit_interval(bad):
    with pytest.raises(MultiInstanceError, match=rf"\[0, 1\]; 1 of 3 do not, e.g. {bad:g}"):
        log_likelihood_ratio(np.array([0.2, bad, 0.7], dtype=np.float32))


def test_llr_argument_errors():
    with pytest.raises(NonFiniteError, match=r"'probabilities'.* 1 non-finite"):
        log_likelihood_ratio([0.5, np.nan])
    with pytest.raises(TypeError, match="exactly one"):
        log_likelihood_ratio([0.5], logits=[0.0])
    with pytest.raises(TypeError, match="exactly one"):
        log_likelihood_ratio()


# ----------------------------------------------------------------------------- moments


def test_class_moments_weighted_and_labelled_forms():
    llr, labels, w = _labelled(_gaussian, _gaussian_b, n=2000)
    m = class_moments(llr, *class_weights(labels, w))
    a, b = labels == 1, labels == 0
    mu_a, mu_b = np.average(llr[a], weights=w[a]), np.average(llr[b], weights=w[b])
    expected = (mu_a, np.sqrt(np.average((llr[a] - mu_a) ** 2, weights=w[a])),
                mu_b, np.sqrt(np.average((llr[b] - mu_b) ** 2, weights=w[b])))
    np.testing.assert_allclose(m, expected, rtol=1e-12)
    # same events carrying both weights: scaling a class's weights changes nothing
    m2 = class_moments(llr, 3 * w * a, 0.5 * w * b)
    np.testing.assert_allclose(m2, m, rtol=1e-12)
    assert class_weights(labels[:4]).weights_a.tolist() == [1, 1, 1, 1]


def test_class_moments_errors():
    llr = np.array([0.1, -0.2, 0.3])
    with pytest.raises(MultiInstanceError, match="weights_b sum to 0"):
        class_moments(llr, [1, 1, 1], [1, -1, 0])
    with pytest.raises(MultiInstanceError, match="weights_a sum to 0"):
        class_moments(llr, *class_weights([0, 0, 0]))
    with pytest.raises(MultiInstanceError, match="weights_a has 2 entries but llr has 3"):
        class_moments(llr, [1, 1], [1, 1, 1])
    with pytest.raises(MultiInstanceError, match="labels must be 0 or 1"):
        class_weights([0, 1, 2])
    with pytest.raises(NonFiniteError, match="'llr'"):
        class_moments([0.1, np.inf], [1, 1], [1, 1])


# ----------------------------------------------------------------------------- CLT predictions


def test_predictions_equal_exact_gaussian_sums():
    m = ClassMoments(0.2, 1.3, -0.1, 0.7)
    n = np.array([1, 2, 7, 50])[:, None]
    t = np.array([0.2, 0.5, 0.9])
    T = np.log(t / (1 - t))
    rates = predicted_rates(m, n, t)
    # Σℓ of N Gaussian events is 𝒩(Nμ, Nσ²); the decision is Σℓ > T
    np.testing.assert_allclose(rates.tpr, norm.sf(T, n * m.mu_a, np.sqrt(n) * m.sigma_a), rtol=1e-12)
    np.testing.assert_allclose(rates.fpr, norm.sf(T, n * m.mu_b, np.sqrt(n) * m.sigma_b), rtol=1e-12)
    np.testing.assert_allclose(predicted_rates(m, n, log_threshold=T).tpr, rates.tpr, rtol=1e-12)
    assert predicted_rates(m, 3).tpr == pytest.approx(norm.sf(0, 3 * 0.2, np.sqrt(3) * 1.3))
    # AUC_N = P(S_A - S_B > 0), S_A - S_B ~ 𝒩(N Δμ, N(σ_A² + σ_B²))
    auc = predicted_auc(m, n.ravel())
    np.testing.assert_allclose(auc, norm.sf(0, n.ravel() * 0.3, np.sqrt(n.ravel() * (1.3**2 + 0.7**2))))


def test_gaussian_llr_predicted_matches_empirical():
    llr, labels, w = _labelled(_gaussian, _gaussian_b)
    wa, wb = class_weights(labels, w)
    m = class_moments(llr, wa, wb)
    n = np.array([1, 4, 16])[:, None]
    t = np.array([0.3, 0.5, 0.8])
    emp = empirical_rates(llr, wa, wb, n, threshold=t, n_series=N_SERIES, seed=1)
    pred = predicted_rates(m, n, t)
    assert emp.tpr.shape == (3, 3)
    for e, p in zip(emp, pred, strict=True):
        assert np.all(np.abs(e - p) < 4 * np.sqrt(p * (1 - p) / N_SERIES) + 2e-3)
    n_auc = np.array([1, 4, 16, 60])
    emp_auc = empirical_auc(llr, wa, wb, n_auc, n_series=N_SERIES, seed=2)
    pred_auc = predicted_auc(m, n_auc)
    assert np.all(np.abs(emp_auc - pred_auc) < 4 * _auc_sigma(pred_auc, N_SERIES) + 2e-3)
    assert pred_auc[-1] > 0.9 > pred_auc[0]  # the test spans a real range of AUC_N


def test_n1_reduces_to_single_event_auc():
    llr, labels, w = _labelled(_gaussian, _gaussian_b)
    single = roc_auc_score(labels, llr, sample_weight=w)
    m = class_moments(llr, *class_weights(labels, w))
    assert predicted_auc(m, 1) == pytest.approx(single, abs=4e-3)
    assert predicted_auc(m, 1) == pytest.approx(norm.cdf(0.25 / np.hypot(1, 0.8)), abs=5e-3)
    emp = empirical_auc(llr, *class_weights(labels, w), 1, n_series=N_SERIES, seed=5)
    assert emp == pytest.approx(single, abs=4 * _auc_sigma(single, N_SERIES))


def test_empirical_auc_is_the_rank_auc_of_the_series_sums():
    llr, labels, w = _labelled(_gaussian, _gaussian_b, n=500)
    wa, wb = class_weights(labels, w)
    rng = np.random.default_rng(11)
    s_a = series_sums(llr, wa, 3, n_series=400, seed=rng)
    s_b = series_sums(llr, wb, 3, n_series=400, seed=rng)
    reference = roc_auc_score(np.repeat([1, 0], 400), np.concatenate([s_a, s_b]))
    assert empirical_auc(llr, wa, wb, 3, n_series=400, seed=np.random.default_rng(11)) == pytest.approx(reference, abs=1e-12)


def _lognormal(rng, n):
    return rng.lognormal(0.0, 0.7, n) - 1.1


def _normal_b(rng, n):
    return rng.normal(-0.2, 0.8, n)


def _gamma(rng, n):
    return rng.gamma(2.0, 0.5, n) - 0.85


def _normal_c(rng, n):
    return rng.normal(0.0, 0.7, n)


@pytest.mark.parametrize(("gen_a", "gen_b"), [(_lognormal, _normal_b), (_gamma, _normal_c)])
def test_skewed_llr_predicted_auc_within_002_for_n_ge_5(gen_a, gen_b):
    llr, labels, w = _labelled(gen_a, gen_b)
    wa, wb = class_weights(labels, w)
    m = class_moments(llr, wa, wb)
    n = np.array([5, 10, 20, 50])
    emp = empirical_auc(llr, wa, wb, n, n_series=N_SERIES, seed=7)
    assert np.all(np.abs(emp - predicted_auc(m, n)) < 0.02)
    # ... while at N = 1 the non-Gaussian shape shows (the test distribution is really skewed)
    assert abs(roc_auc_score(labels, llr, sample_weight=w) - predicted_auc(m, 1)) > 0.02


def test_strong_skew_breaks_clt_at_small_n():
    """Mirrored exponentials (skewness ±2): the skewness of ℓ_A − ℓ_B is 1.41 and the CLT
    over-predicts AUC_5 by 0.031 (Edgeworth); the empirical estimator must see it."""
    llr, labels, w = _labelled(lambda r, n: r.exponential(size=n) - 0.85,
                               lambda r, n: 0.85 - r.exponential(size=n))
    wa, wb = class_weights(labels, w)
    m = class_moments(llr, wa, wb)
    diff = empirical_auc(llr, wa, wb, [5, 20], n_series=N_SERIES, seed=8) - predicted_auc(m, [5, 20])
    assert diff[0] < -0.02
    assert abs(diff[1]) < 0.01


# ----------------------------------------------------------------------------- optimal threshold


@pytest.mark.parametrize(
    "moments",
    [ClassMoments(0.3, 1.0, -0.1, 1.0), ClassMoments(0.3, 1.5, -0.1, 0.7), ClassMoments(0.2, 0.6, -0.3, 1.3)],
)
@pytest.mark.parametrize("n", [1, 10, 50])
def test_optimal_threshold_minimizes_misclassification_on_grid(moments, n):
    grid = np.linspace(-60, 60, 240_001)
    rates = predicted_rates(moments, n, log_threshold=grid)
    error = 1 - rates.tpr + rates.fpr
    best = optimal_threshold(moments, n)
    at_best = predicted_rates(moments, n, log_threshold=best.log_threshold)
    assert 1 - at_best.tpr + at_best.fpr <= error.min() + 1e-12
    assert abs(best.log_threshold - grid[error.argmin()]) <= 1e-3
    assert best.threshold == pytest.approx(expit(best.log_threshold))
    assert best.event_threshold == pytest.approx(expit(best.log_threshold / n))
    mid = optimal_threshold(moments, n, method="midpoint")
    p_star = expit((moments.mu_a + moments.mu_b) / 2)
    assert mid.event_threshold == pytest.approx(p_star)
    assert mid.log_threshold == pytest.approx(n * (moments.mu_a + moments.mu_b) / 2)
    at_mid = predicted_rates(moments, n, log_threshold=mid.log_threshold)
    if moments.sigma_a == moments.sigma_b:
        assert best.log_threshold == pytest.approx(mid.log_threshold, abs=1e-12)
    else:  # the equal-σ midpoint is then not optimal
        assert 1 - at_mid.tpr + at_mid.fpr > 1 - at_best.tpr + at_best.fpr + 1e-4


def test_optimal_threshold_rates_do_not_depend_on_network_calibration():
    """A network whose ℓ is off by a constant (different training epochs) changes the rates
    at t = 0.5 but not at the optimal threshold."""
    llr, labels, w = _labelled(_gaussian, _gaussian_b, n=20_000)
    wa, wb = class_weights(labels, w)
    n = np.array([1, 10, 40])
    rates = []
    for shift in (0.0, 0.4):
        m = class_moments(llr + shift, wa, wb)
        t_star = optimal_threshold(m, n).log_threshold
        rates.append((empirical_rates(llr + shift, wa, wb, n, n_series=2000, seed=4),
                      empirical_rates(llr + shift, wa, wb, n, log_threshold=t_star, n_series=2000, seed=4)))
    (half_0, best_0), (half_1, best_1) = rates
    np.testing.assert_allclose(best_0, best_1, atol=1e-3)
    assert np.all(np.abs(half_0.fpr - half_1.fpr)[1:] > 0.2)


# ----------------------------------------------------------------------------- resampling


def test_weighted_resampling_reproduces_weighted_moments():
    rng = np.random.default_rng(9)
    llr = rng.normal(0.0, 2.0, 100_000)  # base sample; both classes are importance weights
    q = norm.pdf(llr, 0.0, 2.0)
    wa, wb = norm.pdf(llr, 0.5, 1.0) / q, norm.pdf(llr, -0.5, 1.2) / q
    m = class_moments(llr, wa, wb)
    np.testing.assert_allclose(m, (0.5, 1.0, -0.5, 1.2), atol=0.02)
    n = np.array([1, 8])
    for weights, mu, sigma in ((wa, m.mu_a, m.sigma_a), (wb, m.mu_b, m.sigma_b)):
        sums = series_sums(llr, weights, n, n_series=N_SERIES, seed=rng)
        assert sums.shape == (2, N_SERIES)
        assert np.all(np.abs(sums.mean(axis=1) / n - mu) < 4 * sigma / np.sqrt(n * N_SERIES))
        np.testing.assert_allclose(sums.var(axis=1) / n, sigma**2, rtol=4 * np.sqrt(2 / N_SERIES))
    # zero-weight events are never drawn
    marked = np.concatenate([llr[:1000], [1e6]])
    assert series_sums(marked, np.append(wa[:1000], 0.0), 50, n_series=2000, seed=1).max() < 1e5


def test_resampling_errors():
    llr = np.array([0.1, -0.2, 0.3])
    with pytest.raises(MultiInstanceError, match=r"weights has 1 negative value.*-0.5.*>= 0"):
        series_sums(llr, [1.0, -0.5, 1.0], 3, seed=0)
    with pytest.raises(MultiInstanceError, match=r"weights_b sum to 0"):
        empirical_rates(llr, [1, 1, 1], [0, 0, 0], 2, seed=0)
    with pytest.raises(MultiInstanceError, match="weights_a has 1 negative"):
        empirical_auc(llr, [1, -1, 3], [1, 1, 1], 2, seed=0)
    with pytest.raises(MultiInstanceError, match="whole numbers"):
        empirical_auc(llr, [1, 1, 1], [1, 1, 1], 2.5, seed=0)


@pytest.mark.parametrize("call", [
    lambda m: predicted_rates(m, 0),
    lambda m: predicted_auc(m, [5, 0.5]),
    lambda m: optimal_threshold(m, -1),
    lambda m: empirical_rates([0.1, 0.2], [1, 1], [1, 1], 0, seed=0),
    lambda m: series_sums([0.1, 0.2], [1, 1], [3, 0], seed=0),
])
def test_n_below_one_is_an_error(call):
    with pytest.raises(MultiInstanceError, match=r"n \(events per series\) must be >= 1"):
        call(ClassMoments(0.2, 1.0, -0.2, 1.0))


def test_prediction_argument_errors():
    m = ClassMoments(0.2, 1.0, -0.2, 1.0)
    with pytest.raises(MultiInstanceError, match=r"probability in \(0, 1\), got 1.*log_threshold"):
        predicted_rates(m, 5, [0.5, 1.0])
    with pytest.raises(TypeError, match="not both"):
        predicted_rates(m, 5, 0.5, log_threshold=0.0)
    with pytest.raises(MultiInstanceError, match="positive finite widths"):
        predicted_auc(ClassMoments(0.2, 0.0, -0.2, 1.0), 5)
    with pytest.raises(MultiInstanceError, match="swapped"):
        optimal_threshold(ClassMoments(-0.2, 1.0, 0.2, 1.0))
    with pytest.raises(MultiInstanceError, match="'crossing' or 'midpoint'"):
        optimal_threshold(m, method="mid")


# ----------------------------------------------------------------------------- oracle


def test_oracle_score_and_llr():
    wa, wb = np.array([0.5, 2.0, 0.0, 1.0, 0.0]), np.array([1.5, 1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(oracle_score(wa, wb), [0.25, 2 / 3, 0.0, 1.0, 0.5])
    bound = np.log((1 - DEFAULT_EPS) / DEFAULT_EPS)
    np.testing.assert_allclose(oracle_llr(wa, wb), [np.log(1 / 3), np.log(2), -bound, bound, 0.0])
    # the oracle ℓ is the logit of the oracle score, clipped like any probability
    np.testing.assert_allclose(oracle_llr(wa, wb), log_likelihood_ratio(oracle_score(wa, wb)), atol=1e-9)
    with pytest.raises(MultiInstanceError, match="exactly one zero weight"):
        oracle_llr(wa, wb, eps=0)
    with pytest.raises(MultiInstanceError, match="weights_b has 1 negative"):
        oracle_score([1.0, 1.0], [1.0, -0.1])


@pytest.mark.parametrize(("alpha", "auc"), [(np.pi / 8, 0.612), (np.pi / 2, 0.776)])
def test_oracle_rho_rho_auc_and_multi_instance_curve(alpha, auc):
    """No-cut ρρ oracle AUCs of PHYSICS.md §6 (scalar vs α), then the oracle's AUC_N."""
    wa, wb = _rho_rho_weights(alpha)
    n = wa.size
    score = oracle_score(wa, wb)
    single = roc_auc_score(np.repeat([1, 0], n), np.tile(score, 2), sample_weight=np.concatenate([wa, wb]))
    assert single == pytest.approx(auc, abs=4e-3)
    llr = oracle_llr(wa, wb)
    assert np.sum(wb * np.exp(llr)) == pytest.approx(np.sum(wa))  # E_B[w_A/w_B] = E_A[1]
    m = class_moments(llr, wa, wb)
    assert m.mu_a > 0 > m.mu_b  # μ_A = KL(A‖B) > 0, μ_B = −KL(B‖A)
    assert empirical_auc(llr, wa, wb, 1, n_series=N_SERIES, seed=3) == pytest.approx(single, abs=0.012)
    n_series = np.array([5, 10, 20])
    emp = empirical_auc(llr, wa, wb, n_series, n_series=N_SERIES, seed=3)
    assert np.all(np.abs(emp - predicted_auc(m, n_series)) < 0.02)
