from __future__ import annotations

import numpy as np
import pytest
import torch

from hepconditioning import Events
from hepconditioning.nn import AffinePNN, ParametricNN, predict
from hepconditioning.training import TrainConfig, fit
from hepconditioning.training.device import autocast, module_device, resolve_device, to_device


def events(n: int, seed: int) -> Events:
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=n) < 0.5).astype(np.float32)
    mass = np.where(labels == 1, rng.choice([500.0, 1000.0], n), 0.0)
    x = rng.normal(size=(n, 4)) + labels[:, None] * mass[:, None] / 1000
    return Events(x, mass, labels, feature_names=["a", "b", "c", "d"])


def test_auto_picks_cuda_only_when_present() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="one of"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_without_gpu_names_the_way_out() -> None:
    with pytest.raises(ValueError, match="device='auto' or 'cpu'"):
        resolve_device("cuda")


def test_to_device_keeps_host_tensors_in_place() -> None:
    t = torch.ones(3)
    assert to_device(t, torch.device("cpu")) is t
    assert module_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert module_device(torch.nn.Identity()) == torch.device("cpu")


def test_bf16_autocast_trains_and_model_ends_on_cpu() -> None:
    train, validation = events(3000, 1), events(1000, 2)
    config = TrainConfig(epochs=2, batch_size=128, learning_rate=3e-3, seed=1, threads=1, precision="bf16")
    for cls in (AffinePNN, ParametricNN):
        torch.manual_seed(0)
        model = cls(4, widths=(16, 8))
        history = fit(model, train, validation=validation, config=config, progress=False)
        assert np.isfinite(history.loss).all() and max(history.val_auc) > 0.8, history.val_auc
        assert module_device(model).type == "cpu"
        assert all(p.dtype == torch.float32 for p in model.parameters())
        assert predict(model, validation, mass=750.0).dtype == np.float32


def test_autocast_float32_is_a_no_op() -> None:
    with autocast(torch.device("cpu"), "float32"):
        assert not torch.is_autocast_enabled("cpu")
    with autocast(torch.device("cpu"), "bf16"):
        assert torch.mm(torch.ones(2, 2), torch.ones(2, 2)).dtype == torch.bfloat16
