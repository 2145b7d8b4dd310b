"""Physical or standardized: the inputs ``apply`` builds must be in the state the model was
trained on (``model.trained_on.inputs``, see :mod:`hepconditioning.contract`).

A spec declares the state of what it builds (``[objects]`` and ``standardized = "hepmass"``
give physical features; ``inputs = "..."`` says it for plain branches); the features of every
chunk with enough selected entries are measured as well
(:func:`measured_state`), so undeclared branches in the wrong
state are refused too instead of giving meaningless scores.
"""

from __future__ import annotations

import numpy as np

from hepconditioning.errors import InputStateError

__all__ = ["MIN_MEASURED", "check_input_state", "measured_state"]

MIN_MEASURED = 200
"""Selected entries a chunk needs before its features are measured."""

_FIX = {
    "standardized": "it takes features with zero mean and unit variance (the stored HEPMASS layout "
                    "f0 … f26, without standardized = \"hepmass\" in the spec); retrain it on physical "
                    "features (fit standardizes them itself) to score physical inputs",
    "physical": "it takes physical features (GeV, rad, counts) and standardizes them itself; give a spec "
                "that builds them (e.g. standardized = \"hepmass\" for the stored HEPMASS layout)",
}


def check_input_state(trained: str | None, given: str | None, *, model: str, how: str) -> None:
    """Raise :class:`InputStateError` when ``given`` (the inputs' state, ``None``: unknown)
    differs from ``trained`` (the model's, ``None``: not recorded)."""
    if trained is None or given is None or trained == given:
        return
    raise InputStateError(f"model {model} was trained on {trained} features but {how} gives {given} "
                          f"features: {_FIX[trained]}")


def measured_state(x: np.ndarray, scale: np.ndarray) -> str | None:
    """The state selected features ``x`` (n, F) are clearly in, or ``None``.

    ``"physical"``: a feature with a mean or width above 10 (GeV-scale quantities; standardized
    features of any selection stay far below). ``"standardized"``: every feature the model
    standardizes with a width above 5 (a GeV-scale quantity) varies by less than a tenth of that
    width (physical features of any selection vary by far more). ``None`` with fewer than
    :data:`MIN_MEASURED` rows or when neither holds.
    """
    if len(x) < MIN_MEASURED:
        return None
    mean, std = x.mean(axis=0), x.std(axis=0)
    if (np.abs(mean) > 10).any() or (std > 10).any():
        return "physical"
    wide = (scale > 5) & (std > 0)
    if wide.any() and bool((std[wide] < scale[wide] / 10).all()):
        return "standardized"
    return None
