"""hepconditioning apply under bad inputs: one clear line each, no traceback, nothing half-written."""

from __future__ import annotations

import re

import numpy as np
import pytest
import uproot

from hepconditioning.apply import ApplySpec, apply_files
from hepconditioning.cli import main
from hepconditioning.contract import Condition, Feature, TrainedOn
from hepconditioning.errors import ConfigError
from hepconditioning.nn import AffinePNN
from hepconditioning.training import save_model

N = 3000


def _tree(path, columns, tree="events"):
    with uproot.recreate(path) as file:
        file.mktree(tree, {k: v.dtype for k, v in columns.items()})
        file[tree].extend(columns)
    return path


def _columns(**changes):
    rng = np.random.default_rng(0)
    columns = {"f0": rng.normal(size=N), "weight": rng.uniform(0.5, 1.5, N), "process": np.arange(N, dtype=np.int32) % 2}
    return {**columns, **changes}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A one-feature conditioned model (f0, mass trained at 500 and 1000 GeV)."""
    net = AffinePNN(1, widths=(4,))
    net.trained_on = TrainedOn((Feature("f0"),), Condition().trained([500.0, 1000.0]))
    return save_model(tmp_path_factory.mktemp("model") / "one.pt", net)


def _spec(tmp_path, text='', name="spec.toml"):
    path = tmp_path / name
    path.write_text('tree = "events"\n' + text + '\n[features]\nf0 = "f0"\n')
    return path


def _apply(capsys, model, files, spec, out, *extra):
    status = main(["apply", str(model), *map(str, files), "--spec", str(spec), "--mass", "500", "--out", str(out),
                   "--quiet", *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "warning" not in err, err
    return status, err.strip().splitlines()


@pytest.mark.parametrize(("columns", "spec", "message"), [
    ({"f0x": np.zeros(N)}, "", r"'f0' not found in tree 'events' of '.*in.root'.*did you mean 'f0x'"),
    ({"weight": np.where(np.arange(N) < 5, np.nan, 1.0)}, 'weight = "weight"',
     r"weight 'weight' is NaN or ±inf at 5 of the 3000 selected entries"),
    ({"weight": np.where(np.arange(N) == 7, np.inf, 1.0)}, 'weight = "weight * 2"', r"±inf at 1 of the 3000"),
    ({}, 'cut = "process"', r"cut 'process' gives int32 values, not booleans; write a comparison"),
])
def test_a_bad_file_is_one_line_and_no_output(model, tmp_path, capsys, columns, spec, message):
    columns = {k: v for k, v in _columns(**columns).items() if not (k == "f0" and "f0x" in columns)}
    source = _tree(tmp_path / "in.root", columns)
    status, err = _apply(capsys, model, [source], _spec(tmp_path, spec), tmp_path / "out")
    assert status == 1 and len(err) == 1 and err[0].startswith(f"hepconditioning apply: error: {source}: ")
    assert re.search(message, err[0]), err[0]
    assert not (tmp_path / "out").exists()  # every input failed: not even an empty directory


def test_a_truncated_basket_names_the_file_and_the_entries(model, tmp_path, capsys):
    whole = _tree(tmp_path / "whole.root", _columns()).read_bytes()
    cut = tmp_path / "cut.root"
    cut.write_bytes(whole[: len(whole) // 2])  # the tree's header reads, its baskets do not
    good = _tree(tmp_path / "good.root", _columns())
    status, err = _apply(capsys, model, [cut, good], _spec(tmp_path), tmp_path / "out")
    assert status == 1 and len(err) == 1
    assert f"{cut}: '{cut}' is truncated or damaged: entries 0–3000 of tree 'events' cannot be read" in err[0]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good_scores.root", "histograms.png",
                                                                   "histograms.root"]


@pytest.mark.parametrize(("text", "message"), [
    ('cut = "f0 +"', "cut 'f0 +' is not a valid expression"),
    ('cut = "(f0 > 0) && (process == 1)"', "uproot expressions are Python: &, |, ~ instead of &&"),
    ('weight = "weight and process"', "'and'/'or' cannot combine arrays; write (a) & (b)"),
])
def test_an_invalid_expression_is_refused_with_the_spec(model, tmp_path, capsys, text, message):
    source = _tree(tmp_path / "in.root", _columns())
    status, err = _apply(capsys, model, [source], _spec(tmp_path, text), tmp_path / "out")
    assert status == 2 and len(err) == 1 and message in err[0] and "spec.toml" in err[0]
    with pytest.raises(ValueError, match="not a valid expression"):
        ApplySpec("events", features=["f0 * "])


def test_inputs_twice_or_where_an_output_goes_are_refused(model, tmp_path, capsys):
    source = _tree(tmp_path / "in.root", _columns())
    spec = _spec(tmp_path)
    status, err = _apply(capsys, model, [source, tmp_path / "." / "in.root"], spec, tmp_path / "out")
    assert status == 2 and err == [f"hepconditioning apply: error: input '{tmp_path}/in.root' is given twice; give "
                                   "each file once, or its events count twice in histograms.root"]
    out = tmp_path / "out"
    out.mkdir()
    inside = _tree(out / "histograms.root", _columns())
    before = inside.read_bytes()
    status, err = _apply(capsys, model, [inside], spec, out)
    assert status == 2 and "would be overwritten by an output of the run" in err[0]
    assert inside.read_bytes() == before and [p.name for p in out.iterdir()] == ["histograms.root"]
    status, err = _apply(capsys, model, [source], spec, source)
    assert status == 2 and err == [f"hepconditioning apply: error: output '{source}' is a file; give a directory "
                                   "(it is created if missing)"]


@pytest.mark.parametrize("option", [["--step", "0"], ["--step", "-5"], ["--bins", "-2"], ["--workers", "0"]])
def test_counts_must_be_positive(model, tmp_path, capsys, option):
    source = _tree(tmp_path / "in.root", _columns())
    with pytest.raises(SystemExit) as exit_:
        _apply(capsys, model, [source], _spec(tmp_path), tmp_path / "out", *option)
    assert exit_.value.code == 2 and not (tmp_path / "out").exists()
    name = option[0][2:]
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        apply_files(model, [source], spec=ApplySpec("events", features=["f0"]), masses=[500.0],
                    out=tmp_path / "out", progress=False, **{name: int(option[1])})


def test_more_workers_than_the_machine_can_run_is_refused(model, tmp_path, capsys):
    source = _tree(tmp_path / "in.root", _columns())
    status, err = _apply(capsys, model, [source], _spec(tmp_path), tmp_path / "out", "--workers", "100000")
    assert status == 2 and "workers=100000 processes on the" in err[0] and "--scheduler" in err[0]
    assert not (tmp_path / "out").exists()


def test_load_spec_reports_expressions_as_config_errors(tmp_path):
    from hepconditioning.apply import load_spec

    path = tmp_path / "spec.toml"
    path.write_text('tree = "t"\n[features]\nf0 = "!f0"\n')
    with pytest.raises(ConfigError, match=r"spec '.*spec.toml': feature 'f0' = '!f0' is not a valid expression"):
        load_spec(path)


@pytest.mark.parametrize(("kind", "reason"), [
    ("root", "a ROOT file, not a model"),
    ("empty", "an empty file"),
    ("onnx", "not a file written by torch.save (an ONNX export"),
    ("module", "a torch file holding more than tensors and plain data (a whole module"),
])
def test_a_model_file_of_another_kind_says_what_it_is(model, tmp_path, capsys, kind, reason):
    import torch

    source = _tree(tmp_path / "in.root", _columns())
    path = tmp_path / f"model.{kind}"
    if kind == "root":
        path.write_bytes(source.read_bytes())
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "onnx":
        pytest.importorskip("onnx", reason="the onnx extra: pip install 'hepconditioning[onnx]'")
        from hepconditioning.export import to_onnx

        to_onnx(model, path)
    else:
        torch.save(torch.nn.Linear(2, 1), path)
    status, err = _apply(capsys, path, [source], _spec(tmp_path), tmp_path / "out")
    assert status == 2 and err == [f"hepconditioning apply: error: model file '{path}' is damaged or not a "
                                   f"hepconditioning model file ({reason}" + err[0].split(reason, 1)[1]]
    assert "\x1b" not in err[0] and not (tmp_path / "out").exists()


def test_a_histogram_named_as_the_tree_and_a_list_weight_are_one_line(model, tmp_path, capsys):
    import awkward as ak

    histogram = tmp_path / "th1.root"
    with uproot.recreate(histogram) as file:
        file["events"] = np.histogram(np.arange(10.0), bins=5)
    listed = tmp_path / "listed.root"
    with uproot.recreate(listed) as file:
        file.mktree("events", {"f0": np.float64, "w": ak.Array([[1.0]]).type.content})
        file["events"].extend({"f0": np.zeros(10), "w": ak.Array([[1.0, 2.0]] * 10)})
    status, err = _apply(capsys, model, [histogram, listed], _spec(tmp_path, 'weight = "w"'), tmp_path / "out")
    assert status == 1 and err == [
        f"hepconditioning apply: error: {histogram}: 'events' in ROOT file '{histogram}' is a TH1D, not a tree "
        "(trees: none)",
        f"hepconditioning apply: error: {listed}: weight 'w' gives a list per entry in entries 0–10 of "
        f"'{listed}'; give one number per entry"]


@pytest.mark.parametrize("existing", [False, True])
def test_a_failure_while_writing_removes_what_the_run_wrote(model, tmp_path, monkeypatch, existing):
    import hepconditioning.apply.run as root  # the write_root that apply_files calls

    sources = [_tree(tmp_path / f"in{i}.root", _columns()) for i in range(2)]
    out = tmp_path / "out"
    if existing:
        out.mkdir()
        (out / "notes.txt").write_text("kept")
    write_root, calls = root.write_root, []

    def full_disk(path, **kwargs):  # the second output fails, as on a full disk
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return write_root(path, **kwargs)

    monkeypatch.setattr(root, "write_root", full_disk)
    with pytest.raises(OSError, match="No space left"):
        apply_files(model, sources, spec=ApplySpec("events", features=["f0"]), masses=[500.0], out=out,
                    progress=False)
    assert calls[0].name == "in0_scores.root"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"] if existing else not out.exists()
