"""ROOT files ⇄ :class:`~hepconditioning.events.Events` with uproot + awkward.

- :mod:`~hepconditioning.io.root.spec`: a declarative :class:`RootSpec` (tree, features, label,
  mass, weight, process, cut, extra columns); features are branches or uproot expressions
  (:class:`Expr`), jagged branches are reduced explicitly (:class:`Jagged`, :class:`Count`).
- :mod:`~hepconditioning.io.root.reader`: :func:`read_root` turns one or many files into
  ``Events`` following a spec.
- :mod:`~hepconditioning.io.root.writer`: :func:`write_root`, the generic atomic writer (TTrees
  from dicts of numpy arrays, ``hist`` histograms, keys with ``/`` go into directories).
- :mod:`~hepconditioning.io.root.roundtrip`: :func:`write_events` and :func:`read_events`
  round-trip ``Events`` exactly.
"""

from __future__ import annotations

from hepconditioning.io.root.reader import read_root
from hepconditioning.io.root.roundtrip import read_events, write_events
from hepconditioning.io.root.spec import Count, Expr, Jagged, RootSpec
from hepconditioning.io.root.writer import write_root

__all__ = [
    "Count",
    "Expr",
    "Jagged",
    "RootSpec",
    "read_events",
    "read_root",
    "write_events",
    "write_root",
]


def __dir__() -> list[str]:
    return __all__
