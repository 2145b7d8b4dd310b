"""HEPMASS stand-in generator: partons → detector → reconstruction → standardized ``Events``.

The physics of each stage is documented in :mod:`~hepconditioning.datasets.hepmass.partons`,
:mod:`~hepconditioning.datasets.hepmass.detector` and
:mod:`~hepconditioning.datasets.hepmass.reconstruction`; the output reproduces the layout of
the real HEPMASS files (Baldi et al. 2016, arXiv:1601.07913): 27 standardized features
``f0 … f26``, label 1 = signal (X → tt̄ at m_X), 0 = Standard-Model tt̄, and ``mass`` = m_X for
signal and, for background, a value of the signal mass set, each mass point equally populated
in both classes. Any m_X > 2 m_t can be generated, not only the five HEPMASS points.

Exact counts: each (class, mass point) group gets exactly its share of the requested events.
Events are generated with an oversampling factor from the measured selection efficiency
(0.50 at 500 GeV to 0.71 at 1500 GeV, 0.55 for tt̄), normally in a single pass, and the
first accepted ones are kept.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from hepconditioning.datasets.hepmass import detector, partons, reconstruction
from hepconditioning.datasets.hepmass.layout import COLUMNS, HEPMASS_FEATURES, MASSES
from hepconditioning.datasets.hepmass.standardization import standardize
from hepconditioning.events import Events
from hepconditioning.io.atomic import check_output_path
from hepconditioning.io.csv.writer import csv_writer
from hepconditioning.io.root import write_events

__all__ = ["DEFAULT_CHUNK", "check_masses", "generate", "iter_generate", "write_generated"]

DEFAULT_CHUNK = 100_000
_MAX_MASS = 10_000.0
_OVERSAMPLE = 1.08
_BATCH = 50_000  # candidate events simulated at once (bounds the ~11 jet-slot temporaries)


def check_masses(masses: Sequence[float] | float | str) -> tuple[float, ...]:
    """Validate signal masses: finite, 2 m_t < m_X ≤ 10 TeV, no duplicates; returns floats.

    A string is a command-line spec, values separated by commas or spaces: ``"500,750 1000"``.

    Raises:
        ValueError: naming the offending value and the allowed range.
    """
    if isinstance(masses, str):
        masses = masses.replace(",", " ").split()
    values = np.atleast_1d(np.asarray(masses, dtype=object))
    if values.size == 0:
        raise ValueError("masses is empty; give at least one signal mass in GeV, e.g. masses=(500, 1000)")
    out = []
    for value in values:
        try:
            mass = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"signal mass {value!r} is not a number; give masses in GeV, e.g. (500, 750)") from None
        if not (2.0 * partons.TOP_MASS < mass <= _MAX_MASS):
            raise ValueError(
                f"signal mass {value!r} GeV is outside the generator's range "
                f"({2.0 * partons.TOP_MASS:g}, {_MAX_MASS:g}] GeV (X → tt̄ needs m_X > 2 m_t)"
            )
        out.append(mass)
    if len(set(out)) != len(out):
        raise ValueError(f"masses contain duplicates: {out}")
    return tuple(out)


def _check_n(n: int, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"{name} must be a positive integer number of events, got {n!r}")
    return int(n)


def check_request(n: int, masses: Sequence[float] | float | str,
                  signal_fraction: float) -> tuple[int, tuple[float, ...]]:
    """Validated ``(n, masses)`` of a generation request (any backend); clear errors otherwise."""
    n = _check_n(n)
    masses = check_masses(masses)
    if not 0.0 <= signal_fraction <= 1.0:
        raise ValueError(f"signal_fraction must be in [0, 1], got {signal_fraction!r}")
    return n, masses


def group_counts(n: int, n_masses: int, signal_fraction: float) -> list[int]:
    """Events per group: M signal counts (one per mass) then M background counts.

    Each class is split equally among the masses, the remainder going to the first ones, so
    background carries the signal's mass values in the same proportions.
    """
    n_sig = round(n * signal_fraction)
    counts = []
    for total in (n_sig, n - n_sig):
        base, extra = divmod(total, n_masses)
        counts += [base + (i < extra) for i in range(n_masses)]
    return counts


def _targets(n: int, n_masses: int, signal_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Shuffled group ids ``(n,)``: g < M signal at mass g, g ≥ M background with mass g − M."""
    return rng.permutation(np.repeat(np.arange(2 * n_masses), group_counts(n, n_masses, signal_fraction)))


def _simulate(m_tt: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
              isr: bool) -> reconstruction.Reconstructed:
    parts = partons.hard_process(m_tt, labels, rng=rng, isr=isr)
    return reconstruction.reconstruct(detector.simulate(parts, rng=rng))


def _generate_group(count: int, m_x: float | None, rng: np.random.Generator,
                    isr: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``count`` selected events of one class: raw features, true m_tt̄, correct, real ν."""
    parts: list[tuple[np.ndarray, ...]] = []
    have, efficiency = 0, 0.5
    while have < count:
        n_try = min(_BATCH, math.ceil((count - have) / efficiency * _OVERSAMPLE) + 16)
        if m_x is None:
            m_tt, labels = partons.background_mtt(n_try, rng=rng), np.zeros(n_try)
        else:
            m_tt, labels = partons.signal_mtt(np.full(n_try, m_x), rng=rng), np.ones(n_try)
        rec = _simulate(m_tt, labels, rng, isr)
        efficiency = max(float(rec.selected.mean()), 0.05)
        keep = slice(0, count - have)
        parts.append((rec.features[keep], m_tt[rec.selected][keep], rec.correct[keep],
                      rec.real_neutrino[keep]))
        have += len(parts[-1][0])
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def _chunk_events(targets: np.ndarray, masses: tuple[float, ...], rng: np.random.Generator,
                  isr: bool, truth: bool) -> Events:
    n_masses = len(masses)
    n = targets.shape[0]
    raw = np.empty((n, 27))
    m_tt = np.empty(n)
    correct = np.empty(n, dtype=bool)
    real = np.empty(n, dtype=bool)
    groups = [(np.flatnonzero(targets == g), masses[g]) for g in range(n_masses)]
    groups.append((np.flatnonzero(targets >= n_masses), None))
    for where, m_x in groups:
        if where.size:
            raw[where], m_tt[where], correct[where], real[where] = _generate_group(where.size, m_x, rng, isr)
    labels = (targets < n_masses).astype(np.float32)
    mass = np.asarray(masses, dtype=np.float32)[targets % n_masses]
    columns = {"m_tt": m_tt, "assignment_correct": correct.astype(np.int8),
               "real_neutrino": real.astype(np.int8)} if truth else None
    return Events(standardize(raw), mass, labels, feature_names=HEPMASS_FEATURES, columns=columns)


def iter_generate(
    n: int,
    *,
    chunk: int = DEFAULT_CHUNK,
    masses: Sequence[float] = MASSES,
    seed: int = 0,
    isr: bool = False,
    signal_fraction: float = 0.5,
    truth: bool = False,
) -> Iterator[Events]:
    """Generate ``n`` HEPMASS-like events in chunks of ``chunk`` (see :func:`generate`).

    The concatenated chunks are exactly ``generate(n, chunk=chunk, ...)``; memory stays
    bounded by the chunk size, so files of any size can be streamed out.
    """
    n, masses = check_request(n, masses, signal_fraction)
    chunk = _check_n(chunk, "chunk")
    n_chunks = math.ceil(n / chunk)
    first, *children = np.random.SeedSequence(seed).spawn(n_chunks + 1)
    targets = _targets(n, len(masses), signal_fraction, np.random.default_rng(first))
    for i, child in enumerate(children):
        yield _chunk_events(targets[i * chunk:(i + 1) * chunk], masses, np.random.default_rng(child),
                            isr, truth)


def generate(
    n: int,
    *,
    masses: Sequence[float] = MASSES,
    seed: int = 0,
    isr: bool = False,
    signal_fraction: float = 0.5,
    truth: bool = False,
    chunk: int = DEFAULT_CHUNK,
) -> Events:
    """Generate ``n`` selected HEPMASS-like events (X → tt̄ signal and SM tt̄ background).

    Args:
        n: number of events after selection (exact).
        masses: signal masses m_X in GeV (any values in (345, 10000]); default the five
            HEPMASS points 500 … 1500. Signal is split equally among them, and background
            gets the same mass values in the same proportions.
        seed: seed of the ``numpy.random.SeedSequence`` driving everything; same seed, same events.
        isr: add initial-state-radiation jets (off for the calibrated default: ISR jets in the
            leading four cost up to 6 AUC points at 500 GeV, PHYSICS.md §3).
        signal_fraction: fraction of signal events (0.5 as in HEPMASS).
        truth: add columns ``m_tt`` (true tt̄ mass, GeV), ``assignment_correct`` and
            ``real_neutrino`` (int8 flags) for physics checks (CSV files cannot hold them).
        chunk: events generated per independent chunk (memory ~5 kB per event at once).

    Returns:
        ``Events`` with ``x (n, 27)`` standardized features ``f0 … f26`` (see
        :data:`~hepconditioning.datasets.hepmass.reconstruction.FEATURE_MEANINGS`;
        :func:`~hepconditioning.datasets.hepmass.standardization.unstandardize` gives GeV
        back), ``mass (n,)`` GeV, ``labels (n,)``, ``process`` 0 (one background, tt̄).

    Example:
        >>> ev = generate(1000, seed=1)
        >>> ev.x.shape, ev.mass_points.tolist()
        ((1000, 27), [500.0, 750.0, 1000.0, 1250.0, 1500.0])
    """
    return Events.concat(list(iter_generate(n, chunk=chunk, masses=masses, seed=seed, isr=isr,
                                            signal_fraction=signal_fraction, truth=truth)))


def _rounded(events: Events, decimals: int | None) -> Events:
    return events if decimals is None else events.replace(x=np.round(events.x, decimals))


def write_generated(
    path: str | os.PathLike[str],
    n: int,
    *,
    masses: Sequence[float] = MASSES,
    seed: int = 0,
    isr: bool = False,
    signal_fraction: float = 0.5,
    chunk: int = DEFAULT_CHUNK,
    decimals: int | None = 4,
    progress: bool = True,
    compresslevel: int = 6,
) -> Path:
    """Generate ``n`` events (:func:`generate`) and write them, streaming chunk by chunk.

    ``.csv`` / ``.csv.gz``: the real HEPMASS layout, ``# label, f0, …, f26, mass``, read back by
    :func:`hepconditioning.io.read_csv` as the same events (features rounded to ``decimals``);
    ``.root``: a TTree via :func:`hepconditioning.io.write_events` (the events are gathered in
    memory first, ~120 bytes each). The file appears only when complete (atomic rename).

    Args:
        path: output file; its directory must exist.
        n, masses, seed, isr, signal_fraction, chunk: as in :func:`generate`.
        decimals: round the standardized features to this many decimals (4 ≈ the real files'
            precision; makes gzip ~2x smaller); ``None`` keeps float32 exactly.
        progress: show a tqdm progress bar (events written).
        compresslevel: gzip level for ``.gz``.

    Returns:
        the path written.
    """
    n = _check_n(n)
    check_masses(masses)
    path = check_output_path(path)
    name = path.name.lower()
    if not name.endswith((".csv", ".csv.gz", ".root")):
        raise ValueError(f"output {str(path)!r} must end in .csv, .csv.gz or .root")
    if decimals is not None and not (isinstance(decimals, int) and 0 <= decimals <= 9):
        raise ValueError(f"decimals must be an integer in [0, 9] or None, got {decimals!r}")
    chunks = iter_generate(n, chunk=chunk, masses=masses, seed=seed, isr=isr, signal_fraction=signal_fraction)
    with tqdm(total=n, unit="ev", disable=not progress, desc=f"generating {path.name}") as bar:
        if name.endswith(".root"):
            parts = []
            for events in chunks:
                parts.append(_rounded(events, decimals))
                bar.update(len(events))
            return write_events(path, Events.concat(parts))
        with csv_writer(path, COLUMNS, header="hepmass", compresslevel=compresslevel) as write:
            for events in chunks:
                events = _rounded(events, decimals)
                write({"label": events.labels.astype(np.int8), "mass": events.mass,
                       **{f: events.x[:, i] for i, f in enumerate(HEPMASS_FEATURES)}})
                bar.update(len(events))
    return path
