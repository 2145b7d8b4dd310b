"""hepconditioning apply: friend trees, merged histograms, damaged inputs, dask, NanoAOD."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import uproot

from hepconditioning import Standardizer
from hepconditioning.apply import SENTINEL, ApplySpec, apply_files, load_spec
from hepconditioning.apply.spec import evaluate_features
from hepconditioning.cli import main
from hepconditioning.contract import Condition, TrainedOn
from hepconditioning.datasets.hepmass import FEATURES, load_hepmass, physical, write_generated
from hepconditioning.errors import ConfigError
from hepconditioning.io import read_events
from hepconditioning.io.bundled import bundled_path
from hepconditioning.io.root import write_root
from hepconditioning.io.root.spec import Count, Jagged
from hepconditioning.nn import AffinePNN
from hepconditioning.training import TrainConfig, fit, load_model, save_model

MASSES = [500.0, 1000.0, 1500.0]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A small trained model file and three generated ROOT files, the second one damaged."""
    base = tmp_path_factory.mktemp("apply")
    train = physical(load_hepmass("generated", n_events=3000, split="train", seed=1))
    model = AffinePNN(27, widths=(16, 8), dropout=0.0)
    model.set_standardizer(Standardizer.fit(train))
    fit(model, train, validation=train[:500], config=TrainConfig(epochs=1, batch_size=256), progress=False)
    model_path = save_model(base / "model.pt", model, features=FEATURES)
    files = []
    for i, n in enumerate((1200, 900, 700)):
        path = base / f"sample{i}.root"
        write_generated(path, n, seed=10 + i, progress=False)
        files.append(path)
    damaged = base / "damaged.root"
    damaged.write_bytes(files[1].read_bytes()[: files[1].stat().st_size // 2])
    return model_path, [files[0], damaged, files[2]], base


def _read(path, tree="events"):
    with uproot.open(path) as file:
        return file[tree].arrays(library="np")


def test_apply_writes_friend_trees_and_histograms(setup, tmp_path, capsys):
    model_path, files, _ = setup
    spec = bundled_path("specs/hepconditioning_events.toml")
    argv = ["apply", str(model_path), *map(str, files), "--spec", str(spec), "--mass", "500", "1000", "1500",
            "--out", str(tmp_path / "out"), "--step", "500", "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"hepconditioning apply: error: {files[1]}: ")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["histograms.png", "histograms.root", "sample0_scores.root",
                                                     "sample2_scores.root"]
    model = load_model(model_path)
    total = np.zeros(3)
    for source in (files[0], files[2]):
        friend = _read(out / f"{source.stem}_scores.root")
        events = read_events(source)
        assert len(friend["selected"]) == len(events) and friend["selected"].all()
        expected = model.predict(physical(events).x, hypotheses=MASSES)
        for j, name in enumerate(["score_500", "score_1000", "score_1500"]):
            assert friend[name].dtype == np.float32
            np.testing.assert_allclose(friend[name], expected[:, j], rtol=1e-6, atol=1e-7)
            total[j] += events.weights.sum()
    with uproot.open(out / "histograms.root") as file:
        for j, name in enumerate(["score_500", "score_1000", "score_1500"]):
            h = file[name]
            assert h.classname == "TH1D" and h.values().shape == (50,)
            np.testing.assert_allclose(h.values().sum(), total[j], rtol=1e-6)
            assert (h.variances() > 0).any()


def test_dask_two_workers_equal_serial(setup, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra: pip install 'hepconditioning[dask]'")
    model_path, files, _ = setup
    spec = load_spec(bundled_path("specs/hepconditioning_events.toml"))
    good = [files[0], files[2]]
    serial = apply_files(model_path, good, spec=spec, masses=MASSES, out=tmp_path / "serial", step=400,
                         progress=False)
    parallel = apply_files(model_path, good, spec=spec, masses=MASSES, out=tmp_path / "dask", step=400,
                           workers=2, progress=False)
    assert not serial.failed and not parallel.failed and serial.entries == parallel.entries == 1900
    for source in good:
        a = _read(tmp_path / "serial" / f"{source.stem}_scores.root")
        b = _read(tmp_path / "dask" / f"{source.stem}_scores.root")
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    with uproot.open(serial.histograms) as sa, uproot.open(parallel.histograms) as sb:
        for name in ("score_500", "score_1000", "score_1500"):
            np.testing.assert_array_equal(sa[name].values(), sb[name].values())
            np.testing.assert_array_equal(sa[name].variances(), sb[name].variances())


def test_nanoaod_spec_on_cms_open_data(setup, reference_data, tmp_path):
    model_path, _, _ = setup
    nano = reference_data / "nanoaod_ttbar.root"
    spec = load_spec(bundled_path("specs/nanoaod_hepmass.toml"))
    relaxed = ApplySpec(spec.tree, objects=spec.objects.__class__(**{**spec.objects.__dict__,
                                                                    "cuts": {"jet_pt_min": 15.0}}))
    for s, name in ((spec, "strict"), (relaxed, "relaxed")):
        result = apply_files(model_path, [nano], spec=s, masses=MASSES, out=tmp_path / name, progress=False)
        assert not result.failed and result.entries == 200
        friend = _read(tmp_path / name / "nanoaod_ttbar_scores.root", "Events")
        chosen = friend["selected"]
        assert chosen.sum() == result.selected
        assert (friend["score_500"][~chosen] == SENTINEL).all()
        assert ((friend["score_500"][chosen] >= 0) & (friend["score_500"][chosen] <= 1)).all()
    assert result.selected > 0  # the relaxed selection finds events with one lepton and >= 4 jets


def test_spec_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('tree = "events"\nfeatures = 3\nnonsense = 1\n')
    with pytest.raises(ConfigError, match=r"spec '.*bad.toml': unknown key\(s\) \['nonsense'\]"):
        load_spec(bad)
    bad.write_text('tree = "events"\n[features]\na = { jagged = "Jet_Px" }\n')
    with pytest.raises(ConfigError, match="leading = k"):
        load_spec(bad)
    bad.write_text('tree = "events"\n')
    with pytest.raises(ConfigError, match="exactly one of features"):
        load_spec(bad)
    spec = load_spec(bundled_path("specs/nanoaod_hepmass.toml"))
    assert spec.objects.btag_threshold == 0.8 and spec.feature_names == tuple(f.name for f in FEATURES)


def test_apply_refuses_a_spec_that_does_not_match_the_model(setup, tmp_path):
    model_path, files, _ = setup
    spec = ApplySpec("events", features=["f1", "f0"])
    with pytest.raises(ValueError, match="in the model's order"):
        apply_files(model_path, files[:1], spec=spec, masses=MASSES, out=tmp_path, progress=False)
    assert not list(tmp_path.iterdir())
    torch.set_num_threads(1)


def test_onnx_backend_equals_torch(setup, tmp_path):
    pytest.importorskip("onnxruntime", reason="the onnx extra: pip install 'hepconditioning[onnx]'")
    model_path, files, _ = setup
    spec = load_spec(bundled_path("specs/hepconditioning_events.toml"))
    runs = {backend: apply_files(model_path, files[2:], spec=spec, masses=MASSES, out=tmp_path / backend,
                                 backend=backend, progress=False) for backend in ("torch", "onnx")}
    assert not runs["onnx"].failed
    a = _read(tmp_path / "torch" / "sample2_scores.root")
    b = _read(tmp_path / "onnx" / "sample2_scores.root")
    for key in ("score_500", "score_1000", "score_1500"):
        np.testing.assert_allclose(b[key], a[key], atol=1e-5)


def _standardized_model(path):
    """The README tour's model: trained on the stored (standardized) HEPMASS layout f0 … f26."""
    train = load_hepmass("generated", n_events=2000, split="train", seed=2)
    model = AffinePNN(27, widths=(8,), dropout=0.0)
    fit(model, train, validation=train[:400], config=TrainConfig(epochs=1, batch_size=256), progress=False)
    assert model.trained_on.inputs == "standardized"
    return save_model(path, model)


def test_a_model_trained_on_standardized_features_refuses_physical_inputs(setup, tmp_path, capsys):
    """The README tour's model applied with the NanoAOD spec (physical features): one clear error,
    exit status 2, nothing written; undeclared physical branches are measured and refused."""
    _, files, _ = setup
    tour = _standardized_model(tmp_path / "tour.pt")
    out = tmp_path / "scores"
    argv = ["apply", str(tour), str(files[0]), "--spec", "nanoaod_hepmass", "--mass", "500", "--out", str(out),
            "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "trained on standardized features but the spec gives physical" in err[0]
    assert not out.exists()
    physical_file = tmp_path / "physical.root"
    events = physical(read_events(files[0]))
    write_root(physical_file, trees={"events": {name: events.x[:, i] for i, name in enumerate(events.feature_names)}})
    plain = ApplySpec("events", features=[f"f{i}" for i in range(27)])
    result = apply_files(tour, [physical_file], spec=plain, masses=MASSES, out=tmp_path / "m", progress=False)
    assert "gives physical features" in result.failed[str(physical_file)]
    assert apply_files(tour, [files[0]], spec=plain, masses=MASSES, out=tmp_path / "s", progress=False).failed == {}


def test_a_model_trained_on_physical_features_refuses_standardized_inputs(setup, tmp_path):
    model_path, files, _ = setup
    plain = ApplySpec("events", features=[f"f{i}" for i in range(27)])  # stored standardized, not converted
    result = apply_files(model_path, [files[0]], spec=plain, masses=MASSES, out=tmp_path, progress=False)
    assert "trained on physical features but entries 0–" in result.failed[str(files[0])]
    assert "gives standardized features" in result.failed[str(files[0])]
    declared = ApplySpec("events", features=[f"f{i}" for i in range(27)], inputs="standardized")
    with pytest.raises(ValueError, match="trained on physical features but the spec gives standardized"):
        apply_files(model_path, [files[0]], spec=declared, masses=MASSES, out=tmp_path, progress=False)


@pytest.mark.parametrize("mass", ["nan", "-500", "0", "inf"])
def test_a_mass_outside_the_conditions_domain_is_refused(setup, tmp_path, capsys, mass):
    model_path, files, _ = setup
    argv = ["apply", str(model_path), str(files[0]), "--spec", "hepconditioning_events", "--mass", "500", mass,
            "--out", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"hepconditioning apply: error: mass {mass} GeV is ")
    assert err[0].endswith("give values in (0, ∞) GeV") and not (tmp_path / "out").exists()


def test_the_physical_domain_belongs_to_the_condition():
    mass, alpha = Condition("mass", "GeV"), Condition("alpha", "rad")
    mass.check([1e-3, 500.0, 1e5])
    alpha.check([-np.pi, 0.0, np.pi / 2, np.pi])
    for condition, value in ((mass, 0.0), (mass, -1.0), (alpha, 4.0), (alpha, float("nan"))):
        with pytest.raises(ValueError, match=f"{condition.name} .* {condition.unit}"):
            condition.check([value])
    Condition("shift", "").check([-3.0])  # no unit, no known domain: any finite value


def _write_tree(path, tree, columns):
    """A TTree (not an RNTuple) with ``columns``, possibly of 0 entries."""
    import awkward as ak

    with uproot.recreate(path) as file:
        file.mktree(tree, {k: ak.Array(v).type.content for k, v in columns.items()})
        if len(next(iter(columns.values()))):
            file[tree].extend(columns)


def _nanoaod(n_jets):
    """NanoAOD-style collections (Muon, Electron, Jet, MET) of len(n_jets) events, one muon each."""
    import awkward as ak

    def collection(counts, fields):
        counts = np.asarray(counts, dtype=np.int64)
        return ak.zip({q: ak.unflatten(np.full(counts.sum(), v, dtype=np.float32), counts) for q, v in fields.items()})

    n = len(n_jets)
    four = {"pt": 60.0, "eta": 0.5, "phi": 1.0, "mass": 0.1}
    return {"Muon": collection([1] * n, four), "Electron": collection([0] * n, four),
            "Jet": collection(n_jets, {**four, "btagCSVV2": 0.9}), "MET_pt": np.full(n, 30.0, np.float32),
            "MET_phi": np.zeros(n, np.float32), "genWeight": np.ones(n, np.float32)}


def test_an_empty_tree_gives_an_empty_friend_tree(setup, tmp_path, capsys):
    model_path, files, _ = setup
    with uproot.open(files[0]) as file:
        columns = file["events"].arrays(library="np")
    _write_tree(tmp_path / "skim.root", "events", {k: v[:0] for k, v in columns.items()})
    _write_tree(tmp_path / "nano.root", "Events", _nanoaod([]))
    _write_tree(tmp_path / "nano3.root", "Events", _nanoaod([3, 2]))  # no event with four jets
    for name, spec, expected in (("skim", "hepconditioning_events", 0), ("nano", "nanoaod_hepmass", 0),
                                 ("nano3", "nanoaod_hepmass", 2)):
        out = tmp_path / f"out_{name}"
        argv = ["apply", str(model_path), str(tmp_path / f"{name}.root"), "--spec", spec, "--mass", "500", "1000",
                "--out", str(out), "--quiet"]
        assert main(argv) == 0, capsys.readouterr().err
        assert capsys.readouterr().err == ""
        with uproot.open(out / f"{name}_scores.root") as file:
            tree = file[load_spec(bundled_path(f"specs/{spec}.toml")).tree]
            assert tree.num_entries == expected and set(tree.keys()) == {"score_500", "score_1000", "selected"}
            assert not tree["selected"].array(library="np").any()
        with uproot.open(out / "histograms.root") as file:
            assert file["score_500"].values().sum() == 0.0
    jagged = ApplySpec("Events", features=[Jagged("Jet_pt", 2), Count("Jet_pt"), "MET_pt"])
    with uproot.open(tmp_path / "nano.root") as file:
        x, selected = evaluate_features(jagged, file["Events"].arrays(list(jagged.expressions()),
                                                                      aliases=jagged.expressions()))
    assert x.shape == (0, 4) and selected.shape == (0,)


def test_dask_equals_a_serial_run_on_several_torch_threads(setup, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra: pip install 'hepconditioning[dask]'")
    _, files, base = setup
    model = AffinePNN(27)  # the default widths: large enough that the thread count changes the rounding
    model.set_standardizer(Standardizer.fit(physical(read_events(files[0]))))
    model.trained_on = TrainedOn(tuple(FEATURES), Condition().trained(MASSES))
    model_path = save_model(base / "wide.pt", model)
    spec = load_spec(bundled_path("specs/hepconditioning_events.toml"))
    threads = torch.get_num_threads()
    torch.set_num_threads(4)
    try:
        apply_files(model_path, files[:1], spec=spec, masses=MASSES, out=tmp_path / "serial", progress=False)
        assert torch.get_num_threads() == 4  # the caller's setting is restored
    finally:
        torch.set_num_threads(threads)
    apply_files(model_path, files[:1], spec=spec, masses=MASSES, out=tmp_path / "dask", workers=2, progress=False)
    a, b = _read(tmp_path / "serial" / "sample0_scores.root"), _read(tmp_path / "dask" / "sample0_scores.root")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


SIGTERM_DURING_DASK = """
import os, signal, sys
import distributed

real = distributed.as_completed


def as_completed(*args, **kwargs):  # the tasks are submitted: SIGTERM as a batch system sends it
    os.killpg(0, signal.SIGTERM)  # to the whole job (this process and its dask workers)
    return real(*args, **kwargs)


if __name__ == "__main__":  # the workers are spawned: they import this file again
    distributed.as_completed = as_completed
    from hepconditioning.cli import main

    sys.exit(main({argv!r}))
"""


def test_sigterm_during_dask_leaves_one_line_and_nothing_else(setup, tmp_path):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import psutil

    pytest.importorskip("distributed", reason="the dask extra: pip install 'hepconditioning[dask]'")
    model_path, files, _ = setup
    out = tmp_path / "out"
    argv = ["apply", str(model_path), str(files[0]), str(files[2]), "--spec", "hepconditioning_events",
            "--mass", "500", "1000", "--out", str(out), "--workers", "2", "--step", "100", "--quiet"]
    script = tmp_path / "sigterm_apply.py"
    script.write_text(SIGTERM_DURING_DASK.format(argv=argv))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)  # its own process group: pytest is spared
    _, err = child.communicate(timeout=300)
    assert child.returncode == 143, err
    assert err.strip().splitlines() == ["hepconditioning apply: terminated (SIGTERM); incomplete outputs removed"]
    assert not out.exists()  # no outputs and no empty directory
    deadline = time.monotonic() + 20
    while (left := [p for p in psutil.process_iter() if _session(p) == child.pid]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left  # the workers are gone


def _session(process):
    import os

    try:
        return os.getsid(process.pid)
    except OSError:
        return None
