"""ROOT reader: one or many files → :class:`~hepconditioning.events.Events`, following a
:class:`~hepconditioning.io.root.spec.RootSpec`, with uproot + awkward.

Every file is checked first (tree present, every branch an expression refers to present),
then read in steps into arrays preallocated for all entries and shrunk in place at the end.
"""

from __future__ import annotations

import ast
import os
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from hepconditioning.errors import (
    CorruptFileError,
    EmptyInputError,
    FileFormatError,
    MissingColumnError,
)
from hepconditioning.events import Events, process_ids
from hepconditioning.io.atomic import check_input_paths
from hepconditioning.io.root.entries import TREE_CLASSES, is_rntuple, iterate_arrays
from hepconditioning.io.root.spec import Count, Expr, Jagged, RootSpec, Sum

__all__ = ["CORRUPT", "feature_columns", "find_tree", "open_root", "read_root"]

CORRUPT = (OSError, EOFError, zlib.error, struct.error, uproot.deserialization.DeserializationError)
"""What uproot raises on a truncated or damaged file."""


def read_root(
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    spec: RootSpec,
    *,
    step_size: int | str = "100 MB",
) -> Events:
    """Read one or many ROOT files into one :class:`Events` following ``spec``.

    Every file is checked first (tree present, every branch the spec names present), then read
    in steps of ``step_size`` (entries or a memory size, as in ``uproot.iterate``) into
    preallocated arrays.

    Raises:
        FileNotFoundError: a file does not exist (IsADirectoryError: a path is a directory).
        CorruptFileError: a file is not a readable ROOT file (truncated, damaged).
        MissingColumnError: the tree or a branch is missing (names the file, suggests names).
        EmptyInputError: the trees hold no events, or the cut selects none.
        ValueError: a plain feature is jagged (wrap it in Jagged/Count) or vice versa.

    Example:
        >>> from hepconditioning.io import Count, Jagged, RootSpec
        >>> spec = RootSpec("events", [Jagged("Jet_Px", leading=2), Count("Jet_Px")], label=1)
        >>> events = read_root("uproot-HZZ.root", spec)  # doctest: +SKIP
    """
    if not isinstance(spec, RootSpec):
        raise TypeError(f"spec must be a RootSpec, got {type(spec).__name__}")
    paths = check_input_paths(files, kind="ROOT")
    aliases = spec.expressions()
    total = sum(_check_file(path, spec) for path in paths)
    out = _Output(spec, total)
    for path in paths:
        with open_root(path) as file:
            tree = find_tree(file, spec.tree, path)
            try:
                chunks = tree.iterate(list(aliases), aliases=aliases, cut=spec.cut, step_size=step_size,
                                      library="ak") if not is_rntuple(tree) else iterate_arrays(tree, aliases,
                                                                                                cut=spec.cut)
                for arrays in chunks:
                    out.append(arrays, where=f"tree {spec.tree!r} of {str(path)!r}")
            except CORRUPT as exc:
                raise CorruptFileError(f"cannot read tree {spec.tree!r} of {str(path)!r} (damaged?): {exc}") from exc
    if out.n == 0:
        what = f"the cut {spec.cut!r} selects none of the {total}" if total else "there are no"
        raise EmptyInputError(
            f"no events read: {what} events in tree {spec.tree!r} of {', '.join(repr(str(p)) for p in paths)}"
        )
    return out.finish()


def open_root(path: Path) -> Any:
    """``uproot.open(path)``; a file uproot cannot decode raises ``CorruptFileError``."""
    try:
        return uproot.open(path)
    except FileNotFoundError:
        raise
    except (*CORRUPT, ValueError) as exc:
        raise CorruptFileError(f"{str(path)!r} is not a readable ROOT file (truncated or damaged?): {exc}") from exc


def find_tree(file: Any, name: str, path: Path) -> Any:
    """The TTree, TNtuple or RNTuple ``name`` (``"dir/name"``) of the open ``file`` read from ``path``.

    Raises ``MissingColumnError`` listing the trees of the file when it has none of that name.
    """
    try:
        classes = {k.rsplit(";", 1)[0]: c for k, c in file.classnames().items()}
        trees = [k for k, c in classes.items() if c in TREE_CLASSES]
        obj = file[name] if name in trees else None
    except CORRUPT as exc:
        raise CorruptFileError(f"cannot read the directory of {str(path)!r} (damaged?): {exc}") from exc
    if obj is None and name in classes:  # e.g. a histogram of that name
        raise FileFormatError(f"{name!r} in ROOT file {str(path)!r} is a {classes[name]}, not a tree "
                              f"(trees: {', '.join(map(repr, trees)) or 'none'})")
    if obj is None:
        raise MissingColumnError(name, trees, where=f"ROOT file {str(path)!r} (trees)")
    return obj


def _check_file(path: Path, spec: RootSpec) -> int:
    """Validate the tree and every branch ``spec`` needs; returns the number of entries."""
    with open_root(path) as file:
        obj = find_tree(file, spec.tree, path)
        branches = set(obj.keys(recursive=True, full_paths=False)) | set(obj.keys())
        where = f"tree {spec.tree!r} of {str(path)!r}"
        for expression in [*spec.expressions().values(), *([spec.cut] if spec.cut else [])]:
            for symbol in _symbols(expression, where):
                if symbol not in branches:
                    raise MissingColumnError(symbol, sorted(obj.keys()), where=where)
        return int(obj.num_entries)


def _symbols(expression: str, where: str) -> list[str]:
    """Branch names an uproot (Python-syntax) expression refers to.

    Follows uproot's PythonLanguage: names in function-call position that are known functions
    are not branches, ``a.b`` may name a branch with a dot, ``get("any name")`` names one.
    """
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"expression {expression!r} for {where} is not valid Python syntax: {exc.msg}") from exc
    functions = uproot.language.python.PythonLanguage.default_functions
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "get" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
                found.append(str(node.args[0].value))
                return
            if node.func.id in functions:
                for child in [*node.args, *node.keywords]:
                    visit(child)
                return
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted is not None:
                found.append(dotted)
                return
        if isinstance(node, ast.Name):
            found.append(node.id)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


class _Output:
    """Preallocated arrays for at most ``capacity`` events, filled chunk by chunk."""

    def __init__(self, spec: RootSpec, capacity: int) -> None:
        self.spec = spec
        self.n = 0
        self.capacity = capacity
        self.x = np.empty((capacity, len(spec.feature_names)), dtype=np.float32)
        self.core = {role: np.empty(capacity, dtype=np.int32 if role == "process" else np.float32)
                     for role in ("mass", "labels", "weights", "process")}
        self.columns: dict[str, np.ndarray] = {}

    def append(self, arrays: ak.Array, *, where: str) -> None:
        rows = len(arrays)
        if rows == 0:
            return
        start, stop = self.n, self.n + rows
        self.x[start:stop] = feature_columns(self.spec.features, arrays, where=where)
        for role, key, default in (("labels", "label", None), ("mass", "mass", None),
                                   ("weights", "weight", 1.0), ("process", "process", None)):
            value = getattr(self.spec, key)
            if isinstance(value, str):
                values = _flat(arrays[f"_hc_{key}"], value, where)
                if role == "process":  # no silent cast of 1.7 → 1 or 2**31 + 5 → -2**31 + 5
                    values = process_ids(values, where=f"process {value!r} in {where}")
                self.core[role][start:stop] = values
            else:
                self.core[role][start:stop] = default if value is None else value
        for j, (name, expression) in enumerate(self.spec.columns):
            values = _flat(arrays[f"_hc_c{j}"], expression, where)
            if name not in self.columns:
                self.columns[name] = np.empty(self.capacity, dtype=values.dtype)
            self.columns[name][start:stop] = values
        self.n = stop

    def finish(self) -> Events:
        # shrink in place (realloc): the cut may have kept fewer events than allocated
        self.x.resize((self.n, self.x.shape[1]), refcheck=False)
        for arr in (*self.core.values(), *self.columns.values()):
            arr.resize(self.n, refcheck=False)
        return Events(self.x, self.core["mass"], self.core["labels"], self.core["weights"],
                      feature_names=self.spec.feature_names, process=self.core["process"],
                      columns=self.columns)


def feature_columns(features: Sequence[Expr | Jagged | Count | Sum], arrays: Any, *, where: str) -> np.ndarray:
    """``(n, F)`` float64 feature columns of one chunk read with the aliases ``_hc_f{i}``
    (and ``_hc_s{i}`` for a ``Jagged.sort_by``) of the features (as ``RootSpec.expressions``)."""
    n = len(arrays)
    columns = []
    for i, feature in enumerate(features):
        values = arrays[f"_hc_f{i}"]
        if isinstance(feature, Expr):
            columns.append(_flat(values, feature.expression, where).astype(np.float64)[:, None])
        elif isinstance(feature, (Count, Sum)):
            values = _jagged(values, feature.branch, where)
            reduced = ak.num(values, axis=1) if isinstance(feature, Count) else ak.sum(values, axis=1)
            columns.append(np.asarray(ak.to_numpy(reduced), dtype=np.float64)[:, None])
        else:
            values = _jagged(values, feature.branch, where)
            if feature.sort_by is not None:
                key = _jagged(arrays[f"_hc_s{i}"], feature.sort_by, where)
                values = values[ak.argsort(key, axis=1, ascending=feature.ascending, stable=True)]
            padded = ak.fill_none(ak.pad_none(values, int(feature.leading), axis=1, clip=True), feature.pad)
            columns.append(np.asarray(ak.to_numpy(padded), dtype=np.float64).reshape(n, int(feature.leading)))
    return np.concatenate(columns, axis=1) if columns else np.zeros((n, 0))


def _flat(values: Any, expression: str, where: str) -> np.ndarray:
    if isinstance(values, ak.Array) and values.ndim != 1:
        raise ValueError(
            f"{expression!r} in {where} has a variable number of values per event ({ak.type(values)}); "
            f"reduce it explicitly: Jagged({expression!r}, leading=k, pad=...) or Count({expression!r})"
        )
    arr = ak.to_numpy(values) if isinstance(values, ak.Array) else np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{expression!r} in {where} is not numeric (dtype {arr.dtype})")
    return arr


def _jagged(values: Any, expression: str, where: str) -> ak.Array:
    if not isinstance(values, ak.Array) or values.ndim != 2:
        raise ValueError(
            f"{expression!r} in {where} is not a list of objects per event "
            f"(type {ak.type(values) if isinstance(values, ak.Array) else type(values).__name__}); "
            "Jagged/Count need a jagged branch such as 'Jet_Px'"
        )
    return values
