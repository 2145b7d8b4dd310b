"""Per-mass evaluation protocol of [Anzalone22] and the interpolation study helpers.

At each evaluation mass m_i the sample is *all signal generated at m_i* plus *all
background with its mass feature set to m_i*; signal events weigh 1 and background events
Σw_s / Σw_b, so both classes weigh the same (1/5 on HEPMASS, where the background is five
times the signal of one mass point). Physics weights, when present, multiply these. The
parametric classifier is then scored at m_i and summarised by ROC AUC, PR AUC, the best cut
t* = argmax AMS(t), s and b at t*, and the significance ratio (:mod:`hepconditioning.metrics`).

Any mass value present in the test signal can be evaluated, including mass points left out of
training: train on :func:`without_mass_points`, evaluate at all points and divide the AUCs by
those of the model trained on all points (:func:`auc_ratio`, [Anzalone22] Fig. 9).

Reference: Anzalone, Diotalevi, Bonacorsi, Mach. Learn.: Sci. Technol. 3 (2022) 035017,
arXiv:2202.00424, sections 4–5.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from hepconditioning.bootstrap import bootstrap_metrics
from hepconditioning.errors import EmptyInputError, NonFiniteError, UnknownMassPointError
from hepconditioning.events import Events
from hepconditioning.io.results import EVAL_MASS, EVENT_WEIGHT
from hepconditioning.metrics import MetricSummary, summarize

__all__ = [
    "EVAL_MASS",
    "EVENT_WEIGHT",
    "EvaluationRow",
    "EvaluationTable",
    "auc_ratio",
    "check_scores",
    "evaluate_per_mass",
    "evaluate_scores",
    "evaluation_events",
    "mass_groups",
    "without_mass_points",
]


_FIELDS = ("mass", *MetricSummary._fields, "n_signal", "n_background")

EvaluationRow = NamedTuple("EvaluationRow", [(f, int if f.startswith("n_") else float) for f in _FIELDS])  # type: ignore[misc]
EvaluationRow.__doc__ = """One evaluation mass of an :class:`EvaluationTable`: ``mass`` (GeV), the fields of
:class:`~hepconditioning.metrics.MetricSummary` (``auc`` … ``b``), ``n_signal``, ``n_background``."""


@dataclasses.dataclass(frozen=True)
class EvaluationTable:
    """Per-mass metrics, one entry per evaluation mass (increasing).

    Attributes:
        mass: evaluation masses m_i ``(M,)`` in GeV.
        auc, pr_auc: weighted ROC AUC and average precision ``(M,)``.
        sigma_ratio: significance ratio ``(M,)`` in [0, 1] (failure value 1/√2).
        threshold: best cut t* = argmax_t AMS(t) ``(M,)``; ``ams``, ``s``, ``b`` at t*.
        n_signal, n_background: events (unweighted) evaluated at each mass.
        auc_ci, sigma_ratio_ci: ``(M, 2)`` Poisson-bootstrap intervals ``[low, high]`` of the
            test sample (``evaluate_*(..., bootstrap=n)``, see :mod:`hepconditioning.bootstrap`),
            ``None`` without a bootstrap.
    """

    mass: np.ndarray
    auc: np.ndarray
    pr_auc: np.ndarray
    sigma_ratio: np.ndarray
    threshold: np.ndarray
    ams: np.ndarray
    s: np.ndarray
    b: np.ndarray
    n_signal: np.ndarray
    n_background: np.ndarray
    auc_ci: np.ndarray | None = None
    sigma_ratio_ci: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(np.atleast_1d(self.mass))
        for name in ("auc_ci", "sigma_ratio_ci"):
            if getattr(self, name) is not None:
                value = np.asarray(getattr(self, name), dtype=np.float64).reshape(-1, 2)
                if value.shape != (n, 2):
                    raise ValueError(f"EvaluationTable field {name!r} has shape {value.shape}, expected ({n}, 2)")
                value.setflags(write=False)
                object.__setattr__(self, name, value)
        for name in _FIELDS:
            dtype = np.int64 if name.startswith("n_") else np.float64
            value = np.atleast_1d(np.asarray(getattr(self, name), dtype=dtype))
            if value.shape != (n,):
                raise ValueError(f"EvaluationTable field {name!r} has shape {value.shape}, expected ({n},)")
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_rows(cls, rows: Sequence[EvaluationRow]) -> EvaluationTable:
        rows = sorted(rows, key=lambda row: row.mass)
        return cls(**{name: [getattr(row, name) for row in rows] for name in _FIELDS})

    def __len__(self) -> int:
        return self.mass.shape[0]

    def rows(self) -> list[EvaluationRow]:
        """One :class:`EvaluationRow` per evaluation mass, in increasing mass."""
        return [EvaluationRow(*(getattr(self, name)[i].item() for name in _FIELDS)) for i in range(len(self))]

    def at(self, mass: float, *, tolerance: float = 0.5) -> EvaluationRow:
        """The row of evaluation mass ``mass`` (GeV, within ``tolerance``)."""
        return self.rows()[_match(self.mass, [mass], tolerance, where="the evaluation table")[0]]

    def to_dict(self) -> dict[str, np.ndarray]:
        """Field name → array, e.g. for a ROOT tree."""
        return {name: getattr(self, name) for name in _FIELDS}

    def to_markdown(self, *, digits: int = 2) -> str:
        """A Markdown table: mass, AUC and PR AUC in %, σ_ratio, t*, AMS, s, b at t*."""
        lines = ["| mass [GeV] | AUC [%] | PR AUC [%] | σ_ratio | t* | AMS(t*) | s(t*) | b(t*) |",
                 "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for i, row in enumerate(self.rows()):
            auc, ratio = f"{100 * row.auc:.{digits}f}", f"{row.sigma_ratio:.4f}"
            if self.auc_ci is not None:
                auc += f" [{100 * self.auc_ci[i, 0]:.{digits}f}, {100 * self.auc_ci[i, 1]:.{digits}f}]"
            if self.sigma_ratio_ci is not None:
                ratio += f" [{self.sigma_ratio_ci[i, 0]:.4f}, {self.sigma_ratio_ci[i, 1]:.4f}]"
            lines.append(
                f"| {row.mass:g} | {auc} | {100 * row.pr_auc:.{digits}f} | "
                f"{ratio} | {row.threshold:.4g} | {row.ams:.4g} | {row.s:.4g} | {row.b:.4g} |"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_markdown()


def _match(known: np.ndarray, masses: Any, tolerance: float, *, where: str) -> np.ndarray:
    """Index into ``known`` of each requested mass (nearest within ``tolerance`` GeV)."""
    masses = np.atleast_1d(np.asarray(masses, dtype=np.float64))
    known = np.asarray(known, dtype=np.float64)
    if known.size == 0:
        raise EmptyInputError(f"no mass points in {where}: it holds no signal events")
    nearest = np.abs(masses[:, None] - known[None, :]).argmin(axis=1)
    bad = np.abs(known[nearest] - masses) > tolerance
    if bad.any():
        raise UnknownMassPointError(masses[bad], known, tolerance=tolerance, where=where,
                                    hint="Choose evaluation masses among them.")
    return nearest


def evaluation_events(
    test: Events,
    *,
    masses: Sequence[float] | None = None,
    balance: bool = True,
    physics_weights: bool = True,
    tolerance: float = 0.5,
) -> Events:
    """The evaluation sample of [Anzalone22]: for each m_i, signal at m_i + all background at m_i.

    Args:
        test: labelled test events; signal ``mass`` is its generated mass point (GeV).
        masses: evaluation masses (GeV); default every signal mass point of ``test``. Each must
            have signal in ``test`` within ``tolerance`` GeV (points left out of training are fine).
        balance: weigh background by Σw_s / Σw_b per mass so both classes weigh the same
            (1/5 on HEPMASS); False keeps the (physics) weights as they are.
        physics_weights: multiply by ``test.weights``; False uses 1 for every event.
        tolerance: GeV within which a signal event belongs to a mass point.

    Returns:
        ``Events`` of ``Σ_i (N_s(m_i) + N_b)`` rows, ordered by mass then signal before
        background; ``mass`` = m_i for every row, ``weights`` as above (the evaluation
        weight), the column :data:`EVAL_MASS` = m_i (float32) and the column
        :data:`EVENT_WEIGHT` = ``test.weights`` as given. Memory grows with the number of masses;
        :func:`evaluate_per_mass` builds one mass at a time.
    """
    return Events.concat(list(_per_mass_events(test, masses, balance, physics_weights, tolerance)))


def _per_mass_events(test: Events, masses: Any, balance: bool, physics_weights: bool, tolerance: float):
    if not isinstance(test, Events):
        raise TypeError(f"test must be an Events, got {type(test).__name__}")
    points = test.mass_points
    masses = points if masses is None else np.asarray(masses, dtype=np.float64)
    _match(points, masses, tolerance, where="the test signal")
    signal = test.signal
    background = test.background
    if len(background) == 0:
        raise EmptyInputError("the test events hold no background (label 0); the protocol needs both classes")
    w_bkg = background.weights if physics_weights else np.ones(len(background), np.float32)
    for mass in np.atleast_1d(masses):
        sig = signal[np.abs(signal.mass - mass) <= tolerance]
        w_sig = sig.weights if physics_weights else np.ones(len(sig), np.float32)
        factor = 1.0
        if balance:
            total_sig, total_bkg = float(np.sum(w_sig, dtype=np.float64)), float(np.sum(w_bkg, dtype=np.float64))
            if not total_sig > 0 or not total_bkg > 0:
                raise ValueError(
                    f"cannot balance the classes at {mass:g} GeV: signal weight {total_sig:g}, background "
                    f"weight {total_bkg:g}; both must be positive: check the event weights, or keep "
                    "the weights as they are (balance=False; run card: [output] evaluation_balance = "
                    "false; hepconditioning evaluate --no-balance)"
                )
            factor = total_sig / total_bkg
        part = Events.concat([sig, background])
        weights = np.concatenate([w_sig, w_bkg * np.float32(factor)])
        yield part.replace(mass=np.float32(mass), weights=weights,
                           columns={EVAL_MASS: np.full(len(part), mass, dtype=np.float32),
                                    EVENT_WEIGHT: np.concatenate([sig.weights, background.weights])})


def check_scores(scores: Any, n: int, *, where: str = "scores") -> np.ndarray:
    """``scores`` as a finite ``(n,)`` array (``(n, 1)`` is flattened), else a clear error."""
    scores = np.asarray(scores)
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"{where} must give numbers, got dtype {scores.dtype}")
    scores = scores.reshape(-1) if scores.shape == (n, 1) else scores
    if scores.shape != (n,):
        raise ValueError(f"{where} gave shape {scores.shape} for {n} events; expected ({n},)")
    if not np.isfinite(scores).all():
        raise NonFiniteError("scores", int(n - np.count_nonzero(np.isfinite(scores))), n, where=where)
    return scores


def _row(mass: float, labels: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> EvaluationRow:
    summary = summarize(labels, scores, weights)
    n_signal = int(np.count_nonzero(labels == 1))
    return EvaluationRow(float(mass), *summary, n_signal, int(labels.size - n_signal))


def mass_groups(events: Events, *, masses: Sequence[float] | None = None,
                tolerance: float = 0.5) -> dict[float, np.ndarray]:
    """Evaluation mass (GeV) → boolean ``(N,)`` mask of its events, increasing mass.

    Events are grouped by the :data:`EVAL_MASS` column (``mass`` if absent); ``masses``
    picks some of the groups (each within ``tolerance`` GeV of one, else
    :class:`~hepconditioning.errors.UnknownMassPointError`).
    """
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    tag = events.column(EVAL_MASS) if EVAL_MASS in events.columns else events.mass
    groups = np.unique(tag)
    if masses is not None:
        groups = np.unique(groups[_match(groups, masses, tolerance, where="the evaluation events")])
    return {float(mass): tag == mass for mass in groups}


def _table(parts: list[tuple[float, np.ndarray, np.ndarray, np.ndarray]], bootstrap: int, seed: int,
           level: float) -> EvaluationTable:
    """The table of ``(mass, labels, scores, weights)`` parts, with bootstrap intervals if asked."""
    parts = sorted(parts, key=lambda part: part[0])
    table = EvaluationTable.from_rows([_row(*part) for part in parts])
    if not bootstrap:
        return table
    intervals = [bootstrap_metrics(labels, scores, weights, n_resamples=bootstrap, seed=seed, level=level)
                 for _, labels, scores, weights in parts]
    return dataclasses.replace(table, auc_ci=[[ci.auc.low, ci.auc.high] for ci in intervals],
                               sigma_ratio_ci=[[ci.sigma_ratio.low, ci.sigma_ratio.high] for ci in intervals])


def evaluate_scores(events: Events, scores: Any, *, masses: Sequence[float] | None = None,
                    tolerance: float = 0.5, bootstrap: int = 0, seed: int = 0,
                    level: float = 0.6827) -> EvaluationTable:
    """Per-mass metrics of ``scores`` on an evaluation sample (from :func:`evaluation_events`).

    Events are grouped by the :data:`EVAL_MASS` column (``mass`` if absent); ``masses``
    restricts the table to some of them. ``bootstrap = n > 0`` adds Poisson-bootstrap
    intervals of the AUC and σ_ratio (``n`` replicas, central probability ``level``, seeded
    by ``seed``; :func:`hepconditioning.bootstrap.bootstrap_metrics`).
    """
    groups = mass_groups(events, masses=masses, tolerance=tolerance)
    scores = check_scores(scores, len(events))
    parts = [(mass, events.labels[mask], scores[mask], events.weights[mask]) for mass, mask in groups.items()]
    return _table(parts, bootstrap, seed, level)


def evaluate_per_mass(
    predict: Callable[[Events], Any],
    events: Events,
    *,
    masses: Sequence[float] | None = None,
    balance: bool = True,
    physics_weights: bool = True,
    tolerance: float = 0.5,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.6827,
) -> EvaluationTable:
    """Score ``events`` at each evaluation mass with ``predict`` and tabulate the metrics.

    Args:
        predict: callable ``Events → (N,)`` signal probabilities (or any monotone score), e.g.
            ``functools.partial(nn.predict, model)``; it sees ``mass`` set to m_i.
        events: either labelled test events, expanded here one mass at a time (memory of one
            mass point), or an evaluation sample that already has the :data:`EVAL_MASS`
            column (:func:`evaluation_events`), scored with one ``predict`` call as it is
            (``balance`` and ``physics_weights`` then do not apply).
        masses, balance, physics_weights, tolerance: as in :func:`evaluation_events`.
        bootstrap, seed, level: bootstrap intervals, as in :func:`evaluate_scores`.

    Example:
        >>> table = evaluate_per_mass(partial(predict, model), test)  # doctest: +SKIP
        >>> print(table)                                               # doctest: +SKIP
    """
    if not callable(predict):
        raise TypeError(f"predict must be a callable Events -> scores, got {type(predict).__name__}")
    if isinstance(events, Events) and EVAL_MASS in events.columns:
        groups = mass_groups(events, masses=masses, tolerance=tolerance)  # check masses first
        scores = check_scores(predict(events), len(events), where="predict")
        return _table([(mass, events.labels[mask], scores[mask], events.weights[mask])
                       for mass, mask in groups.items()], bootstrap, seed, level)
    parts = []
    for part in _per_mass_events(events, masses, balance, physics_weights, tolerance):
        mass = float(part.mass[0])
        scores = check_scores(predict(part), len(part), where=f"predict at {mass:g} GeV")
        parts.append((mass, part.labels, scores, part.weights))
    return _table(parts, bootstrap, seed, level)


def without_mass_points(events: Events, masses: Sequence[float], *, tolerance: float = 0.5) -> Events:
    """``events`` without the signal generated at ``masses`` (GeV); background is kept.

    For the interpolation study of [Anzalone22] (Fig. 9, Table 4): train on the result,
    evaluate at every mass point. ``TrainConfig``'s default then draws the background masses
    from the remaining signal points only, as the reference implementation of [Anzalone22]
    does (its Table 4 networks never see background at 750/1000/1250 GeV);
    ``TrainConfig(background_mass_points=...)`` with the full grid puts background-only mass
    points into training instead.
    """
    if not isinstance(events, Events):
        raise TypeError(f"events must be an Events, got {type(events).__name__}")
    points = events.mass_points
    dropped = points[_match(points, masses, tolerance, where="the signal")]
    drop = (events.labels == 1) & (np.abs(events.mass[:, None] - dropped[None, :]) <= tolerance).any(axis=1)
    return events[~drop]


def auc_ratio(table: EvaluationTable, reference: EvaluationTable, *, tolerance: float = 0.5) -> np.ndarray:
    """AUC of ``table`` divided by the AUC of ``reference`` at the same masses, ``(M,)``.

    [Anzalone22] Fig. 9: a model trained without some mass points over the model trained on
    all; values near 1 mean the conditioned network interpolates. Aligned with ``table.mass``.
    """
    index = _match(reference.mass, table.mass, tolerance, where="the reference table")
    return table.auc / reference.auc[index]
