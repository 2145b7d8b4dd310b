from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from dataclasses import dataclass, field

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from hepconditioning import Events
from hepconditioning.evaluation import evaluate_scores, evaluation_events, write_results
from hepconditioning.evaluation.histograms import score_histograms
from hepconditioning.plotting import (
    LineArtists,
    auc_ratio_vs_mass,
    auc_vs_mass,
    best_cut_vs_mass,
    figures_from_results,
    hep_style,
    roc_per_mass,
    save_figure,
    score_distributions,
    sigma_ratio_vs_mass,
    summary_figures,
    training_history,
    tsne_embedding,
)

MASSES = (500.0, 1000.0, 1500.0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def evaluated():
    rng = np.random.default_rng(4)
    n = 600
    labels = (np.arange(n) % 2).astype(np.float32)
    mass = rng.choice(MASSES, n)
    x = rng.normal(size=(n, 3)) + labels[:, None] * mass[:, None] / 800
    events = evaluation_events(Events(x, mass, labels, feature_names=["a", "b", "c"]))
    scores = 1 / (1 + np.exp(-events.x[:, 0] * events.mass / 1000))
    return events, scores, evaluate_scores(events, scores)


def check_image(fig, path):
    """The saved PNG exists and has content: several colours, not one flat background."""
    save_figure(fig, path, dpi=60)
    image = matplotlib.image.imread(path)[..., :3]
    assert image.shape[0] > 100 and image.shape[1] > 100
    non_white = np.mean(np.any(image < 0.95, axis=-1))
    assert 0.01 < non_white < 0.9, non_white
    assert len(np.unique((image * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 20
    assert image.std() > 0.05


def test_roc_per_mass(tmp_path, evaluated):
    events, scores, _ = evaluated
    roc = roc_per_mass(events, scores)
    assert isinstance(roc, LineArtists) and len(roc.lines) == 3 and roc.legend is not None
    assert "AUC" in roc.lines[0].get_label()
    curve, diagonal = roc.lines[-1].get_xydata(), roc.reference.get_xydata()
    assert curve[0].tolist() == [0.0, 0.0] and curve[-1].tolist() == [1.0, 1.0]
    assert diagonal.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    check_image(roc.lines[0].figure, tmp_path / "roc.png")
    with pytest.raises(ValueError, match=r"unknown mass point.*750"):
        roc_per_mass(events, scores, masses=[750.0])


def test_per_mass_summaries(tmp_path, evaluated):
    _, _, table = evaluated
    worse = evaluate_scores(evaluated[0], np.sqrt(evaluated[1]) + 0.3 * np.sin(50 * evaluated[1]))
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    aucs = auc_vs_mass({"AffinePNN": table, "pNN": worse}, ax=axes[0])
    assert [a.get_label() for a in aucs.lines] == ["AffinePNN", "pNN"]
    np.testing.assert_allclose(aucs.lines[0].get_ydata(), 100 * table.auc)
    ratios = sigma_ratio_vs_mass({"AffinePNN": table}, ax=axes[1])
    assert ratios.reference.get_ydata()[0] == pytest.approx(1 / np.sqrt(2))  # failure line
    cuts = best_cut_vs_mass(table, ax=axes[2])
    np.testing.assert_allclose(cuts.lines[0].get_xdata(), MASSES)
    assert cuts.legend is None  # one unnamed table
    check_image(fig, tmp_path / "summary.png")
    study = auc_ratio_vs_mass({"without 1000": worse}, table, excluded=[1000.0])
    np.testing.assert_allclose(study.lines[0].get_ydata(), worse.auc / table.auc)
    assert study.bands[0].get_label() == "not in training" and study.reference.get_ydata()[0] == 1.0
    check_image(study.lines[0].figure, tmp_path / "interpolation.png")
    with pytest.raises(TypeError, match="EvaluationTable"):
        auc_vs_mass({})


def test_score_distributions(tmp_path, evaluated):
    events, scores, _ = evaluated
    hists = score_histograms(events, scores, bins=25)
    with hep_style("ROOT"):
        artists = score_distributions(hists[1], log=True)
    assert [t.get_text() for t in artists.legend.get_texts()] == ["signal", "background"]
    assert artists.legend.get_title().get_text() == "m = 1000 GeV"  # above the axes: the label
    check_image(artists.signal.stairs.figure, tmp_path / "scores.png")
    with pytest.raises(ValueError, match="unknown figure style 'nope'; choose one of CMS, ATLAS, LHCb2, ROOT"), hep_style("nope"):
        pass


def test_tsne_embedding(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 150)
    mass = rng.choice(MASSES, 300)
    embeddings = rng.normal(size=(300, 8)) + 3 * labels[:, None]
    import sklearn.manifold  # noqa: F401  loaded first, so that the thread limit applies to its OpenMP

    with threadpool_limits(1):  # t-SNE threads oversubscribe a shared 2-core machine
        artists = tsne_embedding(embeddings, labels, mass, n_samples=200, max_iter=250, seed=1)
    assert [a.get_label() for a in artists[:2]] == ["signal", "background"]
    assert sum(len(a.get_offsets()) for a in artists[:2]) == 200
    assert artists.colorbar is not None
    check_image(artists.signal.figure, tmp_path / "tsne.png")
    with pytest.raises(ValueError, match="need embeddings"):
        tsne_embedding(embeddings, labels[:10], mass)


@dataclass
class History:
    loss: list = field(default_factory=lambda: [0.69, 0.5, 0.45, 0.43, 0.44])
    val_auc: list = field(default_factory=lambda: [0.80, 0.86, 0.88, 0.885, 0.884])
    mass_points: list = field(default_factory=lambda: [500.0, 1500.0])
    val_auc_per_mass: list = field(default_factory=lambda: [[0.7, 0.9], [0.75, 0.95], [0.78, 0.97],
                                                           [0.78, 0.98], [0.78, 0.98]])
    best_epoch: int = 3


def test_training_history(tmp_path):
    artists = training_history(History())
    labels = [a.get_label() for a in (artists.loss, *artists.val_auc_per_mass, artists.val_auc, artists.best_epoch)]
    assert labels == ["training loss", "val AUC 500 GeV", "val AUC 1500 GeV", "val AUC", "best epoch 4"]
    assert [t.get_text() for t in artists.legend.get_texts()] == labels
    check_image(artists.loss.figure, tmp_path / "history.png")
    as_dict = History(val_auc_per_mass={500.0: [0.7, 0.75], 1500.0: [0.9, 0.95]}, best_epoch=-1)
    assert training_history(as_dict).best_epoch is None
    no_validation = History(val_auc=[], val_auc_per_mass=[], best_epoch=-1)
    bare = training_history(no_validation)
    assert (bare.val_auc, bare.val_auc_per_mass, bare.best_epoch) == (None, [], None)
    assert [t.get_text() for t in bare.legend.get_texts()] == ["training loss"]


def test_save_figure_is_atomic(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match=r"suffix '\.xyz'"):
        save_figure(fig, tmp_path / "plot.xyz")
    with pytest.raises(FileNotFoundError):
        save_figure(fig, tmp_path / "missing" / "plot.png")
    assert save_figure(fig, tmp_path / "plot.pdf").stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.pdf"]


def test_summary_figures_and_figures_from_results(tmp_path, evaluated):
    events, scores, table = evaluated
    other = np.sqrt(scores)
    scores_by_model = {"AffinePNN": scores, "pNN": other}
    tables = {"AffinePNN": table, "pNN": evaluate_scores(events, other)}
    (tmp_path / "run").mkdir()
    written = summary_figures(tmp_path / "run", tables=tables, histories={"pNN": History()}, evaluation=events,
                              scores=scores_by_model, bins=20, dpi=50)
    assert [p.name for p in written] == [
        "auc_vs_mass.png", "sigma_ratio_vs_mass.png", "best_cut_vs_mass.png", "roc_AffinePNN.png",
        "scores_AffinePNN.png", "roc_pNN.png", "scores_pNN.png", "history_pNN.png",
    ]
    for path in written:
        image = matplotlib.image.imread(path)[..., :3]
        assert image.std() > 0.05 and np.mean(np.any(image < 0.95, axis=-1)) > 0.01
    assert plt.get_fignums() == []  # every figure closed after saving
    results = write_results(tmp_path / "results.root", events, scores_by_model, tables=tables, bins=20)
    out = tmp_path / "figures"
    from_file = figures_from_results(results, out, dpi=50)
    assert [p.name for p in from_file] == [p.name for p in written if not p.name.startswith("history")]
    assert all(p.exists() and p.parent == out for p in from_file)
    with pytest.raises(FileExistsError, match="not empty"):
        figures_from_results(results, out)
    with pytest.raises(ValueError, match="without the evaluation events"):
        summary_figures(tmp_path / "run", tables=tables, scores=scores_by_model)
