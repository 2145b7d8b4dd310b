"""Training of the conditioned networks: :func:`fit`, :func:`fit_many`, model files. Calling a
trained model is :mod:`hepconditioning.nn`'s (``model.predict``, :func:`~hepconditioning.nn.logits`).

Modules: :mod:`.config` (TrainConfig), :mod:`.loss` (weighted BCE with soft targets),
:mod:`.batches` (preloaded balanced batches), :mod:`.validation` (AUC for model selection),
:mod:`.loop` (fit), :mod:`.checkpoint`, :mod:`.serialization`,
:mod:`.spin` (batches for a network conditioned on the CP angle).
"""

from __future__ import annotations

from hepconditioning._compat import module_hooks
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
    "save_model",
    "soft_targets",
    "spin_weight_batches",
    "weighted_bce",
]

__getattr__, __dir__ = module_hooks(__name__, __all__)  # old spellings: hepconditioning._compat
