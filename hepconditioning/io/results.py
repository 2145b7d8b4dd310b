"""The results file: a pure writer and reader of already-computed scores, tables and histograms.

Nothing here computes; :func:`hepconditioning.evaluation.write_results` computes the per-mass
tables and histograms and hands them to :func:`write_results_file`. Layout (opens in ROOT 6
and uproot), for models ``AffinePNN`` and ``pNN`` scored on the same evaluation events::

    results.root
    ├── scores            TTree, one entry per evaluated event:
    │                       score_AffinePNN, score_pNN (float32/64; a single unnamed model:
    │                       ``score``), label (int32, 1 = signal), mass (float32, GeV: the mass
    │                       feature the event was scored with), weight (float32, the event's
    │                       own (physics) weight), eval_weight (float32, the evaluation weight:
    │                       background balanced per mass), eval_mass (float32, GeV), process (int32)
    ├── AffinePNN/        one directory per model (a single unnamed model: the file's top):
    │   ├── best_cuts     TTree, one entry per evaluation mass (float64 unless noted):
    │   │                   mass (GeV), auc, pr_auc, sigma_ratio, threshold (t* = argmax AMS),
    │   │                   ams, s, b (weights passing t*), n_signal, n_background (int64)
    │   └── mass_<m>/     one directory per evaluation mass, ``<m>`` as ``%g`` with '.' → 'p'
    │       │             (``mass_500``, ``mass_612p5``); every histogram a TH1D with sumw2:
    │       ├── signal, background   score distributions weighted by eval_weight
    │       │                        (GetEntries: the number of events filled)
    │       ├── s, b                 weight passing ``score >= t``, ``t`` = lower bin edge
    │       └── ams                  AMS(t) = s / √(s + b), variances propagated
    └── pNN/ …

In ROOT: ``TFile f("results.root"); f.Get<TH1D>("AffinePNN/mass_500/signal")->Draw();
scores->Draw("score_AffinePNN", "eval_weight * (label == 1 && eval_mass == 500)")``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from hepconditioning.errors import CorruptFileError, FileFormatError
from hepconditioning.events import Events
from hepconditioning.io.atomic import check_input_paths
from hepconditioning.io.root.reader import CORRUPT, open_root
from hepconditioning.io.root.writer import DEFAULT_COMPRESSION, write_root

__all__ = [
    "EVAL_MASS",
    "EVENT_WEIGHT",
    "HISTOGRAM_NAMES",
    "ResultsFile",
    "check_model_names",
    "mass_directory",
    "read_results_file",
    "write_results_file",
]

HISTOGRAM_NAMES = ("signal", "background", "s", "b", "ams")
"""The histograms of one evaluation mass, in the order they are written."""

EVAL_MASS = "eval_mass"
"""Branch of the results file and ``Events`` column tagging each row's evaluation mass (GeV)."""
EVENT_WEIGHT = "event_weight"
"""``Events`` column keeping the input (physics) weight of an evaluation row (branch ``weight``);
``Events.weights`` hold the evaluation weight (balanced per mass)."""
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHARED = ("label", "mass", "weight", EVAL_MASS, "process")


class ResultsFile(NamedTuple):
    """What :func:`read_results_file` reads, as stored: the evaluation events (no features:
    ``x`` is ``(N, 0)``; ``mass`` is the mass feature scored, the column ``eval_mass`` the
    evaluation mass), and per model (key ``""`` for a single unnamed model) the scores
    ``(N,)``, the ``best_cuts`` columns and the histograms ``{mass: {name: hist.Hist}}``."""

    events: Events
    scores: dict[str, np.ndarray]
    tables: dict[str, dict[str, np.ndarray]]
    histograms: dict[str, dict[float, dict[str, Any]]]


def mass_directory(mass: float) -> str:
    """Directory name of one evaluation mass: ``mass_500``, ``mass_612p5``."""
    return "mass_" + f"{float(mass):g}".replace(".", "p").replace("-", "m")


def check_model_names(names: Any) -> None:
    """Model names must name ROOT branches and directories: letters, digits and ``_``."""
    bad = [name for name in names if not isinstance(name, str) or not _LABEL.match(name)]
    if bad:
        raise ValueError(f"model names {bad} cannot name ROOT branches and directories; use letters, "
                         "digits and '_' (not starting with a digit)")


def write_results_file(
    path: str | os.PathLike[str],
    events: Events,
    scores: Mapping[str, np.ndarray],
    *,
    tables: Mapping[str, Mapping[str, np.ndarray]],
    histograms: Mapping[str, Mapping[float, Mapping[str, Any]]],
    compression: str | None = DEFAULT_COMPRESSION,
    extra_trees: Mapping[str, Mapping[str, np.ndarray]] | None = None,
) -> Path:
    """Write computed scores, per-mass tables and histograms in the layout of the module.

    Args:
        path: output ``.root`` file; its directory must exist (written atomically).
        events: the evaluation events (labels, mass, weights, process and, if present, the
            column ``eval_mass``; ``mass`` otherwise).
        scores: ``{model_name: (N,) scores}``; ``""`` names a single unnamed model.
        tables: ``{model_name: {column: (M,) array}}`` for ``best_cuts`` (an object with a
            ``to_dict()`` method, such as an ``EvaluationTable``, is accepted too).
        histograms: ``{model_name: {mass: {name: hist.Hist}}}``, names from
            :data:`HISTOGRAM_NAMES` (any other name is written as well).
        compression: as in :func:`hepconditioning.io.write_root`.
        extra_trees: more trees ``{key: {branch: (M,) array}}`` (e.g. ``<model>/hypotheses``).

    Returns:
        the path written.
    """
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    if not isinstance(scores, Mapping) or not scores:
        raise TypeError("scores must be a non-empty mapping {model_name: (N,) scores}")
    if list(scores) != [""]:  # "" names a single unnamed model
        check_model_names(scores)
    missing = sorted(set(scores) - set(tables)) + sorted(set(scores) - set(histograms))
    extra = sorted((set(tables) | set(histograms)) - set(scores))
    if missing or extra:
        raise ValueError(f"tables and histograms must be given for exactly the models {sorted(scores)}; "
                         f"missing for {sorted(set(missing))}, given without scores for {extra}")
    eval_mass = events.column(EVAL_MASS) if EVAL_MASS in events.columns else events.mass
    weight = events.column(EVENT_WEIGHT) if EVENT_WEIGHT in events.columns else events.weights
    tree: dict[str, Any] = {
        "label": events.labels.astype(np.int32), "mass": events.mass,
        "weight": np.asarray(weight, dtype=np.float32), "eval_weight": events.weights,
        EVAL_MASS: np.asarray(eval_mass, dtype=np.float32), "process": events.process,
    }
    trees: dict[str, Any] = {}
    titles = {"scores": "per-event classifier scores (weight: event weight, eval_weight: evaluation "
                        "weight balanced per mass, eval_mass in GeV)"}
    written: dict[str, Any] = {}
    for label, values in scores.items():
        values = np.asarray(values)
        if values.shape != (len(events),):
            raise ValueError(f"scores[{label!r}] has shape {values.shape} for {len(events)} events")
        prefix = f"{label}/" if label else ""
        tree[f"score_{label}" if label else "score"] = values if values.dtype.kind == "f" else values.astype(np.float64)
        table = tables[label]
        table = table.to_dict() if hasattr(table, "to_dict") else table
        trees[f"{prefix}best_cuts"] = {name: np.asarray(column) for name, column in table.items()}
        titles[f"{prefix}best_cuts"] = f"{label or 'model'} per evaluation mass: best cut t* = argmax AMS(t), AUC, sigma_ratio"
        for mass, named in histograms[label].items():
            for name, h in named.items():
                written[f"{prefix}{mass_directory(mass)}/{name}"] = h
    trees.update({key: {name: np.asarray(column) for name, column in columns.items()}
                  for key, columns in (extra_trees or {}).items()})
    return write_root(path, trees={"scores": tree, **trees}, histograms=written, titles=titles,
                      compression=compression)


def read_results_file(path: str | os.PathLike[str]) -> ResultsFile:
    """Read a file written by :func:`write_results_file`, as stored (see :class:`ResultsFile`).

    Raises:
        CorruptFileError: not a ROOT file, or a damaged one.
        FileFormatError: a ROOT file that is not a results file.
    """
    (path,) = check_input_paths(path, kind="results ROOT")
    with open_root(path) as file:
        try:
            return _read_results(file, path)
        except CORRUPT as exc:
            raise CorruptFileError(f"cannot read the results file {str(path)!r} (damaged?): {exc}") from exc
        except KeyError as exc:
            raise FileFormatError(f"{str(path)!r} is not a complete results file (missing {exc}); "
                                  "give a results.root written by train, demo or evaluate") from exc


def _read_results(file: Any, path: Path) -> ResultsFile:
    if "scores" not in file:
        raise FileFormatError(f"{str(path)!r} has no 'scores' tree: it is not a results file; give "
                              "a results.root written by train, demo or evaluate")
    arrays = file["scores"].arrays(library="np")
    labels = [name[len("score_"):] for name in arrays if name.startswith("score_")]
    labels = labels or ([""] if "score" in arrays else [])
    missing = [name for name in _SHARED if name not in arrays]
    if not labels or missing:
        raise FileFormatError(f"the 'scores' tree of {str(path)!r} lacks branches {missing or ['score_*']}; "
                              "give a results.root written by train, demo or evaluate")
    # files before eval_weight existed hold the evaluation weight in "weight"
    weights = arrays["eval_weight"] if "eval_weight" in arrays else arrays["weight"]
    events = Events(np.zeros((len(arrays["label"]), 0), np.float32), arrays["mass"],
                    arrays["label"].astype(np.float32), weights, feature_names=[],
                    process=arrays["process"],
                    columns={EVAL_MASS: arrays[EVAL_MASS], EVENT_WEIGHT: arrays["weight"]})
    scores, tables, histograms = {}, {}, {}
    for label in labels:
        prefix = f"{label}/" if label else ""
        scores[label] = arrays[f"score_{label}" if label else "score"]
        tables[label] = file[f"{prefix}best_cuts"].arrays(library="np")
        histograms[label] = {}
        for mass in tables[label]["mass"]:
            directory = file[f"{prefix}{mass_directory(mass)}"]
            names = [*HISTOGRAM_NAMES, *(k for k in directory.keys(cycle=False, recursive=False)
                                         if k.startswith("process_"))]
            histograms[label][float(mass)] = {name: directory[name].to_hist() for name in names if name in directory}
    return ResultsFile(events, scores, tables, histograms)
