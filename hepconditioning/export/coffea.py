"""A hepconditioning model file inside coffea: a ``coffea.ml_tools`` wrapper.

``coffea.ml_tools.torch_wrapper`` loads TorchScript; :class:`ModelWrapper` overrides the
loading for the eager model of a hepconditioning model file (``load_model``: weights, the
standardization and the feature list travel with it) and takes the features as an awkward
array (``(N, F)`` regular, or records with the trained feature names) and the condition::

    from hepconditioning.export.coffea import ModelWrapper
    pnn = ModelWrapper("models/AffinePNN.pt")
    scores = pnn(features, 750.0)          # awkward (N,) probabilities at m = 750 GeV

The model is created lazily on each worker (coffea's ``nonserializable_attribute``), so the
wrapper can be shipped to dask workers that see the model file at the same path.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from hepconditioning.errors import MissingDependencyError
from hepconditioning.export.head import ProbabilityHead
from hepconditioning.training import load_model

try:
    from coffea.ml_tools.torch_wrapper import torch_wrapper
except ImportError as err:  # pragma: no cover - the coffea extra is missing
    raise MissingDependencyError("coffea", "coffea", purpose="hepconditioning.export.coffea") from err

__all__ = ["ModelWrapper"]


class ModelWrapper(torch_wrapper):
    """coffea ``torch_wrapper`` for a model file written by ``save_model`` (probabilities out).

    Args:
        model: path of the model file (``models/<name>.pt``).
        device: torch device on the workers (default: CUDA when available, else CPU).
    """

    def __init__(self, model: str | os.PathLike[str], *, device: str | None = None) -> None:
        loaded = load_model(model)  # fail early (damaged file, old format), here and not on a worker
        self.feature_names = loaded.trained_on.feature_names if loaded.trained_on is not None else None
        self.n_features = loaded.n_features
        self.device_name = device
        super().__init__(os.fspath(model), expected_output_shape=(None,))

    def _create_device(self) -> Any:
        import torch

        return torch.device(self.device_name) if self.device_name else super()._create_device()

    def _create_model(self) -> Any:
        return ProbabilityHead(load_model(self.torch_jit)).to(self.device).eval()

    def validate_numpy_input(self, x: np.ndarray, mass: np.ndarray) -> None:
        if x.ndim != 2 or x.shape[1] != self.n_features or mass.shape != (x.shape[0],):
            raise ValueError(f"the model takes features (N, {self.n_features}) and a condition (N,), got "
                             f"{x.shape} and {mass.shape}")

    def prepare_awkward(self, features: Any, mass: Any) -> tuple[tuple[Any, Any], dict[str, Any]]:
        ak = self.get_awkward_lib(features)
        if self.feature_names and ak.fields(features):
            missing = [n for n in self.feature_names if n not in ak.fields(features)]
            if missing:
                raise KeyError(f"features {missing[:5]} not in the inputs ({ak.fields(features)[:8]}...)")
            features = ak.concatenate([features[n][:, np.newaxis] for n in self.feature_names], axis=1)
        x = ak.values_astype(features, np.float32)
        if isinstance(mass, (int, float, np.number)):
            m = ak.values_astype(ak.zeros_like(x[:, 0]) + float(mass), np.float32)
        else:
            m = ak.values_astype(mass, np.float32)
        return (x, m), {}
