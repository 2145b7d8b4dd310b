from __future__ import annotations

from pathlib import Path

import awkward as ak
import hist
import numpy as np
import pytest
import uproot

from hepconditioning import Events
from hepconditioning.errors import CorruptFileError, EmptyInputError, MissingColumnError
from hepconditioning.io import (
    Count,
    Expr,
    Jagged,
    RootSpec,
    read_events,
    read_root,
    write_events,
    write_root,
)


def _only(directory: Path, *names: str) -> None:
    """No output or temporary file besides the expected ones."""
    assert sorted(p.name for p in directory.iterdir()) == sorted(names)


def _leading(lists: list[list[float]], k: int, pad: float) -> np.ndarray:
    return np.array([(row + [pad] * k)[:k] for row in lists], dtype=np.float32)


# -- reading the reference files -----------------------------------------------------------
def test_hzz_jagged_leading_two_against_uproot(reference_data):
    path = reference_data / "uproot-HZZ.root"
    spec = RootSpec(
        "events",
        [Jagged("Jet_Px", leading=2, pad=-999.0), Jagged("Jet_E", leading=2, pad=-999.0),
         Count("Jet_Px"), "MET_px"],
        label=1, mass=125.0, weight="EventWeight", columns={"n_muon": "NMuon"},
    )
    events = read_root(path, spec)
    with uproot.open(path) as f:
        ref = f["events"].arrays(["Jet_Px", "Jet_E", "NJet", "MET_px", "EventWeight", "NMuon"])
    assert len(events) == 2421
    assert events.feature_names == ("Jet_Px_0", "Jet_Px_1", "Jet_E_0", "Jet_E_1", "Jet_Px_count", "MET_px")
    assert np.array_equal(events.x[:, :2], _leading(ak.to_list(ref["Jet_Px"]), 2, -999.0))
    assert np.array_equal(events.x[:, 2:4], _leading(ak.to_list(ref["Jet_E"]), 2, -999.0))
    assert np.array_equal(events.column("Jet_Px_count"), ak.to_numpy(ref["NJet"]))  # stored counter
    assert np.array_equal(events.column("MET_px"), ak.to_numpy(ref["MET_px"]))
    assert np.array_equal(events.weights, ak.to_numpy(ref["EventWeight"]))
    assert np.array_equal(events.column("n_muon"), ak.to_numpy(ref["NMuon"]))
    assert (events.labels == 1).all() and (events.mass == 125).all()


def test_hzz_cut_and_sorted_leading_muons(reference_data):
    path = reference_data / "uproot-HZZ.root"
    spec = RootSpec("events", {"mu_E": Jagged("Muon_E", leading=2), "mu_px": Jagged("Muon_Px", leading=2,
                                                                                        sort_by="Muon_E")},
                    label=0, process=3, cut="NMuon >= 2")
    events = read_root(path, spec)
    with uproot.open(path) as f:
        ref = f["events"].arrays(["Muon_E", "Muon_Px", "NMuon"], library="np")
    keep = ref["NMuon"] >= 2
    assert len(events) == keep.sum() > 0
    e_sorted, px_sorted = [], []
    for e, px in zip(ref["Muon_E"][keep], ref["Muon_Px"][keep], strict=True):
        order = np.argsort(-e, kind="stable")[:2]
        e_sorted.append(e[:2])  # stored order
        px_sorted.append(px[order])
    assert events.feature_names == ("mu_E_0", "mu_E_1", "mu_px_0", "mu_px_1")
    assert np.array_equal(events.x[:, :2], np.array(e_sorted))
    assert np.array_equal(events.x[:, 2:], np.array(px_sorted))
    assert (events.process == 3).all() and (events.labels == 0).all()


def test_zmumu_flat_spec_and_dimuon_mass(reference_data):
    path = reference_data / "uproot-Zmumu.root"
    branches = ["E1", "px1", "py1", "pz1", "E2", "px2", "py2", "pz2"]
    spec = RootSpec("events", [*branches, Expr("sqrt(px1**2 + py1**2)", name="pt1_xy")],
                    label=1, mass=91.1876, columns={"M": "M", "run": "Run"})
    events = read_root([path, path], spec)  # two files concatenated
    with uproot.open(path) as f:
        ref = f["events"].arrays([*branches, "M", "Run"], library="np")
    n = len(ref["M"])
    assert len(events) == 2 * n
    for name in branches:
        assert np.array_equal(events.column(name), np.tile(ref[name].astype(np.float32), 2))
    pt = np.hypot(ref["px1"], ref["py1"]).astype(np.float32)
    assert np.allclose(events.column("pt1_xy")[:n], pt, rtol=1e-6)
    assert np.array_equal(events.column("M")[:n], ref["M"]) and events.column("M").dtype == np.float64
    assert np.array_equal(events.column("run")[n:], ref["Run"])
    # invariant mass of the two muons from the float32 features reproduces the stored M
    p = {k: events.column(k).astype(np.float64) for k in branches}
    m2 = ((p["E1"] + p["E2"]) ** 2 - (p["px1"] + p["px2"]) ** 2 - (p["py1"] + p["py2"]) ** 2
          - (p["pz1"] + p["pz2"]) ** 2)
    assert np.allclose(np.sqrt(m2), events.column("M"), rtol=3e-4)
    assert 85 < np.median(events.column("M")) < 95  # the Z peak


def test_spec_expression_symbols_follow_uproot(reference_data):
    path = reference_data / "uproot-HZZ.root"
    spec = RootSpec("events", {"met": "hypot(MET_px, MET_py)", "w": 'get("EventWeight") * 2'},
                    label="where(NMuon >= 2, 1, 0)")
    events = read_root(path, spec)
    with uproot.open(path) as f:
        ref = f["events"].arrays(["MET_px", "MET_py", "EventWeight", "NMuon"], library="np")
    assert np.allclose(events.column("met"), np.hypot(ref["MET_px"], ref["MET_py"]))
    assert np.array_equal(events.column("w"), ref["EventWeight"] * 2)
    assert np.array_equal(events.labels, (ref["NMuon"] >= 2).astype(np.float32))


def test_spec_validation():
    with pytest.raises(ValueError, match="repeated column names \\['a_0'\\]"):
        RootSpec("t", [Jagged("a", leading=2), Expr("x", name="a_0")], label=1)
    for leading in (0, True, 1.0):
        with pytest.raises(ValueError, match="leading must be an integer >= 1"):
            Jagged("Jet_Px", leading=leading)
    with pytest.raises(TypeError, match="feature must be"):
        RootSpec("t", [3.0], label=1)
    assert RootSpec("t", "a", label=0).feature_names == ("a",)


# -- writing ------------------------------------------------------------------------------
def test_events_root_round_trip_is_exact(tmp_path, toy_events):
    rng = np.random.default_rng(2)
    n = len(toy_events)
    events = toy_events.replace(columns={"particles": rng.normal(size=(n, 6, 4)).astype(np.float32),
                                         "selected": rng.random(n) > 0.5,
                                         "n_jets": rng.integers(0, 9, n)})
    scores = rng.random(n)
    path = write_events(tmp_path / "scores.root", events, scores=scores, chunk_rows=128)
    back = read_events(path)
    assert back.feature_names == events.feature_names
    for name in ("x", "mass", "labels", "weights", "process"):
        assert getattr(back, name).dtype == getattr(events, name).dtype
        assert np.array_equal(getattr(back, name), getattr(events, name)), name
    assert list(back.columns) == [*events.columns, "score"]
    for name, values in events.columns.items():
        assert back.column(name).dtype == values.dtype and np.array_equal(back.column(name), values)
    assert np.array_equal(back.column("score"), scores)
    with uproot.open(path) as f:
        assert f.classnames()["events;1"] == "TTree"
        assert f["events"]["particles"].typename == "float[6][4]"
        assert f["events"]["label"].typename == "int32_t"
        assert f.file.compression == uproot.LZ4(1)
    _only(tmp_path, "scores.root")


def test_histograms_and_directories_read_back_identical(tmp_path):
    rng = np.random.default_rng(3)
    h1 = hist.Hist.new.Reg(20, 0, 1, name="score").Weight()
    h1.fill(rng.random(5000) * 1.2 - 0.1, weight=rng.normal(1, 0.5, 5000))  # flow bins used
    h2 = hist.Hist.new.Reg(5, 0, 1, name="score").Var([500, 750, 1000, 1500], name="mass").Weight()
    h2.fill(rng.random(300), rng.uniform(500, 1500, 300), weight=rng.random(300))
    table = {"mass": np.array([500.0, 750.0]), "cut": np.array([0.71, 0.83]), "ams": np.array([3.2, 5.1])}
    path = write_root(tmp_path / "results.root",
                      trees={"best_cuts": table},
                      histograms={"mass_500/score_signal": h1, "mass_500/score_2d": h2},
                      compression="zstd")
    with uproot.open(path) as f:
        assert f.classnames()["mass_500;1"] == "TDirectory"
        r1, r2 = f["mass_500/score_signal"], f["mass_500/score_2d"]
        assert r1.classname == "TH1D" and r2.classname == "TH2D"
        assert np.array_equal(r1.values(flow=True), h1.values(flow=True))
        assert np.array_equal(r1.variances(flow=True), h1.variances(flow=True))
        assert np.allclose(r1.axis().edges(), h1.axes[0].edges, rtol=0, atol=1e-12)  # regular axis: low + i*width
        assert np.array_equal(r2.values(), h2.values())
        assert np.array_equal(r2.variances(), h2.variances())
        assert np.array_equal(r2.axis(1).edges(), [500, 750, 1000, 1500])
        back = f["best_cuts"].arrays(library="np")
        assert all(np.array_equal(back[k], v) for k, v in table.items())
        assert f.file.compression == uproot.ZSTD(1)


@pytest.mark.parametrize("compression", ["lz4", "zlib:4", "zstd", "lzma", None])
def test_compression_codecs_round_trip(tmp_path, compression):
    values = np.random.default_rng(4).normal(size=(1000, 3))
    path = write_root(tmp_path / "c.root", trees={"dir/t": {"v": values, "i": np.arange(1000)}},
                      compression=compression, chunk_rows=300)
    with uproot.open(path) as f:
        back = f["dir/t"].arrays(library="np")
    assert np.array_equal(back["v"], values) and np.array_equal(back["i"], np.arange(1000))


def test_read_root_tree_in_directory_with_fixed_size_arrays(tmp_path):
    rng = np.random.default_rng(5)
    v, a = rng.normal(size=(50, 3)).astype(np.float32), rng.normal(size=50)
    path = write_root(tmp_path / "w.root", trees={"sub/t": {"v": v, "a": a, "lab": np.arange(50) % 2}})
    spec = RootSpec("sub/t", [Jagged("v", leading=2), Count("v"), "a"], label="lab", cut="a > 0")
    events = read_root(path, spec)
    keep = a > 0
    assert events.feature_names == ("v_0", "v_1", "v_count", "a")
    assert np.array_equal(events.x[:, :2], v[keep, :2])
    assert (events.column("v_count") == 3).all()
    assert np.array_equal(events.column("a"), a[keep].astype(np.float32))
    assert np.array_equal(events.labels, (np.arange(50) % 2)[keep])


# -- bad inputs: each names the problem and leaves no file behind --------------------------
def test_missing_branch_suggests_names_and_names_file(reference_data, tmp_path):
    path = reference_data / "uproot-HZZ.root"
    for spec in (RootSpec("events", [Jagged("jet_px", leading=2)], label=1),
                 RootSpec("events", ["MET_px"], label=1, weight="sqrt(jet_px)"),
                 RootSpec("events", ["MET_px"], label=1, cut="NJet > 1 & jet_px > 0")):
        with pytest.raises(MissingColumnError,
                           match=r"'jet_px' not found in tree 'events' of '.*uproot-HZZ\.root'; did you mean 'Jet_Px'"):
            read_root(path, spec)
    with pytest.raises(MissingColumnError, match=r"'Events' not found in ROOT file .*; did you mean 'events'"):
        read_root(path, RootSpec("Events", ["MET_px"], label=1))
    _only(tmp_path)


def test_jagged_feature_needs_explicit_reduction(reference_data):
    with pytest.raises(ValueError, match=r"'Jet_Px' .* variable number .* Jagged\('Jet_Px', leading=k"):
        read_root(reference_data / "uproot-HZZ.root", RootSpec("events", ["Jet_Px"], label=1))
    with pytest.raises(ValueError, match="not a list of objects"):
        read_root(reference_data / "uproot-HZZ.root", RootSpec("events", [Count("MET_px")], label=1))


@pytest.mark.parametrize("damage", ["truncated", "junk", "empty"])
def test_corrupt_root_file(reference_data, tmp_path, damage):
    data = (reference_data / "uproot-HZZ.root").read_bytes()
    bad = tmp_path / "bad.root"
    bad.write_bytes({"truncated": data[: len(data) // 2], "junk": b"not a root file" * 50,
                     "empty": b""}[damage])
    with pytest.raises(CorruptFileError, match=r"bad\.root"):
        read_root(bad, RootSpec("events", ["MET_px"], label=1))
    _only(tmp_path, "bad.root")


def test_empty_tree_and_empty_selection(reference_data, tmp_path):
    empty = write_root(tmp_path / "empty.root", trees={"events": {"a": np.zeros(0, np.float32)}})
    with pytest.raises(EmptyInputError, match=r"no events .* tree 'events' of '.*empty\.root'"):
        read_root(empty, RootSpec("events", ["a"], label=1))
    with pytest.raises(EmptyInputError, match=r"cut 'NJet > 100' selects none of the 2421 events"):
        read_root(reference_data / "uproot-HZZ.root", RootSpec("events", ["MET_px"], label=1, cut="NJet > 100"))
    _only(tmp_path, "empty.root")


def test_missing_input_and_output_directory(tmp_path, toy_events):
    with pytest.raises(FileNotFoundError, match=r"nope\.root"):
        read_root(tmp_path / "nope.root", RootSpec("events", ["a"], label=1))
    with pytest.raises(FileNotFoundError, match=r"output directory .* does not exist"):
        write_events(tmp_path / "missing" / "out.root", toy_events)
    _only(tmp_path)


def test_failed_write_leaves_no_file(tmp_path, toy_events):
    out = tmp_path / "out.root"
    with pytest.raises(ValueError, match="branch 'b' of tree 't' has 3 entries, the first branch 2"):
        write_root(out, trees={"t": {"a": np.zeros(2), "b": np.zeros(3)}})
    with pytest.raises(TypeError):  # fails after the tree was written: the temp file goes away
        write_events(out, toy_events, histograms={"h": object()})
    _only(tmp_path)
    write_root(out, trees={"t": {"a": np.zeros(2)}})
    with pytest.raises(TypeError):  # an existing file is not touched by a failed rewrite
        write_root(out, trees={"t": {"a": np.ones(2)}}, histograms={"h": object()})
    with uproot.open(out) as f:
        assert f["t"]["a"].array(library="np").tolist() == [0, 0]
    _only(tmp_path, "out.root")


def test_read_events_rejects_foreign_tree(reference_data):
    with pytest.raises(ValueError, match=r"not written by write_events.*read_root"):
        read_events(reference_data / "uproot-HZZ.root")


def test_events_written_with_unusual_feature_names(tmp_path):
    events = Events(np.eye(3), 500, [1, 0, 1], feature_names=["sqrt(px**2)", "mass", "jet pt"])
    back = read_events(write_events(tmp_path / "e.root", events))
    assert back.feature_names == events.feature_names and np.array_equal(back.x, events.x)


def test_events_without_features_round_trip(tmp_path):
    events = Events(np.zeros((3, 0)), [500, 750, 500], [1, 0, 1], feature_names=[])
    back = read_events(write_events(tmp_path / "e.root", events))
    assert back.x.shape == (3, 0) and np.array_equal(back.mass, events.mass)
    with pytest.raises(MissingColumnError, match=r"'evnts' not found in ROOT file .*e\.root.*did you mean 'events'"):
        read_events(tmp_path / "e.root", tree="evnts")


def test_keys_naming_the_same_object_are_rejected_before_writing(tmp_path):
    with pytest.raises(ValueError, match="keys 'a' and '/a' both name the object 'a'"):
        write_root(tmp_path / "o.root", trees={"a": {"x": np.zeros(2)}, "/a": {"y": np.zeros(2)}})
    with pytest.raises(ValueError, match="invalid object key"):
        write_root(tmp_path / "o.root", trees={"a//b": {"x": np.zeros(2)}})
    with pytest.raises(ValueError, match="must be a whole number"):
        write_root(tmp_path / "o.root", trees={"a": {"x": np.zeros(2)}}, compression="zstd:x")
    _only(tmp_path)


def test_input_path_is_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        read_root(tmp_path, RootSpec("events", ["a"], label=1))
