"""The one lookup of bundled files (samples, run cards): ``hepconditioning/_data`` in an
installed wheel, ``data/`` in a source checkout (editable install)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_path"]

_PACKAGE = Path(__file__).resolve().parents[1]
_FOLDERS = (_PACKAGE / "_data", _PACKAGE.parent / "data")


def bundled_path(name: str, *, hint: str = "reinstall with: pip install -e .") -> Path:
    """Path of the bundled file ``name`` (e.g. ``"demo.toml"``, ``"hepmass_sample.csv.gz"``).

    Raises:
        FileNotFoundError: no folder holds it; names the folders looked in and ends with ``hint``
            (what to do instead).
    """
    for folder in _FOLDERS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"bundled file {name!r} not found (looked in {', '.join(repr(str(f)) for f in _FOLDERS)}); {hint}"
    )
