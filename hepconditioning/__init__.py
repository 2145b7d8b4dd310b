"""hepconditioning: conditioned (parametric) classifiers for high-energy physics.

Data flow: files ──read──▶ :class:`Events` ──datasets──▶ sampling ──▶ nn models ──fit──▶
metrics / multi-instance ──▶ ROOT files and mplhep figures.

Submodules are imported on first use (``hepconditioning.training`` loads torch), so
``import hepconditioning`` stays light::

    import hepconditioning as hc
    train = hc.datasets.load_hepmass("bundled", split="train")
    model = hc.nn.AffinePNN(train.n_features)

References: Baldi et al. 2016 (arXiv:1601.07913), Anzalone et al. 2022 (arXiv:2202.00424),
Białas et al. 2018 (arXiv:1803.00838), Józefowicz et al. 2016 (arXiv:1608.02609).
"""

from __future__ import annotations

import importlib
from typing import Any

from hepconditioning import _compat
from hepconditioning._version import __version__
from hepconditioning.events import Events, TorchEvents
from hepconditioning.standardization import Standardizer

_SUBMODULES = (
    "config", "contract", "datasets", "errors", "evaluation", "io", "metrics",
    "multi_instance", "nn", "physics", "pipeline", "plotting", "sampling", "training",
)

__all__ = ["Events", "Standardizer", "TorchEvents", "__version__", "standardization", *_SUBMODULES]


_compat.install_module_aliases()


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"hepconditioning.{name}")
    if f"hepconditioning.{name}" in _compat.MOVED_MODULES:  # hc.histograms: warns on use
        return importlib.import_module(f"hepconditioning.{name}")
    raise AttributeError(f"module 'hepconditioning' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
