"""``load_htautau``: the bundled H → ττ sample, or any sample file, as :class:`Events`."""

from __future__ import annotations

import os

from hepconditioning.datasets.htautau.formats import HtautauSpec, read_htautau
from hepconditioning.events import Events
from hepconditioning.io.bundled import bundled_path

__all__ = ["SAMPLE", "load_htautau"]

SAMPLE = "htautau_sample.root"
"""The bundled 20k-event sample (data card ``data/htautau_sample.md``), in source checkouts and
the sdist: ``hepconditioning.io.bundled_path(SAMPLE)``."""


def load_htautau(
    source: str | os.PathLike[str] | None = None,
    *,
    spec: HtautauSpec | None = None,
    neutrinos: bool = False,
    derived: bool = False,
) -> Events:
    """H → ττ → ρνρν̄ events with spin weights ``w_a``, ``w_b`` as :class:`Events`.

    Args:
        source: a ``.root`` / ``.csv(.gz)`` sample (e.g. from ``hepconditioning generate
            htautau``); None: the bundled sample ``data/htautau_sample.root`` (20k events,
            α_B = π/2, with the selection).
        spec: column names of externally produced files (:class:`HtautauSpec`).
        neutrinos: boosted-frame features with (24) or without (16) the neutrinos.
        derived: append y⁻, y⁺, φ*, m_ρ⁻, m_ρ⁺.

    Returns:
        ``Events`` with labels 1, weights 1, ``mass`` = α_B (rad) and the columns
        ``particles``, ``w_a``, ``w_b``, ``h_minus``, ``h_plus``; train on
        ``as_labelled(events)`` (class A weight w_a, class B weight w_b).
    """
    if source is None:
        source = bundled_path(SAMPLE, hint="it ships with source checkouts and the sdist, not the wheel; "
                                           "generate one with: hepconditioning generate htautau")
    return read_htautau(source, spec=spec, neutrinos=neutrinos, derived=derived)
