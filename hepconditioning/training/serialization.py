"""The self-contained model file: weights, standardization, feature definitions, checksum.

A model file (format ``hepconditioning-model/2``) is a ``torch.save`` of::

    {"format", "class", "config" (JSON), "state_dict", "metadata" (JSON), "sha256"}

- ``state_dict`` holds the weights *and* the input standardization (the buffers of
  ``model.standardizer``), so the file scores raw features;
- ``metadata`` holds the model contract (:mod:`hepconditioning.contract`: ordered features
  with units and one-line definitions, the condition's name, unit, trained range and points,
  the training seed and torch thread count), the standardization constants (for reading),
  the training card's *contents* (never a path), and the package, torch, numpy and Python
  versions, plus whatever the caller adds;
- ``sha256`` is the SHA-256 of the class, config, metadata and every tensor (name, dtype,
  shape, bytes); :func:`load_model` recomputes it, so a damaged file is refused with an error
  naming it instead of scoring with damaged weights.

:func:`load_model` rebuilds the model from the file alone with ``weights_only=True`` (no
pickled code runs). Files of the first format (``hepconditioning-model/1``) carry neither
standardization nor feature definitions: they are refused with the way to re-save them.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepconditioning._version import __version__
from hepconditioning.contract import Condition, TrainedOn
from hepconditioning.errors import CorruptFileError, HepConditioningError
from hepconditioning.io.atomic import atomic_path

__all__ = ["FORMAT", "OldModelFormatError", "load_model", "model_checksum", "save_model"]

FORMAT = "hepconditioning-model/2"
_OLD_FORMATS = ("hepconditioning-model/1",)


class OldModelFormatError(HepConditioningError, ValueError):
    """A model file written by an earlier version, without standardization or feature definitions."""


def model_checksum(class_name: str, config: str, metadata: str, state_dict: dict[str, torch.Tensor]) -> str:
    """SHA-256 (hex) of a model file's content: class, config and metadata JSON, and every
    tensor of ``state_dict`` in name order (name, dtype, shape, raw bytes)."""
    digest = hashlib.sha256()
    for text in (class_name, config, metadata):
        digest.update(text.encode())
        digest.update(b"\0")
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}:{tensor.dtype}:{tuple(state_dict[name].shape)}".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    return {"hepconditioning": __version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


def save_model(path: str | Path, model: torch.nn.Module, *, metadata: dict[str, Any] | None = None,
               card: str | None = None, features: Any = None) -> Path:
    """Write ``model`` with everything scoring raw inputs needs to ``path`` (atomically).

    Args:
        path: the file to write (``.pt`` by convention).
        model: a trained :mod:`hepconditioning.nn` model (``model.trained_on`` set by ``fit``).
        metadata: JSON-serializable extras (e.g. ``{"model": "AffinePNN"}``).
        card: the *contents* of the training card (TOML text), stored verbatim.
        features: :class:`~hepconditioning.contract.Feature` list with units and definitions
            for the trained features (same names, same order), e.g.
            ``hepconditioning.datasets.hepmass.FEATURES``.
    """
    config = getattr(model, "config", None)
    info = getattr(model, "trained_on", None)
    if config is None or not hasattr(model, "standardizer"):
        raise TypeError(f"save_model needs a hepconditioning.nn model, got {type(model).__name__}")
    if info is None:
        raise ValueError(f"the {type(model).__name__} has no training record (model.trained_on); train it "
                         "with hepconditioning.training.fit, or set model.trained_on = TrainedOn(...)")
    if features is not None:
        info = info.with_features(features)
    condition = model.condition
    meta = {**(metadata or {}), "trained_on": info.to_dict(), "condition": condition.to_dict(),
            "conditioned": bool(model.conditioned), "mass_scale": model.mass_scale,
            "standardizer": model.standardizer.standardizer().to_dict(),
            "card": card, "versions": _versions()}
    try:
        text = json.dumps(meta)
    except TypeError as err:
        raise TypeError(f"metadata must be JSON-serializable: {err}") from err
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    config_text = json.dumps(config)
    name = type(model).__name__
    payload = {"format": FORMAT, "class": name, "config": config_text, "state_dict": state,
               "metadata": text, "sha256": model_checksum(name, config_text, text, state)}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def _damaged(path: Path, why: str) -> CorruptFileError:
    return CorruptFileError(f"model file {str(path)!r} is damaged or not a hepconditioning model file "
                            f"({why}); restore it from a copy or re-save it with save_model")


def _unloadable(path: Path, err: Exception) -> str:
    """Why ``torch.load`` refused ``path``, in words (its own message runs over many lines)."""
    import pickle

    with open(path, "rb") as file:
        head = file.read(4)
    if head == b"root":
        return "a ROOT file, not a model"
    if not head:
        return "an empty file"
    if not head.startswith(b"PK"):  # torch.save writes a zip archive
        return "not a file written by torch.save (an ONNX export, a text or another format?)"
    if isinstance(err, pickle.UnpicklingError):
        return "a torch file holding more than tensors and plain data (a whole module, another program's checkpoint?)"
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip()
    return f"{type(err).__name__}: {text.splitlines()[0][:120] if text else ''}"


def load_model(path: str | Path) -> torch.nn.Module:
    """Rebuild the model saved by :func:`save_model`, in eval mode, ready for raw inputs.

    ``model.predict(inputs, mass=..., hypotheses=...)`` scores raw features (see
    :func:`hepconditioning.nn.predict`); ``model.trained_on``, ``model.condition`` and
    ``model.metadata`` hold what the file records.

    Raises:
        FileNotFoundError: no file at ``path``.
        CorruptFileError: truncated, bit-flipped, text or foreign file (checksum mismatch).
        OldModelFormatError: a file of the first format (says how to re-save it).
    """
    from hepconditioning import nn

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"model path {str(path)!r} is a directory; give the .pt file")
    try:
        payload = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # torch raises RuntimeError, UnpicklingError, EOFError, ... on damage
        raise _damaged(path, _unloadable(path, err)) from err
    fmt = payload.get("format") if isinstance(payload, dict) else None
    if fmt in _OLD_FORMATS:
        raise OldModelFormatError(
            f"model file {str(path)!r} has the old format {fmt!r}, without input standardization or feature "
            "definitions; re-save it by re-running its card with this version (`hepconditioning train "
            "CARD`), which writes models/<name>.pt in the self-contained format")
    if fmt != FORMAT:
        raise _damaged(path, f"format {fmt!r}, expected {FORMAT!r}")
    try:
        name, config_text, text, state = (payload["class"], payload["config"], payload["metadata"],
                                          payload["state_dict"])
        if model_checksum(name, config_text, text, state) != payload["sha256"]:
            raise _damaged(path, "SHA-256 checksum mismatch: the weights or metadata changed after saving")
        cls = getattr(nn, name, None)
        if not (isinstance(cls, type) and issubclass(cls, nn.Classifier)):
            raise _damaged(path, f"unknown model class {name!r}")
        config = json.loads(config_text)
        metadata = json.loads(text)
        model = cls(config.pop("n_features"), **config)
        model.load_state_dict(state)
    except CorruptFileError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as err:
        raise _damaged(path, f"{type(err).__name__}: {err}") from err
    model.metadata = metadata
    model.condition = Condition.from_dict({"scale": model.mass_scale, **metadata["condition"]})
    model.trained_on = TrainedOn.from_dict(metadata["trained_on"])
    return model.eval()
