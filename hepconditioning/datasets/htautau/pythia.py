"""Optional Pythia 8 backend: gg → H → τ⁺τ⁻ → ρ⁺ν̄ ρ⁻ν with the same spin weights.

Pythia decays the τ's unpolarized and uncorrelated (``TauDecays:mode = 3``,
``TauDecays:tauPolarization = 0``) through ν π± π⁰ only, with π⁰ kept stable; the Higgs pT
comes from the initial-state shower. The spin weights are then computed from the decay
products exactly as for the numpy generator (:func:`~hepconditioning.physics.tau.polarimetric_vectors`),
the TauSpinner approach of Józefowicz et al. 2016 (arXiv:1608.02609).

Needs the ``pythia`` extra: ``pip install 'hepconditioning[pythia]'``. Event generation loops
over events in Python (Pythia's interface is per event); expect ~1k events/s.
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
    "15:onMode = off",
    "15:onIfMatch = 16 -211 111",
    "111:mayDecay = off",
    "TauDecays:mode = 3",
    "TauDecays:tauPolarization = 0",
    "PartonLevel:MPI = off",
    "HadronLevel:Hadronize = off",
    "Next:numberCount = 0",
)
"""Default Pythia settings (13 TeV ggF, H → ττ, τ → ν π π⁰ unpolarized, π⁰ stable)."""


def _import_pythia() -> Any:
    try:
        import pythia8
    except ImportError as exc:
        raise MissingDependencyError("pythia8mc", "pythia", purpose="the Pythia H→ττ backend") from exc
    return pythia8


def _tau_products(event: Any, tau_id: int) -> np.ndarray | None:
    """[ν, π±, π⁰] four-vectors ``(3, 4)`` of the last τ copy with ``tau_id``, or None."""
    for i in range(event.size()):
        particle = event[i]
        if particle.id() != tau_id:
            continue
        daughters = [event[j] for j in particle.daughterList()]
        if any(abs(d.id()) == 15 for d in daughters):
            continue  # not the last copy
        sign = 1 if tau_id > 0 else -1
        wanted = (16 * sign, -211 * sign, 111)
        found = {d.id(): d for d in daughters}
        if len(daughters) != 3 or set(found) != set(wanted):
            return None
        return np.array([[found[k].px(), found[k].py(), found[k].pz(), found[k].e()] for k in wanted])
    return None


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

    Args:
        n: events returned (after the selection if ``selection``).
        alpha_b: mixing angle of hypothesis B (rad).
        selection: ρ pT ≥ 20 GeV, π pT ≥ 1 GeV.
        seed: Pythia random seed (1 … 900 000 000).
        settings: Pythia ``readString`` settings (default :data:`PYTHIA_SETTINGS`).
        neutrinos, derived: feature choice as in ``generate``.
        max_tries: stop after this many Pythia events (default 10 n + 1000).

    Raises:
        MissingDependencyError: pythia8 (``pythia8mc``) is not installed.
        RuntimeError: Pythia fails to initialize or too few events pass.
    """
    pythia8 = _import_pythia()
    pythia = pythia8.Pythia("", False)
    for line in (*settings, "Random:setSeed = on", f"Random:seed = {int(seed)}", "Print:quiet = on"):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting {line!r}")
    if not pythia.init():
        raise RuntimeError("Pythia failed to initialize with the given settings; see its log above")
    max_tries = 10 * n + 1000 if max_tries is None else max_tries
    rows: list[np.ndarray] = []
    tries = 0
    while len(rows) < n and tries < max_tries:
        tries += 1
        if not pythia.next():
            continue
        minus = _tau_products(pythia.event, 15)
        plus = _tau_products(pythia.event, -15)
        if minus is None or plus is None:
            continue
        particles = np.concatenate([minus, plus])[None]
        if selection and not passes_selection(particles)[0]:
            continue
        rows.append(particles[0])
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} of {n} events passed after {tries} Pythia events; "
                           "raise max_tries or check the settings")
    return make_events(np.stack(rows), alpha_b=alpha_b, neutrinos=neutrinos, derived=derived)
