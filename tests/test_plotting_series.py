"""plotting.series: multi-instance curves against N, NamedTuples of artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np

from hepconditioning.plotting import (
    AucNArtists,
    RateArtists,
    aucn_vs_n,
    hep_figure,
    hep_style,
    rates_vs_n,
)


def test_series_plots_return_their_artists():
    n = np.array([1, 10, 100])
    with hep_style():
        _fig, axes = hep_figure(2, right="H→ττ")
        rates = rates_vs_n(n, [0.6, 0.8, 0.99], [0.4, 0.2, 0.01], label="epoch 1", ax=axes[0])
        aucn = aucn_vs_n(n, [0.6, 0.8, 0.97], [0.61, 0.8, 0.98], label="network", ax=axes[1])
    assert isinstance(rates, RateArtists) and isinstance(aucn, AucNArtists)
    assert rates.fpr.get_color() == rates.tpr.get_color() and rates.fpr.get_linestyle() == "--"
    assert aucn.measured.get_label() == "network: measured"
    assert axes[0].get_xscale() == "log" and axes[0].get_title(loc="right") == "H→ττ"
    single = rates_vs_n(n, [0.5] * 3, [0.5] * 3)
    assert single.tpr.axes is not None
