"""A network conditioned on the CP mixing angle α of H → ττ (ρρ), from a run card
(``[data] kind = "htautau"``, ``data/cards/cp_angle.toml``).

Each event enters twice through its spin weights: class A is the scalar (W(0)), class B the
mixing angle α (W(α)), α drawn per event and batch on ``[0, max α]``
(:func:`~hepconditioning.training.spin_weight_batches`); the model takes α [rad] where a
mass goes (``[condition] name = "alpha"``, ``unit = "rad"``, ``scale = 1``). Model selection
uses the mean two-hypothesis AUC over the evaluated angles (``[data] mass_points``) on the
validation split; the test table gives the AUC of the network and of the oracle w_A/(w_A + w_B)
at each angle. ``analysis/cp_angle_network.py`` runs the same functions and adds the dedicated
networks and the α estimate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepconditioning import multi_instance as mi
from hepconditioning.datasets import htautau
from hepconditioning.errors import ConfigError
from hepconditioning.events import Events
from hepconditioning.metrics import two_hypothesis_auc
from hepconditioning.nn import logits
from hepconditioning.training import ValidationResult, fit, save_model, spin_weight_batches

__all__ = ["cp_auc", "cp_samples", "run_card", "train_cp"]


def cp_samples(n: int, *, neutrinos: bool, seed: int) -> dict[str, Events]:
    """``n`` selected ρρ events split 60/20/20 into ``train``/``val``/``test`` (raw features)."""
    pairs = htautau.generate_particles(n, selection=True, seed=seed)
    events = htautau.make_events(pairs.particles, h_minus=pairs.h_minus, h_plus=pairs.h_plus, neutrinos=neutrinos)
    train_set, rest = events.split(0.4, seed=seed)
    val_set, test_set = rest.split(0.5, seed=seed + 1)
    return {"train": train_set, "val": val_set, "test": test_set}


def cp_auc(model: torch.nn.Module | None, events: Events, alpha: float) -> float:
    """Weighted AUC, scalar (W(0)) vs α (W(α)), of the model or (``None``) of the oracle."""
    w_a, w_b = htautau.spin_weights(events, 0.0), htautau.spin_weights(events, alpha)
    score = mi.oracle_score(w_a, w_b) if model is None else logits(model, events.x, alpha)
    return two_hypothesis_auc(score, w_a, w_b)


def train_cp(model: torch.nn.Module, data: dict[str, Events], config: Any, *, alphas: Sequence[float],
             alpha: float | None = None, **options: Any) -> Any:
    """``fit`` on spin-weight batches; model selection by the validation AUC at ``alpha``
    (a dedicated network) or by its mean over ``alphas`` (conditioned, ``alpha=None``, α drawn
    on ``[0, max(alphas)]``)."""
    chosen = np.asarray(alphas if alpha is None else [alpha], dtype=np.float64)

    def validate(model: torch.nn.Module) -> ValidationResult:
        aucs = tuple(cp_auc(model, data["val"], float(a)) for a in chosen)
        return ValidationResult(float(np.mean(aucs)), tuple(float(a) for a in chosen), aucs)

    batches = spin_weight_batches(data["train"], config, alpha=alpha, alpha_range=(0.0, float(max(alphas))))
    return fit(model, data["train"], validation=data["val"], config=config, batches=batches, validate=validate,
               **{"progress": False, **options})


def run_card(config: Any, tmp: Path, *, build: Callable[..., Any], card: str, log: Callable[[str], None],
             progress: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train every model of a ``kind = "htautau"`` card into the directory ``tmp``: models,
    ``table.md`` and ``auc.json`` (AUC per α of each model and of the oracle on the test split).
    Returns the AUC tables and the histories by model name."""
    data_config = config.data
    if not isinstance(data_config.source, int) or data_config.mass_points is None:
        raise ConfigError("[data] kind = \"htautau\" needs source = N (selected events to generate) and "
                          "mass_points = [...] (the angles α in rad evaluated, e.g. π/8 … π/2)")
    alphas = [float(a) for a in data_config.mass_points]
    data = cp_samples(data_config.source, neutrinos=data_config.neutrinos, seed=data_config.seed)
    log(f"data: train {data['train']!r}\n      validation {data['val']!r}\n      test {data['test']!r}")
    tables: dict[str, Any] = {"alpha": alphas, "oracle": [cp_auc(None, data["test"], a) for a in alphas]}
    histories: dict[str, Any] = {}
    (tmp / "models").mkdir(exist_ok=True)
    for model_config in config.models:
        label = model_config.label
        log(f"training {label} ({model_config.type}) ...")
        model = build(model_config, data["train"].n_features, np.asarray(alphas), seed=config.training.seed,
                      condition=config.condition)
        histories[label] = train_cp(model, data, config.training, alphas=alphas, progress=progress)
        save_model(tmp / "models" / f"{label}.pt", model, metadata={"model": label, "type": model_config.type},
                   card=card)
        tables[label] = [cp_auc(model, data["test"], a) for a in alphas]
    (tmp / "auc.json").write_text(json.dumps(tables, indent=1) + "\n")
    names = [k for k in tables if k != "alpha"]
    rows = ["| α [rad] | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    rows += [f"| {a:.4f} | " + " | ".join(f"{tables[n][i]:.4f}" for n in names) + " |" for i, a in enumerate(alphas)]
    (tmp / "table.md").write_text("## AUC, scalar vs α (test)\n\n" + "\n".join(rows) + "\n")
    return tables, histories
