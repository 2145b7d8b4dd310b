"""The figures' look: mplhep styles, the experiment-style label, bootstrap error bars, the ROC
working point, and three figures compared with committed reference images.

Reference images: ``tests/baseline/*.png``, compared by ``matplotlib.testing.compare`` with
an RMS tolerance of ``TOLERANCE`` (on 0–255 grey levels; a moved label, line or error bar
exceeds it, anti-aliasing differences do not). After an intended change of a figure, rewrite
them with ``PYTHONPATH=. python tests/test_figures.py`` and look at the new images.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.testing.compare import compare_images

from hepconditioning import Events
from hepconditioning.cli import main
from hepconditioning.config import parse_config
from hepconditioning.errors import ConfigError
from hepconditioning.evaluation import evaluate_scores, evaluation_events
from hepconditioning.evaluation.histograms import score_histograms
from hepconditioning.plotting import (
    STYLES,
    FigureLabel,
    auc_vs_mass,
    draw_label,
    hep_style,
    roc_per_mass,
    save_figure,
    score_distributions,
    summary_figures,
)

BASELINE = Path(__file__).resolve().parent / "baseline"
TOLERANCE = 3.0
MASSES = (500.0, 1000.0, 1500.0)
LABEL = FigureLabel(style="CMS", text="Simulation", com=14.0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _evaluated():
    rng = np.random.default_rng(7)
    n = 3000
    labels = (np.arange(n) % 2).astype(np.float32)
    mass = rng.choice(MASSES, n)
    x = rng.normal(size=(n, 2)) + labels[:, None] * mass[:, None] / 900
    events = evaluation_events(Events(x, mass, labels, feature_names=["a", "b"]))
    scores = 1 / (1 + np.exp(-1.5 * events.x[:, 0]))
    return events, scores, evaluate_scores(events, scores, bootstrap=100, seed=3)


def _figures() -> dict[str, plt.Figure]:
    """The three reference figures, drawn in the CMS style with the Simulation label."""
    events, scores, table = _evaluated()
    figures = {}
    with hep_style(LABEL.style):
        drawn = auc_vs_mass({"model": table})
        draw_label(drawn.lines[0].axes, LABEL)
        figures["auc_vs_mass"] = drawn.lines[0].figure
        roc = roc_per_mass(events, scores, working_points=dict(zip(table.mass, table.threshold, strict=True)))
        draw_label(roc.reference.axes, LABEL)
        figures["roc"] = roc.reference.figure
        histograms = score_histograms(events, scores, bins=20, masses=[1000.0])[0]
        artists = score_distributions(histograms, density=False)
        draw_label(artists.legend.axes, LABEL)
        figures["scores"] = artists.legend.axes.figure
    return figures


@pytest.mark.parametrize("name", ["auc_vs_mass", "roc", "scores"])
def test_figure_matches_reference_image(name, tmp_path):
    actual = save_figure(_figures()[name], tmp_path / f"{name}.png", dpi=80)
    failure = compare_images(str(BASELINE / f"{name}.png"), str(actual), tol=TOLERANCE)
    assert failure is None, failure


def test_label_text_and_style_names():
    assert STYLES == ("CMS", "ATLAS", "LHCb2", "ROOT")
    assert FigureLabel(style="lhcb2").style == "LHCb2"
    assert FigureLabel(com=13.0, lumi=138.0).right == "138 fb$^{-1}$, √s = 13 TeV"
    assert FigureLabel().right == ""
    with pytest.raises(ValueError, match="unknown figure style 'Belle'; choose one of CMS, ATLAS, LHCb2, ROOT"):
        FigureLabel(style="Belle")
    with pytest.raises(ValueError, match="lumi must be a positive number or None, got -1"):
        FigureLabel(lumi=-1)
    for style in STYLES:
        with hep_style(style):
            _, ax = plt.subplots()
            draw_label(ax, FigureLabel(style=style, experiment="CMS", text="Open Data", com=13.0))
            texts = [t.get_text() for t in ax.texts]
            assert "CMS" in texts and "Open Data" in texts and "√s = 13 TeV" in texts


def test_error_bars_are_the_bootstrap_intervals_and_the_working_point_is_t_star():
    events, scores, table = _evaluated()
    drawn = auc_vs_mass({"model": table})
    (bars,) = drawn.errorbars
    segments = bars.lines[2][0].get_segments()  # one vertical segment per mass: [low, high] in %
    np.testing.assert_allclose([s[:, 1] for s in segments], 100 * table.auc_ci, rtol=1e-12)
    assert np.all(table.auc_ci[:, 0] < table.auc) and np.all(table.auc < table.auc_ci[:, 1])
    roc = roc_per_mass(events, scores, working_points=dict(zip(table.mass, table.threshold, strict=True)))
    for point, mass, s in zip(roc.working_points, table.mass, table.s, strict=True):
        signal = (events.labels == 1) & (events.column("eval_mass") == mass)
        # the marked signal efficiency is the weight passing t* over all signal weight
        assert point.get_ydata()[0] == pytest.approx(s / events.weights[signal].sum())


def test_summary_figures_draw_intervals_when_the_tables_have_none(tmp_path):
    events, scores, _ = _evaluated()
    bare = evaluate_scores(events, scores)
    assert bare.auc_ci is None
    written = summary_figures(tmp_path, tables={"model": bare}, evaluation=events, scores={"model": scores},
                              label=FigureLabel(style="ATLAS", com=14.0), bins=10, dpi=40)
    assert [p.name for p in written][:4] == ["auc_vs_mass.png", "sigma_ratio_vs_mass.png",
                                              "best_cut_vs_mass.png", "roc_model.png"]


def test_style_option_of_the_card_and_the_command_line(tmp_path, capsys):
    assert parse_config({"output": {"style": "atlas"}}).output.style == "ATLAS"
    with pytest.raises(ConfigError, match=r"\[output\] unknown figure style 'Belle'; choose one of CMS"):
        parse_config({"output": {"style": "Belle"}})
    with pytest.raises(ConfigError, match=r"\[output\] sqrt_s = 0 must be a positive number"):
        parse_config({"output": {"sqrt_s": 0}})
    assert main(["plot", str(tmp_path / "results.root"), "--out", str(tmp_path / "f"), "--style", "Belle"]) == 2
    assert "unknown figure style 'Belle'" in capsys.readouterr().err
    apply = ["apply", str(tmp_path / "model.pt"), "nanoaod_ttbar", "--spec", "nanoaod_hepmass", "--mass", "500",
             "--out", str(tmp_path / "s"), "--style", "Belle"]
    assert main(apply) == 2 and "unknown figure style 'Belle'" in capsys.readouterr().err  # before the model
    assert main(["demo", "--out", str(tmp_path / "d"), "--style", "Belle", "--quiet"]) == 2
    assert "[output] unknown figure style 'Belle'" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


if __name__ == "__main__":  # rewrite the reference images
    BASELINE.mkdir(exist_ok=True)
    for name, fig in _figures().items():
        print(save_figure(fig, BASELINE / f"{name}.png", dpi=80), file=sys.stderr)
