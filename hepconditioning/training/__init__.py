"""Training of the conditioned networks: :func:`fit`, model files, and (from
:mod:`hepconditioning.nn`, which the models' ``predict`` method calls) :func:`predict`
(probabilities on raw inputs) and :func:`logits` (the batched eval-mode call).

Modules: :mod:`.config` (TrainConfig), :mod:`.loss` (weighted BCE with soft targets),
:mod:`.batches` (preloaded balanced batches), :mod:`.validation` (AUC for model selection),
:mod:`.loop` (fit), :mod:`.checkpoint`, :mod:`.serialization`,
:mod:`.spin` (batches for a network conditioned on the CP angle).
"""

from __future__ import annotations

from hepconditioning.nn.batched import logits
from hepconditioning.nn.inference import ExtrapolationWarning, predict
from hepconditioning.training.batches import Batch, BatchSource, ParameterBatchSource
from hepconditioning.training.config import TrainConfig
from hepconditioning.training.loop import History, TrainingDivergedError, fit
from hepconditioning.training.loss import soft_targets, weighted_bce
from hepconditioning.training.many import fit_many
from hepconditioning.training.serialization import OldModelFormatError, load_model, save_model
from hepconditioning.training.spin import spin_weight_batches
from hepconditioning.training.validation import ModelSelectionError, ValidationResult, Validator

__all__ = [
    "Batch",
    "BatchSource",
    "ExtrapolationWarning",
    "History",
    "ModelSelectionError",
    "OldModelFormatError",
    "ParameterBatchSource",
    "TrainConfig",
    "TrainingDivergedError",
    "ValidationResult",
    "Validator",
    "fit",
    "fit_many",
    "load_model",
    "logits",
    "predict",
    "save_model",
    "soft_targets",
    "spin_weight_batches",
    "weighted_bce",
]


def __dir__() -> list[str]:
    return __all__
