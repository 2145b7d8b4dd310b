"""A trained pNN/AffinePNN on CMS NanoAOD inside a coffea processor, run with coffea's dask executor.

    python -m analysis.coffea_nanoaod MODEL [NANOAOD.root ...] --out figures/ [--workers 2]

Per chunk of events the processor builds the 27 HEPMASS features from the muons, electrons,
jets (CSVv2 b-tag above 0.8) and MET with awkward
(:func:`hepconditioning.datasets.hepmass.features_from_objects`), evaluates the model through
the coffea ``ml_tools`` wrapper (:class:`hepconditioning.export.coffea.ModelWrapper`) at five
mass hypotheses, and fills a ``hist`` histogram (hypothesis × score, weighted by ``genWeight``
when the file has it) together with the sum of the generator weights of *all* events read.
The histograms of all chunks are summed by coffea's ``processor.Runner`` with ``DaskExecutor``
on a ``LocalCluster``; the figure (mplhep) shows the selected fraction of the generated events
per score bin (weights divided by Σ genWeight), or with ``--luminosity L`` (fb⁻¹) the expected
events σ·L·w/Σw for ``--cross-section`` (pb; default the tt̄ cross section at 13 TeV). Error
bars are √Σw² per bin, none on empty bins. The default input is the bundled CMS Open Data tt̄
NanoAOD file ``data/nanoaod_ttbar.root`` (200 events, CC0, data card ``data/nanoaod_ttbar.md``;
few have exactly one lepton and four jets, so ``--jet-pt-min`` can relax the jet cut).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import awkward as ak
import hist
import numpy as np
from coffea import processor

from hepconditioning.datasets.hepmass import MASSES, features_from_objects
from hepconditioning.export.coffea import ModelWrapper
from hepconditioning.io import bundled_path

NANOAOD = bundled_path("nanoaod_ttbar.root")
TTBAR_CROSS_SECTION = 831.76
"""σ(pp → tt̄) at √s = 13 TeV in pb, NNLO+NNLL (Top++ 2.0, m_t = 172.5 GeV; LHC Top WG)."""


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
        generated = (np.asarray(events.genWeight, dtype=np.float64) if "genWeight" in events.fields
                     else np.ones(len(events)))
        weight = generated[objects.selected]
        h = hist.Hist(hist.axis.IntCategory([int(m) for m in self.masses], name="mass", label="hypothesis [GeV]"),
                      hist.axis.Regular(self.bins, 0.0, 1.0, name="score", label="signal probability"),
                      storage=hist.storage.Weight())
        features = ak.Array(objects.features)
        for mass in self.masses:
            scores = ak.to_numpy(self.wrapper(features, mass)) if len(features) else np.zeros(0)
            h.fill(mass=int(mass), score=scores, weight=weight)
        return {"scores": h, "entries": len(events), "selected": int(objects.selected.sum()),
                "sumw": float(generated.sum())}

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


def normalized(output: dict[str, Any], *, luminosity: float | None = None,
               cross_section: float = TTBAR_CROSS_SECTION) -> tuple[hist.Hist, str]:
    """The score histogram divided by the sum of the generator weights of all events read (the
    selected fraction of the generated events), times σ·L with ``luminosity`` (fb⁻¹) and
    ``cross_section`` (pb): expected events. Returns the histogram and its y label."""
    if not output["sumw"] > 0:
        raise ValueError(f"the generator weights of the {output['entries']} events read sum to {output['sumw']:g}; "
                         "cannot normalize to them")
    if luminosity is None:
        return output["scores"] * (1.0 / output["sumw"]), "fraction of generated events / bin"
    if not (luminosity > 0 and cross_section > 0):
        raise ValueError(f"luminosity and cross section must be positive, got {luminosity:g} fb^-1, "
                         f"{cross_section:g} pb")
    scale = cross_section * 1000.0 * luminosity / output["sumw"]  # pb × fb⁻¹ = 1000 events
    return output["scores"] * scale, f"events / bin ({luminosity:g} fb$^{{-1}}$)"


def draw(output: dict[str, Any], ax: Any, *, luminosity: float | None = None,
         cross_section: float = TTBAR_CROSS_SECTION) -> list[Any]:
    """Normalized score distributions per hypothesis on ``ax``; error bars √Σw², none on empty
    bins (mplhep's default puts a Poisson interval scaled by the mean weight there)."""
    import mplhep

    h, ylabel = normalized(output, luminosity=luminosity, cross_section=cross_section)
    artists = []
    for mass in h.axes["mass"]:
        one = h[{"mass": hist.loc(mass)}]
        values, variances = one.values(), one.variances()
        yerr = np.where(values != 0, np.sqrt(variances), 0.0)
        artists += mplhep.histplot(values, one.axes[0].edges, yerr=yerr, ax=ax, label=f"m = {mass} GeV")
    ax.set_xlabel("signal probability (model score)")
    ax.set_ylabel(ylabel)
    ax.legend(title=f"tt̄: {output['selected']} of {output['entries']} events", fontsize="small",
              title_fontsize="small", loc="upper left")
    return artists


def figure(output: dict[str, Any], path: str | Path, *, luminosity: float | None = None,
           cross_section: float = TTBAR_CROSS_SECTION) -> Path:
    """:func:`draw` into a figure at ``path`` (its directory is created), CMS style, CMS Open Data
    label at √s = 13 TeV (the luminosity, when given, in the y label)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hepconditioning.plotting import FigureLabel, draw_label, hep_style, save_figure

    label = FigureLabel(style="CMS", experiment="CMS", text="Open Data", com=13.0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with hep_style(label.style):
        fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
        draw(output, ax, luminosity=luminosity, cross_section=cross_section)
        draw_label(ax, label)
        return save_figure(fig, path, dpi=120, close=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="model file written by hepconditioning train")
    parser.add_argument("files", nargs="*", default=[str(NANOAOD)], help="NanoAOD files")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory of the figure")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jet-pt-min", type=float, default=20.0)
    parser.add_argument("--luminosity", type=float, default=None,
                        help="fb^-1: draw expected events σ·L·w/Σw (default: the fraction of generated events)")
    parser.add_argument("--cross-section", type=float, default=TTBAR_CROSS_SECTION,
                        help=f"pb, with --luminosity (default {TTBAR_CROSS_SECTION} pb, tt̄ at 13 TeV)")
    args = parser.parse_args()
    try:
        args.out.mkdir(parents=True, exist_ok=True)  # before the run, not after it
    except OSError as err:
        parser.error(f"--out {str(args.out)!r}: cannot create the directory ({err.strerror})")
    if args.luminosity is not None and not (args.luminosity > 0 and args.cross_section > 0):
        parser.error(f"--luminosity and --cross-section must be positive, got {args.luminosity:g}, "
                     f"{args.cross_section:g}")
    output = run(args.model, args.files, workers=args.workers, jet_pt_min=args.jet_pt_min)
    print(f"{output['selected']} of {output['entries']} events selected")
    print(figure(output, args.out / "coffea_nanoaod_scores.png", luminosity=args.luminosity,
                 cross_section=args.cross_section))


if __name__ == "__main__":
    main()
