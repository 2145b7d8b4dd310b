"""The layers of the package: ``io/`` knows files only (docs/architecture.md)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hepconditioning"
IO_MAY_IMPORT = ("hepconditioning.io", "hepconditioning.events", "hepconditioning.errors", "hepconditioning._version",
                 "hepconditioning._compat")
ABOVE_IO = ("evaluation", "metrics", "training", "datasets", "sampling", "nn", "pipeline",
            "plotting", "multi_instance", "cli", "config")


def _imported(path: Path) -> set[str]:
    """Every module named by an import statement of ``path`` (deferred imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            found.add(node.module or "")
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "io").rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_io_imports_nothing_above_events(path):
    upward = sorted(name for name in _imported(path)
                    if name.startswith("hepconditioning") and not name.startswith(IO_MAY_IMPORT))
    assert upward == [], f"{path.relative_to(ROOT)} imports {upward}; io/ may import only {IO_MAY_IMPORT}"


def test_importing_io_loads_no_layer_above():
    modules = [f"hepconditioning.{'.'.join(p.relative_to(PACKAGE).with_suffix('').parts)}".removesuffix(".__init__")
               for p in sorted((PACKAGE / "io").rglob("*.py"))]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(' '.join(sorted(m for m, v in sys.modules.items()"
            + " if m.startswith('hepconditioning.') and getattr(v, '__file__', None))))")  # not _compat's stand-ins
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout.split()
    above = [m for m in loaded if m.split(".")[1] in ABOVE_IO]
    assert above == [], f"importing hepconditioning.io loads {above}"


def test_old_spellings_resolve_to_their_new_home_with_a_deprecation_warning():
    import hepconditioning as hc
    import hepconditioning.evaluation as evaluation
    import hepconditioning.io as io
    import hepconditioning.nn as nn
    import hepconditioning.training as training
    from hepconditioning._compat import MOVED_MODULES, MOVED_NAMES

    for (old, name), target in MOVED_NAMES.items():
        home, _, new_name = target.partition(":")
        with pytest.warns(DeprecationWarning, match=f"{old}.{name} moved to {home}.{new_name or name}"):
            value = getattr(importlib.import_module(old), name)
        assert value is getattr(importlib.import_module(home), new_name or name)
    for old, new in MOVED_MODULES.items():
        alias = importlib.import_module(old)
        public = importlib.import_module(new).__all__[0]
        with pytest.warns(DeprecationWarning, match=f"{old} moved to {new}"):
            assert getattr(alias, public) is getattr(importlib.import_module(new), public)
    with pytest.warns(DeprecationWarning, match="hepconditioning.histograms moved"):
        assert hc.histograms.score_histograms is evaluation.score_histograms
    with pytest.warns(DeprecationWarning, match="training.predict moved to hepconditioning.nn"):
        from hepconditioning.training import inputs, predict
    assert predict is nn.predict and inputs is sys.modules["hepconditioning.training.inputs"]
    for module, name in ((io, "write_result"), (training, "predictt")):
        with pytest.raises(AttributeError, match=f"no attribute {name!r}"):
            getattr(module, name)
    assert "predict" not in training.__all__ and "predict" in nn.__all__


FILE_CALLS = ("uproot.recreate", "uproot.open", "uproot.update", "gzip.open", "gzip.GzipFile",
              "pyarrow.csv", "output_stream")


@pytest.mark.parametrize("folder", ["hepconditioning", "analysis"])
def test_files_are_opened_only_under_io(folder):
    outside = [path for path in sorted((ROOT / folder).rglob("*.py")) if (PACKAGE / "io") not in path.parents]
    found = [f"{path.relative_to(ROOT)}: {call}" for path in outside for call in FILE_CALLS
             if call in path.read_text()]
    assert found == [], f"files opened outside hepconditioning/io: {found}; use the io/ readers and writers"


SCRIPTS = sorted(p for folder in ("analysis", "benchmarks") for p in (ROOT / folder).rglob("*.py"))


def test_the_script_cap_sees_every_script():
    assert {p.relative_to(ROOT).parts[0] for p in SCRIPTS} == {"analysis", "benchmarks"}
    assert ROOT / "analysis" / "anzalone22" / "run.py" in SCRIPTS  # subfolders too


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_scripts_stay_studies(path):
    """Issue 12: a script holds the study, the library the pieces (≤ 250 lines each)."""
    lines = len(path.read_text().splitlines())
    assert lines <= 250, f"{path.relative_to(ROOT)} has {lines} lines; move reusable pieces into the library"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_scripts_run_as_modules_without_path_hacks(path):
    """``python -m analysis.anzalone22.run`` from the repository root: no ``sys.path`` edits."""
    code = [line for line in path.read_text().splitlines() if "sys.path.insert" in line and "{" not in line]
    assert code == [], f"{path.relative_to(ROOT)} edits sys.path; import siblings as analysis.<...>"
