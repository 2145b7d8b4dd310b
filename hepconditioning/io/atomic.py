"""File paths at the io entry points: input and output checks, atomic output.

Readers validate every input path before reading any (:func:`check_input_paths`); writers
validate the output path before any work (:func:`check_output_path`) and write to a temporary
name in the target directory, then rename (:func:`atomic_path`). A failure (exception,
Ctrl-C) leaves no file at the target path, and an existing file there is only replaced once
the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["atomic_path", "check_input_paths", "check_output_path", "check_writable"]


def check_input_paths(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, kind: str
) -> list[Path]:
    """One path or a sequence of paths → a list of existing files, checked before any reading.

    ``kind`` names the format in the messages (``"CSV"``, ``"ROOT"``).
    """
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not items:
        raise ValueError(f"no input {kind} files given")
    out = []
    for item in items:
        path = Path(item)
        if not path.exists():
            raise FileNotFoundError(f"{kind} file {str(path)!r} does not exist")
        if path.is_dir():
            raise IsADirectoryError(f"{kind} path {str(path)!r} is a directory; give the file")
        out.append(path)
    return out


def check_output_path(path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Validate an output path before any work starts; returns it as a ``Path``."""
    path = Path(path)
    if not path.parent.exists():
        raise FileNotFoundError(
            f"output directory {str(path.parent)!r} for {path.name!r} does not exist; "
            f"create it first (mkdir -p {path.parent})"
        )
    if path.is_dir():
        raise IsADirectoryError(f"output path {str(path)!r} is a directory; give a file name")
    if not overwrite and path.exists():
        raise FileExistsError(f"output file {str(path)!r} exists; pass overwrite=True or remove it")
    check_writable(path.parent)
    return path


def check_writable(directory: Path) -> None:
    """Create and remove a temporary file in ``directory``; PermissionError naming it if not."""
    try:
        fd, name = tempfile.mkstemp(prefix=".hepconditioning-", suffix=".probe", dir=directory)
    except OSError as err:
        raise PermissionError(
            f"cannot write in {str(directory)!r} ({err.strerror or err}); choose an output "
            "location you can write to") from err
    os.close(fd)
    os.unlink(name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    The temporary name keeps the suffix (``.root``, ``.csv.gz``) so that writers choosing the
    format from the extension still work.

    Example:
        >>> with atomic_path(tmp / "scores.root") as tmp_file:  # doctest: +SKIP
        ...     write(tmp_file)
    """
    path = check_output_path(path, overwrite=overwrite)
    suffix = "".join(path.suffixes)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name.split('.')[0]}-", suffix=f".tmp{suffix}",
                                    dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise RuntimeError(f"writer produced no file at {tmp}")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
