"""Hidden-layer representations of a trained network (for t-SNE maps, [Anzalone22] Fig. 5)."""

from __future__ import annotations

import numpy as np
import torch

from hepconditioning.nn.batched import logits

__all__ = ["hidden_features"]


def hidden_features(model: torch.nn.Module, x: np.ndarray, mass: np.ndarray, *,
                    layer: torch.nn.Module | None = None, batch_size: int = 2048) -> np.ndarray:
    """Activations entering ``layer`` (default: the model's ``output`` layer), ``(N, H)``.

    Args:
        model: a :mod:`hepconditioning.nn` model; ``model(x, mass)`` returns logits.
        x: features ``(N, F)``; mass: ``(N,)`` GeV.
        layer: the sub-module whose *input* is returned; the default, ``model.output``, gives
            the last hidden layer after its conditioning and activation.

    Raises:
        TypeError: no ``layer`` given and the model has no ``output`` layer (e.g.
            ``IndividualNNs``, which routes each mass to its own network).
    """
    layer = layer if layer is not None else getattr(model, "output", None)
    if not isinstance(layer, torch.nn.Module):
        raise TypeError(f"{type(model).__name__} has no 'output' layer; pass layer= explicitly")
    x = np.ascontiguousarray(x, dtype=np.float32)
    mass = np.ascontiguousarray(mass, dtype=np.float32)
    captured: list[torch.Tensor] = []
    handle = layer.register_forward_pre_hook(lambda _module, inputs: captured.append(inputs[0].detach().clone()))
    try:
        logits(model, x, mass, batch_size=batch_size, fold=False)  # the hook must fire
    finally:
        handle.remove()
    return torch.cat(captured).numpy() if captured else np.empty((0, 0), dtype=np.float32)
