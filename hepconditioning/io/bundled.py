"""Where the bundled samples and run cards live: ``hepconditioning/_data`` in an installed
wheel, ``data/`` in a source checkout (editable install)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_path"]

_PACKAGE = Path(__file__).resolve().parents[1]
_FOLDERS = (_PACKAGE / "_data", _PACKAGE.parent / "data")


def bundled_path(name: str) -> Path:
    """Path of the bundled file ``name``: the first folder holding it, else the source-tree
    path (so that a missing file is reported where a checkout would have it)."""
    for folder in _FOLDERS:
        if (folder / name).exists():
            return folder / name
    return _FOLDERS[1] / name
