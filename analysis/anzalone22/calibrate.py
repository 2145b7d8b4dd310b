"""Does the stand-in interpolate like HEPMASS? Table 4's pNN at reduced scale (issue 19).

    python -m analysis.anzalone22.calibrate --tag NAME [--events 583000] [--epochs 12]
        [--model pNN] [--seed 0] [--out results/anzalone22/calibration]

Trains one Table 4 network (default the pNN; HEPMASS-IMB built from ``--events`` generated
events, 583k = 1/12 of the paper's 7M, without the 750/1000/1250 GeV signal) with the
reference scheme of the run cards (``data/cards/anzalone22_paper.toml``: background masses
from the training signal's {500, 1500}, L2 on the hidden Dense layers, Adam ε 1e-7), for
``--epochs`` epochs, through the same runner as the tables, and writes ``OUT/NAME.json``:

- the AUC at the five HEPMASS points and the four continuous masses, next to the paper's
  Table 4 row (the calibration target is the pNN row at 750/1000/1250 GeV);
- the diagnosis: the network's mean score in bins of m_WWbb at m = 500, 750, 1500 GeV, for
  the test background and for the 750 GeV signal (is the 500 GeV decision a window in m_WWbb
  or a one-sided threshold, and where does the 750 GeV signal fall at each condition);
- m_WWbb quantiles of the test signal per mass and of the background;
- the generator's source digest (``studies.generator_digest``), so a result names its events.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np

from analysis.anzalone22.runner import run_one
from analysis.anzalone22.studies import (
    MASSES,
    PAPER_TABLE4,
    DataSets,
    generator_digest,
    load_scale,
    specs,
)
from hepconditioning.datasets.hepmass import unstandardize
from hepconditioning.nn import ExtrapolationWarning, predict
from hepconditioning.training import load_model

EDGES = (0, 300, 400, 450, 500, 550, 600, 650, 700, 750, 800, 900, 1000, 1200, 1400, 1700, 10_000)
PROFILE_MASSES = (500.0, 750.0, 1000.0, 1500.0)


def profile(model, events, m_wwbb: np.ndarray) -> dict[str, list[float | None]]:
    """Mean score per m_WWbb bin (``EDGES``) with the condition set to each of ``PROFILE_MASSES``."""
    index = np.digitize(m_wwbb, EDGES) - 1
    out = {}
    for mass in PROFILE_MASSES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExtrapolationWarning)
            scores = predict(model, events.replace(mass=np.full(len(events), mass, np.float32)))
        out[f"{mass:g}"] = [round(float(scores[index == i].mean()), 4) if np.any(index == i) else None
                            for i in range(len(EDGES) - 1)]
    return out


def reduced_scale(events: int, epochs: int, seed: int):
    """The paper card with ``events`` generated events for HEPMASS-IMB and ``epochs`` epochs; test:
    100k stand-in events and 10k signal per continuous mass; 20 bootstrap replicas."""
    card = load_scale("paper")
    return dataclasses.replace(card, name="calibration", imb_train=events, hepmass_test=100_000,
                               continuous_signal=10_000, seeds=(seed,), bootstrap=20,
                               training={**card.training, "epochs": epochs})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", required=True, help="name of this generator state (the JSON's name)")
    parser.add_argument("--events", type=int, default=583_000, help="generated events for HEPMASS-IMB")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--model", default="pNN", help="Table 4 network name (pNN, AffinePNN, pNN_class, ...)")
    parser.add_argument("--seed", type=int, default=0, help="training seed (initial weights and batches)")
    parser.add_argument("--out", type=Path, default=Path("results/anzalone22/calibration"))
    args = parser.parse_args(argv)
    digest = generator_digest()  # of the generator this process imported
    scale = reduced_scale(args.events, args.epochs, args.seed)
    spec = next(s for s in specs("table4", scale) if s.name == args.model)
    spec = dataclasses.replace(spec, seed=args.seed)
    data = DataSets(scale)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_one(spec, scale, data, out=Path(tmp), work=Path(tmp) / "work", progress=False)
        model = load_model(Path(tmp) / "work" / f"{spec.study}_{spec.name}" / "model.pt")
    test = data.test()
    m_wwbb = unstandardize(test.x)[:, 26]
    signal = test.labels == 1
    at750 = signal & (test.mass == 750.0)
    aucs = {f"{r['mass']:g}": round(100 * r["auc"], 2) for r in result["rows"]}
    record = {
        "tag": args.tag, "generator_digest": digest, "model": spec.model, "network": spec.name,
        "events": args.events, "epochs": args.epochs, "seed": args.seed, "n_train": result["n_train"],
        "config": result["config"], "options": spec.options, "auc": aucs,
        "paper": dict(zip((f"{m:g}" for m in MASSES), PAPER_TABLE4.get(spec.label, ()), strict=False)),
        "best_epoch": result["history"]["best_epoch"], "val_auc": result["history"]["val_auc"],
        "m_wwbb_edges": list(EDGES),
        "score_vs_m_wwbb": {"background": profile(model, test[~signal], m_wwbb[~signal]),
                            "signal_750": profile(model, test[at750], m_wwbb[at750])},
        "m_wwbb_quantiles_10_25_50_75_90": {
            "background": np.percentile(m_wwbb[~signal], [10, 25, 50, 75, 90]).round(1).tolist(),
            **{f"signal_{m:g}": np.percentile(m_wwbb[signal & (test.mass == m)], [10, 25, 50, 75, 90])
               .round(1).tolist() for m in MASSES}},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.tag}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    row = " / ".join(f"{aucs[f'{m:g}']:.1f}" for m in MASSES)
    print(f"[calibrate] {args.tag} {spec.name}: AUC % at 500/750/1000/1250/1500 = {row} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
