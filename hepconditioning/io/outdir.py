"""Atomic output *directories*: build a run's outputs in a hidden sibling, then rename.

A run that fails (exception, Ctrl-C) leaves the target directory exactly as it was: either
absent or, with ``overwrite=True``, the previous complete run. Never a mixture.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_directory", "check_output_directory"]


def check_output_directory(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Validate an output directory before any work starts; returns it as a ``Path``.

    Raises:
        FileExistsError: ``path`` exists, is not empty and ``overwrite`` is false.
        NotADirectoryError: ``path`` is an existing file.
        FileNotFoundError: the parent directory does not exist.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"output path {str(path)!r} is a file; give a directory name")
    if not path.resolve().parent.exists():
        raise FileNotFoundError(
            f"parent directory {str(path.resolve().parent)!r} of the output directory does not "
            f"exist; create it first (mkdir -p {path.resolve().parent})"
        )
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(
            f"output directory {str(path)!r} exists and is not empty; choose another directory "
            "or pass --overwrite (the old contents are replaced only once the new run is complete)"
        )
    return path


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary directory next to ``path``; move it onto ``path`` on success.

    Example:
        >>> with atomic_directory("run-1") as tmp:  # doctest: +SKIP
        ...     (tmp / "table.md").write_text("...")
    """
    path = check_output_directory(path, overwrite=overwrite)
    parent = path.resolve().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", suffix=".partial", dir=parent))
    try:
        yield tmp
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}-", suffix=".old", dir=parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
