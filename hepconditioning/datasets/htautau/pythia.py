"""Optional Pythia 8 backend: gg → H → τ⁺τ⁻ → ρ⁺ν̄ ρ⁻ν with the same spin weights.

Pythia decays the τ's unpolarized and uncorrelated (``TauDecays:mode = 3``,
``TauDecays:tauPolarization = 0``) through ν π± π⁰ only (its ρ-dominated hadronic current),
with π⁰ kept stable; the Higgs pT comes from the initial-state shower. QED radiation off the
τ's is switched off so that the six decay products add up to the Higgs four-momentum, the
frame in which the weights are defined. The spin weights are then computed from the decay
products exactly as for the numpy generator
(:func:`~hepconditioning.physics.tau.polarimetric_vectors`), the TauSpinner approach of
Józefowicz et al. 2016 (arXiv:1608.02609; PHYSICS.md section 6).

Needs the ``pythia`` extra: ``pip install 'hepconditioning[pythia]'`` (module ``pythia8mc``).
Pythia's interface is per event, so generation loops over events in Python, reading only the
six trailing decay products of each record: ≈ 450 events/s (one core of a shared 2-core
machine, ``benchmarks/htautau_pythia.py``), against ≈ 150k/s for the numpy generator. Pythia's
default initial-state (power) shower gives ⟨pT_H⟩ ≈ 53 GeV, harder than the numpy default
(20 GeV), which lowers the with-cuts oracle AUC at α = π/2 from 0.788 to ≈ 0.785.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hepconditioning.datasets.htautau.dataset import make_events
from hepconditioning.datasets.htautau.generator import passes_selection
from hepconditioning.errors import MissingDependencyError
from hepconditioning.events import Events

__all__ = ["PYTHIA_SETTINGS", "generate_pythia"]

PYTHIA_SETTINGS = (
    "Beams:eCM = 13000.",
    "HiggsSM:gg2H = on",
    "25:m0 = 125.0",
    "25:onMode = off",
    "25:onIfMatch = 15 -15",
    "15:m0 = 1.77686",
    "15:onMode = off",
    "15:onIfMatch = 16 -211 111",
    "111:mayDecay = off",
    "TauDecays:mode = 3",
    "TauDecays:tauPolarization = 0",
    "TimeShower:QEDshowerByL = off",
    "PartonLevel:MPI = off",
    "HadronLevel:Hadronize = off",
    "Next:numberCount = 0",
)
"""Default Pythia settings: 13 TeV ggF, H → ττ, τ → ν π± π⁰ unpolarized and uncorrelated,
π⁰ stable, no photon radiation off the τ's, no MPI or hadronization (the τ's decay anyway)."""

_MAX_SEED = 900_000_000  # Pythia's Random:seed range
# (mother id, particle id) → position in [ν, π⁻, π⁰, ν̄, π⁺, π⁰]
_SLOTS = {(15, 16): 0, (15, -211): 1, (15, 111): 2, (-15, -16): 3, (-15, 211): 4, (-15, 111): 5}


def _import_pythia() -> Any:
    try:
        import pythia8mc
    except ImportError as exc:
        raise MissingDependencyError("pythia8mc", "pythia", purpose="the Pythia H→ττ backend") from exc
    return pythia8mc


def _decay_products(event: Any, out: np.ndarray) -> bool:
    """Fill ``out (6, 4)`` with the τ decay products [ν, π⁻, π⁰, ν̄, π⁺, π⁰] of one event record.

    With hadronization off the τ decays are the last thing Pythia appends, so the products are
    the trailing status-91 particles; returns False unless they are exactly the six expected.
    """
    found = 0
    i = event.size() - 1
    while i > 0 and event[i].status() == 91:
        particle = event[i]
        slot = _SLOTS.get((event[particle.mother1()].id(), particle.id()))
        if slot is None or found >> slot & 1:
            return False
        found |= 1 << slot
        out[slot] = particle.px(), particle.py(), particle.pz(), particle.e()
        i -= 1
    return found == 0b111111


def generate_pythia(
    n: int,
    *,
    alpha_b: float = np.pi / 2,
    selection: bool = True,
    seed: int = 1,
    settings: Sequence[str] = PYTHIA_SETTINGS,
    neutrinos: bool = False,
    derived: bool = False,
    max_tries: int | None = None,
) -> Events:
    """``n`` Pythia 8 H → ττ → ρνρν̄ events as :class:`Events` (same layout as ``generate``).

    Particles ``(n, 6, 4)`` [ν, π⁻, π⁰, ν̄, π⁺, π⁰] lab frame (px, py, pz, E) in GeV, in the
    ``particles`` column; ``w_a = W(0)``, ``w_b = W(alpha_b)`` and the polarimetric vectors
    computed from them by :func:`~hepconditioning.datasets.htautau.make_events`.

    Args:
        n: events returned (after the selection if ``selection``).
        alpha_b: mixing angle of hypothesis B (rad; π/2 pseudoscalar).
        selection: ρ pT ≥ 20 GeV, π pT ≥ 1 GeV (≈ 50 % of events pass).
        seed: Pythia random seed, 0 … 900 000 000 (0: seed from the clock, not reproducible).
        settings: Pythia ``readString`` settings (default :data:`PYTHIA_SETTINGS`); the τ
            decays must stay ν π± π⁰ with π⁰ stable and no hadronization.
        neutrinos, derived: feature choice as in ``generate``.
        max_tries: stop after this many Pythia events (default 10 n + 1000).

    Raises:
        MissingDependencyError: ``pythia8mc`` is not installed.
        ValueError: bad ``n`` or ``seed``, or a setting Pythia rejects.
        RuntimeError: Pythia fails to initialize or too few events pass.

    Example:
        >>> ev = generate_pythia(100, seed=5)  # doctest: +SKIP
        >>> ev.columns["particles"].shape  # doctest: +SKIP
        (100, 6, 4)
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer number of events, got {n!r}")
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"seed must be an integer in [0, {_MAX_SEED}] (Pythia's Random:seed), got {seed!r}")
    pythia8mc = _import_pythia()
    pythia = pythia8mc.Pythia("", False)
    for line in ("Print:quiet = on", *settings, "Random:setSeed = on", f"Random:seed = {int(seed)}"):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting {line!r}; check its spelling in the Pythia manual")
    if not pythia.init():
        raise RuntimeError("Pythia failed to initialize with the given settings; rerun with "
                           "'Print:quiet = off' in settings to see its log")
    max_tries = 10 * n + 1000 if max_tries is None else max_tries
    particles = np.empty((n, 6, 4))
    batch = np.empty((256, 6, 4))
    done = tries = filled = 0
    while done < n and tries < max_tries:
        tries += 1
        if not pythia.next() or not _decay_products(pythia.event, batch[filled]):
            continue
        filled += 1
        if filled == len(batch) or tries == max_tries:  # select in vectorized batches
            done = _keep(batch[:filled], particles, done, selection)
            filled = 0
    done = _keep(batch[:filled], particles, done, selection)
    if done < n:
        raise RuntimeError(f"only {done} of {n} events passed after {tries} Pythia events; "
                           "raise max_tries or check the settings")
    return make_events(particles, alpha_b=alpha_b, neutrinos=neutrinos, derived=derived)


def _keep(batch: np.ndarray, particles: np.ndarray, done: int, selection: bool) -> int:
    """Copy the events of ``batch`` passing the selection into ``particles[done:]``; new count."""
    if selection and len(batch):
        batch = batch[passes_selection(batch)]
    take = min(len(batch), len(particles) - done)
    particles[done:done + take] = batch[:take]
    return done + take
