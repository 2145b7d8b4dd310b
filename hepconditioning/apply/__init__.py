"""Apply a saved model to files: specs, friend trees, histograms, dask (``hepconditioning apply``).

- :mod:`.spec`: :class:`ApplySpec` and its TOML form (:func:`load_spec`);
- :mod:`.run`: :func:`apply_files` (serial, or on dask: :func:`.cluster.run_on_dask`);
- :mod:`.state`: the input state (physical or standardized) a spec builds.

ONNX and coffea are :mod:`hepconditioning.export`'s.
"""

from __future__ import annotations

from hepconditioning._compat import module_hooks
from hepconditioning.apply.run import SENTINEL, ApplyResult, apply_files, hypothesis_branch
from hepconditioning.apply.spec import ApplySpec, ObjectSpec, load_spec

__all__ = ["SENTINEL", "ApplyResult", "ApplySpec", "ObjectSpec", "apply_files", "hypothesis_branch", "load_spec"]

__getattr__, __dir__ = module_hooks(__name__, __all__)  # old spellings: hepconditioning._compat
