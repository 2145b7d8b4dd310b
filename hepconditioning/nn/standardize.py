"""The input standardization inside a model: a torch module with buffers.

:class:`Standardization` computes ``clamp((x − center) / scale, −clip, clip)`` with the
constants of a fitted :class:`hepconditioning.standardization.Standardizer` held as buffers,
so they are part of the ``state_dict`` (saved with the weights, covered by the model file's
checksum) and of the traced graph (ONNX). Without a fit it is the identity.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from hepconditioning.standardization import Standardizer

__all__ = ["Standardization"]


class Standardization(nn.Module):
    """``x (N, F) → clamp((x − center) / scale, −clip, clip)``; the identity until loaded.

    Args:
        n_features: F.
    """

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.register_buffer("center", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))
        self.register_buffer("clip", torch.tensor(math.inf))

    @classmethod
    def from_standardizer(cls, standardizer: Standardizer) -> Standardization:
        module = cls(standardizer.n_features)
        module.load(standardizer)
        return module

    def load(self, standardizer: Standardizer) -> None:
        """Copy the constants of ``standardizer`` into the buffers (in place, float32)."""
        if standardizer.n_features != self.center.numel():
            raise ValueError(f"the model has {self.center.numel()} input features but the standardizer "
                             f"was fitted on {standardizer.n_features}")
        with torch.no_grad():
            self.center.copy_(torch.tensor(standardizer.center))
            self.scale.copy_(torch.tensor(standardizer.scale))
            self.clip.fill_(math.inf if standardizer.clip is None else standardizer.clip)

    def standardizer(self) -> Standardizer:
        """The numpy :class:`Standardizer` equal to the buffers."""
        clip = float(self.clip)
        return Standardizer(self.center.double().cpu().numpy(), self.scale.double().cpu().numpy(),
                            None if math.isinf(clip) else clip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = (x - self.center) / self.scale
        return torch.clamp(z, -self.clip, self.clip)

    def extra_repr(self) -> str:
        return f"n_features={self.center.numel()}"
