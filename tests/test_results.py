from __future__ import annotations

import numpy as np
import pytest
import uproot

from hepconditioning import Events
from hepconditioning.errors import NonFiniteError, UnknownMassPointError
from hepconditioning.evaluation import (
    EVAL_MASS,
    EVENT_WEIGHT,
    EvaluationTable,
    cut_curves,
    evaluate_scores,
    evaluation_events,
    read_results,
    score_histograms,
    write_results,
)
from hepconditioning.io import mass_directory
from hepconditioning.metrics import ams

MASSES = (500.0, 612.5, 1000.0)


@pytest.fixture
def evaluated() -> tuple[Events, np.ndarray]:
    rng = np.random.default_rng(2)
    n = 900
    labels = (np.arange(n) % 2).astype(np.float32)
    mass = rng.choice(MASSES, n)
    x = rng.normal(size=(n, 2)) + labels[:, None] * mass[:, None] / 500
    test = Events(x, mass, labels, rng.uniform(0.5, 1.5, n), feature_names=["f0", "f1"])
    events = evaluation_events(test)
    scores = 1 / (1 + np.exp(-(events.x[:, 0] - events.mass / 1000)))
    scores[:5] = [-0.2, 1.0, 1.3, 0.0, 0.5]  # flow bins and edges are handled
    return events, scores


def test_mass_directory_names():
    assert mass_directory(500.0) == "mass_500"
    assert mass_directory(612.5) == "mass_612p5"


def test_round_trip(tmp_path, evaluated):
    events, scores = evaluated
    table = evaluate_scores(events, scores)
    path = write_results(tmp_path / "results.root", events, scores, bins=20)
    hists = score_histograms(events, scores, bins=20)
    with uproot.open(path) as file:
        tree = file["scores"].arrays(library="np")
        np.testing.assert_array_equal(tree["score"], scores)
        np.testing.assert_array_equal(tree["label"], events.labels.astype(np.int32))
        np.testing.assert_array_equal(tree["mass"], events.mass)
        np.testing.assert_array_equal(tree["weight"], events.column(EVENT_WEIGHT))
        np.testing.assert_array_equal(tree["eval_weight"], events.weights)
        np.testing.assert_array_equal(tree["eval_mass"], events.column(EVAL_MASS))
        best = file["best_cuts"].arrays(library="np")
        for name, values in table.to_dict().items():
            np.testing.assert_array_equal(best[name], values)
        for h in hists:
            directory = file[mass_directory(h.mass)]
            curves = cut_curves(h)
            for name, expected in (("signal", h.signal), ("background", h.background), ("s", curves.s),
                                   ("b", curves.b), ("ams", curves.ams)):
                stored = directory[name]
                assert stored.classname == "TH1D"
                assert f"m = {h.mass:g} GeV" in stored.member("fTitle")
                assert len(stored.member("fSumw2")) == 22  # sumw2 with flow bins
                np.testing.assert_allclose(stored.values(flow=True), expected.values(flow=True))
                np.testing.assert_allclose(stored.variances(flow=True), expected.variances(flow=True))
                np.testing.assert_allclose(stored.axis().edges(), np.linspace(0, 1, 21))


def test_automatic_range(evaluated):
    events, scores = evaluated
    narrow = 0.5 + 0.01 * scores
    hists = score_histograms(events, narrow, bins=10, range=None)
    edges = hists[0].signal.axes[0].edges
    assert edges[0] < narrow.min() and edges[-1] > narrow.max() and edges[-1] - edges[0] < 0.02
    total = sum(h.signal.values(flow=True).sum() + h.background.values(flow=True).sum() for h in hists)
    inside = sum(h.signal.values().sum() + h.background.values().sum() for h in hists)
    assert inside == pytest.approx(total)


def test_histograms_content(evaluated):
    events, scores = evaluated
    h = score_histograms(events, scores, bins=10, masses=[612.5])[0]
    part = events.column(EVAL_MASS) == np.float32(612.5)
    sig = part & (events.labels == 1)
    assert h.mass == 612.5
    assert h.signal.values(flow=True).sum() == pytest.approx(events.weights[sig].sum(), rel=1e-6)
    assert h.signal.variances(flow=True).sum() == pytest.approx((events.weights[sig] ** 2).sum(), rel=1e-6)
    curves = cut_curves(h)
    edges = h.signal.axes[0].edges
    for i in (0, 4, 9):  # s(t) at a lower edge = weight with score >= t
        passed = scores >= edges[i]
        assert curves.s.values()[i] == pytest.approx(events.weights[sig & passed].sum(), rel=1e-6)
        bkg = part & (events.labels == 0) & passed
        assert curves.b.values()[i] == pytest.approx(events.weights[bkg].sum(), rel=1e-6)
    np.testing.assert_allclose(curves.ams.values(), ams(curves.s.values(), curves.b.values()))
    assert np.all(curves.ams.variances() >= 0)


def test_bad_inputs_write_nothing(tmp_path, evaluated):
    events, scores = evaluated
    target = tmp_path / "results.root"
    target.write_bytes(b"previous")
    bad = scores.copy()
    bad[3] = np.nan
    with pytest.raises(NonFiniteError, match="scores"):
        write_results(target, events, bad)
    with pytest.raises(ValueError, match="shape"):
        write_results(target, events, scores[:-1])
    wrong = EvaluationTable.from_rows([evaluate_scores(events, scores).at(500.0)._replace(mass=750.0)])
    with pytest.raises(UnknownMassPointError, match="750"):
        write_results(target, events, scores, tables=wrong)
    with pytest.raises(ValueError, match="cannot name ROOT branches"):
        write_results(target, events, {"single-NN": scores})
    with pytest.raises(TypeError, match="tables must be one too"):
        write_results(target, events, {"pNN": scores}, tables=wrong)
    with pytest.raises(NonFiniteError, match=r"scores\['pNN'\]"):
        write_results(target, events, {"AffinePNN": scores, "pNN": bad})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_results(tmp_path / "missing" / "results.root", events, scores)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.root"]


def test_several_models_and_read_back(tmp_path, evaluated):
    events, scores = evaluated
    other = np.clip(scores + 0.05 * np.sin(100 * scores), 0, 1)
    tables = {"AffinePNN": evaluate_scores(events, scores)}  # pNN's table is computed
    path = write_results(tmp_path / "results.root", events, {"AffinePNN": scores, "pNN": other},
                         tables=tables, bins=10)
    with uproot.open(path) as file:
        assert set(file["scores"].keys()) == {"score_AffinePNN", "score_pNN", "label", "mass", "weight",
                                              "eval_weight", "eval_mass", "process"}
        assert file.classnames()["pNN/mass_612p5/ams;1"] == "TH1D"
        assert file.classnames()["AffinePNN/best_cuts;1"] == "TTree"
    results = read_results(path)
    assert list(results.scores) == ["AffinePNN", "pNN"]
    np.testing.assert_array_equal(results.scores["pNN"], other)
    np.testing.assert_array_equal(results.events.mass, events.mass)
    np.testing.assert_array_equal(results.events.labels, events.labels)
    np.testing.assert_array_equal(results.events.column(EVAL_MASS), events.column(EVAL_MASS))
    for label, values in (("AffinePNN", scores), ("pNN", other)):
        expected = evaluate_scores(events, values)
        np.testing.assert_array_equal(results.tables[label].auc, expected.auc)
        np.testing.assert_array_equal(results.tables[label].threshold, expected.threshold)
        stored = results.histograms[label]
        assert [h.mass for h in stored] == list(MASSES)
        direct = score_histograms(events, values, bins=10)
        for got, want in zip(stored, direct, strict=True):
            np.testing.assert_allclose(got.signal.values(flow=True), want.signal.values(flow=True))
            np.testing.assert_allclose(got.background.variances(flow=True), want.background.variances(flow=True))
    # a single unnamed model reads back under the key ""
    single = read_results(write_results(tmp_path / "one.root", events, scores, bins=10))
    assert list(single.scores) == [""] and len(single.tables[""]) == 3
    with pytest.raises(ValueError, match="no 'scores' tree"):
        read_results(write_root_file(tmp_path / "other.root"))


def write_root_file(path):
    from hepconditioning.io import write_root

    return write_root(path, trees={"events": {"x": np.arange(3.0)}})
