"""One run of a card: data → split → train each model → evaluate per mass → ROOT + figures.

This is what ``hepconditioning train CARD`` and ``hepconditioning demo`` execute. Every stage
is a call into the library (no logic of its own beyond wiring), and every output lands in one
directory that is built aside and renamed into place only when the run is complete
(:func:`hepconditioning.io.outdir.atomic_directory`).

Output directory layout::

    results.root         TTree ``scores`` (one ``score_<model>`` branch per model), and per model
                         ``<model>/best_cuts`` and ``<model>/mass_<m>/`` histograms (see
                         :mod:`hepconditioning.io.results`)
    models/<model>.pt    self-contained model files (:func:`hepconditioning.training.load_model`):
                         they take the 27 features in physical units (GeV, rad; see
                         :mod:`hepconditioning.datasets.hepmass.features`) and carry the
                         standardization fitted on the training split and the card's text
    table.md             per-mass table of every model (AUC, PR AUC, σ_ratio, best cut)
    history_<model>.json training history (loss, validation AUC per mass per epoch)
    *.png                mplhep figures (AUC, σ_ratio and best cut vs mass; ROC, score
                         distributions, training history and t-SNE of the last hidden layer
                         per model; see :func:`hepconditioning.plotting.summary_figures`)
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from hepconditioning import nn
from hepconditioning.config import RunConfig, load_config
from hepconditioning.contract import Condition
from hepconditioning.cp_angle import run_card
from hepconditioning.datasets.hepmass import FEATURES, load_hepmass, physical
from hepconditioning.evaluation import (
    evaluate_scores,
    evaluation_events,
    hypothesis_table,
    write_results,
)
from hepconditioning.evaluation.hypotheses import as_markdown, midpoints
from hepconditioning.events import Events
from hepconditioning.io.outdir import atomic_directory, check_output_directory
from hepconditioning.nn import ExtrapolationWarning, predict
from hepconditioning.nn.embedding import hidden_features
from hepconditioning.plotting import (
    draw_label,
    hep_style,
    save_figure,
    summary_figures,
    tsne_embedding,
)
from hepconditioning.samples import read_samples
from hepconditioning.training import fit, load_model, save_model

__all__ = ["Evaluated", "RunResult", "build_model", "evaluate_model", "load_data", "run"]


class RunResult(NamedTuple):
    """What a run produced: per-model evaluation tables and the output directory."""
    directory: Path
    tables: dict[str, Any]
    histories: dict[str, Any]
    seconds: float


class Evaluated(NamedTuple):
    """What :func:`evaluate_model` computed (``hypotheses``: ``None`` when every evaluation mass
    has signal and the data are not [[samples]])."""
    evaluation: Events
    scores: np.ndarray
    table: Any
    hypotheses: Any
    processes: list[str] | None


def evaluate_model(model_path: str | Path, data: str | Path, *, masses: Any = None, mass_points: Any = None,
                   balance: bool | None = None) -> Evaluated:
    """``hepconditioning evaluate``: a saved model on a HEPMASS CSV / ROOT file or on the test
    split of a card's [[samples]], at the signal points and at hypotheses without signal."""
    model = load_model(model_path)
    processes = None
    if Path(data).suffix in (".toml", ".yaml", ".yml"):
        config = load_config(data)
        events = load_data(config)[2]
        processes = recipe_metadata(config)["processes"] if config.recipe is not None else None
        balance = config.data.luminosity is None if balance is None else balance
    else:
        # the whole file; a CSV's masses within 1 GeV of a HEPMASS point are set to it, others kept
        # where signal rows hold them (a sample generated at 2000 GeV), unless mass_points are given
        events = load_hepmass(data, split="test", masses=mass_points)
        if model.trained_on.features == FEATURES and events.feature_names == tuple(f.name for f in FEATURES):
            events = physical(events)  # HEPMASS files store the features standardized; the model takes GeV
    wanted = masses if masses is not None else mass_points
    points = events.mass_points
    with_signal = None if wanted is None else [m for m in wanted if np.any(np.abs(points - m) <= 0.5)]
    evaluation = evaluation_events(events, masses=with_signal or None, balance=True if balance is None else balance)
    scores = predict(model, evaluation)
    table = evaluate_scores(evaluation, scores)
    hypotheses = None
    if processes is not None or (wanted is not None and len(with_signal or []) < len(wanted)):
        score = functools.partial(predict, model)
        hypotheses = hypothesis_table(events, score, wanted if wanted is not None else points,
                                      processes=processes or ())
    return Evaluated(evaluation, scores, table, hypotheses, processes)


def load_data(config: RunConfig) -> tuple[Events, Events, Events]:
    """``(train, validation, test)`` for the card's ``[data]`` section.
    The validation split is taken from the training part with the same (im)balance as the
    training data, as in [Anzalone22] section 4 (model selection on an unbalanced split).
    ``train_masses`` keeps only those signal mass points in train and validation (the
    interpolation study); the test set keeps every mass point.
    """
    data = config.data
    if data.kind == "samples":
        return _sample_splits(config)

    if isinstance(data.source, int):
        source: Any = "generated"
        kwargs: dict[str, Any] = {"n_events": data.source}
    else:
        source, kwargs = data.source, {"test_fraction": data.test_fraction}
    if data.mass_points is not None:
        kwargs["masses"] = tuple(data.mass_points)
    parts = [
        load_hepmass(source, split=split, imbalanced=data.imbalanced, seed=data.seed, **kwargs)
        for split in ("train", "validation", "test")
    ]
    if data.train_masses is not None:
        keep = np.asarray(data.train_masses, dtype=np.float32)
        parts[:2] = [p[(p.labels == 0) | np.isin(p.mass, keep)] for p in parts[:2]]
    return parts[0], parts[1], parts[2]


def _sample_splits(config: RunConfig) -> tuple[Events, Events, Events]:
    """The card's samples split into train, validation and test (stratified by class, condition
    value and process); each split's weights are divided by its fraction, so that its yields
    stay those of the full luminosity."""
    data = config.data
    events = read_samples(config.samples, config.recipe, luminosity=data.luminosity).events
    rest, test = events.split(data.test_fraction, seed=data.seed)
    train, validation = rest.split(0.25, seed=data.seed + 1)
    fractions = ((1 - data.test_fraction) * 0.75, (1 - data.test_fraction) * 0.25, data.test_fraction)
    return tuple(part.replace(weights=part.weights / f) for part, f in zip((train, validation, test), fractions,
                                                                              strict=True))


def recipe_metadata(config: RunConfig) -> dict[str, Any] | None:
    """What ``apply`` needs to rebuild the features of files with the training branches: the
    tree, the feature recipe, the cut and weight shared by the samples, and the process names."""
    if config.recipe is None:
        return None
    first = config.samples[0]
    shared = {key: getattr(first, key) if all(getattr(s, key) == getattr(first, key) for s in config.samples)
              else None for key in ("tree", "cut", "weight")}
    return {**shared, "features": config.recipe.to_list(),
            "processes": list(dict.fromkeys(s.process for s in config.samples))}


def build_model(model_config: Any, n_features: int, mass_points: np.ndarray, *, seed: int = 0,
                condition: Any = None) -> Any:
    """Instantiate ``hepconditioning.nn.<type>(n_features, **options)``.
    The initial weights come from ``seed`` (the card's ``[training] seed``) unless the model's
    options set their own ``seed``: the same card gives the same weights on every run.
    """
    cls = getattr(nn, model_config.type)
    options = {"seed": seed, **model_config.options}
    accepts = "condition" in inspect.signature(cls).parameters
    if condition is not None and accepts:  # the card's [condition]: name, unit and scale travel with the model

        options.setdefault("condition", Condition(condition.name, condition.unit, scale=condition.scale))
    if model_config.type == "IndividualNNs" and "mass_points" not in options:
        options["mass_points"] = tuple(float(m) for m in mass_points)
    return cls(n_features, **options)


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=1, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    # numpy scalars and arrays inside the training history
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else str(value)


def run(config: RunConfig, *, progress: bool = True, log: Callable[[str], None] = print,
        resume: bool = False) -> RunResult:
    """Execute a validated run card; see the module docstring for what is written.
    The outputs are built in a hidden partial directory beside the output directory, with a
    training checkpoint per model (``checkpoints/<model>/``) written after every epoch.
    ``resume=True`` continues in the partial directory a killed run left behind, and ends
    bit-identical to an uninterrupted run; otherwise such leftovers are removed.
    """
    start = time.perf_counter()
    if int(os.environ.get("RANK", "0")) != 0:
        return _train_only(config, start)
    out = check_output_directory(config.output.directory, overwrite=config.output.overwrite)
    tables: dict[str, Any] = {}
    histories: dict[str, Any] = {}
    scores: dict[str, np.ndarray] = {}
    models: dict[str, Any] = {}
    # the output location is created (and proven writable) before any data is read
    with atomic_directory(out, overwrite=config.output.overwrite, resume=resume, log=log) as tmp:
        if config.data.kind == "htautau":  # the CP-angle-conditioned network

            tables, histories = run_card(config, tmp, build=build_model, card=_card_text(config), log=log,
                                         progress=progress)
            for label, history in histories.items():
                _write_json(tmp / f"history_{label}.json", dataclasses.asdict(history))
            log((tmp / "table.md").read_text())
            return RunResult(out, tables, histories, time.perf_counter() - start)
        train, validation, test, hepmass = _prepared_data(config)
        card = _card_text(config)
        log(f"data: train {train!r}\n      validation {validation!r}\n      test {test!r}")
        balance = config.output.evaluation_balance
        balance = config.data.luminosity is None if balance is None else balance  # yields in events
        evaluation = evaluation_events(test, balance=balance)
        processes = recipe_metadata(config)["processes"] if config.recipe is not None else None
        hypotheses: dict[str, Any] = {}
        (tmp / "models").mkdir(exist_ok=True)
        for model_config in config.models:
            label = model_config.label
            log(f"training {label} ({model_config.type}) ...")
            model, histories[label] = _trained(model_config, config, train, validation,
                                               progress=progress, resume=resume,
                                               checkpoint_dir=tmp / "checkpoints" / label)
            recipe = recipe_metadata(config)
            meta = {"model": label, "type": model_config.type, **({"recipe": recipe} if recipe else {})}
            features = FEATURES if hepmass else config.recipe.columns if config.recipe is not None else None
            save_model(tmp / "models" / f"{label}.pt", model, metadata=meta, card=card, features=features)
            with warnings.catch_warnings():
                # masses left out of training (train_masses) are scored on purpose
                warnings.simplefilter("ignore", ExtrapolationWarning)
                scores[label] = predict(model, evaluation)
            tables[label] = evaluate_scores(evaluation, scores[label])
            if processes is not None:  # [[samples]]: every hypothesis, with or without signal
                hypotheses[label] = hypothesis_table(test, lambda ev, m=model: predict(m, ev),
                                                     midpoints(test.mass_points), processes=processes)
            models[label] = model
            _write_json(tmp / f"history_{label}.json", dataclasses.asdict(histories[label]))
        shutil.rmtree(tmp / "checkpoints")
        write_results(tmp / config.output.root_file, evaluation, scores, tables=tables,
                      bins=config.output.bins, processes=processes, hypotheses=hypotheses)
        (tmp / "table.md").write_text(_markdown(tables) + (as_markdown(hypotheses) if hypotheses else ""))
        if config.output.plots:
            summary_figures(tmp, tables=tables, histories=histories, evaluation=evaluation,
                            scores=scores, bins=config.output.bins, label=_figure_label(config))
            for label, model in models.items():
                if config.output.tsne_events > 0:
                    _tsne_figure(tmp / f"tsne_{label}.png", model, evaluation, title=label,
                                 n=config.output.tsne_events, label=_figure_label(config))
    seconds = time.perf_counter() - start
    log(_markdown(tables) + (as_markdown(hypotheses) if hypotheses else ""))
    log(f"wrote {out}/ in {seconds:.0f} s")
    return RunResult(out, tables, histories, seconds)


def _prepared_data(config: RunConfig) -> tuple[Events, Events, Events, bool]:
    """Train, validation and test events, and whether the events hold the HEPMASS features
    (stored standardized, returned in physical units; ``fit`` fits the standardization)."""
    train, validation, test = load_data(config)
    hepmass = train.feature_names == tuple(f.name for f in FEATURES)
    if hepmass:  # stored standardized: the models take (and their files document) physical units
        train, validation, test = physical(train), physical(validation), physical(test)
    return train, validation, test, hepmass


def _trained(model_config: Any, config: RunConfig, train: Events, validation: Events,
             **options: Any) -> tuple[Any, Any]:
    """The model of ``model_config`` (initial weights from the card's seed) and its history,
    trained by ``fit`` with ``options`` (``fit`` fits the standardization on ``train``)."""
    model = build_model(model_config, train.n_features, train.mass_points, seed=config.training.seed,
                        condition=config.condition)
    return model, fit(model, train, validation=validation, config=config.training, **options)


def _train_only(config: RunConfig, start: float) -> RunResult:
    """A torchrun worker of rank > 0: trains every model together with rank 0, writes nothing."""
    train, validation, _, _ = _prepared_data(config)
    histories = {model_config.label: _trained(model_config, config, train, validation, progress=False)[1]
                 for model_config in config.models}
    return RunResult(Path(config.output.directory), {}, histories, time.perf_counter() - start)


def _figure_label(config: RunConfig) -> Any:
    """The figures' label; the luminosity of [data] (physical yields) unless [output] gives one."""
    output = config.output
    if output.luminosity is None and config.data.luminosity is not None:
        output = dataclasses.replace(output, luminosity=config.data.luminosity)
    return output.figure_label()


def _card_text(config: RunConfig) -> str:
    """The card's contents for the model files (the file's text; the parsed card if none)."""
    if config.source_path is not None and Path(config.source_path).is_file():
        return Path(config.source_path).read_text()
    fields = {k: v for k, v in dataclasses.asdict(config).items() if k != "source_path"}
    return json.dumps(fields, indent=1, default=str)


def _tsne_figure(path: Path, model: Any, evaluation: Events, *, title: str, n: int, label: Any) -> None:
    """t-SNE map of the last hidden layer on a random subsample ([Anzalone22] Fig. 5), in the
    style of ``label`` (a :class:`~hepconditioning.plotting.FigureLabel`) and carrying it."""
    import matplotlib.pyplot as plt

    if getattr(model, "output", None) is None:
        return  # IndividualNNs: one network per mass, no common hidden layer
    rng = np.random.default_rng(0)
    index = np.sort(rng.choice(len(evaluation), size=min(n, len(evaluation)), replace=False))
    features = hidden_features(model, evaluation.x[index], evaluation.mass[index])
    with hep_style(label.style):
        # a fixed layout: with the colorbar, the experiment label and a long model name in the
        # legend title, constrained layout collapsed the axes (a warning) in every style
        fig, ax = plt.subplots(figsize=(9.6, 6.4))
        fig.subplots_adjust(left=0.13, right=0.86, bottom=0.12, top=0.9)
        drawn = tsne_embedding(features, evaluation.labels[index], evaluation.mass[index], n_samples=n,
                               max_iter=300, ax=ax)
        drawn.legend.set_title(f"{title}: last hidden layer", prop={"size": 14})
        drawn.legend.get_frame().set_alpha(0.8)
        draw_label(ax, label)
        save_figure(fig, path, close=True)


def _markdown(tables: dict[str, Any]) -> str:
    return "\n".join(f"## {label}\n\n{table.to_markdown()}\n" for label, table in tables.items())
