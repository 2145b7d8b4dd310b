"""Per-epoch training checkpoints: model, optimizer, RNG and history in one atomic file.

A checkpoint written after epoch ``e`` holds everything the loop needs to continue with epoch
``e + 1`` exactly as an uninterrupted run would: model and optimizer state, the dropout
generator state, the best weights so far and the history. Batches and background masses are
functions of ``(seed, epoch)`` (see :mod:`hepconditioning.sampling`), so they need no state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from hepconditioning.io.atomic import atomic_path

__all__ = ["CHECKPOINT_NAME", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(directory: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``directory/checkpoint.pt`` (replaced only once complete)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CHECKPOINT_NAME
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def load_checkpoint(directory: str | Path) -> dict[str, Any] | None:
    """The state saved in ``directory``, or ``None`` when there is none."""
    path = Path(directory) / CHECKPOINT_NAME
    if not path.exists():
        return None
    return torch.load(path, weights_only=True, map_location="cpu")
