"""Fused ReLU → affine conditioning → dropout block with a hand-written backward.

For a pre-activation ``a = W x + c`` ``(B, D)`` and conditions ``m`` ``(B, K)`` the block
computes ([Anzalone22] Table 2)

    h = ReLU(a),  s = W_s m + c_s,  b = W_b m + c_b,  y = (h ⊙ s + b) ⊙ mask.

Writing ``M = [1, m]`` ``(B, K+1)`` and ``P_s = [c_s; W_sᵀ]``, ``P_b = [c_b; W_bᵀ]``
``(K+1, D)`` gives ``s = M P_s`` and ``b = M P_b``, and the backward pass for upstream
gradient ``g`` is

    g' = g ⊙ mask,  ∂P_b = Mᵀ g',  ∂P_s = Mᵀ (g' ⊙ h),  ∂a = (g' ⊙ s) ⊙ [a > 0],

i.e. four elementwise passes and two small matrix products, where autograd on the unfused
ops makes about ten passes (separate ``sum`` reductions, the outer-product backward of each
linear map of ``m``) and records a dozen graph nodes. Results equal the unfused layers
to float32 rounding (tests compare both). Every tensor may carry a leading axis of K stacked
networks (``a`` ``(K, B, D)``, ``m1`` ``(K, B, K+1)``, ``w_s`` ``(K, D, K)``, ``c_s`` ``(K, D)``,
see :mod:`hepconditioning.training.many`); the products are then batched.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["affine_block", "conditions_with_one"]


def conditions_with_one(m: torch.Tensor) -> torch.Tensor:
    """``[1, m]`` of shape ``(…, B, K + 1)``; computed once per forward and shared by the blocks."""
    return torch.cat([torch.ones_like(m[..., :1]), m], dim=-1)


class _AffineBlock(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, m1: torch.Tensor, w_s: torch.Tensor, c_s: torch.Tensor,
                w_b: torch.Tensor, c_b: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        h = torch.relu(a)
        if m1.shape[-1] == 2:  # one condition: outer products are cheaper than K=2 matmuls
            m = m1[..., 1:]
            s = torch.addcmul(c_s.unsqueeze(-2), m, w_s.transpose(-1, -2))
            y = torch.addcmul(torch.addcmul(c_b.unsqueeze(-2), m, w_b.transpose(-1, -2)), h, s)
        else:
            s = m1.matmul(torch.cat([c_s.unsqueeze(-2), w_s.transpose(-1, -2)], dim=-2))
            y = torch.addcmul(m1.matmul(torch.cat([c_b.unsqueeze(-2), w_b.transpose(-1, -2)], dim=-2)), h, s)
        if mask is not None:
            y.mul_(mask)
        ctx.save_for_backward(h, s, m1, mask)
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        h, s, m1, mask = ctx.saved_tensors
        g = grad * mask if mask is not None else grad.contiguous()
        m1t = m1.transpose(-1, -2)
        grad_pb = m1t.matmul(g)
        grad_ps = m1t.matmul(g * h)
        g = g.mul_(s) if mask is not None else g * s  # g is our own buffer only after the mask
        grad_a = torch.ops.aten.threshold_backward(g, h, 0.0)
        return (grad_a, None, grad_ps[..., 1:, :].transpose(-1, -2), grad_ps[..., 0, :],
                grad_pb[..., 1:, :].transpose(-1, -2), grad_pb[..., 0, :], None)


def affine_block(a: torch.Tensor, m1: torch.Tensor, w_s: torch.Tensor, c_s: torch.Tensor,
                 w_b: torch.Tensor, c_b: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """``(ReLU(a) ⊙ (M P_s) + M P_b) ⊙ mask`` with ``m1 = [1, m]``; weights as in ``nn.Linear``
    (``w_s``, ``w_b`` of shape ``(D, K)``, ``c_s``, ``c_b`` of shape ``(D,)``), or all of them
    with a leading axis of stacked networks."""
    return _AffineBlock.apply(a, m1, w_s, c_s, w_b, c_b, mask)
