"""m_WWbb between the mass points: the Pythia 8 backend next to the numpy stand-in (issue 19).

    python -m benchmarks.hepmass_interpolation_shapes [--events 16000] [--seed 7]
        [--pythia-cache FILE.npz] [--json results/anzalone22/calibration/shapes.json]

Generates ``--events`` selected events with each generator (signal at 500, 750, 1000 and
1500 GeV, equal shares, and as many tt̄ background events; ISR off, the calibrated default)
and writes, per generator, the fraction of each class in bins of m_WWbb and the likelihood
ratio signal(m_X) / background per bin, plus m_WWbb, jet and lepton pT quantiles per mass.
The likelihood ratio at 650–900 GeV under the 500 and 1500 GeV signal is what a network
trained on those two points has to interpolate through to find the 750 GeV signal.
``--pythia-cache`` keeps the Pythia events (raw features) between runs: Pythia does ~100
selected events per second. Needs the ``pythia`` extra.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from hepconditioning.datasets import hepmass

MASSES = (500.0, 750.0, 1000.0, 1500.0)
EDGES = (0, 300, 400, 450, 500, 550, 600, 650, 700, 800, 900, 1000, 1200, 1500, 3000)
QUANTILES = (10, 25, 50, 75, 90)
COLUMNS = {"lepton_pt": 0, "jet4_pt": 18, "m_jj": 22, "m_jjj": 23, "m_wwbb": 26}


def raw_events(backend: str, n: int, seed: int, cache: Path | None) -> dict[str, np.ndarray]:
    if backend == "pythia" and cache is not None and cache.is_file():
        with np.load(cache) as f:
            return {k: f[k] for k in ("x", "mass", "labels")}
    generate = hepmass.generate_pythia if backend == "pythia" else hepmass.generate
    events = generate(n, masses=MASSES, seed=seed)
    out = {"x": hepmass.unstandardize(events.x), "mass": events.mass, "labels": events.labels}
    if backend == "pythia" and cache is not None:
        np.savez(cache, **out)
    return out


def shapes(d: dict[str, np.ndarray]) -> dict[str, object]:
    background = d["labels"] == 0
    m_wwbb = d["x"][:, COLUMNS["m_wwbb"]]
    bkg = np.histogram(m_wwbb[background], EDGES)[0] / background.sum()
    out: dict[str, object] = {"background_fraction": np.round(bkg, 4).tolist(), "signal": {}}
    for mass in MASSES:
        sel = (d["labels"] == 1) & (d["mass"] == mass)
        sig = np.histogram(m_wwbb[sel], EDGES)[0] / sel.sum()
        out["signal"][f"{mass:g}"] = {
            "fraction": np.round(sig, 4).tolist(),
            "likelihood_ratio": np.round(sig / np.maximum(bkg, 1e-4), 3).tolist(),
            "quantiles": {name: np.percentile(d["x"][sel, c], QUANTILES).round(1).tolist()
                          for name, c in COLUMNS.items()}}
    out["background_quantiles"] = {name: np.percentile(d["x"][background, c], QUANTILES).round(1).tolist()
                                   for name, c in COLUMNS.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=16_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pythia-cache", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    record = {"benchmark": "hepmass_interpolation_shapes", "events": args.events, "seed": args.seed,
              "masses": list(MASSES), "m_wwbb_edges": list(EDGES), "quantiles": list(QUANTILES)}
    for backend in ("pythia", "stand-in"):
        record[backend] = shapes(raw_events(backend, args.events, args.seed, args.pythia_cache))
        for mass in (500.0, 1500.0):
            ratio = record[backend]["signal"][f"{mass:g}"]["likelihood_ratio"]
            print(f"{backend:9s} LR(m_X = {mass:g}) per m_WWbb bin {list(EDGES)}: {ratio}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
