from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hepconditioning import Events

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def reference_data() -> Path:
    """``data/``: the bundled ROOT files (``uproot-HZZ.root``, ``uproot-Zmumu.root``,
    ``nanoaod_ttbar.root``; data cards beside them). They ship with the project, so no test
    needs anything beside the checkout and none skips for a missing file."""
    return DATA


@pytest.fixture
def toy_events() -> Events:
    """Small labelled sample: 3 features, signal at 500/750/1000 GeV, 2 background processes."""
    rng = np.random.default_rng(1)
    n = 600
    labels = (np.arange(n) % 2).astype(np.float32)
    mass = rng.choice([500.0, 750.0, 1000.0], size=n).astype(np.float32)
    x = rng.normal(size=(n, 3)) + labels[:, None] * mass[:, None] / 1000.0
    process = np.where(labels == 0, rng.integers(0, 2, size=n), 0)
    return Events(x, mass, labels, rng.uniform(0.5, 1.5, n), feature_names=["f0", "f1", "f2"],
                  process=process, columns={"w_a": rng.uniform(0, 2, n)})


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Tests use small tensors: one intra-op thread is as fast on an idle 2-core runner and
    avoids OpenMP spin-waiting (10× slowdowns measured) when the runner is shared."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
