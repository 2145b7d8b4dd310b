"""ONNX export of a trained model and scoring with ONNX Runtime.

:func:`to_onnx` writes a graph with two inputs, ``x`` ``(N, F)`` float32 raw features (in the
trained order, ``model.trained_on``) and the condition ``(N,)`` float32 under its own name
(``mass`` in GeV for HEPMASS), and one output ``probability`` ``(N,)``; the input
standardization is part of the graph. The model contract (features with units, condition,
trained range) is stored in the ONNX metadata (``metadata_props``, key ``hepconditioning``).
:class:`OnnxScorer` scores raw inputs like ``model.predict`` does, with ONNX Runtime.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepconditioning.contract import TrainedOn
from hepconditioning.errors import MissingDependencyError
from hepconditioning.export.head import ProbabilityHead
from hepconditioning.io.atomic import atomic_path
from hepconditioning.nn.inputs import feature_matrix
from hepconditioning.training import load_model

__all__ = ["OnnxScorer", "to_onnx"]

OPSET = 17


def to_onnx(model: torch.nn.Module | str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """Export ``model`` (a model or a model file) to the ONNX file ``path`` (atomically).

    The graph takes raw features ``x (N, F)`` and the condition ``(N,)`` (input named after
    ``model.condition``, e.g. ``mass``) and returns probabilities ``(N,)``; ONNX Runtime
    reproduces ``model.predict`` within 1e-5.
    """
    try:
        import onnx
    except ImportError as err:
        raise MissingDependencyError("onnx", "onnx", purpose="ONNX export") from err
    if not isinstance(model, torch.nn.Module):
        model = load_model(model)
    if not hasattr(model, "standardizer") or model.n_conditions != 1:
        raise TypeError(f"to_onnx exports hepconditioning.nn models with one condition, got {type(model).__name__}")
    condition = model.condition.name
    wrapper = ProbabilityHead(model)
    was_training = model.training
    wrapper.eval()
    info = model.trained_on
    # every trained point in the example, so that a routing model (IndividualNNs) traces each branch
    points = list(info.condition.points) if info is not None and info.condition is not None else []
    points = (points * 2)[:max(2, len(points))] if points else [1.0, 1.0]
    example = (torch.zeros(len(points), model.n_features), torch.tensor(points, dtype=torch.float32))
    meta = {"features": [f.to_dict() for f in info.features] if info is not None else None,
            "condition": (info.condition or model.condition).to_dict() if info is not None else
            model.condition.to_dict(), "inputs": ["x", condition], "output": "probability",
            "input_state": info.inputs if info is not None else None}
    path = Path(path)
    try:
        with atomic_path(path) as tmp, warnings.catch_warnings():
            # the TorchScript-based exporter (no onnxscript needed) warns that it is legacy
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, example, str(tmp), dynamo=False, input_names=["x", condition],
                              output_names=["probability"], opset_version=OPSET,
                              dynamic_axes={"x": {0: "n"}, condition: {0: "n"}, "probability": {0: "n"}})
            graph = onnx.load(str(tmp))
            entry = graph.metadata_props.add()
            entry.key, entry.value = "hepconditioning", json.dumps(meta)
            onnx.save(graph, str(tmp))
    finally:
        model.train(was_training)
    return path


class OnnxScorer:
    """Scores raw inputs with ONNX Runtime on the export of a model (file ``.pt`` or ``.onnx``).

    ``predict(inputs, mass=..., hypotheses=...)`` takes the same inputs as
    :func:`hepconditioning.nn.predict` and returns the same shapes.
    """

    def __init__(self, model: str | os.PathLike[str], *, threads: int | None = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise MissingDependencyError("onnxruntime", "onnx", purpose="the onnx backend") from err
        path = Path(model)
        if path.suffix == ".onnx":
            graph = path.read_bytes()
        else:  # a model file: export it to a temporary ONNX file first
            with tempfile.TemporaryDirectory() as tmp:
                graph = to_onnx(load_model(path), Path(tmp) / "model.onnx").read_bytes()
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        meta = json.loads(self.session.get_modelmeta().custom_metadata_map.get("hepconditioning", "{}"))
        inputs = [i.name for i in self.session.get_inputs()]
        self.condition_input = next((name for name in inputs if name != "x"), None)
        self.n_features = int(self.session.get_inputs()[0].shape[1])
        self.trained_on = TrainedOn.from_dict({**meta, "inputs": meta.get("input_state")}) \
            if meta.get("features") else None

    def predict(self, inputs: Any, *, mass: Any = None, hypotheses: Any = None,
                batch_size: int = 8192) -> np.ndarray:
        """Probabilities ``(N,)`` (``mass`` scalar or per event) or ``(N, K)`` (``hypotheses``),
        ``batch_size`` events per run (whole-file runs spill the activations out of the cache)."""
        x = feature_matrix(self, inputs)
        n = x.shape[0]
        values = [mass] if hypotheses is None else list(np.atleast_1d(hypotheses))
        out = []
        for value in values:
            m = np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=np.float32), (n,)))
            parts = []
            for start in range(0, n, batch_size):
                feed = {"x": x[start:start + batch_size]}
                if self.condition_input is not None:
                    feed[self.condition_input] = m[start:start + batch_size]
                parts.append(self.session.run(["probability"], feed)[0])
            out.append(np.concatenate(parts) if parts else np.zeros(0, np.float32))
        return out[0] if hypotheses is None else np.stack(out, axis=1).reshape(n, len(values))
