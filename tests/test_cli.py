"""The command line and the card runner, end to end on small inputs (and the real demo)."""

from __future__ import annotations

import numpy as np
import pytest
import uproot
from matplotlib.image import imread

from hepconditioning.cli import main
from hepconditioning.evaluation import read_results
from hepconditioning.io import read_csv

CARD = """
[data]
source = {source}
seed = 3

[[models]]
type = "AffinePNN"
widths = [32, 16]

[[models]]
type = "SingleNN"
name = "single"
widths = [32, 16]

[training]
epochs = 2
batch_size = 256
learning_rate = 1e-3

[output]
tsne_events = 60
bins = 20
"""


def _assert_figure(path):
    image = imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.05, f"{path.name} is blank"


def test_help_and_version(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--version"])


def test_generate_hepmass_roundtrip(tmp_path):
    out = tmp_path / "gen.csv.gz"
    assert main(["generate", "hepmass", "--events", "3000", "--seed", "2", "--out", str(out), "--quiet"]) == 0
    events = read_csv(out)
    assert len(events) == 3000
    assert events.n_features == 27
    assert set(events.mass_points.tolist()) == {500.0, 750.0, 1000.0, 1250.0, 1500.0}


def test_generate_htautau_root(tmp_path):
    from hepconditioning.datasets.htautau import read_htautau

    out = tmp_path / "rho.root"
    assert main(["generate", "htautau", "--events", "500", "--out", str(out), "--quiet"]) == 0
    events = read_htautau(out)
    assert len(events) == 500
    assert np.all(events.column("w_a") >= 0) and np.all(events.column("w_b") <= 2)


def test_bad_output_directory_is_reported_without_files(tmp_path, capsys):
    out = tmp_path / "missing" / "gen.csv.gz"
    assert main(["generate", "hepmass", "--events", "100", "--out", str(out), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("run")
    card = base / "card.toml"
    card.write_text(CARD.format(source=6000))
    out = base / "out"
    assert main(["train", str(card), "--out", str(out), "--quiet"]) == 0
    return out


def test_train_writes_every_output(trained_run):
    out = trained_run
    names = {p.name for p in out.iterdir()}
    assert {"results.root", "table.md", "models", "history_AffinePNN.json"} <= names
    for name in ("auc_vs_mass.png", "sigma_ratio_vs_mass.png", "roc_AffinePNN.png", "scores_single.png",
                 "history_AffinePNN.png", "tsne_AffinePNN.png"):
        _assert_figure(out / name)
    results = read_results(out / "results.root")
    assert set(results.tables) == {"AffinePNN", "single"}
    table = results.tables["AffinePNN"]
    assert table.mass.tolist() == [500.0, 750.0, 1000.0, 1250.0, 1500.0]
    assert table.auc[-1] > 0.85, table.auc  # two epochs of a small network: far above 0.5
    with uproot.open(out / "results.root") as file:
        h = file["AffinePNN/mass_1000/signal"]
        assert h.classname == "TH1D"
        assert file["scores"].num_entries == len(results.scores["AffinePNN"])
    assert "| 1500 |" in (out / "table.md").read_text()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temporary directory left behind"


@pytest.mark.parametrize("style", ["CMS", "ATLAS", "LHCb2", "ROOT"])
def test_tsne_map_with_a_long_model_name_in_every_style(tmp_path, style):
    """The t-SNE map's constrained layout collapsed (a warning, an error under pytest) with the
    experiment label, the colorbar and a long model name in the legend title."""
    card = tmp_path / "card.toml"
    card.write_text(CARD.replace('name = "single"', 'name = "single_network_with_a_long_name"')
                    .replace('type = "SingleNN"', 'type = "ParametricNN"')
                    .replace("epochs = 2", "epochs = 1").format(source=3000)
                    + f'style = "{style}"\nluminosity = 140.0\nsqrt_s = 13.0\n')
    out = tmp_path / "out"
    assert main(["train", str(card), "--out", str(out), "--quiet"]) == 0
    _assert_figure(out / "tsne_single_network_with_a_long_name.png")


def test_existing_output_is_refused_before_work(trained_run, tmp_path, capsys):
    card = tmp_path / "card.toml"
    card.write_text(CARD.format(source=6000))
    before = sorted(p.name for p in trained_run.iterdir())
    assert main(["train", str(card), "--out", str(trained_run), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert sorted(p.name for p in trained_run.iterdir()) == before


def test_evaluate_and_plot_commands(trained_run, tmp_path):
    data = tmp_path / "test.csv.gz"
    assert main(["generate", "hepmass", "--events", "4000", "--seed", "9", "--out", str(data), "--quiet"]) == 0
    results = tmp_path / "eval.root"
    assert main(["evaluate", str(trained_run / "models" / "AffinePNN.pt"), str(data), "--out", str(results)]) == 0
    table = read_results(results).tables
    assert list(table) == ["AffinePNN"] and table["AffinePNN"].auc[-1] > 0.85
    figures = tmp_path / "figures"
    assert main(["plot", str(results), "--out", str(figures)]) == 0
    _assert_figure(figures / "auc_vs_mass.png")


@pytest.mark.slow
def test_demo_main_job(tmp_path):
    """The README's main job on the bundled sample, as CI runs it."""
    out = tmp_path / "demo-output"
    assert main(["demo", "--out", str(out), "--quiet"]) == 0
    results = read_results(out / "results.root")
    assert set(results.tables) == {"AffinePNN", "pNN"}
    for label, table in results.tables.items():
        # Table 3 of Anzalone22 on 7M events: 77–99 %; here 30k training events
        assert table.auc[0] > 0.65 and table.auc[-1] > 0.97, (label, table.auc)
        assert np.all(np.diff(table.auc) > 0), (label, table.auc)
    for name in ("auc_vs_mass.png", "tsne_AffinePNN.png", "scores_pNN.png", "history_pNN.png"):
        _assert_figure(out / name)


def test_api_fit_on_raw_gev_features_matches_the_cli(trained_run):
    """fit() through the API on physical (GeV) features standardizes them itself: the same
    events and options give the AUC of the CLI run (issue 18: it used to be 39-44 %)."""
    from hepconditioning.datasets.hepmass import load_hepmass, physical
    from hepconditioning.evaluation import evaluate_scores, evaluation_events
    from hepconditioning.nn import AffinePNN, predict
    from hepconditioning.training import TrainConfig, fit

    train, validation, test = (physical(load_hepmass("generated", n_events=6000, split=s, seed=3))
                               for s in ("train", "validation", "test"))
    assert train.x[:, 0].mean() > 50  # lepton pT in GeV, not standardized
    model = AffinePNN(27, widths=(32, 16), seed=0)
    fit(model, train, validation=validation, progress=False,
        config=TrainConfig(epochs=2, batch_size=256, learning_rate=1e-3))
    assert model.trained_on.inputs == "physical"
    evaluation = evaluation_events(test)
    api = evaluate_scores(evaluation, predict(model, evaluation)).auc
    cli = read_results(trained_run / "results.root").tables["AffinePNN"].auc
    np.testing.assert_allclose(api, cli, atol=0.005)
    assert api[-1] > 0.9  # 1500 GeV; two epochs leave 500 GeV near 0.5 in both runs
