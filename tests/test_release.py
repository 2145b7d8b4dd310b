"""What a release is made of: the version in one place, the changelog naming it, the sdist
and wheel carrying the bundled files (``.ci/run`` builds them, runs ``twine check`` and the
demo from the wheel in a fresh virtual environment)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import hepconditioning
from hepconditioning._version import __version__
from hepconditioning.cli import main

ROOT = Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_the_version_lives_in_one_place(capsys):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["hatch"]["version"]["path"] == "hepconditioning/_version.py"
    assert hepconditioning.__version__ == __version__
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"hepconditioning {__version__}"
    others = [str(p.relative_to(ROOT)) for p in (ROOT / "hepconditioning").rglob("*.py")
              if p.name != "_version.py" and re.search(r"__version__\s*=", p.read_text())]
    assert others == []


def test_the_changelog_names_the_version():
    newest = re.search(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert newest and newest.group(1) == __version__


def test_sdist_and_wheel_carry_the_bundled_files():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]
    assert build["wheel"]["force-include"] == {"data": "hepconditioning/_data"}
    include = build["sdist"]["include"]
    data = ROOT / "data"
    shipped = [p for p in data.rglob("*") if p.is_file()]
    missing = [str(p.relative_to(ROOT)) for p in shipped
               if not any(p.relative_to(ROOT).match(pattern) for pattern in include)]
    assert missing == [], f"files of data/ the sdist would leave out: {missing}"
