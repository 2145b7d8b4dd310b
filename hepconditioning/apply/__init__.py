"""Apply a saved model to files: specs, friend trees, histograms, dask (``hepconditioning apply``).

- :mod:`.spec`: :class:`ApplySpec` and its TOML form (:func:`load_spec`);
- :mod:`.run`: :func:`apply_files` (serial, or on dask via :mod:`.cluster`);
- :mod:`.onnx`: :func:`to_onnx` (standardization inside the graph) and :class:`OnnxScorer`.
"""

from __future__ import annotations

from hepconditioning.apply.onnx import OnnxScorer, to_onnx
from hepconditioning.apply.run import SENTINEL, ApplyResult, apply_files, hypothesis_branch
from hepconditioning.apply.spec import ApplySpec, ObjectSpec, load_spec

__all__ = ["SENTINEL", "ApplyResult", "ApplySpec", "ObjectSpec", "OnnxScorer", "apply_files", "hypothesis_branch",
           "load_spec", "to_onnx"]


def __dir__() -> list[str]:
    return __all__
