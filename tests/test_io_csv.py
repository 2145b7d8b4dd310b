from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from hepconditioning import Events
from hepconditioning.datasets.hepmass import COLUMNS as HEPMASS_COLUMNS
from hepconditioning.datasets.hepmass import CSV_LAYOUT, HEPMASS_FEATURES
from hepconditioning.datasets.hepmass import MASSES as HEPMASS_MASSES
from hepconditioning.errors import (
    CorruptFileError,
    EmptyInputError,
    MissingColumnError,
    NonFiniteError,
    UnknownMassPointError,
)
from hepconditioning.io import (
    read_csv,
    snap_mass,
    write_csv,
)


def _hepmass_events(n: int = 500, seed: int = 0) -> Events:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 27)).astype(np.float32)
    # values whose shortest decimal form is long or extreme must survive the text round trip
    x[:6, 0] = [np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, -0.0, 0.1, 1 / 3]
    x[6:, 1] *= np.float32(1e7)
    labels = rng.integers(0, 2, n)
    mass = rng.choice(HEPMASS_MASSES, size=n)
    return Events(x, mass, labels, feature_names=HEPMASS_FEATURES)


def _write_text(path: Path, text: str) -> Path:
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


def _hepmass_text(rows: list[list[float]], header: str | None = None) -> str:
    header = header if header is not None else "# " + ", ".join(HEPMASS_COLUMNS)
    return header + "\n" + "\n".join(",".join(f"{v:g}" for v in row) for row in rows) + "\n"


def _row(label: float, mass: float, value: float = 0.5) -> list[float]:
    return [label, *[value + i for i in range(27)], mass]


def _assert_identical(a: Events, b: Events) -> None:
    assert a.feature_names == b.feature_names
    for name in ("x", "mass", "labels", "weights", "process"):
        got, want = getattr(a, name), getattr(b, name)
        assert got.dtype == want.dtype
        assert np.array_equal(got.view(np.int32), want.view(np.int32)), name  # bitwise (-0.0)


def _only(directory: Path, *names: str) -> None:
    """No output or temporary file besides the inputs."""
    assert sorted(p.name for p in directory.iterdir()) == sorted(names)


@pytest.mark.parametrize("name", ["hepmass.csv", "hepmass.csv.gz"])
def test_events_csv_round_trip_is_exact(tmp_path, name):
    events = _hepmass_events()
    path = write_csv(tmp_path / name, events)
    with open(path, "rb") as raw:
        assert (raw.read(2) == b"\x1f\x8b") == name.endswith(".gz")
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt") as f:
        assert f.readline() == "# label, " + ", ".join(HEPMASS_FEATURES) + ", mass\n"
    back = read_csv(path, chunk_rows=64)  # several streamed blocks
    _assert_identical(back, events)
    _only(tmp_path, name)


def test_named_layout_keeps_weights_and_process(tmp_path, toy_events):
    events = Events(toy_events.x, toy_events.mass, toy_events.labels, toy_events.weights,
                    feature_names=toy_events.feature_names, process=toy_events.process)
    back = read_csv(write_csv(tmp_path / "toy.csv", events, layout="named"),
                    mass_points=(500, 750, 1000))
    _assert_identical(back, events)
    with pytest.raises(ValueError, match="no weights or process column"):
        write_csv(tmp_path / "lost.csv", events)  # hepmass layout would drop them
    with pytest.raises(ValueError, match="extra columns \\['w_a'\\]"):
        write_csv(tmp_path / "lost.csv", toy_events, layout="named")
    _only(tmp_path, "toy.csv")


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_real_layout_values_and_mass_snapping(tmp_path, suffix):
    rows = [_row(1, 499.999, 0.25), _row(0, 1000.0002, -1.5), _row(1, 1500, 3), _row(0, 750.4, 7)]
    path = _write_text(tmp_path / f"all_test{suffix}", _hepmass_text(rows))
    events = read_csv(path, layout=CSV_LAYOUT)
    assert events.feature_names == HEPMASS_FEATURES
    assert events.labels.tolist() == [1, 0, 1, 0]
    assert events.mass.tolist() == [500.0, 1000.0, 1500.0, 750.0]
    with pytest.raises(UnknownMassPointError, match=r"750\.4, 1000 GeV"):  # no grid: the signal's values
        read_csv(path)
    assert events.x[:, 0].tolist() == [0.25, -1.5, 3, 7]
    assert events.x[1, 26] == np.float32(-1.5 + 26)
    assert events.weights.tolist() == [1, 1, 1, 1]
    raw = read_csv(path, mass_points=None)
    assert raw.mass[0] == np.float32(499.999)


def test_imb_layout_found_by_name_and_files_concatenated(tmp_path):
    # IMB signal file: pandas style, label called "type", shuffled columns, an index column
    order = [*HEPMASS_FEATURES[::-1], "mass", "type"]
    header = "," + ",".join(order)
    lines = [header]
    for i, (m, v) in enumerate([(500, 1.0), (750, 2.0)]):
        values = {f"f{k}": v + k / 100 for k in range(27)} | {"mass": m, "type": 1}
        lines.append(f"{i}," + ",".join(f"{values[c]:g}" for c in order))
    sig = _write_text(tmp_path / "imbalanced_signal.csv", "\n".join(lines) + "\n")
    bkg = _write_text(tmp_path / "imbalanced_background.csv.gz", _hepmass_text([_row(0, 1250, 9.0)]))
    events = read_csv([sig, bkg], layout=CSV_LAYOUT)
    assert events.feature_names == HEPMASS_FEATURES[::-1]  # the first file's order
    assert events.labels.tolist() == [1, 1, 0]
    assert events.mass.tolist() == [500, 750, 1250]
    assert events.column("f3").tolist() == pytest.approx([1.03, 2.03, 12.0])
    picked = read_csv([sig, bkg], layout=CSV_LAYOUT, columns=["f26", "f0"])
    assert picked.feature_names == ("f26", "f0")
    assert np.allclose(picked.x, [[1.26, 1.0], [2.26, 2.0], [35.0, 9.0]])
    with pytest.raises(ValueError, match="expected a header 'label, <features>, mass'"):
        read_csv(sig, layout="positional")
    with pytest.warns(DeprecationWarning, match="layout='hepmass'.* is now layout='positional'"), \
            pytest.raises(ValueError, match="expected a header"):
        read_csv(sig, layout="hepmass")
    with pytest.raises(ValueError, match=r"layout must be one of .* or a CsvLayout"):
        read_csv(sig, layout="csv")


def test_highly_compressed_file_grows_buffer(tmp_path):
    # gzip shrinks repeated rows ~100x: the row estimate is far too small and the arrays grow
    rows = [_row(i % 2, HEPMASS_MASSES[i % 5], float(i % 3)) for i in range(6000)]
    path = _write_text(tmp_path / "repeat.csv.gz", _hepmass_text(rows))
    events = read_csv(path, chunk_rows=500)
    assert len(events) == 6000
    assert np.array_equal(events.x[:, 0], np.arange(6000) % 3)
    assert np.array_equal(events.mass, np.array(HEPMASS_MASSES, dtype=np.float32)[np.arange(6000) % 5])
    assert np.array_equal(events.labels, np.arange(6000) % 2)


def test_snap_mass_to_nearest_point():
    mass = np.array([499.999, 750.5, 1249.2, np.nan], dtype=np.float32)
    out = snap_mass(mass, HEPMASS_MASSES, tolerance=1.0)
    assert out[:3].tolist() == [500, 750, 1250] and np.isnan(out[3])
    with pytest.raises(UnknownMassPointError, match=r"1248\.5"):
        snap_mass(np.array([1248.5]), HEPMASS_MASSES, tolerance=1.0)


# -- bad inputs: each names the problem and leaves no file behind --------------------------
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv\.gz"):
        read_csv(tmp_path / "nope.csv.gz")
    _only(tmp_path)


def test_missing_column_suggests_names_and_names_file(tmp_path):
    path = _write_text(tmp_path / "a.csv", _hepmass_text([_row(1, 500)]))
    with pytest.raises(MissingColumnError, match=r"'F1' not found in CSV file '.*a\.csv'.*did you mean 'f1'"):
        read_csv(path, columns=["f0", "F1"])
    _only(tmp_path, "a.csv")


def test_non_finite_names_column_and_count(tmp_path):
    rows = [_row(1, 500) for _ in range(5)]
    text = _hepmass_text(rows).splitlines()
    for i, bad in ((1, "nan"), (2, "inf"), (4, "")):  # column f3 is field 4
        fields = text[i].split(",")
        fields[4] = bad
        text[i] = ",".join(fields)
    path = _write_text(tmp_path / "nan.csv", "\n".join(text) + "\n")
    with pytest.raises(NonFiniteError, match=r"'f3' of CSV file '.*nan\.csv' has 3 non-finite .* in 5 rows"):
        read_csv(path, chunk_rows=2)
    _only(tmp_path, "nan.csv")


def test_unknown_mass_point_lists_known_points(tmp_path):
    path = _write_text(tmp_path / "m.csv", _hepmass_text([_row(1, 500), _row(0, 620)]))
    with pytest.raises(UnknownMassPointError,
                       match=r"620 GeV in CSV file '.*m\.csv'.*known mass points: 500, 750, 1000, 1250, 1500"):
        read_csv(path, layout=CSV_LAYOUT)
    _only(tmp_path, "m.csv")


@pytest.mark.parametrize("text", ["", "# " + ", ".join(HEPMASS_COLUMNS) + "\n"])
@pytest.mark.parametrize("name", ["empty.csv", "empty.csv.gz"])
def test_empty_file(tmp_path, text, name):
    path = _write_text(tmp_path / name, text)
    with pytest.raises(EmptyInputError, match=name.replace(".", r"\.")):
        read_csv(path)
    _only(tmp_path, name)


@pytest.mark.parametrize("keep", [0.05, 0.7])  # cut inside the header sample / later block
def test_truncated_gzip(tmp_path, keep):
    full = write_csv(tmp_path / "full.csv.gz", _hepmass_events(2000))
    data = full.read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CorruptFileError, match=r"cut\.csv\.gz"):
        read_csv(cut, chunk_rows=100)
    _only(tmp_path, "full.csv.gz", "cut.csv.gz")


def test_labels_must_be_zero_or_one(tmp_path):
    path = _write_text(tmp_path / "lab.csv", _hepmass_text([_row(1, 500), _row(2, 500)]))
    with pytest.raises(ValueError, match=r"'label' of CSV file '.*lab\.csv' must hold 0 .* found \[2\.0\] in rows 1-2"):
        read_csv(path)
    _only(tmp_path, "lab.csv")


def test_unparsable_rows(tmp_path):
    text = _hepmass_text([_row(1, 500)]) + "1,abc\n"
    path = _write_text(tmp_path / "bad.csv", text)
    with pytest.raises(CorruptFileError, match=r"bad\.csv"):
        read_csv(path)
    _only(tmp_path, "bad.csv")


def test_output_directory_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_csv(tmp_path / "no" / "out.csv.gz", _hepmass_events(10))
    _only(tmp_path)


def test_snap_mass_needs_mass_points():
    with pytest.raises(ValueError, match="mass_points is empty"):
        snap_mass(np.array([500.0]), [])


@pytest.mark.parametrize(
    ("names", "layout", "match"),
    [
        (["Mass", "b"], "named", "clash"),
        (["Unnamed: 0", "b"], "named", "clash"),
        (["a,b", "c"], "hepmass", "cannot be written"),
        ([" a", "b"], "named", "cannot be written"),
        (["'a'", "b"], "hepmass", "cannot be written"),
    ],
)
def test_feature_names_that_would_not_read_back(tmp_path, names, layout, match):
    events = Events(np.zeros((2, 2)), [500, 500], [1, 0], feature_names=names)
    with pytest.raises(ValueError, match=match):
        write_csv(tmp_path / "out.csv", events, layout=layout)
    _only(tmp_path)


def test_mass_like_feature_name_round_trips_in_hepmass_layout(tmp_path):
    events = Events(np.ones((2, 2)), [500, 750], [1, 0], feature_names=["Mass", "Type"])
    back = read_csv(write_csv(tmp_path / "out.csv", events), layout=CSV_LAYOUT)
    assert back.feature_names == ("Mass", "Type")
    np.testing.assert_array_equal(back.mass, events.mass)


def test_input_path_is_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a directory"):
        read_csv(tmp_path)


def _stray_file(tmp_path, label):
    """A HEPMASS file (499.999 as in the UCI files) with one stray row at 600 GeV."""
    rows = [_row(i % 2, m) for i, m in enumerate([499.999, 750.0002, 1000, 1250, 1500] * 4)]
    return _write_text(tmp_path / f"stray{label}.csv", _hepmass_text([*rows, _row(label, 600)]))


def test_one_rule_for_a_stray_mass_in_read_csv_and_load_hepmass(tmp_path):
    from hepconditioning.datasets.hepmass import load_hepmass

    background = _stray_file(tmp_path, 0)  # a value that no signal row holds: refused by both
    for read in (lambda p: read_csv(p, layout=CSV_LAYOUT), lambda p: load_hepmass(p, split="test")):
        with pytest.raises(UnknownMassPointError, match=r"unknown mass point\(s\) 600 GeV in CSV file .*only "
                                                        r"background rows hold these"):
            read(background)
    signal = _stray_file(tmp_path, 1)  # a signal value off the grid is a point of the sample
    for events in (read_csv(signal, layout=CSV_LAYOUT), load_hepmass(signal, split="test")):
        assert events.mass_points.tolist() == np.unique(events.mass).tolist() == [500, 600, 750, 1000, 1250, 1500]
    with pytest.raises(UnknownMassPointError, match="600"):  # declared points still guard
        read_csv(signal, mass_points=HEPMASS_MASSES)
    with pytest.raises(ValueError, match="'auto' or None"):
        read_csv(signal, mass_points="grid")
