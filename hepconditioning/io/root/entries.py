"""Arrays of expressions from a TTree or an RNTuple, one entry range at a time.

uproot (5.7) reads RNTuples field by field but ignores ``aliases`` and ``cut`` there (it
returns empty records, or every entry): for an RNTuple the fields an expression names are read
and the expression is evaluated here with uproot's own functions (``sqrt``, ``cos``, …), so
specs, samples and ``apply`` treat both kinds alike.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

import awkward as ak
import uproot

__all__ = ["TREE_CLASSES", "is_rntuple", "iterate_arrays", "read_arrays"]

TREE_CLASSES = ("TTree", "TNtuple", "ROOT::RNTuple")
"""Class names of the objects read as trees (an RNTuple is ROOT's successor of the TTree)."""


def is_rntuple(obj: Any) -> bool:
    """Whether ``obj`` (an object read from a ROOT file) is an RNTuple rather than a TTree."""
    return "RNTuple" in str(getattr(obj, "classname", ""))


def _names(expression: str) -> set[str]:
    functions = uproot.language.python.PythonLanguage.default_functions
    tree = ast.parse(expression, mode="eval")
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - (called & set(functions))


def _evaluate(expression: str, fields: Mapping[str, Any]) -> Any:
    functions = uproot.language.python.PythonLanguage.default_functions
    code = compile(ast.parse(expression, mode="eval"), "<expression>", "eval")
    return eval(code, {"__builtins__": {}}, {**functions, **fields})


def read_arrays(obj: Any, expressions: Mapping[str, str], *, cut: str | None = None,
                entry_start: int | None = None, entry_stop: int | None = None) -> ak.Array:
    """``{alias: expression}`` evaluated on entries ``[entry_start, entry_stop)`` of ``obj``
    (rows failing ``cut`` dropped) as an awkward record array with the aliases as fields."""
    if not is_rntuple(obj):
        aliases = {k: v for k, v in expressions.items() if k != v}  # plain branches are read by name
        return obj.arrays(list(expressions), aliases=aliases, cut=cut, entry_start=entry_start,
                          entry_stop=entry_stop, library="ak")
    wanted = set().union(*(_names(e) for e in [*expressions.values(), *([cut] if cut else [])]))
    fields = obj.arrays(sorted(wanted), entry_start=entry_start, entry_stop=entry_stop) if wanted else None
    columns = {name: fields[name] for name in sorted(wanted)} if fields is not None else {}
    out = {alias: _evaluate(e, columns) for alias, e in expressions.items()}
    if cut:
        mask = _evaluate(cut, columns)
        out = {alias: values[mask] for alias, values in out.items()}
    return ak.zip(out, depth_limit=1) if out else ak.Array([{}] * 0)


def iterate_arrays(obj: Any, expressions: Mapping[str, str], *, cut: str | None = None,
                   step: int = 100_000) -> Iterator[ak.Array]:
    """:func:`read_arrays` over all entries of ``obj`` in ranges of ``step`` entries."""
    total = int(obj.num_entries)
    for start in range(0, total, step):
        yield read_arrays(obj, expressions, cut=cut, entry_start=start, entry_stop=min(start + step, total))
