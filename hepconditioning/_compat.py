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
from collections.abc import Callable
from typing import Any

__all__ = [
    "MOVED_MODULES",
    "MOVED_NAMES",
    "RENAMED_VALUES",
    "install_module_aliases",
    "module_hooks",
    "moved_name",
    "renamed_value",
]

MOVED_NAMES: dict[tuple[str, str], str] = {
    ("hepconditioning.config", "bundled_data"): "hepconditioning.io:bundled_path",
    ("hepconditioning.apply", "to_onnx"): "hepconditioning.export",
    ("hepconditioning.apply", "OnnxScorer"): "hepconditioning.export",
    ("hepconditioning.io", "write_results"): "hepconditioning.evaluation",
    ("hepconditioning.io", "read_results"): "hepconditioning.evaluation",
    ("hepconditioning.io", "HEPMASS_FEATURES"): "hepconditioning.datasets.hepmass",
    ("hepconditioning.io", "HEPMASS_COLUMNS"): "hepconditioning.datasets.hepmass:COLUMNS",
    ("hepconditioning.io", "HEPMASS_MASSES"): "hepconditioning.datasets.hepmass:MASSES",
    ("hepconditioning.io.csv", "HEPMASS_FEATURES"): "hepconditioning.datasets.hepmass",
    ("hepconditioning.io.csv", "HEPMASS_COLUMNS"): "hepconditioning.datasets.hepmass:COLUMNS",
    ("hepconditioning.io.csv", "HEPMASS_MASSES"): "hepconditioning.datasets.hepmass:MASSES",
    ("hepconditioning.training", "predict"): "hepconditioning.nn",
    ("hepconditioning.training", "logits"): "hepconditioning.nn",
    ("hepconditioning.training", "ExtrapolationWarning"): "hepconditioning.nn",
}
"""``(old module, name)`` → the module that holds ``name`` now (``module:new_name`` where it was
renamed)."""

MOVED_MODULES: dict[str, str] = {
    "hepconditioning.histograms": "hepconditioning.evaluation.histograms",
    "hepconditioning.training.inputs": "hepconditioning.nn.inputs",
    "hepconditioning.apply.onnx": "hepconditioning.export.onnx",
    "hepconditioning.apply.coffea": "hepconditioning.export.coffea",
}
"""Old module → the module that replaced it."""


RENAMED_VALUES: dict[tuple[str, str, str], str] = {
    ("read_csv", "layout", "hepmass"): "positional",
    ("read_csv", "layout", "imb"): "named",
}
"""``(function, argument, old value)`` → the value's new spelling."""


def renamed_value(function: str, argument: str, value: str) -> str:
    """The new spelling of an old option value, with a ``DeprecationWarning``; an unknown value
    comes back unchanged (the caller refuses it with its own message)."""
    new = RENAMED_VALUES.get((function, argument, value))
    if new is None:
        return value
    warnings.warn(f"{function}({argument}={value!r}) is now {argument}={new!r}", DeprecationWarning,
                  stacklevel=4)
    return new


def moved_name(module: str, name: str) -> Any:
    """``name`` looked up on ``module`` (a module's ``__getattr__``): the object from its new
    home with a ``DeprecationWarning``, or ``AttributeError`` when ``name`` never lived there."""
    target = MOVED_NAMES.get((module, name))
    if target is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    home, _, new_name = target.partition(":")
    new_name = new_name or name
    warnings.warn(f"{module}.{name} moved to {home}.{new_name}; import it from there",
                  DeprecationWarning, stacklevel=3)
    return getattr(importlib.import_module(home), new_name)


def module_hooks(module: str, public: list[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` (old spellings, :func:`moved_name`) and ``__dir__`` (``public``) of a module:
    ``__getattr__, __dir__ = module_hooks(__name__, __all__)``."""

    def getattr_(name: str) -> Any:
        return moved_name(module, name)

    def dir_() -> list[str]:
        return public

    return getattr_, dir_


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
