"""Figures and the ROOT tables of the Anzalone et al. 2022 study (arXiv:2202.00424), drawn from
the per-network results that :mod:`analysis.anzalone22.report` aggregates."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from analysis.anzalone22.studies import CONTINUOUS
from hepconditioning.io import write_root
from hepconditioning.plotting import FigureLabel, draw_label, hep_style, save_figure

LABEL = FigureLabel(style="CMS", text="Simulation", com=14.0)
"""The style and label of the study's figures: the HEPMASS stand-in is simulated at 14 TeV."""


def auc_figure(ax, rows, labels, title):
    """AUC (%) vs evaluation mass of the networks ``labels`` of ``rows``, seed and bootstrap errors."""
    for label in labels:
        if label not in rows:
            continue
        masses = sorted(float(m) for m in rows[label]["mass"])
        stats = [rows[label]["mass"][f"{m:g}"] for m in masses]
        auc = np.array([100 * s["auc"] for s in stats])
        err = np.array([100 * math.hypot(s["auc_boot_std"], s["auc_seed_std"] or 0.0) for s in stats])
        ax.errorbar(masses, auc, yerr=err, marker="o", ms=3, capsize=2, label=label)
    for m in CONTINUOUS:
        ax.axvline(m, color="0.9", lw=0.8, zorder=0)
    ax.set_xlabel("evaluation mass [GeV]")
    ax.set_ylabel("ROC AUC [%]")
    ax.legend(fontsize="xx-small", title=title, title_fontsize="xx-small")  # above the axes: the label
    draw_label(ax, LABEL)


def fig15(out: Path, results: list[dict[str, Any]]) -> None:
    """Fig. 15: AffinePNN score distributions at 500 GeV with the best cut (``fig15.png``)."""
    pick = [r for r in results if r["study"] == "table3" and r["name"] == "AffinePNN_identical_sampled"] or \
        [r for r in results if r["model"] == "AffinePNN" and r["seed"] == 0]
    if not pick:
        return
    r = pick[0]
    row = next(x for x in r["rows"] if x["mass"] == 500.0)
    edges = np.array(row["hist_edges"])
    with hep_style(LABEL.style):
        fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
        for key, label in (("hist_signal", "signal (500 GeV)"), ("hist_background", "background at m = 500 GeV")):
            h = np.array(row[key])
            ax.stairs(h / h.sum() / np.diff(edges), edges, label=label)
        ax.axvline(row["threshold"], color="k", ls="--", lw=1, label=f"best cut t* = {row['threshold']:.3f} "
                   f"(σ_ratio {row['sigma_ratio']:.3f})")
        ax.set_yscale("log")
        ax.set_xlabel("AffinePNN output")
        ax.set_ylabel("normalized")
        ax.legend(fontsize="x-small", title_fontsize="x-small",
                  title=f"Fig. 15 — class separation at 500 GeV\n({r['study']} {r['name']})")
        draw_label(ax, LABEL)
        save_figure(fig, out / "fig15.png", close=True)


def write_tables_root(out: Path, results: list[dict[str, Any]]) -> None:
    """``tables.root``: one TTree of per-mass metrics per network."""
    trees = {f"{r['study']}_{r['name']}": {
        "mass": np.array([x["mass"] for x in r["rows"]]), "auc": np.array([x["auc"] for x in r["rows"]]),
        "auc_low": np.array([x["auc_ci"][0] for x in r["rows"]]),
        "auc_high": np.array([x["auc_ci"][1] for x in r["rows"]]),
        "sigma_ratio": np.array([x["sigma_ratio"] for x in r["rows"]]),
        "threshold": np.array([x["threshold"] for x in r["rows"]])} for r in results}
    write_root(out / "tables.root", trees=trees)
