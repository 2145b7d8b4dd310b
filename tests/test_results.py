from __future__ import annotations

import numpy as np
import pytest
import uproot

from hepconditioning import Events
from hepconditioning.errors import NonFiniteError, UnknownMassPointError
from hepconditioning.evaluation import (
    EVAL_MASS,
    EvaluationTable,
    evaluate_scores,
    evaluation_events,
)
from hepconditioning.histograms import cut_curves, score_histograms
from hepconditioning.io.results import mass_directory, write_results
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
        np.testing.assert_array_equal(tree["weight"], events.weights)
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
        write_results(target, events, scores, table=wrong)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_results(tmp_path / "missing" / "results.root", events, scores)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.root"]
