"""Per-process score stacks: the backgrounds of one hypothesis stacked (mplhep), the signal of
that hypothesis drawn over them — the plot of an analysis note, from a ``results.root``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import matplotlib.pyplot as plt

__all__ = ["StackArtists", "process_stack"]


class StackArtists(NamedTuple):
    """What :func:`process_stack` drew: the stacked backgrounds and the signal line."""

    backgrounds: Any
    signal: Any


def process_stack(backgrounds: Mapping[str, Any], signal: Any | None = None, *, title: str = "",
                  ylabel: str = "events", ax: Any = None) -> StackArtists:
    """Stack the weighted score histograms ``backgrounds`` (name → ``hist.Hist``, smallest on
    top) and draw ``signal`` (a ``hist.Hist``) as a line; log scale when the yields span more
    than two decades."""
    import mplhep

    ax = ax if ax is not None else plt.subplots(figsize=(6, 4.5))[1]
    order = sorted(backgrounds, key=lambda name: float(backgrounds[name].values().sum()), reverse=True)
    stacked = mplhep.histplot([backgrounds[n] for n in order], stack=True, histtype="fill", label=order,
                              ax=ax) if order else None
    line = None
    if signal is not None:
        line = mplhep.histplot(signal, histtype="step", color="black", linewidth=1.5, label="signal", ax=ax)
    values = [h.values().sum() for h in backgrounds.values()] + ([signal.values().sum()] if signal is not None else [])
    positive = [v for v in values if v > 0]
    if positive and max(positive) > 100 * min(positive):
        ax.set_yscale("log")
    ax.set_xlabel("classifier score")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    return StackArtists(stacked, line)
