"""Totals read from ROOT files for normalization: a sum over all entries of a tree, or the
content of one histogram bin (e.g. the sum of generator weights before any selection)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hepconditioning.errors import MissingColumnError
from hepconditioning.io.root.entries import iterate_arrays
from hepconditioning.io.root.reader import CORRUPT, find_tree, open_root

__all__ = ["histogram_bin", "tree_sum"]


def tree_sum(paths: Sequence[Path], tree: str, expression: str) -> float:
    """Σ of ``expression`` over every entry of ``tree`` in ``paths`` (no cut), float64."""
    total = 0.0
    for path in paths:
        with open_root(Path(path)) as file:
            obj = find_tree(file, tree, Path(path))
            try:
                for arrays in iterate_arrays(obj, {"_hc_sum": expression}):
                    total += float(np.sum(np.asarray(arrays["_hc_sum"]), dtype=np.float64))
            except KeyError as err:
                raise MissingColumnError(str(err).strip("'\""), sorted(obj.keys()),
                                         where=f"tree {tree!r} of {str(path)!r}") from err
            except CORRUPT as err:
                raise OSError(f"cannot read tree {tree!r} of {str(path)!r} (damaged?): {err}") from err
    return total


def histogram_bin(paths: Sequence[Path], name: str, bin: int) -> float:
    """Σ over ``paths`` of bin ``bin`` (ROOT numbering: 1 is the first bin) of histogram ``name``."""
    total = 0.0
    for path in paths:
        with open_root(Path(path)) as file:
            histograms = [k.rsplit(";", 1)[0] for k, c in file.classnames().items() if c.startswith("TH1")]
            if name not in histograms:
                raise MissingColumnError(name, histograms, where=f"ROOT file {str(path)!r} (histograms)")
            values = file[name].values(flow=True)
            if not 1 <= bin <= len(values) - 2:
                raise ValueError(f"histogram {name!r} of {str(path)!r} has bins 1 … {len(values) - 2}, not {bin}")
            total += float(values[bin])
    return total
