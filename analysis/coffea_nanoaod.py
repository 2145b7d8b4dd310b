"""A trained pNN/AffinePNN on CMS NanoAOD inside a coffea processor, run with coffea's dask executor.

    PYTHONPATH=. python analysis/coffea_nanoaod.py MODEL [NANOAOD.root ...] --out figures/ [--workers 2]

Per chunk of events the processor builds the 27 HEPMASS features from the muons, electrons,
jets (CSVv2 b-tag above 0.8) and MET with awkward
(:func:`hepconditioning.datasets.hepmass.features_from_objects`), evaluates the model through
the coffea ``ml_tools`` wrapper (:class:`hepconditioning.apply.coffea.ModelWrapper`) at five
mass hypotheses, and fills a ``hist`` histogram (hypothesis × score, weighted by
``genWeight`` when the file has it). The histograms of all chunks are summed by coffea's
``processor.Runner`` with ``DaskExecutor`` on a ``LocalCluster``; the figure is drawn with
mplhep. The default input is the bundled CMS Open Data tt̄ NanoAOD file ``data/nanoaod_ttbar.root``
(200 events, CC0, data card ``data/nanoaod_ttbar.md``; few have exactly one lepton and four jets, so ``--jet-pt-min`` can relax the jet
cut).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import awkward as ak
import hist
import numpy as np
from coffea import processor

from hepconditioning.apply.coffea import ModelWrapper
from hepconditioning.datasets.hepmass import MASSES, features_from_objects
from hepconditioning.io import bundled_path

NANOAOD = bundled_path("nanoaod_ttbar.root")


def _objects(collection: Any, *extra: str) -> ak.Array:
    return ak.zip({name: collection[name] for name in ("pt", "eta", "phi", "mass", *extra)})


class HepmassProcessor(processor.ProcessorABC):
    """Scores of a HEPMASS-trained model on NanoAOD events at each mass hypothesis."""

    def __init__(self, model: str | Path, *, masses: tuple[float, ...] = MASSES, bins: int = 20,
                 jet_pt_min: float = 20.0) -> None:
        self.wrapper = ModelWrapper(model, device="cpu")
        self.masses = tuple(float(m) for m in masses)
        self.bins = bins
        self.jet_pt_min = jet_pt_min

    def process(self, events: Any) -> dict[str, Any]:
        leptons = ak.concatenate([_objects(events.Muon), _objects(events.Electron)], axis=1)
        objects = features_from_objects(leptons, _objects(events.Jet, "btagCSVV2"), events.MET, btag="btagCSVV2",
                                        btag_threshold=0.8, jet_pt_min=self.jet_pt_min)
        weight = (np.asarray(events.genWeight, dtype=np.float64) if "genWeight" in events.fields
                  else np.ones(len(events)))[objects.selected]
        h = hist.Hist(hist.axis.IntCategory([int(m) for m in self.masses], name="mass", label="hypothesis [GeV]"),
                      hist.axis.Regular(self.bins, 0.0, 1.0, name="score", label="signal probability"),
                      storage=hist.storage.Weight())
        features = ak.Array(objects.features)
        for mass in self.masses:
            scores = ak.to_numpy(self.wrapper(features, mass)) if len(features) else np.zeros(0)
            h.fill(mass=int(mass), score=scores, weight=weight)
        return {"scores": h, "entries": len(events), "selected": int(objects.selected.sum())}

    def postprocess(self, accumulator: dict[str, Any]) -> dict[str, Any]:
        return accumulator


def run(model: str | Path, files: list[str | Path], *, workers: int = 2, jet_pt_min: float = 20.0,
        chunksize: int = 100_000) -> dict[str, Any]:
    """Run :class:`HepmassProcessor` over ``files`` with ``processor.Runner`` + ``DaskExecutor``."""
    from distributed import Client, LocalCluster

    fileset = {"ttbar": {"files": {str(f): "Events" for f in files}}}
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        runner = processor.Runner(executor=processor.DaskExecutor(client=client, status=False),
                                  chunksize=chunksize)
        return runner(fileset, HepmassProcessor(model, jet_pt_min=jet_pt_min), treename="Events")


def figure(output: dict[str, Any], path: str | Path) -> Path:
    """Score distributions per hypothesis with their per-bin errors (mplhep, CMS style, CMS Open
    Data label at √s = 13 TeV)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    from hepconditioning.plotting import FigureLabel, draw_label, hep_style, save_figure

    label = FigureLabel(style="CMS", experiment="CMS", text="Open Data", com=13.0)
    h = output["scores"]
    with hep_style(label.style):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
        for mass in h.axes["mass"]:
            mplhep.histplot(h[{"mass": hist.loc(mass)}], ax=ax, yerr=True, label=f"m = {mass} GeV")
        ax.set_xlabel("signal probability")
        ax.set_ylabel("events (weighted)")
        ax.legend(title=f"{output['selected']} of {output['entries']} events tt̄")
        draw_label(ax, label)
        return save_figure(fig, path, dpi=120, close=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="model file written by hepconditioning train")
    parser.add_argument("files", nargs="*", default=[str(NANOAOD)], help="NanoAOD files")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory of the figure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jet-pt-min", type=float, default=20.0)
    args = parser.parse_args()
    output = run(args.model, args.files, workers=args.workers, jet_pt_min=args.jet_pt_min)
    print(f"{output['selected']} of {output['entries']} events selected")
    print(figure(output, args.out / "coffea_nanoaod_scores.png"))


if __name__ == "__main__":
    main()
