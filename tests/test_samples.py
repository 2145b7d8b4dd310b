"""Your own ntuples end to end (issue 18): generate ntuples → [[samples]] card → train →
evaluate at hypotheses without signal → apply without --spec → per-process histograms → plot."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import uproot

from hepconditioning import Events
from hepconditioning.apply import ApplySpec
from hepconditioning.cli import main
from hepconditioning.config import load_config, parse_config
from hepconditioning.errors import ConfigError
from hepconditioning.evaluation import hypothesis_table
from hepconditioning.io.bundled import bundled_path
from hepconditioning.samples import parse_features, read_samples
from hepconditioning.sampling import training_weights
from hepconditioning.training import load_model

CARD = bundled_path("cards/own_samples.toml")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The shipped card on freshly generated ntuples (fewer events and epochs)."""
    base = tmp_path_factory.mktemp("own")
    assert main(["generate", "ntuples", "--events", "4000", "--seed", "2", "--out", str(base / "ntuples"),
                 "--quiet"]) == 0
    (base / "own_samples.toml").write_text(CARD.read_text().replace("epochs = 5", "epochs = 3")
                                           + "[output]\ntsne_events = 0\n")
    assert main(["train", str(base / "own_samples.toml"), "--out", str(base / "run"), "--quiet"]) == 0
    return base


def test_the_example_card_is_at_most_30_lines_of_toml():
    lines = CARD.read_text().splitlines()
    assert len(lines) <= 30, len(lines)


def test_generated_ntuples_look_like_an_analysis_ntuple(run):
    with uproot.open(run / "ntuples" / "ttbar.root") as file:
        nominal = file["nominal"].arrays(library="ak")
        totals = file["sumWeights"].arrays(library="np")
    assert str(nominal["jet_pt"].type).endswith("var * float32")  # jagged jets
    weights = np.asarray(nominal["weight_mc"])
    assert 0.05 < (weights < 0).mean() < 0.25  # NLO negative weights
    assert totals["totalEvents"][0] == 4000 and len(weights) < 4000  # Σw before the selection
    assert abs(totals["totalEventsWeighted"][0] - weights.sum()) > 10


def test_normalization_is_cross_section_times_luminosity_over_the_sum_of_weights(run):
    config = load_config(run / "own_samples.toml")
    events, processes = read_samples(config.samples, config.recipe, luminosity=config.data.luminosity)
    assert processes == ("signal", "ttbar", "wjets")
    with uproot.open(run / "ntuples" / "ttbar.root") as file:
        raw = file["nominal"]["weight_mc"].array(library="np").astype(np.float64)
        total = float(file["sumWeights"]["totalEventsWeighted"].array(library="np")[0])
    ttbar = events.weights[events.process == 1].astype(np.float64)
    np.testing.assert_allclose(ttbar.sum(), 365.3 * 140.0 * 1000 * raw.sum() / total, rtol=1e-5)
    assert (ttbar < 0).any()  # negative weights kept
    assert events.feature_names[:5] == ("lep_pt", "met", "m_jj", "m_lvjj", "jet_pt_0")


def test_train_stores_the_recipe_and_evaluates_unseen_hypotheses(run):
    model = load_model(run / "run" / "models" / "AffinePNN.pt")
    recipe = model.metadata["recipe"]
    assert recipe["tree"] == "nominal" and recipe["weight"] == "weight_mc"
    assert model.trained_on.inputs == "physical"
    units = {f.name: f.unit for f in model.trained_on.features}
    assert units["m_lvjj"] == "GeV" and units["n_bjets"] == ""
    table = (run / "run" / "table.md").read_text()
    assert "| 600 | no | — |" in table and "| 900 | yes |" in table
    with uproot.open(run / "run" / "results.root") as file:
        hyp = file["AffinePNN/hypotheses"].arrays(library="np")
        assert file["AffinePNN/mass_500/process_ttbar"].classname == "TH1D"
        assert file["AffinePNN/mass_500/process_wjets"].variances().sum() > 0
    unseen = hyp["hypothesis"] == 600
    assert hyp["has_signal"][unseen][0] == 0 and np.isnan(hyp["auc"][unseen][0])
    assert 0 < hyp["bkg_eff_90"][unseen][0] < 1 and hyp["b_90_ttbar"][unseen][0] > 0
    # the cut interpolated between 500 and 700 keeps a background between theirs
    eff = dict(zip(hyp["hypothesis"], hyp["bkg_eff_50"], strict=True))
    assert min(eff[500.0], eff[700.0]) <= eff[600.0] * 1.5 and eff[600.0] <= max(eff[500.0], eff[700.0]) * 1.5


def test_evaluate_at_a_mass_point_without_signal(run, capsys):
    model = str(run / "run" / "models" / "AffinePNN.pt")
    assert main(["evaluate", model, str(run / "own_samples.toml"), "--mass-points", "600",
                 "--out", str(run / "eval.root")]) == 0
    out = capsys.readouterr().out
    assert "| 600 | no | — |" in out and "ttbar" in out
    assert main(["plot", str(run / "eval.root"), "--out", str(run / "figures"), "--quiet"]) == 0
    assert (run / "figures" / "stack_AffinePNN_500.png").stat().st_size > 10_000


def test_apply_without_spec_uses_the_stored_recipe(run, tmp_path):
    files = sorted(str(p) for p in (run / "ntuples").glob("*.root"))
    model = str(run / "run" / "models" / "AffinePNN.pt")
    assert main(["apply", model, *files, "--mass", "500", "600", "--out", str(tmp_path), "--quiet"]) == 0
    with uproot.open(tmp_path / "histograms.root") as file:
        total = file["score_600"].values().sum()
        parts = sum(file[f"{name}/score_600"].values().sum() for name in ("ttbar", "wjets", "signal_m300",
                                                                           "signal_m500", "signal_m700",
                                                                           "signal_m900"))
        assert file["ttbar/score_600"].classname == "TH1D"
    np.testing.assert_allclose(parts, total, rtol=1e-9)
    with uproot.open(tmp_path / "ttbar_scores.root") as friend, uproot.open(run / "ntuples" / "ttbar.root") as src:
        assert friend["nominal"].num_entries == src["nominal"].num_entries


def test_a_model_without_recipe_asks_for_a_spec(tmp_path, capsys):
    from hepconditioning.datasets.hepmass import load_hepmass, physical
    from hepconditioning.nn import AffinePNN
    from hepconditioning.training import TrainConfig, fit, save_model

    train = physical(load_hepmass("generated", n_events=1000, split="train", seed=1))
    model = AffinePNN(27, widths=(4,))
    fit(model, train, validation=train[:300], config=TrainConfig(epochs=1, batch_size=256), progress=False)
    path = save_model(tmp_path / "m.pt", model)
    assert main(["apply", str(path), str(tmp_path / "x.root"), "--mass", "500", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "stores no feature recipe" in err and "give --spec" in err


def test_features_as_a_table_or_a_list_are_one_recipe(tmp_path):
    table = parse_features({"ht": {"sum": "jet_pt", "unit": "GeV"}, "met": "met",
                            "jet_pt": {"jagged": "jet_pt", "leading": 2}}, where="t")
    listed = parse_features([{"name": "ht", "sum": "jet_pt", "unit": "GeV"}, "met",
                             {"name": "jet_pt", "jagged": "jet_pt", "leading": 2}], where="t")
    assert table == listed and table.names == ("ht", "met", "jet_pt_0", "jet_pt_1")
    assert parse_features(table.to_list(), where="stored") == table
    spec = tmp_path / "spec.toml"
    spec.write_text('tree = "nominal"\nfeatures = ["met", { name = "n_jets", count = "jet_pt" }]\n')
    from hepconditioning.apply import load_spec

    assert load_spec(spec).feature_names == ("met", "n_jets")  # a list used to crash
    with pytest.raises(ConfigError, match="unknown key 'units'; did you mean 'unit'"):
        parse_features({"met": {"expr": "met", "units": "GeV"}}, where="t")
    assert isinstance(ApplySpec("nominal", features=table.features).features[0].branch, str)


def test_card_errors_name_what_to_fix(tmp_path):
    (tmp_path / "a.root").write_bytes(b"")
    base = {"data": {"kind": "samples", "tree": "nominal"}, "features": {"met": "met"}}
    with pytest.raises(ConfigError, match=r"no file matches 'missing_\*.root'"):
        parse_config({**base, "samples": [{"name": "s", "files": "missing_*.root", "mass": 500}]}, base=tmp_path)
    with pytest.raises(ConfigError, match="unknown key 'cross_sectoin'; did you mean 'cross_section'"):
        parse_config({**base, "samples": [{"name": "b", "files": "a.root", "cross_sectoin": 1.0}]}, base=tmp_path)
    with pytest.raises(ConfigError, match="a signal sample needs its mass"):
        parse_config({**base, "samples": [{"name": "s", "files": "a.root", "label": "signal"}]}, base=tmp_path)
    with pytest.raises(ConfigError, match=r"\[samples\] needs \[data\] kind = \"samples\""):
        parse_config({"samples": [{"name": "s", "files": "a.root"}]}, base=tmp_path)


def test_training_weights_are_physical_times_the_balancing():
    rng = np.random.default_rng(0)
    labels = np.r_[np.ones(100), np.zeros(300)]
    process = np.r_[np.zeros(100), np.ones(200), np.full(100, 2)].astype(np.int32)
    weights = np.r_[np.full(100, 0.01), np.full(200, 500.0), np.where(np.arange(100) < 30, -1e4, 1e4)]
    events = Events(rng.normal(size=(400, 2)), np.where(labels == 1, 500.0, 0.0), labels, weights, process=process,
                    feature_names=["a", "b"])
    w = training_weights(events, "class").astype(np.float64)
    np.testing.assert_allclose([w[labels == 1].sum(), w[labels == 0].sum()], [100, 300], rtol=1e-5)
    assert (w[300:] < 0).any()  # negative weights kept, relative sizes within the class too
    np.testing.assert_allclose(w[300:] / w[100], weights[300:] / 500.0, rtol=1e-5)
    ones = events.replace(weights=np.ones(400))
    assert (training_weights(ones, "full") == 1.0).all()


def test_hypothesis_between_points_interpolates_the_cut():
    rng = np.random.default_rng(3)
    n = 4000
    sig_mass = rng.choice([500.0, 700.0], n)
    x_sig = sig_mass + rng.normal(0, 20, n)
    x_bkg = rng.uniform(300, 900, n)
    events = Events(np.r_[x_sig, x_bkg][:, None], np.r_[sig_mass, np.zeros(n)], np.r_[np.ones(n), np.zeros(n)],
                    feature_names=["m"])

    def score(ev):  # a perfect "network": closeness of x to the hypothesis
        return np.exp(-np.abs(ev.x[:, 0] - ev.mass) / 50)

    table = hypothesis_table(events, score, [500, 600, 700], efficiencies=(0.5,))
    assert table.has_signal.tolist() == [True, False, True]
    np.testing.assert_allclose(table.threshold[1, 0], table.threshold[[0, 2], 0].mean())
    # the window around 600 has the width of those around 500 and 700: the same background
    np.testing.assert_allclose(table.background_efficiency[1, 0], table.background_efficiency[0, 0], rtol=0.15)
    with pytest.raises(ValueError, match="outside the generated signal points"):
        hypothesis_table(events, score, [900])


def test_the_shipped_card_parses_next_to_its_ntuples(run, tmp_path):
    shutil.copy(CARD, tmp_path / "card.toml")
    (tmp_path / "ntuples").symlink_to(run / "ntuples")
    config = load_config(tmp_path / "card.toml")
    assert [s.name for s in config.samples] == ["signal_300", "signal_500", "signal_700", "signal_900",
                                                "ttbar", "wjets"]
    assert config.data.luminosity == 140.0


def test_rntuple_ntuples_read_like_ttrees(run, tmp_path):
    """uproot >= 5.7 writes an RNTuple for f[name] = {...}: samples (with a cut), sums of
    weights and apply read it as the TTree (uproot itself ignores aliases and cuts on RNTuples)."""
    (tmp_path / "ntuples").mkdir()
    for source in sorted((run / "ntuples").glob("*.root")):
        with uproot.open(source) as src, uproot.recreate(tmp_path / "ntuples" / source.name) as out:
            for tree in ("nominal", "sumWeights"):
                arrays = src[tree].arrays(library="ak")
                out[tree] = {name: arrays[name] for name in arrays.fields}
        with uproot.open(tmp_path / "ntuples" / source.name) as check:
            assert check.classnames()["nominal;1"] == "ROOT::RNTuple"
    card = (run / "own_samples.toml").read_text().replace('weight = "weight_mc"',
                                                          'weight = "weight_mc"\ncut = "sqrt(met**2) > 40"')
    (tmp_path / "card.toml").write_text(card)
    (run / "cut.toml").write_text(card)
    rn, tt = load_config(tmp_path / "card.toml"), load_config(run / "cut.toml")
    a = read_samples(rn.samples, rn.recipe, luminosity=140.0).events
    b = read_samples(tt.samples, tt.recipe, luminosity=140.0).events
    assert 0 < len(a) == len(b) and (a.x[:, 1] > 40).all()  # met > 40 GeV: the cut applied
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.weights, b.weights)
    model = str(run / "run" / "models" / "AffinePNN.pt")
    for folder, base in (("rn", tmp_path / "ntuples"), ("tt", run / "ntuples")):
        assert main(["apply", model, str(base / "ttbar.root"), "--mass", "500", "--out", str(tmp_path / folder),
                     "--quiet"]) == 0
    with uproot.open(tmp_path / "rn" / "ttbar_scores.root") as x, uproot.open(tmp_path / "tt" / "ttbar_scores.root") as y:
        np.testing.assert_array_equal(x["nominal"]["score_500"].array(library="np"),
                                      y["nominal"]["score_500"].array(library="np"))


def test_cp_angle_card_reproduces_the_script(tmp_path):
    """data/cards/cp_angle.toml and analysis/cp_angle_network.py, both at the script's --quick
    size: the conditioned network's test AUCs agree within 0.005 (they share cp_angle)."""
    import importlib
    import json

    import tomllib

    card = tomllib.loads(bundled_path("cards/cp_angle.toml").read_text())
    card["data"]["source"] = 8000
    card["models"][0]["widths"] = [16, 16]
    card["training"].update(epochs=1, batch_size=128, learning_rate=3e-3)
    card["output"]["directory"] = str(tmp_path / "card")
    result = __import__("hepconditioning.pipeline", fromlist=["run"]).run(parse_config(card), progress=False,
                                                                          log=lambda text: None)
    script = importlib.import_module("analysis.cp_angle_network")
    assert script.main(["--out", str(tmp_path / "script"), "--quick"]) == 0
    reference = json.loads((tmp_path / "script" / "summary.json").read_text())["auc"]
    np.testing.assert_allclose(result.tables["conditioned"], reference["conditioned"], atol=0.005)
    np.testing.assert_allclose(result.tables["oracle"], reference["oracle"], atol=1e-12)
    model = load_model(tmp_path / "card" / "models" / "conditioned.pt")
    assert (model.condition.name, model.condition.unit, model.mass_scale) == ("alpha", "rad", 1.0)
    assert "| 1.5708 |" in (tmp_path / "card" / "table.md").read_text()


def test_api_fit_on_physical_weights_matches_the_cli(run):
    """fit() through the API on raw GeV features with σ·L/Σw weights (events, from 1e0 to 1e5
    per event across processes) gives the AUC of the CLI run on the same events (it used to
    fall below 50 %: no standardization, and the weights undid the balanced batches)."""
    from hepconditioning.evaluation import evaluate_scores, evaluation_events
    from hepconditioning.nn import AffinePNN, predict
    from hepconditioning.pipeline import load_data
    from hepconditioning.training import TrainConfig, fit

    config = load_config(run / "own_samples.toml")
    train, validation, test = load_data(config)
    assert train.weights.max() / np.abs(train.weights).min() > 1e3 and (train.weights < 0).any()
    model = AffinePNN(train.n_features, seed=config.training.seed)
    fit(model, train, validation=validation, config=TrainConfig(epochs=3), progress=False)
    evaluation = evaluation_events(test, balance=False)
    api = evaluate_scores(evaluation, predict(model, evaluation)).auc
    from hepconditioning.evaluation import read_results

    cli = read_results(run / "run" / "results.root").tables["AffinePNN"].auc
    np.testing.assert_allclose(api, cli, atol=0.005)
    assert api[1:].min() > 0.85, api  # 500 … 900 GeV


def test_the_condition_is_named_by_the_card(tmp_path):
    (tmp_path / "s.root").write_bytes(b"")
    card = {"data": {"kind": "samples", "tree": "t"}, "features": ["x"], "condition": {"name": "alpha", "unit": "rad",
                                                                                     "scale": 1.0},
            "samples": [{"name": "s", "files": "s.root", "alpha": [0.5, 1.0]}, {"name": "b", "files": "s.root"}]}
    config = parse_config(card, base=tmp_path)
    assert [s.condition for s in config.samples] == [0.5, 1.0, None]
    from hepconditioning.pipeline import build_model

    model = build_model(config.models[0], 1, np.array([0.5, 1.0]), condition=config.condition)
    assert (model.condition.name, model.condition.unit, model.mass_scale) == ("alpha", "rad", 1.0)  # no GeV → TeV
    with pytest.raises(ConfigError, match="unknown key 'mass'"):
        parse_config({**card, "samples": [{"name": "s", "files": "s.root", "mass": 500}]}, base=tmp_path)
    with pytest.raises(ConfigError, match="several conditions"):
        parse_config({**card, "condition": [card["condition"], {"name": "shift"}]}, base=tmp_path)
