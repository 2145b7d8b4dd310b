"""Old spellings of moved names, in one place: each still resolves, with a ``DeprecationWarning``
that names the new home.

- :data:`MOVED_NAMES`: ``(old module, name)`` → the module that now holds ``name``. The old
  module's ``__getattr__`` calls :func:`moved_name`.
- :data:`MOVED_MODULES`: old module → new module. :func:`install_module_aliases` (called by
  ``hepconditioning/__init__.py``) puts a stand-in in ``sys.modules`` that forwards each attribute
  on first use, so ``import hepconditioning.histograms`` works without a file of that name.

Nothing here is imported at module level: the new homes load on first use of an old name.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any

__all__ = ["MOVED_MODULES", "MOVED_NAMES", "install_module_aliases", "moved_name"]

MOVED_NAMES: dict[tuple[str, str], str] = {
    ("hepconditioning.io", "write_results"): "hepconditioning.evaluation",
    ("hepconditioning.io", "read_results"): "hepconditioning.evaluation",
    ("hepconditioning.training", "predict"): "hepconditioning.nn",
    ("hepconditioning.training", "logits"): "hepconditioning.nn",
    ("hepconditioning.training", "ExtrapolationWarning"): "hepconditioning.nn",
}
"""``(old module, name)`` → the module that holds ``name`` now."""

MOVED_MODULES: dict[str, str] = {
    "hepconditioning.histograms": "hepconditioning.evaluation.histograms",
    "hepconditioning.training.inputs": "hepconditioning.nn.inputs",
}
"""Old module → the module that replaced it."""


def moved_name(module: str, name: str) -> Any:
    """``name`` looked up on ``module`` (a module's ``__getattr__``): the object from its new
    home with a ``DeprecationWarning``, or ``AttributeError`` when ``name`` never lived there."""
    home = MOVED_NAMES.get((module, name))
    if home is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(f"{module}.{name} moved to {home}.{name}; import it from there",
                  DeprecationWarning, stacklevel=3)
    return getattr(importlib.import_module(home), name)


class _ModuleAlias(types.ModuleType):
    """Stand-in for a moved module: forwards attributes to the new one, with a warning."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(old, f"Moved to :mod:`{new}`.")
        self.__new_home = new

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        new = self.__new_home
        warnings.warn(f"{self.__name__} moved to {new}; import {name} from there",
                      DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(new), name)


def install_module_aliases() -> None:
    """Register every :data:`MOVED_MODULES` stand-in in ``sys.modules`` (idempotent)."""
    for old, new in MOVED_MODULES.items():
        sys.modules.setdefault(old, _ModuleAlias(old, new))
