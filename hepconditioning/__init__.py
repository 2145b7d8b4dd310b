"""hepconditioning: conditioned (parametric) classifiers for high-energy physics.

Data flow: files ──read──▶ :class:`Events` ──datasets──▶ sampling ──▶ nn models ──fit──▶
metrics / multi-instance ──▶ ROOT files and mplhep figures.

References: Baldi et al. 2016 (arXiv:1601.07913), Anzalone et al. 2022 (arXiv:2202.00424),
Białas et al. 2018 (arXiv:1803.00838), Józefowicz et al. 2016 (arXiv:1608.02609).
"""

from __future__ import annotations

from hepconditioning._version import __version__
from hepconditioning.events import Events, TorchEvents

__all__ = ["Events", "TorchEvents", "__version__"]


def __dir__() -> list[str]:
    return __all__
