"""The one lookup of bundled files (samples, run cards): ``hepconditioning/_data`` in an
installed wheel, ``data/`` in a source checkout (editable install)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_or_path", "bundled_path"]

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


def bundled_or_path(text: str | Path, *, folder: str = "", suffix: str, hint: str) -> Path:
    """``text`` as a path when it exists or names a folder or suffix; a bare name otherwise
    resolves to the bundled ``folder/text + suffix`` (``"nanoaod_ttbar"`` →
    ``data/nanoaod_ttbar.root``, ``"nanoaod_hepmass"`` → ``data/specs/nanoaod_hepmass.toml``).

    Raises:
        FileNotFoundError: a bare name that no bundled file has (ends with ``hint``); a path
            that does not exist is returned as it is, for the reader to report.
    """
    path = Path(text)
    if path.exists() or path.suffix or path.parent != Path("."):
        return path
    return bundled_path(f"{folder}/{path.name}{suffix}" if folder else f"{path.name}{suffix}", hint=hint)
