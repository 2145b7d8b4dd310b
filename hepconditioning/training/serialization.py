"""One-file model storage: torch state dict + JSON metadata.

The file is a ``torch.save`` of ``{"format", "class", "config", "state_dict", "metadata"}``
where ``config`` are the constructor options (``model.config``) and ``metadata`` a JSON string
(feature names, trained mass range and points, package version, anything the caller adds).
:func:`load_model` rebuilds the model from the file alone and loads it with
``weights_only=True`` (no pickled code is executed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from hepconditioning._version import __version__
from hepconditioning.io.atomic import atomic_path
from hepconditioning.nn.contract import Condition, TrainedOn

__all__ = ["load_model", "save_model"]

FORMAT = "hepconditioning-model/1"


def save_model(path: str | Path, model: torch.nn.Module, *, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``model`` with its constructor options and ``metadata`` (JSON-serializable) to ``path``."""
    config = getattr(model, "config", None)
    if config is None:
        raise TypeError(f"save_model needs a hepconditioning.nn model (with .config), got {type(model).__name__}")
    info = getattr(model, "trained_on", None)
    condition = getattr(model, "condition", None)
    meta = {**(metadata or {}), "version": __version__, "mass_scale": model.mass_scale,
            "trained_on": info.to_dict() if info is not None else None,
            "condition": condition.to_dict() if condition is not None else None}
    try:
        text = json.dumps(meta)
    except TypeError as err:
        raise TypeError(f"metadata must be JSON-serializable: {err}") from err
    payload = {"format": FORMAT, "class": type(model).__name__, "config": json.dumps(config),
               "state_dict": model.state_dict(), "metadata": text}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_model(path: str | Path) -> torch.nn.Module:
    """Rebuild the model saved by :func:`save_model` (in eval mode); ``model.metadata`` holds
    the metadata and ``model.trained_on`` the training range used by ``predict``."""
    from hepconditioning import nn

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist")
    payload = torch.load(path, weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a hepconditioning model file (written by save_model)")
    cls = getattr(nn, payload["class"], None)
    if cls is None:
        raise ValueError(f"{str(path)!r} holds unknown model class {payload['class']!r}")
    config = json.loads(payload["config"])
    model = cls(config.pop("n_features"), **config)
    model.load_state_dict(payload["state_dict"])
    metadata = json.loads(payload["metadata"])
    model.metadata = metadata
    if metadata.get("condition") is not None:
        model.condition = Condition.from_dict(metadata["condition"])
    if metadata.get("trained_on") is not None:
        model.trained_on = TrainedOn.from_dict(metadata["trained_on"])
    return model.eval()
