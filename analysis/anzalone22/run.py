"""Reproduce [Anzalone22] Tables 3-5 and Figs. 14-15 on the HEPMASS stand-in.

Usage::

    python -m analysis.anzalone22.run all --scale small --out results/anzalone22/small
    python -m analysis.anzalone22.run table4 --scale paper --out OUT --work WORK [--only pNN,AffinePNN]
    python -m analysis.anzalone22.run report --scale paper --out OUT     # tables/figures from what exists
    python -m analysis.anzalone22.run all --scale paper --estimate       # CPU-time estimate, no training

Studies: ``table3`` (HEPMASS: single, individual, linear pNN, pNN and AffinePNN × background
mass {identical, uniform} × {fixed, sampled}), ``table4`` (HEPMASS-IMB without the
750/1000/1250 GeV signal: pNN and AffinePNN × {none, class, full} balance; Fig. 14c),
``table5`` (HEPMASS-IMB, all masses, {none, class, full}), ``fig14`` (HEPMASS trained on
{500, 1500} and on {750, 1250}); ``all`` runs the four. Every network is evaluated at the
five mass points and at 625/875/1125/1375 GeV (generated signal). Scales are the run cards
``data/cards/anzalone22_{small,paper}.toml``. The run resumes after ``kill -9``: finished
networks (``OUT/models/<name>.json``) are skipped and an interrupted one continues from its
last epoch (``WORK/<name>/checkpoint.pt``). After training, ``OUT`` gets the tables
(markdown + JSON), the figures, the verdicts on the paper's claims and ``summary.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

from analysis.anzalone22.report import write_report
from analysis.anzalone22.runner import result_path, run_one
from analysis.anzalone22.studies import STUDIES, DataSets, Scale, Spec, load_scale, specs

# events per CPU-second of one torch thread (training, batch 1024), measured on the stand-in
# with 1 thread: pNN ~53k, AffinePNN ~35k; evaluation adds ~10 % (prediction + bootstrap)
THROUGHPUT = {"ParametricNN": 53_000, "ConditionedMLP": 45_000, "SingleNN": 55_000, "IndividualNNs": 50_000,
              "AffinePNN": 35_000}


def estimate(todo: Sequence[Spec], scale: Scale, data: DataSets) -> float:
    """CPU seconds (one thread) to train and evaluate ``todo``."""
    return sum(1.1 * data.sizes(s) * scale.epochs / THROUGHPUT.get(s.model, 40_000) for s in todo)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="+", choices=[*STUDIES, "all", "report"])
    parser.add_argument("--scale", default="small", help="small, paper or a run card path")
    parser.add_argument("--out", type=Path, help="results directory (JSON, markdown, figures)")
    parser.add_argument("--work", type=Path, default=None, help="checkpoints (default OUT/../work-<scale>)")
    parser.add_argument("--only", default=None, help="comma-separated network names to run")
    parser.add_argument("--epochs", type=int, default=None, help="override the card's epochs (recorded)")
    parser.add_argument("--estimate", action="store_true", help="print the CPU-time estimate and stop")
    parser.add_argument("--bootstrap", type=int, default=None, help="override the card's bootstrap replicas")
    parser.add_argument("--finish", action="store_true",
                        help="train nothing: evaluate unfinished networks from their best epoch so far (partial)")
    parser.add_argument("--prepare", action="store_true", help="generate and cache the data sets, then stop")
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress bars")
    args = parser.parse_args(argv)
    from tqdm.auto import tqdm

    scale = load_scale(args.scale)
    if args.epochs is not None:
        scale = dataclasses.replace(scale, training={**scale.training, "epochs": args.epochs})
    if args.bootstrap is not None:
        scale = dataclasses.replace(scale, bootstrap=args.bootstrap)
    cache = (args.work or (args.out.parent / f"work-{scale.name}" if args.out else None))
    data = DataSets(scale, cache=cache / "data" if cache is not None and scale.name == "paper" else None)
    names = args.only.split(",") if args.only else None
    chosen = [s for s in args.studies if s != "report"]
    studies = list(STUDIES) if "all" in chosen else chosen
    todo = [spec for study in studies for spec in specs(study, scale) if names is None or spec.name in names]
    if names:  # in the order given
        todo = sorted(todo, key=lambda spec: names.index(spec.name))
    if names and not todo:
        parser.error(f"--only {args.only}: no such network in {studies}")
    hours = estimate(todo, scale, data) / 3600
    print(f"[anzalone22] scale {scale.name}: {len(todo)} networks, {scale.epochs} epochs; estimate "
          f"{hours:.1f} CPU-hours on one thread (wall time about that divided by the free cores)", flush=True)
    if args.estimate:
        return 0
    if args.out is None:
        parser.error("--out is required (except with --estimate)")
    work = args.work or args.out.parent / f"work-{scale.name}"
    if args.prepare:
        data.test()
        for spec in todo:
            data.training(spec)
        return 0
    pending = [s for s in todo if not result_path(args.out, s).exists()]
    if len(pending) < len(todo):
        print(f"[anzalone22] {len(todo) - len(pending)} networks already done, skipped", flush=True)
    began = time.time()
    for spec in tqdm(pending, desc="networks", unit="net", disable=not pending):
        result = run_one(spec, scale, data, out=args.out, work=work, progress=not args.quiet, finish=args.finish)
        if result is None:
            tqdm.write(f"[anzalone22] {spec.name}: no checkpoint, nothing to finish")
            continue
        aucs = " / ".join(f"{100 * r['auc']:.1f}" for r in result["rows"] if r["mass"] % 250 == 0)
        tqdm.write(f"[anzalone22] {spec.study} {spec.name}: AUC % {aucs} "
                   f"({result['epochs_done']} epochs{', partial' if result['partial'] else ''})")
    if pending:
        print(f"[anzalone22] trained {len(pending)} networks in {(time.time() - began) / 60:.1f} min", flush=True)
    write_report(args.out, scale)
    print(f"[anzalone22] wrote {args.out}/", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
