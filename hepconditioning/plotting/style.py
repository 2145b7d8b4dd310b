"""The one place of the figures' look: the mplhep style and the experiment-style label.

:data:`STYLES` are the styles a run card (``[output] style``) or the command line
(``--style``) may name; :func:`check_style` turns a spelling into one of them or refuses it;
:func:`hep_style` applies one for the duration of a ``with`` block (nothing changes
matplotlib's global state); :class:`FigureLabel` says what the figure shows (``Simulation``
or ``Open Data``, √s, luminosity) and :func:`draw_label` writes it above an axes as mplhep
does for the experiments. Callers that draw a figure of their own do::

    label = FigureLabel(style="CMS", text="Simulation", com=14.0)
    with hep_style(label.style):
        fig, ax = plt.subplots()
        ...
        draw_label(ax, label)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import matplotlib.pyplot as plt
import mplhep
from matplotlib.axes import Axes

__all__ = ["STYLES", "FigureLabel", "check_style", "draw_label", "hep_style"]

STYLES = ("CMS", "ATLAS", "LHCb2", "ROOT")
"""The mplhep styles of the figures (``[output] style``, ``--style``)."""


def check_style(name: str) -> str:
    """The spelling of :data:`STYLES` that ``name`` means (case-insensitive).

    Raises:
        ValueError: ``name`` is none of them; the message lists the choices.
    """
    for style in STYLES:
        if isinstance(name, str) and name.upper() == style.upper():
            return style
    raise ValueError(f"unknown figure style {name!r}; choose one of {', '.join(STYLES)}")


@contextlib.contextmanager
def hep_style(name: str = "ROOT") -> Iterator[None]:
    """Context manager applying the mplhep style ``name`` (one of :data:`STYLES`)."""
    with plt.style.context(getattr(mplhep.style, check_style(name))):
        yield


@dataclass(frozen=True)
class FigureLabel:
    """What a figure shows, written above its axes by :func:`draw_label`.

    Attributes:
        style: the mplhep style (:data:`STYLES`).
        text: ``"Simulation"`` (generated or Monte Carlo events) or ``"Open Data"``.
        com: centre-of-mass energy √s in TeV, ``None`` when not known (not drawn).
        lumi: integrated luminosity in fb⁻¹, ``None`` when not known or simulation.
        experiment: bold name before ``text`` (e.g. ``"CMS"`` for CMS Open Data); empty for
            the samples of this package, which no experiment produced.
    """

    style: str = "CMS"
    text: str = "Simulation"
    com: float | None = None
    lumi: float | None = None
    experiment: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "style", check_style(self.style))
        for name in ("com", "lumi"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"FigureLabel {name} must be a positive number or None, got {value!r}")

    @property
    def right(self) -> str:
        """The right-hand text: luminosity and √s, as known (``""`` for neither)."""
        parts = [f"{self.lumi:g} fb$^{{-1}}$"] if self.lumi is not None else []
        parts += [f"√s = {self.com:g} TeV"] if self.com is not None else []
        return ", ".join(parts)


def draw_label(ax: Axes, label: FigureLabel) -> None:
    """Write ``label`` above ``ax``: experiment and text on the left, luminosity and √s on the
    right (mplhep's experiment label, in the fonts of the active style)."""
    mplhep.label.exp_label(exp=label.experiment, llabel=label.text, rlabel=label.right, loc=0, ax=ax)
