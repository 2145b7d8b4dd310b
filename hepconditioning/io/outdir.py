"""Atomic output *directories*: build a run's outputs in a hidden sibling, then rename.

A run that fails (exception, Ctrl-C, SIGTERM) leaves the target directory exactly as it was:
either absent or, with ``overwrite=True``, the previous complete run. Never a mixture.

The hidden sibling ``.<name>-XXXXXXXX.partial`` holds a lock file (``fcntl.flock``) for as long
as its run is alive. A run killed outright (``kill -9``) cannot clean up; the next run into the
same output sweeps such leftovers, recognised by their name and a lock that nobody holds, or,
with ``resume=True``, continues in the newest one (its training checkpoints live there). The
directory gets the permissions of ``mkdir`` under the current umask, not ``mkdtemp``'s 0700.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from hepconditioning.io.atomic import check_writable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no sweeping, no resuming
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_NAME", "atomic_directory", "check_output_directory"]

LOCK_NAME = ".hepconditioning.lock"
"""Lock file inside a partial output directory, held by the run that builds it."""


def check_output_directory(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Validate an output directory before any work starts; returns it as a ``Path``.

    Raises:
        FileExistsError: ``path`` exists, is not empty and ``overwrite`` is false.
        NotADirectoryError: ``path`` is an existing file.
        FileNotFoundError: the parent directory does not exist.
        PermissionError: the parent directory is not writable.
        ValueError: ``path`` is the current directory or one of its parents.
    """
    path = Path(path)
    resolved = path.resolve()
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"output path {str(path)!r} is a file; give a directory name")
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise ValueError(
            f"output directory {str(path)!r} is the current directory or contains it; it is "
            "replaced as a whole when the run completes: give a new directory, e.g. --out run1")
    if not resolved.parent.exists():
        raise FileNotFoundError(
            f"parent directory {str(resolved.parent)!r} of the output directory does not "
            f"exist; create it first (mkdir -p {resolved.parent})"
        )
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(
            f"output directory {str(path)!r} exists and is not empty; choose another directory "
            "or pass --overwrite (the old contents are replaced only once the new run is complete)"
        )
    check_writable(resolved.parent)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _partials(parent: Path, name: str) -> list[Path]:
    """Partial directories of output ``name`` in ``parent``, newest first."""
    pattern = re.compile(rf"\.{re.escape(name)}-[A-Za-z0-9_]{{8}}\.partial")
    found = [p for p in parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir()
             and (p / LOCK_NAME).is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _try_lock(directory: Path) -> int | None:
    """An fd holding the lock of ``directory``, or None when a live run holds it (or no lock)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(directory / LOCK_NAME, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _new_partial(parent: Path, name: str) -> tuple[Path, int | None]:
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", suffix=".partial", dir=parent))
    os.chmod(tmp, 0o777 & ~_umask())
    fd = os.open(tmp / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    os.write(fd, f"hepconditioning pid {os.getpid()}\n".encode())
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    return tmp, fd


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], *, overwrite: bool = False, resume: bool = False,
                     log: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Yield a temporary directory next to ``path``; move it onto ``path`` on success.

    Args:
        path: the output directory (checked by :func:`check_output_directory`).
        overwrite: replace an existing, non-empty ``path`` once the new one is complete.
        resume: continue in the newest partial directory a killed run left for ``path``
            (a fresh one when there is none); otherwise such leftovers are removed.
        log: called with one line for each leftover removed or resumed.

    Example:
        >>> with atomic_directory("run-1") as tmp:  # doctest: +SKIP
        ...     (tmp / "table.md").write_text("...")
    """
    path = check_output_directory(path, overwrite=overwrite)
    parent = path.resolve().parent
    name = path.resolve().name
    tmp, fd = None, None
    for leftover in _partials(parent, name):
        held = _try_lock(leftover)
        if held is None:
            continue  # a live run, or not ours
        if resume and tmp is None:
            tmp, fd = leftover, held
            if log is not None:
                log(f"resuming in {leftover}")
            continue
        shutil.rmtree(leftover, ignore_errors=True)
        os.close(held)
        if log is not None:
            log(f"removed {leftover} (left by a killed run)")
    if tmp is None:
        tmp, fd = _new_partial(parent, name)
    try:
        yield tmp
        (tmp / LOCK_NAME).unlink()
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}-", suffix=".old", dir=parent))
            os.replace(path, old / name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if fd is not None:
            os.close(fd)
