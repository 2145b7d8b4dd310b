"""Where training runs: device choice, mixed precision, host→device copies.

``device="auto"`` picks CUDA when ``torch.cuda.is_available()`` (under ``torchrun`` the GPU
``cuda:LOCAL_RANK`` of the process), else the CPU. The training set is preloaded on the device
once (features, masses, targets, weights: 7M HEPMASS events are 0.9 GB of float32); what is
streamed every epoch (the batch indices) goes through pinned host memory with a
non-blocking copy. ``precision="bf16"`` runs the forward pass under
``torch.autocast(dtype=torch.bfloat16)`` (matrix products in bfloat16, loss and optimizer in
float32); it works on CPUs too, but pays off only on hardware with bf16 matrix units.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

from hepconditioning.nn.batched import module_device

__all__ = ["DEVICES", "PRECISIONS", "autocast", "module_device", "resolve_device", "to_device"]

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("float32", "bf16")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The :class:`torch.device` for ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    ``"auto"`` and ``"cuda"`` take the GPU ``LOCAL_RANK`` (set by ``torchrun``; 0 otherwise).

    Raises:
        ValueError: an unknown name, or CUDA requested on a machine without a usable GPU.
    """
    name = str(device)
    kind = name.split(":", 1)[0]
    if kind not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES} (or 'cuda:N'), got {name!r}")
    if kind == "auto":
        kind = "cuda" if torch.cuda.is_available() else "cpu"
        name = kind
    if kind == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but torch {torch.__version__} sees no CUDA GPU; "
                         "use device='auto' or 'cpu', or install a CUDA build of torch")
    if ":" in name:
        return torch.device(name)
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())


def to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``tensor`` on ``device``; host tensors bound for a GPU go through pinned memory and a
    non-blocking copy (the copy overlaps with the kernels already queued)."""
    if tensor.device == device:
        return tensor
    if device.type == "cuda" and tensor.device.type == "cpu":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


@contextlib.contextmanager
def autocast(device: torch.device, precision: str) -> Iterator[None]:
    """``torch.autocast`` to bfloat16 for ``precision="bf16"``, nothing for ``"float32"``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "float32":
        yield
        return
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
        yield
