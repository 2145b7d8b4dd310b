"""H → ττ samples as :class:`~hepconditioning.events.Events`: spin weights as soft targets.

Conventions (Józefowicz et al. 2016, arXiv:1608.02609; PHYSICS.md section 6): every event is
both hypotheses at once. ``labels`` are 1, ``weights`` 1, ``mass`` holds the mixing angle α_B
in radians (the conditioning parameter of α-conditioned networks), ``x`` the boosted-frame
features (``bf_*``), and the columns carry ``particles (N, 6, 4)`` (lab, float64),
``w_a = W(0)``, ``w_b = W(α_B)`` and the polarimetric vectors ``h_minus``, ``h_plus``
``(N, 3)`` from which :func:`spin_weights` gives W(α) for any α. :func:`as_labelled` turns
this into a labelled training sample (class A with weight w_a, class B with weight w_b), and
:func:`hepconditioning.multi_instance.oracle_score` of ``w_a``, ``w_b`` is the optimal classifier
w_a / (w_a + w_b).
"""

from __future__ import annotations

import numpy as np

from hepconditioning.datasets.htautau.features import make_features
from hepconditioning.datasets.htautau.generator import (
    HIGGS_PT_MEAN,
    HIGGS_RAPIDITY_SIGMA,
    generate_particles,
)
from hepconditioning.errors import MissingColumnError
from hepconditioning.events import Events
from hepconditioning.physics.tau import check_particles, polarimetric_vectors, spin_weight

__all__ = ["as_labelled", "generate", "make_events", "spin_weights"]


def make_events(
    particles: np.ndarray,
    *,
    alpha_b: float | np.ndarray = np.pi / 2,
    w_a: np.ndarray | None = None,
    w_b: np.ndarray | None = None,
    h_minus: np.ndarray | None = None,
    h_plus: np.ndarray | None = None,
    neutrinos: bool = False,
    derived: bool = False,
    where: str = "particles",
) -> Events:
    """Build the :class:`Events` of an H → ττ → ρνρν̄ sample from lab particles ``(N, 6, 4)``.

    Missing polarimetric vectors are computed from the particles
    (:func:`~hepconditioning.physics.tau.polarimetric_vectors`, needs the neutrinos), missing
    weights from them: ``w_a = W(0)``, ``w_b = W(alpha_b)``. ``alpha_b`` (rad) is a scalar or
    one value per event and becomes the ``mass`` column. Features: :func:`make_features`.
    """
    p = check_particles(particles, where=where)
    n = len(p)
    if (h_minus is None) != (h_plus is None):
        raise ValueError("give both h_minus and h_plus, or neither (then they are computed from particles)")
    if h_minus is None:
        h_minus, h_plus = polarimetric_vectors(p)
    h_minus = np.asarray(h_minus, dtype=np.float64)
    h_plus = np.asarray(h_plus, dtype=np.float64)
    for name, h in (("h_minus", h_minus), ("h_plus", h_plus)):
        if h.shape != (n, 3):
            raise ValueError(f"{name} must have shape ({n}, 3), got {h.shape}")
    alpha_b = np.broadcast_to(np.asarray(alpha_b, dtype=np.float64), (n,))
    w_a = spin_weight(h_minus, h_plus, 0.0) if w_a is None else np.asarray(w_a, dtype=np.float64)
    w_b = spin_weight(h_minus, h_plus, alpha_b) if w_b is None else np.asarray(w_b, dtype=np.float64)
    features = make_features(p, neutrinos=neutrinos, derived=derived)
    return Events(features.x, alpha_b, 1.0, 1.0, feature_names=features.names,
                  columns={"particles": p, "w_a": w_a, "w_b": w_b,
                           "h_minus": h_minus, "h_plus": h_plus})


def generate(
    n: int,
    *,
    alpha_b: float = np.pi / 2,
    selection: bool = True,
    seed: int | np.random.Generator | None = None,
    neutrinos: bool = False,
    derived: bool = False,
    higgs_pt_mean: float = HIGGS_PT_MEAN,
    higgs_rapidity_sigma: float = HIGGS_RAPIDITY_SIGMA,
) -> Events:
    """``n`` generated H → ττ → ρνρν̄ events with spin weights w_a = W(0), w_b = W(α_B).

    Args:
        n: number of events (after the selection).
        alpha_b: mixing angle of hypothesis B in rad (π/2: pseudoscalar).
        selection: ρ pT ≥ 20 GeV and π pT ≥ 1 GeV (PHYSICS.md section 6), ≈ 51 % efficient.
        seed: integer seed or ``numpy.random.Generator`` (reproducible).
        neutrinos: features with the neutrinos (24, "complete") or without (16, "incomplete").
        derived: append y⁻, y⁺, φ*, m_ρ⁻, m_ρ⁺.
        higgs_pt_mean, higgs_rapidity_sigma: the Higgs spectrum (see ``generate_particles``).

    Example:
        >>> ev = generate(1000, seed=1)
        >>> ev.x.shape, float(ev.mass[0]) == np.float32(np.pi / 2)
        ((1000, 16), True)
    """
    pairs = generate_particles(n, selection=selection, seed=seed, higgs_pt_mean=higgs_pt_mean,
                               higgs_rapidity_sigma=higgs_rapidity_sigma)
    return make_events(pairs.particles, alpha_b=alpha_b, h_minus=pairs.h_minus, h_plus=pairs.h_plus,
                       neutrinos=neutrinos, derived=derived)


def _column(events: Events, name: str) -> np.ndarray:
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    if name not in events.columns:
        raise MissingColumnError(name, list(events.columns),
                                 where="Events columns (build H→ττ events with generate/load_htautau)")
    return events.columns[name]


def spin_weights(events: Events, alpha: float | np.ndarray) -> np.ndarray:
    """W(α) ``(N,)`` of every event, for a scalar α or one α per event (rad)."""
    return spin_weight(_column(events, "h_minus"), _column(events, "h_plus"), alpha)


def as_labelled(events: Events, *, alpha: float | np.ndarray | None = None) -> Events:
    """Each event twice: class A (label 1, weight w_a) then class B (label 0, weight w_b).

    This is the soft-target training sample: a classifier minimizing the weighted binary
    cross-entropy on it converges to w_a / (w_a + w_b). With ``alpha`` (scalar or ``(N,)``,
    rad) class B uses W(alpha) instead of the stored w_b, and ``mass`` becomes alpha (for
    α-conditioned networks). Returns ``2 N`` events (A block first, then B).
    """
    w_a = _column(events, "w_a")
    mass = events.mass
    if alpha is None:
        w_b = _column(events, "w_b")
    else:
        mass = np.broadcast_to(np.asarray(alpha, dtype=np.float64), (len(events),))
        w_b = spin_weights(events, mass)
    both = Events.concat([events, events])
    return both.replace(labels=np.r_[np.ones(len(events)), np.zeros(len(events))],
                        weights=np.r_[w_a, w_b], mass=np.r_[mass, mass])
