"""Data-parallel training across processes (``torchrun``), identical to one process.

Under ``torchrun --nproc_per_node N`` (or any launcher that sets ``WORLD_SIZE``, ``RANK`` and
the rendezvous variables) :func:`fit` joins the process group (gloo on CPU, NCCL on GPU) and
every process iterates over the *same* global batches of the balanced sampler (randomness
derives from ``(seed, epoch)``). Each global batch of ``B`` events is cut into ``N``
contiguous row blocks (sizes differ by at most one); process ``r`` trains on block ``r``:

- the global batch keeps exactly the composition of the single-process batch;
- every process draws the dropout masks of the whole global batch from the same generator
  and uses its rows, so each event sees the mask it would see in one process;
- process ``r`` scales its batch-mean loss by ``N n_r / B`` and the gradients are summed over
  the processes in one flat ``all_reduce`` and divided by ``N``, which gives the gradient of
  the global batch mean (the loss value travels in the same buffer, so a NaN stops every
  process at the same step).

The parameters are broadcast from rank 0 at the start. Validation, checkpoints and progress
output happen on rank 0, which broadcasts the validation result (model selection and early
stopping agree everywhere) and, on ``resume``, the checkpoint. Up to float rounding
(summation order) the trajectory equals a single process with the same global batch.
"""

from __future__ import annotations

import atexit
import os
from typing import Any, TypeVar

import torch
from torch import distributed as dist

__all__ = ["Parallel", "join_process_group"]

T = TypeVar("T")


def join_process_group(device: torch.device) -> Parallel:
    """The :class:`Parallel` view of this process: joins the group started by ``torchrun``
    (``WORLD_SIZE > 1``) when nobody has yet, a single process otherwise."""
    if dist.is_available() and dist.is_initialized():
        return Parallel(dist.get_rank(), dist.get_world_size())
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Parallel()
    if not dist.is_available():
        raise RuntimeError(f"WORLD_SIZE={world} but this torch build has no torch.distributed")
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend=backend)
    atexit.register(_leave)
    return Parallel(dist.get_rank(), dist.get_world_size())


def _leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


class Parallel:
    """Rank and world size of this process, with the few collectives :func:`fit` needs.

    ``Parallel()`` is the single process: sharding returns everything, collectives do nothing.
    """

    def __init__(self, rank: int = 0, world_size: int = 1) -> None:
        self.rank = int(rank)
        self.world_size = int(world_size)

    @property
    def active(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0 (validates and writes)."""
        return self.rank == 0

    def rows(self, total: int) -> tuple[int, int]:
        """``(start, stop)`` of this process's block of a global batch of ``total`` rows."""
        base, extra = divmod(total, self.world_size)
        start = self.rank * base + min(self.rank, extra)
        return start, start + base + (1 if self.rank < extra else 0)

    def loss_factor(self, rows: int, total: int) -> float:
        """``N n_r / B``: turns this block's mean loss into its share of the global mean."""
        return self.world_size * rows / total

    def broadcast_parameters(self, model: torch.nn.Module) -> None:
        """Copy rank 0's parameters and buffers to every process."""
        if not self.active:
            return
        with torch.no_grad():
            for tensor in [*model.parameters(), *model.buffers()]:
                dist.broadcast(tensor.data, src=0)

    def reduce_gradients(self, parameters: list[torch.nn.Parameter], loss: torch.Tensor) -> float:
        """Average the gradients over the processes (in place) and return the global loss."""
        if not self.active:
            return loss.item()
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in parameters]
        flat = torch.cat([*(g.reshape(-1) for g in grads), loss.detach().reshape(1).to(grads[0].dtype)])
        dist.all_reduce(flat)
        flat.div_(self.world_size)
        offset = 0
        for p in parameters:
            n = p.numel()
            p.grad = flat[offset:offset + n].view_as(p)
            offset += n
        return float(flat[offset])

    def broadcast(self, value: T) -> T:
        """Rank 0's ``value`` on every process (any picklable object)."""
        if not self.active:
            return value
        box: list[Any] = [value if self.is_main else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        """Wait for every process (nothing to wait for in a single process)."""
        if self.active:
            dist.barrier()
