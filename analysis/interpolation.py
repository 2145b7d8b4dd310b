"""Interpolation and extrapolation in mass ([Anzalone22] Fig. 9).

Train the same conditioned network on all mass points and, separately, with one mass point
removed from the training signal (an interior point: interpolation; an end point:
extrapolation); evaluate every network at every mass point with the per-mass protocol and
report the AUC ratio to the network trained on all masses.

Usage::

    python -m analysis.interpolation --out interpolation-output [--card data/demo.toml]
        [--model AffinePNN] [--drop 1000 1500] [--epochs 5]

Writes ``interpolation.md`` (table of AUC and ratios), ``interpolation.png`` (ratio vs mass)
and ``interpolation.root`` (best-cut tables per network) into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hepconditioning.config import ModelConfig, load_config
from hepconditioning.evaluation import auc_ratio, evaluate_scores, evaluation_events, write_results
from hepconditioning.io import atomic_directory, bundled_path
from hepconditioning.nn import predict
from hepconditioning.pipeline import build_model, load_data
from hepconditioning.plotting import auc_ratio_vs_mass, draw_label, hep_style, save_figure
from hepconditioning.training import fit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--card", type=Path, default=None, help="run card (default: bundled demo.toml)")
    parser.add_argument("--model", default="AffinePNN", help="model class in hepconditioning.nn")
    parser.add_argument("--drop", type=float, nargs="+", default=[1000.0, 1500.0],
                        help="mass points (GeV) to leave out, one network each")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    config = load_config(args.card or bundled_path("demo.toml"))
    if args.epochs is not None:
        config = dataclasses.replace(config, training=dataclasses.replace(config.training,
                                                                          epochs=args.epochs))
    _, _, test = load_data(config)
    evaluation = evaluation_events(test)
    masses = [float(m) for m in test.mass_points]
    unknown = [m for m in args.drop if m not in masses]
    if unknown:
        parser.error(f"--drop {unknown}: not a mass point of the data ({masses})")

    tables, scores = {}, {}
    for dropped in [None, *args.drop]:
        kept = [m for m in masses if m != dropped]
        label = "all" if dropped is None else f"without_{dropped:g}"
        # background keeps every mass point (as in HEPMASS), also the one left out of the signal
        run = dataclasses.replace(config, data=dataclasses.replace(config.data, train_masses=kept),
                                  training=dataclasses.replace(config.training,
                                                               background_mass_points=tuple(masses)))
        train, validation, _ = load_data(run)
        model = build_model(ModelConfig(type=args.model), train.n_features, train.mass_points)
        fit(model, train, validation=validation, config=run.training, progress=not args.quiet)
        # evaluation at a left-out end point is an extrapolation: flagged, expected here
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores[label] = predict(model, evaluation)
        tables[label] = evaluate_scores(evaluation, scores[label])

    with atomic_directory(args.out, overwrite=args.overwrite) as tmp:
        lines = ["| network | " + " | ".join(f"{m:g} GeV" for m in masses) + " |",
                 "|---|" + "---|" * len(masses)]
        for label, table in tables.items():
            ratio = auc_ratio(table, tables["all"])
            lines.append(f"| {label} AUC | " + " | ".join(f"{a:.4f}" for a in table.auc) + " |")
            if label != "all":
                lines.append(f"| {label} ratio | " + " | ".join(f"{r:.4f}" for r in ratio) + " |")
        style = config.output.figure_label()  # the card's [output] style, label and √s
        with hep_style(style.style):
            drawn = auc_ratio_vs_mass({k.replace("_", " ") + " GeV": t for k, t in tables.items() if k != "all"},
                                      tables["all"], excluded=args.drop)
            draw_label(drawn.reference.axes, style)
            save_figure(drawn.reference.figure, tmp / "interpolation.png", close=True)
        (tmp / "interpolation.md").write_text("\n".join(lines) + "\n")
        write_results(tmp / "interpolation.root", evaluation, scores, tables=tables)
    print("\n".join(lines))
    print(f"AUC spread of the full network: {np.ptp(tables['all'].auc):.4f}; wrote {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
