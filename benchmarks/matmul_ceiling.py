"""The matmul ceiling of a training step: FLOP/s of the dense layers' forward and both backward
products at a batch size, measured on this machine in the same run as the training."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch


def dense_shapes(model: torch.nn.Module) -> list[tuple[int, int]]:
    """``(in, out)`` of every dense layer of ``model`` (one-input layers of the condition left out)."""
    return [(m.in_features, m.out_features) for m in model.modules()
            if isinstance(m, torch.nn.Linear) and m.in_features > 1]


def sgemm_flops(shapes: list[tuple[int, int]], batch: int, repeat: int = 100,
                clock: Callable[[], float] = time.perf_counter, device: str = "cpu") -> float:
    """FLOP/s of the forward + both backward products of the given layers (best of 5)."""
    mats = [(torch.randn(batch, i, device=device), torch.randn(o, i, device=device),
             torch.randn(batch, o, device=device)) for i, o in shapes]
    flops = sum(3 * 2 * batch * i * o for i, o in shapes)
    best = 0.0
    for _ in range(5):
        synchronize(device)
        start = clock()
        for _ in range(repeat):
            for x, w, g in mats:
                torch.mm(x, w.t())   # forward
                torch.mm(g, w)       # input gradient
                torch.mm(g.t(), x)   # weight gradient
        synchronize(device)
        best = max(best, flops * repeat / (clock() - start))
    return best


def synchronize(device: str) -> None:
    """Wait for the queued GPU kernels (a no-op on the CPU)."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()
