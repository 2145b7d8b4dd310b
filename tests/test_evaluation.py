from __future__ import annotations

import numpy as np
import pytest

from hepconditioning import Events
from hepconditioning.errors import NonFiniteError, UnknownMassPointError
from hepconditioning.evaluation import (
    EVAL_MASS,
    EvaluationTable,
    auc_ratio,
    check_scores,
    evaluate_per_mass,
    evaluate_scores,
    evaluation_events,
    mass_groups,
    without_mass_points,
)
from hepconditioning.metrics import (
    SIGMA_RATIO_FAILURE,
    best_cut,
    pr_auc,
    roc_auc,
    significance_ratio,
)

MASSES = (500.0, 750.0, 1000.0, 1250.0, 1500.0)
N_SIGNAL = 40  # per mass point
N_BACKGROUND = 5 * N_SIGNAL


@pytest.fixture
def test_events() -> Events:
    """HEPMASS-like: 40 signal events per mass point, 200 background with random mass."""
    rng = np.random.default_rng(3)
    sig_mass = np.repeat(MASSES, N_SIGNAL)
    bkg_mass = rng.choice(MASSES, N_BACKGROUND)
    mass = np.concatenate([sig_mass, bkg_mass])
    labels = np.concatenate([np.ones(sig_mass.size), np.zeros(N_BACKGROUND)])
    # x0 peaks at m/1000 for signal, ~0.4 for background
    x0 = np.where(labels == 1, mass / 1000 + 0.1 * rng.normal(size=mass.size), 0.4 + 0.3 * rng.normal(size=mass.size))
    x = np.stack([x0, rng.normal(size=mass.size)], axis=1)
    return Events(x, mass, labels, feature_names=["m_reco", "noise"], process=np.zeros(mass.size))


def fake_predict(events: Events) -> np.ndarray:
    """A 'parametric classifier': closeness of x0 to the mass feature (in TeV)."""
    return 1 / (1 + 20 * (events.x[:, 0] - events.mass / 1000) ** 2)


def test_evaluation_events_composition_and_weights(test_events):
    ev = evaluation_events(test_events)
    assert len(ev) == len(MASSES) * (N_SIGNAL + N_BACKGROUND)
    for m in MASSES:
        part = ev[ev.column(EVAL_MASS) == m]
        assert np.all(part.mass == m)
        signal = part.labels == 1
        assert np.count_nonzero(signal) == N_SIGNAL and np.count_nonzero(~signal) == N_BACKGROUND
        np.testing.assert_array_equal(part.weights[signal], 1.0)
        np.testing.assert_allclose(part.weights[~signal], 1 / 5)  # balanced, as on HEPMASS
        assert part.weights[signal].sum() == pytest.approx(part.weights[~signal].sum())
        # the background is the full test background, each time
        np.testing.assert_array_equal(part.x[~signal], test_events.background.x)
        np.testing.assert_array_equal(part.x[signal], test_events.x[(test_events.mass == m) & (test_events.labels == 1)])


def test_physics_weights_multiply_and_balance_options(test_events):
    rng = np.random.default_rng(0)
    weighted = test_events.replace(weights=rng.uniform(0.5, 2.0, len(test_events)))
    ev = evaluation_events(weighted, masses=[750.0])
    sig = ev.labels == 1
    np.testing.assert_allclose(ev.weights[sig], weighted.weights[(weighted.labels == 1) & (weighted.mass == 750)])
    factor = ev.weights[sig].sum() / weighted.background.weights.sum()
    np.testing.assert_allclose(ev.weights[~sig], weighted.background.weights * factor, rtol=1e-6)
    raw = evaluation_events(weighted, masses=[750.0], balance=False, physics_weights=False)
    np.testing.assert_array_equal(raw.weights, 1.0)


def test_evaluate_per_mass_matches_direct_metrics(test_events):
    table = evaluate_per_mass(fake_predict, test_events)
    assert isinstance(table, EvaluationTable)
    np.testing.assert_array_equal(table.mass, MASSES)
    ev = evaluation_events(test_events)
    scores = fake_predict(ev)
    for row in table.rows():
        part = ev.column(EVAL_MASS) == row.mass
        args = ev.labels[part], scores[part], ev.weights[part]
        assert row.auc == pytest.approx(roc_auc(*args))
        assert row.pr_auc == pytest.approx(pr_auc(*args))
        assert row.sigma_ratio == pytest.approx(significance_ratio(*args))
        assert (row.threshold, row.ams, row.s, row.b) == pytest.approx(tuple(best_cut(*args)), rel=1e-6)
        assert (row.n_signal, row.n_background) == (N_SIGNAL, N_BACKGROUND)
    # the same table from precomputed scores on the expanded sample
    again = evaluate_scores(ev, scores)
    np.testing.assert_allclose(again.auc, table.auc)
    np.testing.assert_allclose(again.sigma_ratio, table.sigma_ratio)
    # an already expanded sample (eval_mass column) is scored in one call, as it is
    calls = []
    expanded = evaluate_per_mass(lambda events: calls.append(len(events)) or scores, ev)
    assert calls == [len(ev)]
    np.testing.assert_allclose(expanded.auc, table.auc)
    assert evaluate_per_mass(lambda events: scores, ev, masses=[750.0]).mass.tolist() == [750.0]
    # the classifier separates well above the background bulk; σ_ratio within [1/√2, 1]
    assert table.auc[-1] > 0.95 and table.auc[-1] > table.auc[0]
    assert np.all(table.sigma_ratio >= SIGMA_RATIO_FAILURE - 1e-12) and np.all(table.sigma_ratio <= 1)


def test_predict_sees_the_evaluation_mass(test_events):
    seen = []
    evaluate_per_mass(lambda ev: seen.append(np.unique(ev.mass).tolist()) or fake_predict(ev), test_events,
                      masses=[1000.0, 500.0])
    assert seen == [[1000.0], [500.0]]


def test_interpolation_study_helpers(test_events):
    train = without_mass_points(test_events, [750.0, 1250.0])
    assert train.mass_points.tolist() == [500.0, 1000.0, 1500.0]
    assert len(train.background) == N_BACKGROUND
    # a point absent from training is still evaluated (the test file has it)
    full = evaluate_per_mass(fake_predict, test_events)
    damped = evaluate_per_mass(lambda ev: fake_predict(ev) ** 0.5 + (ev.mass == 750) * ev.x[:, 1] * 0.5,
                               test_events)
    ratio = auc_ratio(damped, full)
    assert ratio.shape == (5,)
    np.testing.assert_allclose(np.delete(ratio, 1), 1.0)  # monotone transform: same AUC
    assert ratio[1] < 1.0
    with pytest.raises(UnknownMassPointError, match="875"):
        auc_ratio(EvaluationTable.from_rows([full.at(500.0)._replace(mass=875.0)]), full)


def test_table_formatting(test_events):
    table = evaluate_per_mass(fake_predict, test_events, masses=[500.0, 1500.0])
    text = table.to_markdown()
    assert text.splitlines()[0].startswith("| mass [GeV] | AUC [%]")
    assert len(text.splitlines()) == 4 and "| 1500 |" in text
    assert str(table) == text
    assert table.at(1500.2).mass == 1500.0
    assert set(table.to_dict()) >= {"mass", "auc", "pr_auc", "sigma_ratio", "threshold", "ams", "s", "b"}
    with pytest.raises(ValueError, match="read-only"):
        table.auc[0] = 1.0


def test_bad_inputs(test_events):
    with pytest.raises(UnknownMassPointError, match=r"unknown mass point.*875.*known mass points: 500, 750"):
        evaluation_events(test_events, masses=[875.0])
    with pytest.raises(UnknownMassPointError):
        without_mass_points(test_events, [600.0])
    with pytest.raises(ValueError, match=r"predict at 500 GeV gave shape \(3,\)"):
        evaluate_per_mass(lambda ev: np.zeros(3), test_events)
    with pytest.raises(NonFiniteError, match="scores"):
        evaluate_per_mass(lambda ev: np.full(len(ev), np.nan), test_events)
    with pytest.raises(TypeError, match="callable"):
        evaluate_per_mass("model", test_events)
    with pytest.raises(ValueError, match="cannot balance"):
        evaluation_events(test_events.replace(weights=np.where(test_events.labels == 1, 1.0, 0.0)))


def test_mass_groups_and_check_scores(test_events):
    ev = evaluation_events(test_events, masses=[1500.0, 500.0])
    groups = mass_groups(ev)
    assert list(groups) == [500.0, 1500.0]
    assert [int(mask.sum()) for mask in groups.values()] == [N_SIGNAL + N_BACKGROUND] * 2
    assert list(mass_groups(ev, masses=[1500.3])) == [1500.0]
    with pytest.raises(UnknownMassPointError, match="1000"):
        mass_groups(ev, masses=[1000.0])
    assert check_scores(np.zeros((4, 1)), 4).shape == (4,)
    with pytest.raises(TypeError, match="numbers"):
        check_scores(np.array(["a", "b"]), 2)
