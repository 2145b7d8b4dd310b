"""Train and evaluate one :class:`~studies.Spec`, resumable after ``kill -9``.

Per network the runner keeps, under the work directory, ``<study>_<name>/checkpoint.pt``
(written by ``fit`` after every epoch; a restarted run continues from the last complete epoch)
and, in the results directory, ``models/<study>_<name>.json`` (written atomically once
evaluated). A network
whose JSON exists is skipped, so rerunning the same command finishes what is missing.

Evaluation ([Anzalone22] §4): at every mass of :func:`studies.mass_grid` the signal generated
at that mass against all test background with its mass feature set to it, classes weighed
equally; ROC AUC and σ_ratio with Poisson-bootstrap intervals (±1σ), PR AUC, the best cut,
and weighted score histograms of both classes (for Fig. 15).
"""

from __future__ import annotations

import inspect
import json
import os
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch

import hepconditioning.nn as hnn
from analysis.anzalone22.studies import DataSets, Scale, Spec, mass_grid
from hepconditioning.bootstrap import bootstrap_metrics
from hepconditioning.evaluation import evaluate_scores, evaluation_events, score_histograms
from hepconditioning.nn import ExtrapolationWarning, predict
from hepconditioning.training import fit, save_model
from hepconditioning.training.checkpoint import load_checkpoint

HIST_BINS = 40


def result_path(out: Path, spec: Spec) -> Path:
    return out / "models" / f"{spec.study}_{spec.name}.json"


def build_model(spec: Spec, n_features: int) -> torch.nn.Module:
    cls = getattr(hnn, spec.model)
    options = dict(spec.options)
    if "seed" in inspect.signature(cls).parameters:  # initial weights follow the training seed
        options["seed"] = spec.seed
    if spec.model == "IndividualNNs":
        options["mass_points"] = spec.train_masses
    return cls(n_features, **options)


def evaluate(model: torch.nn.Module, test, *, bootstrap: int, seed: int) -> list[dict[str, Any]]:
    """Per-mass metrics with bootstrap intervals and score histograms, one mass at a time."""
    rows = []
    for mass in mass_grid():
        part = evaluation_events(test, masses=[float(mass)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExtrapolationWarning)  # Fig. 14 scores outside on purpose
            scores = predict(model, part)
        row = evaluate_scores(part, scores).rows()[0]._asdict()
        ci = bootstrap_metrics(part.labels, scores, part.weights, n_resamples=bootstrap, seed=seed)
        row["auc_ci"] = [ci.auc.low, ci.auc.high]
        row["auc_std"] = ci.auc.std
        row["sigma_ratio_ci"] = [ci.sigma_ratio.low, ci.sigma_ratio.high]
        row["sigma_ratio_std"] = ci.sigma_ratio.std
        hists = score_histograms(part, scores, bins=HIST_BINS)[0]
        row["hist_edges"] = hists.signal.axes[0].edges.tolist()
        row["hist_signal"], row["hist_background"] = _counts(hists.signal), _counts(hists.background)
        rows.append(row)
    return rows


def _counts(h: Any) -> list[float]:
    """Weighted counts per bin, a score of exactly 1 (the overflow) in the last bin."""
    values = h.values(flow=True)
    return [*values[1:-2].tolist(), float(values[-2] + values[-1])]


def _from_checkpoint(model: torch.nn.Module, directory: Path) -> dict[str, Any] | None:
    state = load_checkpoint(directory)
    if state is None:
        return None
    model.load_state_dict(state["best_model"])
    model.eval()
    return state["history"]


def run_one(spec: Spec, scale: Scale, data: DataSets, *, out: Path, work: Path, progress: bool = True,
            finish: bool = False) -> dict | None:
    """Train (resuming a checkpoint if any), evaluate, write ``models/<name>.json``; return it.

    ``finish=True`` trains nothing: a network with a checkpoint is evaluated with the weights of
    its best epoch so far and marked ``partial`` (epochs done < epochs asked); None if it has none.
    """
    path = result_path(out, spec)
    if path.exists():
        return json.loads(path.read_text())
    torch.set_num_threads(max(1, scale.threads))
    train, validation = data.training(spec)
    model = build_model(spec, train.n_features)
    config = spec.train_config(scale)
    began = time.process_time()
    if finish:
        saved = _from_checkpoint(model, work / f"{spec.study}_{spec.name}")
        if saved is None:
            return None
        history = SimpleNamespace(**saved)
    else:
        history = fit(model, train, validation=validation, config=config, checkpoint_dir=work / f"{spec.study}_{spec.name}",
                      resume=True, progress=progress)
        save_model(work / f"{spec.study}_{spec.name}" / "model.pt", model)
    train_cpu = time.process_time() - began
    began = time.process_time()
    rows = evaluate(model, data.test(), bootstrap=scale.bootstrap, seed=spec.seed)
    result = {
        "name": spec.name, "label": spec.label, "study": spec.study, "model": spec.model, "data": spec.data,
        "train_masses": list(spec.train_masses), "balance": spec.balance,
        "background_mass": spec.background_mass, "background_sampling": spec.background_sampling,
        "background_pool": spec.background_pool,
        "seed": spec.seed, "options": spec.options, "scale": scale.name, "config": config.to_dict(),
        "bootstrap": scale.bootstrap,
        "n_train": len(train), "n_validation": len(validation), "epochs_done": len(history.loss),
        "partial": len(history.loss) < config.epochs,
        "history": {"loss": history.loss, "val_auc": history.val_auc, "best_epoch": history.best_epoch,
                    "events_per_second": history.events_per_second},
        "cpu_seconds": {"train": train_cpu if not finish else None, "evaluate": time.process_time() - began},
        "torch_threads": torch.get_num_threads(), "rows": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(tmp, path)
    return result
