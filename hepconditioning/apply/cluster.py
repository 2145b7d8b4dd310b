"""Tasks on a dask.distributed cluster: :func:`run_on_dask` calls a task function on each task's
arguments (:func:`hepconditioning.apply.apply_files` passes its chunk scorer).

``workers=N`` starts a ``LocalCluster`` of N single-threaded worker processes (torch set to one
thread in each task); ``scheduler=ADDRESS`` attaches to a running scheduler, e.g. one started
by ``dask-jobqueue`` (``HTCondorCluster``, ``SLURMCluster``) whose workers can import
hepconditioning and read the input files and the model file at the same paths. Results come
back in task order whatever the completion order, so outputs equal the serial run's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hepconditioning.errors import MissingDependencyError

__all__ = ["run_on_dask"]


def run_on_dask(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, workers: int | None,
                scheduler: str | None, bar: Any) -> list[Any]:
    """``fn(*task)`` for every task on dask workers, results in task order; an exception is returned
    in place of its task's result (reported by the caller). ``fn`` and the arguments must pickle
    (a module-level function or a ``functools.partial`` of one); ``bar.update()`` after each task."""
    try:
        import distributed  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError("distributed", "dask", purpose="apply --workers/--scheduler") from err
    with _quiet_logs():
        return _run(fn, tasks, workers=workers, scheduler=scheduler, bar=bar)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """dask's own log lines off (a failed task is reported per file through its future): after
    SIGTERM or Ctrl-C a closing comm must not print a ``CommClosedError`` traceback."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", "asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _run(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, workers: int | None,
         scheduler: str | None, bar: Any) -> list[Any]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:  # the workers log nothing either (silence_logs: above CRITICAL)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.CRITICAL + 1)
        client = Client(cluster)
    else:
        client = Client(scheduler, timeout="30s")
    try:
        futures = [client.submit(fn, *task, pure=False) for task in tasks]
        for _ in as_completed(futures):
            bar.update()
        results: list[Any] = []
        for future in futures:
            error = future.exception()
            results.append(error if error is not None else future.result())
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
