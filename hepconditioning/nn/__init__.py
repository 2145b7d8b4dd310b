"""Conditioned networks: conditioning layers (:mod:`.conditioning`), models (:mod:`.models`)
and a fast dropout (:mod:`.dropout`). Models return logits; losses live in
:mod:`hepconditioning.training`."""

from __future__ import annotations

from hepconditioning.nn.conditioning import (
    AffineConditioning,
    ConcatConditioning,
    ConditionalBiasing,
    ConditionalScaling,
    Conditioning,
)
from hepconditioning.nn.dropout import FastDropout, set_dropout_generator, set_dropout_rows
from hepconditioning.nn.models import (
    AffinePNN,
    ConditionedMLP,
    IndividualNNs,
    ParametricNN,
    SingleNN,
)

__all__ = [
    "AffineConditioning",
    "AffinePNN",
    "ConcatConditioning",
    "ConditionalBiasing",
    "ConditionalScaling",
    "ConditionedMLP",
    "Conditioning",
    "FastDropout",
    "IndividualNNs",
    "ParametricNN",
    "SingleNN",
    "set_dropout_generator",
    "set_dropout_rows",
]


def __dir__() -> list[str]:
    return __all__
