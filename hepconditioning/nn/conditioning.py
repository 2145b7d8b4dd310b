"""Conditioning layers: inject the physics parameter ``m`` into a hidden vector ``h``.

Every layer is called as ``layer(h, m)`` with ``h`` of shape ``(N, D)`` and ``m`` of shape
``(N, K)`` (K conditioning parameters, e.g. mass in TeV and a CP angle), already scaled by the
model. Following [Anzalone22] (arXiv:2202.00424, section 3), with learned linear maps of ``m``:

- concatenation  ``z = [h, m]``                         (:class:`ConcatConditioning`, the pNN of
  Baldi et al. 2016, arXiv:1601.07913, when applied to the input)
- biasing        ``z = h + W_b m + c_b``                (:class:`ConditionalBiasing`)
- scaling        ``z = h ⊙ (W_s m + c_s)``              (:class:`ConditionalScaling`)
- affine         ``z = h ⊙ (W_s m + c_s) + W_b m + c_b`` (:class:`AffineConditioning`)

Weights are glorot-uniform and biases zero (Keras defaults), except the bias ``c_s`` of a
scale, which starts at ``scale_init = 1`` so that ``s(m) = 1 + W_s m`` at initialization;
``scale_init = 0`` is the Keras initialization of the reference implementation of [Anzalone22]
(github.com/Luca96/affine-parametric-networks), which trains only with the L2 penalty on the
hidden Dense layers alone (``TrainConfig.l2_groups``; measured in
``results/anzalone22/scale_init.md``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

__all__ = [
    "AffineConditioning",
    "ConcatConditioning",
    "ConditionalBiasing",
    "ConditionalScaling",
    "Conditioning",
    "glorot_linear",
]

Activation = Callable[[torch.Tensor], torch.Tensor]


def glorot_linear(in_features: int, out_features: int) -> nn.Linear:
    """``nn.Linear`` with glorot-uniform weights and zero bias (Keras ``Dense`` defaults)."""
    layer = nn.Linear(in_features, out_features)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class Conditioning(nn.Module):
    """Base class: ``forward(h (N, D), m (N, K)) -> z (N, out_features)``."""

    def __init__(self, features: int, n_conditions: int = 1) -> None:
        super().__init__()
        if features < 1 or n_conditions < 1:
            raise ValueError(f"features and n_conditions must be >= 1, got {features} and {n_conditions}")
        self.features = int(features)
        self.n_conditions = int(n_conditions)

    @property
    def out_features(self) -> int:
        """Width of the layer's output (the input width for scaling, biasing and affine maps)."""
        return self.features


class ConcatConditioning(Conditioning):
    """``z = [h, m]``: output has ``D + K`` features, no parameters."""

    @property
    def out_features(self) -> int:
        """Width of the output: the input width plus the number of conditions."""
        return self.features + self.n_conditions

    def forward(self, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        return torch.cat([h, m.to(h.dtype)], dim=-1)


def _affine_map(layer: nn.Linear, m: torch.Tensor) -> torch.Tensor:
    # W m + c; for one parameter an outer product (cheaper than a K=1 matmul)
    if m.shape[-1] == 1:
        return torch.addcmul(layer.bias, m, layer.weight.view(1, -1))
    return torch.nn.functional.linear(m, layer.weight, layer.bias)


class ConditionalBiasing(Conditioning):
    """``z = h + act(W_b m + c_b)``."""

    def __init__(self, features: int, n_conditions: int = 1, *, activation: Activation | None = None) -> None:
        super().__init__(features, n_conditions)
        self.shift = glorot_linear(n_conditions, features)
        self.activation = activation

    def forward(self, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        b = _affine_map(self.shift, m)
        if self.activation is not None:
            b = self.activation(b)
        return h + b


class ConditionalScaling(Conditioning):
    """``z = h ⊙ act(W_s m + c_s)``; ``c_s`` starts at ``scale_init``."""

    def __init__(self, features: int, n_conditions: int = 1, *, activation: Activation | None = None,
                 scale_init: float = 1.0) -> None:
        super().__init__(features, n_conditions)
        self.scale = glorot_linear(n_conditions, features)
        nn.init.constant_(self.scale.bias, scale_init)
        self.activation = activation

    def forward(self, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        s = _affine_map(self.scale, m)
        if self.activation is not None:
            s = self.activation(s)
        return h * s


class AffineConditioning(Conditioning):
    """``z = h ⊙ s(m) + b(m)`` with ``s = act_s(W_s m + c_s)``, ``b = act_b(W_b m + c_b)``.

    With ``W_s = 0, c_s = 1, W_b = 0, c_b = 0`` the layer is the identity. Parameters:
    ``2 (K + 1) D``; ``c_s`` starts at ``scale_init`` (see the module docstring).

    Example:
        >>> layer = AffineConditioning(4, 1)
        >>> layer(torch.ones(2, 4), torch.ones(2, 1)).shape
        torch.Size([2, 4])
    """

    def __init__(self, features: int, n_conditions: int = 1, *, scale_activation: Activation | None = None,
                 shift_activation: Activation | None = None, scale_init: float = 1.0) -> None:
        super().__init__(features, n_conditions)
        self.scale = glorot_linear(n_conditions, features)
        nn.init.constant_(self.scale.bias, scale_init)
        self.shift = glorot_linear(n_conditions, features)
        self.scale_activation = scale_activation
        self.shift_activation = shift_activation

    def forward(self, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        s = _affine_map(self.scale, m)
        b = _affine_map(self.shift, m)
        if self.scale_activation is not None:
            s = self.scale_activation(s)
        if self.shift_activation is not None:
            b = self.shift_activation(b)
        return torch.addcmul(b, h, s)


CONDITIONINGS: dict[str, type[Conditioning]] = {
    "concat": ConcatConditioning,
    "bias": ConditionalBiasing,
    "scale": ConditionalScaling,
    "affine": AffineConditioning,
}
