"""Dropout with a cheap mask: two random bits per element instead of one float draw.

``torch.nn.functional.dropout`` draws one uniform float per element; on CPU that costs a third
to a half of a training step of the AffinePNN. For p = 1/4 (the paper's 0.25) an element is
dropped when both of its two random bits are zero, which has probability exactly 1/4. The bits
come in bulk from ``int64`` draws (64 bits each); every byte holds four 2-bit pairs and a
256 × 4 lookup table turns a byte into four mask values ``0`` or ``1 / (1 - p)`` at once, so
``E[mask] = 1`` exactly. Other rates ``p = j / 2^b`` use ``b`` bits per element the same way;
any other rate uses one uniform draw per element.

Masks are drawn on the generator's device (a CUDA generator draws on the GPU). In
data-parallel training (:mod:`hepconditioning.training.distributed`) every process draws the
mask of the whole global batch and keeps its own rows (:func:`set_dropout_rows`), so each
event gets the mask it would get in a single process.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["FastDropout", "set_dropout_generator", "set_dropout_rows"]


def _bits_for(p: float) -> int | None:
    # smallest b in (1, 2, 4, 8) with p * 2^b an integer
    for bits in (1, 2, 4, 8):
        levels = 1 << bits
        if abs(p * levels - round(p * levels)) < 1e-12:
            return bits
    return None


def _lookup_table(p: float, bits: int) -> torch.Tensor:
    # table[byte, j] = mask value of the j-th b-bit field of the byte
    per_byte = 8 // bits
    levels = 1 << bits
    dropped = round(p * levels)  # field values < dropped are dropped
    byte = torch.arange(256)
    fields = torch.stack([(byte >> (bits * j)) & (levels - 1) for j in range(per_byte)], dim=1)
    return torch.where(fields < dropped, 0.0, 1.0 / (1.0 - p)).to(torch.float32)


class FastDropout(nn.Module):
    """Inverted dropout ``y = x ⊙ mask``, ``P(mask = 0) = p``, ``mask = 1/(1-p)`` otherwise.

    Active only in training mode. Randomness comes from ``self.generator`` (a
    ``torch.Generator``; set by :func:`set_dropout_generator`, the default generator if None).
    """

    def __init__(self, p: float = 0.25) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {p}")
        self.p = float(p)
        self.generator: torch.Generator | None = None
        self.rows: tuple[int, int, int] | None = None
        self._bits = _bits_for(self.p)
        table = _lookup_table(self.p, self._bits) if self._bits and self.p > 0 else torch.ones(256, 1)
        self.register_buffer("_table", table, persistent=False)

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def mask(self, shape: torch.Size | tuple[int, ...], *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """A mask of the given shape with values 0 or ``1/(1-p)``.

        With ``rows = (start, stop, total)`` set and ``shape[0] == stop - start``, the mask of
        ``(total, *shape[1:])`` is drawn and rows ``start:stop`` are returned."""
        if self.rows is not None and len(shape) and shape[0] == self.rows[1] - self.rows[0]:
            start, stop, total = self.rows
            if total != shape[0]:
                return self._draw((total, *shape[1:]), dtype)[start:stop]
        return self._draw(shape, dtype)

    def _draw(self, shape: torch.Size | tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        device = self.generator.device if self.generator is not None else self._table.device
        numel = 1
        for size in shape:
            numel *= int(size)
        if self._bits is None:
            keep = torch.rand(numel, generator=self.generator, device=device) >= self.p
            return (keep.to(dtype) / (1.0 - self.p)).view(shape)
        per_byte = 8 // self._bits
        n_words = -(-numel // (8 * per_byte))
        words = torch.empty(n_words, dtype=torch.int64, device=device).random_(
            -(2**63), None, generator=self.generator)
        # embedding = row gather; the fastest CPU lookup for int32 indices
        index = words.view(torch.uint8).to(torch.int32)
        mask = nn.functional.embedding(index, self._table.to(device)).view(-1)[:numel]
        return mask.view(shape).to(dtype)

    def training_mask(self, x: torch.Tensor) -> torch.Tensor | None:
        """The mask for ``x`` in training mode, ``None`` when dropout is inactive."""
        if not self.training or self.p == 0.0:
            return None
        return self.mask(x.shape, dtype=x.dtype).to(x.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = self.training_mask(x)
        return x if mask is None else x * mask


def set_dropout_generator(model: nn.Module, generator: torch.Generator | None) -> None:
    """Make every :class:`FastDropout` in ``model`` draw from ``generator``."""
    for module in model.modules():
        if isinstance(module, FastDropout):
            module.generator = generator


def set_dropout_rows(model: nn.Module, rows: tuple[int, int, int] | None) -> None:
    """Batches of ``stop - start`` rows take rows ``start:stop`` of the mask of ``total`` rows
    (``rows = (start, stop, total)``); ``None`` draws masks of the batch's own shape."""
    for module in model.modules():
        if isinstance(module, FastDropout):
            module.rows = rows
