"""Conditioned networks: conditioning layers (:mod:`.conditioning`), models (:mod:`.models`)
and a fast dropout (:mod:`.dropout`). Models return logits (:func:`logits`: the batched,
eval-mode call on many events); probabilities on raw inputs come from :mod:`.inference`
(``model.predict`` is :func:`predict`; the inputs are read by :mod:`.inputs`); losses live in :mod:`hepconditioning.training`."""

from __future__ import annotations

from hepconditioning.contract import Condition, Feature, TrainedOn
from hepconditioning.nn.batched import logits
from hepconditioning.nn.conditioning import (
    AffineConditioning,
    ConcatConditioning,
    ConditionalBiasing,
    ConditionalScaling,
    Conditioning,
)
from hepconditioning.nn.dropout import FastDropout, set_dropout_generator, set_dropout_rows
from hepconditioning.nn.inference import ExtrapolationWarning, predict
from hepconditioning.nn.models import (
    AffinePNN,
    Classifier,
    ConditionedMLP,
    IndividualNNs,
    ParametricNN,
    SingleNN,
)
from hepconditioning.nn.standardize import Standardization

__all__ = [
    "AffineConditioning",
    "AffinePNN",
    "Classifier",
    "ConcatConditioning",
    "Condition",
    "ConditionalBiasing",
    "ConditionalScaling",
    "ConditionedMLP",
    "Conditioning",
    "ExtrapolationWarning",
    "FastDropout",
    "Feature",
    "IndividualNNs",
    "ParametricNN",
    "SingleNN",
    "Standardization",
    "TrainedOn",
    "logits",
    "predict",
    "set_dropout_generator",
    "set_dropout_rows",
]


def __dir__() -> list[str]:
    return __all__
