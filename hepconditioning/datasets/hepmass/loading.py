"""``load_hepmass``: train / validation / test ``Events`` from a file, a generated or the bundled sample.

The splits follow Anzalone et al. 2022 (arXiv:2202.00424): models train on the HEPMASS
training file (or HEPMASS-IMB built from it), validate on a stratified 25 % split of that
same (possibly imbalanced) data, and are tested on the untouched test file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hepconditioning.datasets.hepmass.generator import generate
from hepconditioning.datasets.hepmass.imbalanced import make_imbalanced
from hepconditioning.datasets.hepmass.layout import CSV_LAYOUT, MASSES
from hepconditioning.events import Events
from hepconditioning.io.bundled import bundled_path
from hepconditioning.io.csv import read_csv
from hepconditioning.io.root import read_events

__all__ = ["SAMPLE", "SPLITS", "load_hepmass"]

SAMPLE = "hepmass_sample.csv.gz"
"""The bundled HEPMASS-like sample (data card ``data/hepmass_sample.md``):
``hepconditioning.io.bundled_path(SAMPLE)``; ``load_hepmass("bundled")`` reads it."""
SPLITS = ("train", "validation", "test", None)
_BUNDLED_TEST_FRACTION = 0.25


def _seeds(seed: int) -> tuple[int, int, int]:
    children = np.random.SeedSequence(seed).spawn(3)
    return tuple(int(c.generate_state(1)[0]) for c in children)  # type: ignore[return-value]


def _read(path: Path, masses: Sequence[float] | None) -> Events:
    if not path.exists():
        raise FileNotFoundError(f"HEPMASS file {str(path)!r} does not exist; give a HEPMASS(-IMB) CSV "
                                "or a ROOT file written by write_events, or source='generated'")
    if path.suffix == ".root":
        return read_events(path)
    return _read_csv(path, masses)


def _read_csv(path: Path, masses: Sequence[float] | None) -> Events:
    """``read_csv``; ``masses=None``: its ``"auto"`` rule (values within 1 GeV of a HEPMASS point,
    499.999 in the UCI files, are set to it; other values only where signal rows hold them)."""
    return read_csv(path, layout=CSV_LAYOUT, mass_points="auto" if masses is None else masses)


def load_hepmass(
    source: str | os.PathLike[str] | Events,
    *,
    split: str | None = "train",
    imbalanced: bool = False,
    validation_fraction: float = 0.25,
    test_fraction: float | None = None,
    seed: int = 0,
    n_events: int = 100_000,
    masses: Sequence[float] | None = None,
    isr: bool = False,
) -> Events:
    """Load one split of HEPMASS (Baldi et al. 2016, arXiv:1601.07913) as ``Events``.

    Physics: signal X → tt̄ → (W → ℓν b)(W → qq̄' b) at m_X (``mass``, GeV), background SM tt̄
    with a ``mass`` drawn from the signal mass set; 27 standardized features ``f0 … f26``
    (lepton, MET, number of jets, four jets with b-tags, m_jj, m_jjj, m_ℓν, m_jℓν, m_WWbb).

    Args:
        source: where the events come from:
            a path to a HEPMASS(-IMB) CSV (``.csv``/``.csv.gz``) or a ROOT file written by
            :func:`hepconditioning.io.write_events`; an ``Events``; ``"generated"`` (a fresh
            stand-in: ``n_events`` training and ``n_events // 2`` independent test events,
            the 2:1 ratio of the real files); or ``"bundled"`` (``data/hepmass_sample.csv.gz``).
        split: ``"train"``, ``"validation"``, ``"test"`` or ``None`` (train + validation).
        imbalanced: build HEPMASS-IMB (:func:`make_imbalanced`, counts scaled to the input)
            from the training part before the validation split; the test part is untouched.
        validation_fraction: stratified fraction of the training part used for validation.
        test_fraction: split this fraction off the source (stratified) as the test set; by
            default a file or ``Events`` is the training file and ``split="test"`` returns it
            whole (pass the test file as ``source``), while ``"bundled"`` uses 0.25.
        seed: seed of the generated events, the IMB subset and the splits.
        n_events: size of the generated training sample (``"generated"`` only).
        masses: signal masses in GeV: generated for ``"generated"`` (default: the five HEPMASS
            points), the known mass points a CSV's ``mass`` column is snapped to otherwise
            (default: ``read_csv``'s ``"auto"`` rule, the HEPMASS points and the signal rows'
            own values off that grid).
        isr: generate with initial-state-radiation jets (``"generated"`` only).

    Returns:
        ``Events`` of the requested split.

    Example:
        >>> train = load_hepmass("generated", n_events=2000, split="train")
        >>> len(train)
        1500
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction!r}")
    if test_fraction is not None and not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1) or None, got {test_fraction!r}")
    seed_data, seed_test, seed_train = _seeds(seed)
    generated = MASSES if masses is None else masses

    if isinstance(source, Events):
        events = source
    elif isinstance(source, str) and source == "generated":
        if split == "test":
            return generate(max(n_events // 2, 1), masses=generated, seed=seed_test, isr=isr)
        events = generate(n_events, masses=generated, seed=seed_data, isr=isr)
        test_fraction = None
    elif isinstance(source, str) and source == "bundled":
        sample = bundled_path(SAMPLE, hint="it lives in the source tree's data/; use source='generated' instead")
        events = _read_csv(sample, masses)
        test_fraction = _BUNDLED_TEST_FRACTION if test_fraction is None else test_fraction
    elif isinstance(source, (str, os.PathLike)):
        events = _read(Path(source), masses)
    else:
        raise TypeError(f"source must be a path, an Events, 'generated' or 'bundled'; got {type(source).__name__}")

    if test_fraction is not None:
        events, test = events.split(test_fraction, seed=seed_test)
        if split == "test":
            return test
    elif split == "test":
        return events
    if imbalanced:
        events = make_imbalanced(events, seed=seed_train)
    if split is None:
        return events
    train, validation = events.split(validation_fraction, seed=seed_train)
    return train if split == "train" else validation
