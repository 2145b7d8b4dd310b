"""The one batched, eval-mode call of a model: logits of many events without autograd."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["logits"]


def logits(model: torch.nn.Module, x: Any, mass: Any = None, *, batch_size: int = 65536) -> np.ndarray:
    """``model(x, mass)`` for every event, in batches, in eval mode without autograd: ``(N,)`` float32.

    Args:
        model: a :mod:`hepconditioning.nn` model (returns logits) or any module called as
            ``model(x)`` / ``model(x, mass)``. Its training mode is restored afterwards, also
            after an error.
        x: features ``(N, F)``, numpy or torch (float32, as the model was built); moved to the
            model's device. The result always comes back as numpy on the CPU.
        mass: the condition: ``None`` (an unconditioned call ``model(x)``), a scalar for every
            event (GeV for HEPMASS, rad for the CP angle), or ``(N,)`` values.
        batch_size: events per forward pass.

    The probabilities are ``σ(logits)`` (:func:`hepconditioning.training.predict` on ``Events``).
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    x = torch.as_tensor(np.ascontiguousarray(x) if isinstance(x, np.ndarray) else x)
    parameter = next(model.parameters(), None)
    if parameter is not None:  # inputs go where the model is (a no-op when they are there already)
        x = x.to(parameter.device)
    n = x.shape[0]
    if mass is not None:
        mass = (mass if torch.is_tensor(mass) else torch.from_numpy(np.array(mass, dtype=np.float32))).to(x.device)
        if mass.dim() == 0:
            mass = mass.expand(n)
        if mass.shape[0] != n:
            raise ValueError(f"mass has {mass.shape[0]} values for {n} events; give a scalar or ({n},)")
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            out = [model(x[i:i + batch_size]) if mass is None else model(x[i:i + batch_size], mass[i:i + batch_size])
                   for i in range(0, n, int(batch_size))]
    finally:
        model.train(was_training)
    return torch.cat(out).float().cpu().numpy() if out else np.zeros(0, dtype=np.float32)
