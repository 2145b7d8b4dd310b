"""The documentation site covers the public API: every public module is on an API page of the
site (``docs/api/*.md``, listed in ``mkdocs.yml``), and every public name has a docstring
(``mkdocs build --strict`` in CI then fails on a broken reference)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import hepconditioning

ROOT = Path(__file__).resolve().parents[1]


def public_modules() -> list[str]:
    """Every module of the package without a ``_`` part in its dotted name."""
    names = [module.name for module in pkgutil.walk_packages(hepconditioning.__path__, "hepconditioning.")]
    return ["hepconditioning", *(n for n in names if not any(p.startswith("_") for p in n.split(".")[1:]))]


def missing_docstrings(name: str) -> list[str]:
    """Public names of module ``name`` without a docstring: the module, the classes and
    functions of its ``__all__``, and the public methods and properties of its classes
    (a docstring inherited from a base class counts)."""
    module = importlib.import_module(name)
    missing = [] if inspect.getdoc(module) else [name]
    for public in getattr(module, "__all__", []):
        obj = getattr(module, public)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not inspect.getdoc(obj):
            missing.append(f"{name}.{public}")
        if inspect.isclass(obj) and obj.__module__ == name:
            for attribute, value in vars(obj).items():
                if attribute.startswith("_") or not (inspect.isfunction(value) or isinstance(value, property)):
                    continue
                if not inspect.getdoc(getattr(obj, attribute, value) if inspect.isfunction(value) else value) \
                        and not _inherited_doc(obj, attribute):
                    missing.append(f"{name}.{public}.{attribute}")
    return missing


def _inherited_doc(cls: type, attribute: str) -> bool:
    return any(inspect.getdoc(vars(base)[attribute]) for base in cls.__mro__[1:] if attribute in vars(base))


def test_every_public_module_is_on_an_api_page_of_the_site():
    pages = sorted((ROOT / "docs" / "api").glob("*.md"))
    rendered = set()
    for page in pages:  # "::: name" and, with show_submodules, every module below it
        for name, options in re.findall(r"^::: (\S+)\n((?:    .*\n)*)", page.read_text(), re.M):
            rendered.add(name)
            if "show_submodules: true" in options:
                rendered.update(m for m in public_modules() if m.startswith(f"{name}."))
    assert sorted(set(public_modules()) - rendered) == [], "add them to a docs/api/*.md page"
    assert sorted(rendered - set(public_modules())) == [], "docs/api names modules that do not exist"
    nav = (ROOT / "mkdocs.yml").read_text()
    assert [p.name for p in pages if f"api/{p.name}" not in nav] == [], "API pages missing from the nav"


def test_every_public_name_has_a_docstring():
    missing = [entry for name in public_modules() for entry in missing_docstrings(name)]
    assert missing == [], f"public names without a docstring: {missing}"
