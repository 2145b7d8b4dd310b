"""A trained model outside this package: ONNX (:func:`to_onnx`, :class:`OnnxScorer`), inside
coffea (:mod:`.coffea`: ``ModelWrapper``, needs the ``coffea`` extra), and the probability head
both use (:class:`ProbabilityHead`). Applying a model to many files is :mod:`hepconditioning.apply`.
"""

from __future__ import annotations

from hepconditioning.export.head import ProbabilityHead
from hepconditioning.export.onnx import OnnxScorer, to_onnx

__all__ = ["OnnxScorer", "ProbabilityHead", "to_onnx"]


def __dir__() -> list[str]:
    return __all__
