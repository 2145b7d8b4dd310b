"""The probability head: a trained model's logits through a sigmoid, as one torch module.

What leaves the package for other runtimes (the ONNX graph, the coffea wrapper) is this module:
``ProbabilityHead(model)(x, condition)`` = ``σ(model(x, condition))``, shapes ``(N, F)``,
``(N,)`` → ``(N,)``; the model's own input standardization runs inside ``model``.
"""

from __future__ import annotations

import torch

__all__ = ["ProbabilityHead"]


class ProbabilityHead(torch.nn.Module):
    """``σ(model(x, condition))``: signal probabilities ``(N,)`` from raw features ``x (N, F)``
    and the condition ``(N,)`` (a hepconditioning model returns logits)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """Probabilities ``(N,)``."""
        return torch.sigmoid(self.model(x, condition))
