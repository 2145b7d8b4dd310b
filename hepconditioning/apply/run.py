"""Apply a saved model to many ROOT files: friend trees of scores and merged histograms.

:func:`apply_files` splits the work by file and entry range (``step`` entries per task), scores
every selected entry at each mass hypothesis, and writes into ``out``:

- ``<input stem>_scores.root`` per input: a friend TTree with the input tree's name, the same
  number and order of entries, one float32 branch ``score_<m>`` per hypothesis (``score_500``,
  ``score_612p5``) and a bool ``selected``; unselected entries hold :data:`SENTINEL` (−1, never
  a probability). In ROOT: ``events->AddFriend("Events", "out/ttbar_scores.root")``.
- ``histograms.root``: per hypothesis a TH1D ``score_<m>`` (with sumw2) of the selected
  entries' scores, weighted by the spec's weight, summed over all files, and the same per
  input ``<input stem>/score_<m>`` (one file per process: the per-process histograms).

Every file is written atomically. A missing or damaged input is reported by name in
:attr:`ApplyResult.failed`; the other files still complete. With ``workers=N`` the tasks run
on a ``dask.distributed.LocalCluster`` (one process per worker), with ``scheduler=ADDRESS`` on
an existing cluster (e.g. started by dask-jobqueue on HTCondor or Slurm); results are combined
in task order and every task scores with one torch thread, serial or not, so outputs equal the
serial run's in every bit (``--workers N`` is the way to use N cores).
"""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from hepconditioning.apply.cluster import run_on_dask
from hepconditioning.apply.spec import ApplySpec, evaluate_features
from hepconditioning.apply.state import check_input_state, measured_state
from hepconditioning.contract import Condition
from hepconditioning.errors import CorruptFileError, MissingColumnError
from hepconditioning.export.onnx import OnnxScorer
from hepconditioning.io.atomic import check_input_paths, check_writable
from hepconditioning.io.root import write_root
from hepconditioning.io.root.entries import read_arrays
from hepconditioning.io.root.reader import find_tree, open_root
from hepconditioning.training import load_model

__all__ = ["SENTINEL", "ApplyResult", "apply_files", "hypothesis_branch", "score_chunk"]

SENTINEL = -1.0
"""Score of an entry that is not selected (fails the cut or the object selection)."""

BACKENDS = ("torch", "onnx")
OUTPUT_NAMES = ("histograms.root", "histograms.png")
"""What a run writes into the output directory beside the friend trees (the figure: the CLI)."""


class ApplyResult(NamedTuple):
    """What :func:`apply_files` wrote: ``outputs`` (input → friend file), the merged
    ``histograms`` file (``None`` when every input failed), ``failed`` (input → one-line
    reason), and the numbers of ``entries`` and ``selected`` entries read."""

    outputs: dict[str, Path]
    histograms: Path | None
    failed: dict[str, str]
    entries: int
    selected: int


class Chunk(NamedTuple):
    """Scores of one entry range: ``scores (n, K)`` float32, ``selected (n,)``, and the
    histogram sums ``sumw``/``sumw2`` ``(K, bins)`` of the selected entries."""

    scores: np.ndarray
    selected: np.ndarray
    sumw: np.ndarray
    sumw2: np.ndarray


def hypothesis_branch(mass: float) -> str:
    """Branch/histogram name of one hypothesis: ``score_500``, ``score_612p5``, ``score_m1``."""
    return "score_" + f"{float(mass):g}".replace(".", "p").replace("-", "m")


@functools.lru_cache(maxsize=4)
def _scorer(model_path: str, mtime: float, backend: str) -> Any:
    if backend == "onnx":
        return OnnxScorer(model_path)

    return load_model(model_path)


def score_chunk(model_path: str, path: str, spec: ApplySpec, start: int, stop: int, masses: Sequence[float], *,
                backend: str = "torch", bins: int = 50, threads: int = 1) -> Chunk:
    """Score entries ``[start, stop)`` of ``path`` at every mass (one task; runs on dask workers).

    The network runs on ``threads`` torch threads (the caller's setting is restored after): one
    by default, serial and on dask alike, since the thread count changes how the matrix products
    round in float32 and the outputs are to be identical bit for bit.
    """
    scorer = _scorer(model_path, os.path.getmtime(model_path), backend)
    expressions = spec.expressions()
    with open_root(Path(path)) as file:  # damaged files raise CorruptFileError, naming the file
        arrays = _read(find_tree(file, spec.tree, Path(path)), expressions, start, stop, path)
    x, selected = evaluate_features(spec, arrays)
    trained = getattr(getattr(scorer, "trained_on", None), "inputs", None)
    scale = _input_scale(scorer, x.shape[1])
    check_input_state(trained, measured_state(x[selected], scale), model=repr(model_path),
                      how=f"entries {start}–{stop} of {path!r} (measured: means and widths of the features)")
    n, k = len(selected), len(masses)
    weight = np.ones(n) if not spec.weight else _weights(arrays["_hc_weight"], spec.weight, selected,
                                                         where=f"entries {start}–{stop} of {path!r}")
    scores = np.full((n, k), SENTINEL, dtype=np.float32)
    if selected.any():
        with warnings.catch_warnings(), _torch_threads(threads):
            warnings.simplefilter("ignore")  # extrapolation is flagged once, by apply_files
            scores[selected] = scorer.predict(x[selected], hypotheses=list(masses))
    edges = np.linspace(0.0, 1.0, bins + 1)
    w = weight[selected]
    sumw = np.stack([np.histogram(scores[selected, j], edges, weights=w)[0] for j in range(k)])
    sumw2 = np.stack([np.histogram(scores[selected, j], edges, weights=w * w)[0] for j in range(k)])
    return Chunk(scores, selected, sumw, sumw2)


def _read(tree: Any, expressions: dict[str, str], start: int, stop: int, path: str) -> Any:
    import uproot

    try:
        return read_arrays(tree, expressions, entry_start=start, entry_stop=stop)
    except uproot.KeyInFileError as err:  # a branch of a feature, the cut or the weight
        raise MissingColumnError(str(err.key), list(tree.keys()), where=f"tree {_tree_name(tree)!r} of {path!r} "
                                 "(a branch of the spec's features, cut or weight)") from err
    except OSError as err:  # a truncated or damaged basket (the header read fine)
        raise CorruptFileError(f"{path!r} is truncated or damaged: entries {start}–{stop} of tree "
                               f"{_tree_name(tree)!r} cannot be read ({' '.join(str(err).split())})") from err


def _tree_name(tree: Any) -> str:
    return str(getattr(tree, "name", "?"))


def _weights(values: Any, expression: str, selected: np.ndarray, *, where: str) -> np.ndarray:
    """The per-entry weights, one finite number per selected entry (else the file fails)."""
    if getattr(values, "ndim", 1) != 1:
        raise ValueError(f"weight {expression!r} gives a list per entry in {where}; give one number per entry")
    weight = np.asarray(values, dtype=np.float64)
    bad = selected & ~np.isfinite(weight)
    if bad.any():
        raise ValueError(f"weight {expression!r} is NaN or ±inf at {int(bad.sum())} of the {int(selected.sum())} "
                             f"selected entries in {where}; fix them or leave them out with the spec's cut")
    return weight


def _input_scale(scorer: Any, n_features: int) -> np.ndarray:
    """The model's standardization widths (ones when it holds none)."""
    standardizer = getattr(scorer, "standardizer", None)
    if standardizer is not None and hasattr(standardizer, "standardizer"):
        return standardizer.standardizer().scale
    return np.ones(n_features)


@contextlib.contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _entries(path: Path, spec: ApplySpec) -> int:
    with open_root(path) as file:
        return int(find_tree(file, spec.tree, path).num_entries)


def _message(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) < 400 else text[:397] + "..."


def _output_names(paths: Sequence[Path]) -> list[str]:
    names: list[str] = []
    for path in paths:
        stem = path.name[:-5] if path.name.endswith(".root") else path.stem
        name = f"{stem}_scores.root"
        i = 1
        while name in names:
            i += 1
            name = f"{stem}_{i}_scores.root"
        names.append(name)
    return names


def _run(tasks: list[tuple[int, int, int]], paths: list[Path], call: dict[str, Any], *, workers: int | None,
         scheduler: str | None, progress: bool) -> list[Chunk | BaseException]:
    from tqdm.auto import tqdm

    score = functools.partial(score_chunk, backend=call["backend"], bins=call["bins"], threads=1)
    arguments = [(call["model"], str(paths[i]), call["spec"], start, stop, call["masses"]) for i, start, stop in tasks]
    bar = tqdm(total=len(tasks), desc="apply", unit="chunk", disable=not progress)
    results: list[Chunk | BaseException] = []
    try:
        if workers is None and scheduler is None:
            for task in arguments:
                try:
                    results.append(score(*task))
                except Exception as err:  # reported per file by the caller
                    results.append(err)
                bar.update()
            return results
        return run_on_dask(score, arguments, workers=workers, scheduler=scheduler, bar=bar)
    finally:
        bar.close()


def apply_files(model: str | os.PathLike[str], files: Sequence[str | os.PathLike[str]], *, spec: ApplySpec,
                masses: Sequence[float], out: str | os.PathLike[str], workers: int | None = None,
                scheduler: str | None = None, backend: str = "torch", bins: int = 50, step: int = 100_000,
                progress: bool = True) -> ApplyResult:
    """Score ``files`` with the model file ``model`` at each of ``masses`` (see the module docstring).

    Args:
        model: a model file written by ``save_model`` (the workers load it themselves).
        files: input ROOT files.
        spec: what to read (:class:`~hepconditioning.apply.ApplySpec`, :func:`load_spec`).
        masses: the condition values to score (GeV for HEPMASS), K ≥ 1.
        out: output directory (created if missing; existing outputs are replaced atomically).
        workers: run on a local dask cluster with this many single-threaded worker processes.
        scheduler: address of a running dask scheduler (``tcp://host:8786``) instead.
        backend: ``"torch"`` (the model) or ``"onnx"`` (ONNX Runtime on its export).
        bins: score histogram bins on [0, 1].
        step: entries per task.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if workers is not None and scheduler is not None:
        raise ValueError("give workers=N (a local cluster) or scheduler=ADDRESS (an existing one), not both")
    for name, value in (("workers", workers), ("step", step), ("bins", bins)):
        if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers is not None and workers > 4 * cores:
        raise ValueError(f"workers={workers} processes on the {cores} CPU cores of this machine would only slow "
                         "the run down; give at most the number of cores, or scheduler=ADDRESS (--scheduler) "
                         "for a cluster of several machines")
    values = [float(m) for m in np.atleast_1d(np.asarray(masses, dtype=np.float64))]
    if not values or len(set(values)) != len(values):
        raise ValueError(f"masses must be distinct values, got {list(masses)}")
    if not isinstance(spec, ApplySpec):
        raise TypeError(f"spec must be an ApplySpec (see load_spec), got {type(spec).__name__}")
    model_path = Path(model)
    loaded = load_model(model_path)  # a damaged model fails here, before any work
    names = spec.feature_names
    if loaded.trained_on is not None and names is not None and loaded.trained_on.feature_names != names:
        raise ValueError(f"the spec builds features {list(names)[:6]}... but the model was trained on "
                         f"{list(loaded.trained_on.feature_names)[:6]}...; give the features in the model's order")
    if loaded.trained_on is not None:
        check_input_state(loaded.trained_on.inputs, spec.state, model=repr(str(model_path)), how="the spec")
    getattr(loaded, "condition", Condition()).check(values)  # NaN, a negative mass: refused
    loaded.predict(np.zeros((0, loaded.n_features)), hypotheses=values)  # ExtrapolationWarning, once
    paths = [Path(f) for f in files]
    if not paths:
        raise ValueError("no input files given")
    out = Path(out)
    _check_paths(paths, out)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise type(err)(f"cannot create the output directory {str(out)!r}: {err.strerror or err}") from err
    check_writable(out)
    written: list[Path] = []
    try:
        result = _score_and_write(model_path, paths, spec, values, out, written, workers=workers,
                                  scheduler=scheduler, backend=backend, bins=bins, step=step, progress=progress)
    except BaseException:  # an error, Ctrl-C, SIGTERM: what this run wrote goes, and out if it made it
        _remove(written, out if created else None)
        raise
    if not result.outputs and created:
        _remove([], out)
    return result


def _check_paths(paths: list[Path], out: Path) -> None:
    """No input twice (its events would count twice in the histograms), none where an output goes,
    and ``out`` a directory."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"output {str(out)!r} is a file; give a directory (it is created if missing)")
    seen: dict[Path, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            also = "" if str(seen[key]) == str(path) else f" (also as {str(seen[key])!r})"
            raise ValueError(f"input {str(path)!r} is given twice{also}; give each file once, or its events "
                             "count twice in histograms.root")
        seen[key] = path
    reserved = {(out / name).resolve() for name in [*_output_names(paths), *OUTPUT_NAMES]}
    for path in paths:
        if path.resolve() in reserved:
            raise ValueError(f"input {str(path)!r} would be overwritten by an output of the run; give another "
                             "output directory (--out)")


def _remove(paths: list[Path], directory: Path | None) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    if directory is not None:
        with contextlib.suppress(OSError):  # not empty: someone else wrote there meanwhile
            directory.rmdir()


def _score_and_write(model_path: Path, paths: list[Path], spec: ApplySpec, values: list[float], out: Path,
                     written: list[Path], *, workers: int | None, scheduler: str | None, backend: str, bins: int,
                     step: int, progress: bool) -> ApplyResult:
    """Score every input and write the outputs into ``out``; ``written`` collects the files written."""
    failed: dict[str, str] = {}
    tasks: list[tuple[int, int, int]] = []
    for i, path in enumerate(paths):
        try:
            check_input_paths(path, kind="ROOT")
            n = _entries(path, spec)
        except Exception as err:  # missing, damaged, no such tree: reported, others go on
            failed[str(path)] = _message(err)
            continue
        tasks += [(i, start, min(start + step, n)) for start in range(0, n, step)] or [(i, 0, 0)]
    call = {"model": str(model_path.resolve()), "spec": spec, "masses": values, "backend": backend, "bins": bins}
    workers = workers if workers is None else min(workers, max(len(tasks), 1))  # no idle processes
    results = _run(tasks, paths, call, workers=workers, scheduler=scheduler, progress=progress)
    by_file: dict[int, list[Chunk]] = {}
    for (i, _, _), result in zip(tasks, results, strict=True):
        if str(paths[i]) in failed:
            continue
        if isinstance(result, BaseException):
            failed[str(paths[i])] = _message(result)
            by_file.pop(i, None)
            continue
        by_file.setdefault(i, []).append(result)
    outputs: dict[str, Path] = {}
    sumw = np.zeros((len(values), bins))
    sumw2 = np.zeros((len(values), bins))
    entries = selected = 0
    per_input: dict[str, Any] = {}
    for i, name in zip(range(len(paths)), _output_names(paths), strict=True):
        if i not in by_file:
            continue
        chunks = by_file[i]
        scores = np.concatenate([c.scores for c in chunks])
        mask = np.concatenate([c.selected for c in chunks])
        branches = {hypothesis_branch(m): scores[:, j] for j, m in enumerate(values)}
        outputs[str(paths[i])] = write_root(out / name, trees={spec.tree: {**branches, "selected": mask}})
        written.append(outputs[str(paths[i])])
        own_w, own_w2 = sum(c.sumw for c in chunks), sum(c.sumw2 for c in chunks)
        sumw += own_w
        sumw2 += own_w2
        stem = name[: -len("_scores.root")]
        per_input.update({f"{stem}/{hypothesis_branch(m)}": _histogram(own_w[j], own_w2[j], m, spec)
                          for j, m in enumerate(values)})
        entries += len(mask)
        selected += int(mask.sum())
    histograms = None
    if outputs:
        histograms = write_root(out / "histograms.root", histograms={
            **{hypothesis_branch(m): _histogram(sumw[j], sumw2[j], m, spec) for j, m in enumerate(values)},
            **per_input})
        written.append(histograms)
    return ApplyResult(outputs, histograms, failed, entries, selected)


def _histogram(sumw: np.ndarray, sumw2: np.ndarray, mass: float, spec: ApplySpec) -> Any:
    import hist

    h = hist.Hist(hist.axis.Regular(len(sumw), 0.0, 1.0, name="score", label=f"score at {mass:g}"),
                  storage=hist.storage.Weight())
    view = h.view()
    view.value = sumw
    view.variance = sumw2
    return h
