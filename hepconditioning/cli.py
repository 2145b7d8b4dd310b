"""Command line: ``hepconditioning {demo, train, evaluate, plot, apply, generate}`` (a thin layer).

Each command parses its arguments, validates them (config cards through
:mod:`hepconditioning.config`) before any work starts, and calls the library.

Exit status: 0 success; 2 an error the user can fix, reported as one line
``hepconditioning CMD: error: ...`` on stderr; 130 after Ctrl-C (SIGINT) and 143 after SIGTERM
(what batch systems send), both after removing incomplete outputs. Warnings of the package
(e.g. an extrapolation in mass) are one line ``hepconditioning CMD: warning: ...``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from hepconditioning._version import __version__
from hepconditioning.errors import HepConditioningError, HepConditioningWarning

__all__ = ["build_parser", "main"]


def _demo(args: argparse.Namespace) -> int:
    from hepconditioning.config import load_config
    from hepconditioning.io import bundled_path
    from hepconditioning.pipeline import run

    config = load_config(bundled_path("demo.toml"))
    training = config.training
    if args.epochs is not None:
        training = dataclasses.replace(training, epochs=args.epochs)
    output = dataclasses.replace(config.output, directory=str(args.out), overwrite=args.overwrite,
                                 style=args.style or config.output.style)
    run(dataclasses.replace(config, training=training, output=output), progress=not args.quiet)
    return 0


def _train(args: argparse.Namespace) -> int:
    from hepconditioning.config import load_config
    from hepconditioning.pipeline import run

    config = load_config(args.card)
    if args.out is not None or args.overwrite or args.style:
        output = dataclasses.replace(
            config.output, directory=str(args.out or config.output.directory),
            overwrite=args.overwrite or config.output.overwrite, style=args.style or config.output.style,
        )
        config = dataclasses.replace(config, output=output)
    if args.nproc > 1 and "WORLD_SIZE" not in os.environ:
        from hepconditioning.io.outdir import check_output_directory

        if args.resume:
            raise ValueError("--resume continues single-process runs; drop --nproc (or use --nproc 1)")
        check_output_directory(config.output.directory, overwrite=config.output.overwrite)
        return _launch(args)
    run(config, progress=not args.quiet, resume=args.resume)
    return 0


def _launch(args: argparse.Namespace) -> int:
    """``torchrun --standalone --nproc_per_node N -m hepconditioning.cli train ...``: N processes
    on this machine train together (gloo on CPU, NCCL on GPU); rank 0 writes the outputs."""
    import subprocess

    import hepconditioning

    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={args.nproc}", "-m", "hepconditioning.cli", "train", str(args.card)]
    command += ["--out", str(args.out)] if args.out is not None else []
    command += ["--overwrite"] * args.overwrite + ["--quiet"] * args.quiet
    command += ["--style", args.style] if args.style else []
    # the workers import the same hepconditioning as this process
    package_root = str(Path(hepconditioning.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    env.setdefault("OMP_NUM_THREADS", "1")
    return subprocess.run(command, env=env, check=False).returncode


def _evaluate(args: argparse.Namespace) -> int:
    from hepconditioning.evaluation import write_results
    from hepconditioning.io.atomic import check_output_path
    from hepconditioning.pipeline import evaluate_model

    check_output_path(args.out, overwrite=args.overwrite)
    result = evaluate_model(args.model, args.data, masses=args.masses, mass_points=args.mass_points,
                            balance=args.balance)
    label = re.sub(r"\W", "_", Path(args.model).stem)  # branch and directory names
    label = label if label[:1].isalpha() else f"model_{label}"
    write_results(args.out, result.evaluation, {label: result.scores}, tables={label: result.table},
                  processes=result.processes, hypotheses={label: result.hypotheses} if result.hypotheses else None)
    print(result.table.to_markdown())
    if result.hypotheses is not None:
        print(result.hypotheses.to_markdown())
    print(f"wrote {args.out}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from hepconditioning.plotting import figures_from_results

    written = figures_from_results(args.results, args.out, overwrite=args.overwrite, label=_figure_label(args))
    for path in written:
        print(path)
    return 0


def _figure_label(args: argparse.Namespace):  # -> plotting.FigureLabel
    from hepconditioning.plotting import FigureLabel

    return FigureLabel(style=args.style or "CMS", text=args.label, com=args.sqrt_s, lumi=args.luminosity)


def _generate(args: argparse.Namespace) -> int:
    if args.sample == "ntuples":
        from hepconditioning.datasets.ntuples import write_ntuples

        for path in write_ntuples(args.out, events=args.events or 20_000, seed=args.seed):
            print(path)
        return 0
    if args.events is None:
        raise ValueError(f"generate {args.sample} needs --events N")
    if args.sample == "hepmass":
        from hepconditioning.datasets.hepmass import MASSES, write_generated

        write_generated(args.out, args.events, masses=tuple(args.masses or MASSES), seed=args.seed,
                        isr=args.isr, progress=not args.quiet)
    else:
        from hepconditioning.datasets.htautau import write_generated

        write_generated(args.out, args.events, alpha_b=args.alpha_b, selection=args.selection,
                        seed=args.seed, progress=not args.quiet)
    print(f"wrote {args.events} events to {args.out}")
    return 0


def _apply(args: argparse.Namespace) -> int:
    from hepconditioning.apply import apply_files, load_spec
    from hepconditioning.io.bundled import bundled_or_path

    label = _figure_label(args)  # a wrong --style fails before any work
    if args.spec is None:  # the feature recipe stored in the model file (trained from [[samples]])
        from hepconditioning.apply.spec import spec_from_model
        from hepconditioning.training import load_model

        spec = spec_from_model(load_model(args.model).metadata, model=repr(str(args.model)))
    else:
        spec = load_spec(bundled_or_path(args.spec, folder="specs", suffix=".toml",
                                         hint="give the path of a spec TOML file"))
    files = [bundled_or_path(name, suffix=".root", hint="give the path of a ROOT file")
             for name in args.files]
    result = apply_files(args.model, files, spec=spec, masses=args.mass, out=args.out, workers=args.workers,
                         scheduler=args.scheduler, backend=args.backend, bins=args.bins, step=args.step,
                         progress=not args.quiet)
    for path in result.outputs.values():
        print(path)
    if result.histograms is not None:
        from hepconditioning.plotting import figure_from_apply

        print(f"{result.histograms} ({result.selected} of {result.entries} entries selected)")
        print(figure_from_apply(result.histograms, label=label))
    for path, reason in result.failed.items():
        print(f"hepconditioning apply: error: {path}: {reason}", file=sys.stderr)
    return 1 if result.failed else 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _style_option(p: argparse.ArgumentParser, default: str) -> None:
    # checked by hepconditioning.plotting.check_style when the figures are drawn (the parser
    # stays free of matplotlib); the names are hepconditioning.plotting.STYLES
    p.add_argument("--style", default=None, metavar="STYLE",
                   help=f"mplhep style of the figures: CMS, ATLAS, LHCb2 or ROOT (default: {default})")


def _label_options(p: argparse.ArgumentParser) -> None:
    _style_option(p, "CMS")
    p.add_argument("--label", default="Simulation", help="the figures' label: Simulation or Open Data")
    p.add_argument("--sqrt-s", type=float, default=None, help="centre-of-mass energy in TeV, when known")
    p.add_argument("--luminosity", type=float, default=None, help="integrated luminosity in fb^-1, when known")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``hepconditioning`` command (one sub-parser each)."""
    parser = argparse.ArgumentParser(
        prog="hepconditioning",
        description="Conditioned (mass-parametrized) classifiers for HEP: generate samples, train "
                    "pNN/AffinePNN from a run card, evaluate per mass, write ROOT files and mplhep figures.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, func, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=func)
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        return p

    p = command("demo", _demo, "train AffinePNN and pNN on the bundled HEPMASS-like sample, "
                "evaluate per mass, write results.root, figures and the per-mass table")
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="output directory")
    p.add_argument("--epochs", type=int, default=None, help="override the card's epochs")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    _style_option(p, "the card's [output] style, CMS")

    p = command("train", _train, "run a config card (TOML/YAML): train, evaluate, write outputs")
    p.add_argument("card", type=Path, help="run card, e.g. data/demo.toml")
    p.add_argument("--out", type=Path, default=None, help="output directory (overrides the card)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    p.add_argument("--resume", action="store_true",
                   help="continue a run that was killed (kill -9, node failure) from its last "
                        "complete epoch; the result is bit-identical to an uninterrupted run")
    p.add_argument("--nproc", type=_positive_int, default=1,
                   help="train with N processes on this machine (torchrun, data-parallel; "
                        "gloo on CPU, NCCL on GPU); rank 0 writes the outputs")
    _style_option(p, "the card's [output] style")

    p = command("evaluate", _evaluate, "evaluate a saved model per mass on a CSV/ROOT file")
    p.add_argument("model", type=Path, help="model file written by train (models/<name>.pt)")
    p.add_argument("data", help="events: HEPMASS CSV(.gz), a ROOT file written by write_events, or a run card "
                                "with [[samples]] (its test split)")
    p.add_argument("--out", type=Path, required=True, help="ROOT file to write (results)")
    p.add_argument("--masses", type=float, nargs="+", default=None,
                   help="evaluation masses (default: the signal mass points in DATA); a value without "
                        "signal between two points gets background efficiencies and yields")
    p.add_argument("--mass-points", type=float, nargs="+", default=None,
                   help="CSV: the known mass points its mass column is snapped to (default: the "
                        "HEPMASS points within 1 GeV, other values as read)")
    p.add_argument("--balance", action=argparse.BooleanOptionalAction, default=None,
                   help="weigh the background at each mass so both classes weigh the same "
                        "(default on, off for a card with a luminosity; --no-balance keeps the event "
                        "weights as they are)")
    p.add_argument("--overwrite", action="store_true")

    p = command("plot", _plot, "draw the mplhep figures of a results.root")
    p.add_argument("results", type=Path, help="results.root written by train/demo/evaluate")
    p.add_argument("--out", type=Path, required=True, help="output directory for PNG files")
    p.add_argument("--overwrite", action="store_true")
    _label_options(p)

    p = command("apply", _apply, "score ROOT files with a saved model at several mass hypotheses: a friend "
                "tree of scores per file and merged score histograms (serial or on dask); exit status 1 "
                "when some inputs failed (one line each), the others are still written")
    p.add_argument("model", type=Path, help="model file written by train (models/<name>.pt)")
    p.add_argument("files", nargs="+",
                   help="input ROOT files, or a bundled sample's name: nanoaod_ttbar (CMS Open Data)")
    p.add_argument("--spec", default=None,
                   help="spec TOML (tree, features or [objects], cut, weight), or a shipped name: "
                        "nanoaod_hepmass, hepconditioning_events; default: the feature recipe stored in "
                        "the model (files with the training branches)")
    p.add_argument("--mass", type=float, nargs="+", required=True, help="mass hypotheses (the model's condition)")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, default=None, help="run on a local dask cluster of N workers")
    where.add_argument("--scheduler", default=None, help="address of a running dask scheduler (tcp://host:8786)")
    p.add_argument("--backend", choices=("torch", "onnx"), default="torch")
    p.add_argument("--bins", type=_positive_int, default=50, help="score histogram bins on [0, 1]")
    p.add_argument("--step", type=_positive_int, default=100_000, help="entries per task")
    _label_options(p)  # of histograms.png, the score histograms drawn beside histograms.root

    p = command("generate", _generate, "generate a HEPMASS-like or H→ττ (ρρ) sample, or example analysis "
                "ntuples (a resonance at 300/500/700/900 GeV, tt̄ and W+jets; see data/cards/own_samples.toml)")
    p.add_argument("sample", choices=("hepmass", "htautau", "ntuples"))
    p.add_argument("--events", type=int, default=None,
                   help="number of events (ntuples: generated per file, default 20000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True,
                   help="output file: .csv/.csv.gz (HEPMASS CSV layout) or .root (TTree); ntuples: a directory")
    p.add_argument("--masses", type=float, nargs="+", default=None,
                   help="hepmass: signal masses in GeV (any values; default: the HEPMASS grid)")
    p.add_argument("--isr", action="store_true", help="hepmass: add initial-state radiation jets")
    p.add_argument("--alpha-b", type=float, default=1.5707963267948966,
                   help="htautau: CP mixing angle of hypothesis B in radians (default π/2)")
    p.add_argument("--selection", action=argparse.BooleanOptionalAction, default=True,
                   help="htautau: the ρ pT ≥ 20 GeV, π pT ≥ 1 GeV selection (default on)")
    return parser


# what a user can cause and fix: one line on stderr, exit status 2 (as argparse's usage errors)
USER_ERRORS = (HepConditioningError, OSError, ValueError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status: 0 success, 2 a clear error on one line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    prefix = f"hepconditioning {args.command}"
    with _one_line_warnings(prefix), _sigterm_raises():
        try:
            return args.func(args)
        except USER_ERRORS as err:
            print(f"{prefix}: error: {_one_line(err)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"{prefix}: interrupted (SIGINT); incomplete outputs removed", file=sys.stderr)
            return 130
        except Terminated:
            print(f"{prefix}: terminated (SIGTERM); incomplete outputs removed", file=sys.stderr)
            return 143


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, so that cleanup runs as for Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the cleanup
    raise Terminated


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _one_line_warnings(prefix: str) -> Iterator[None]:
    """Warnings of the package as ``PREFIX: warning: ...`` (not ``file.py:60: Category: ...``)."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"{prefix}: warning: {_one_line(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("default", HepConditioningWarning)  # once per place, never an error
        warnings.showwarning = show
        yield


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
