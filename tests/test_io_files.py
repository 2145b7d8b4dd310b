"""The shared file layer: streamed writers, named columns, bundled files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import uproot

from hepconditioning.errors import CorruptFileError, MissingColumnError
from hepconditioning.io import (
    DEFAULT_COMPRESSION,
    bundled_or_path,
    bundled_path,
    csv_writer,
    file_format,
    read_columns,
    tree_writer,
)


def test_tree_writer_streams_chunks_atomically(tmp_path):
    path = tmp_path / "out.root"
    with tree_writer(path, "t", {"a": np.float32, "b": np.int32}, title="chunks") as extend:
        extend({"a": np.arange(3, dtype=np.float32), "b": np.arange(3, dtype=np.int32)})
        assert not path.exists()  # only a temporary name until the block ends
        extend({"a": np.ones(2, np.float32), "b": np.full(2, 7, np.int32)})
    columns, names = read_columns(path, ["a", "b", "absent"], tree="t", dtype=None)
    assert names == ["a", "b"]
    np.testing.assert_array_equal(columns["a"], [0, 1, 2, 1, 1])
    np.testing.assert_array_equal(columns["b"], [0, 1, 2, 7, 7])
    with uproot.open(path) as file:
        assert file.file.compression == uproot.LZ4(1) and DEFAULT_COMPRESSION == "lz4"
        assert file["t"].title == "chunks"
    with pytest.raises(RuntimeError, match="stop"), tree_writer(tmp_path / "failed.root", "t", {"a": np.float32}) as extend:
        extend({"a": np.zeros(2, np.float32)})
        raise RuntimeError("stop")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.root"]


@pytest.mark.parametrize("name", ["f.csv", "f.csv.gz"])
def test_csv_writer_and_read_columns(tmp_path, name):
    path = tmp_path / name
    with csv_writer(path, ["x", "label"]) as write:
        write({"x": np.array([0.1, 2.5], np.float32), "label": np.array([1, 0], np.int8)})
        write({"label": np.array([1]), "x": np.array([3.0], np.float32)})
        with pytest.raises(ValueError, match=r"columns \['label'\] missing"):
            write({"x": np.zeros(1)})
    columns, names = read_columns(path, ["x", "label"], tree="ignored", dtype=np.float32)
    assert names == ["x", "label"] and file_format(path) == "csv"
    np.testing.assert_array_equal(columns["x"], np.array([0.1, 2.5, 3.0], np.float32))
    with csv_writer(tmp_path / "h.csv", ["label", "f0"], header="hepmass") as write:
        write({"label": np.array([1]), "f0": np.array([0.5])})
    assert (tmp_path / "h.csv").read_text().splitlines()[0] == "# label, f0"


def test_damaged_and_missing_files(tmp_path):
    with tree_writer(tmp_path / "good.root", "t", {"a": np.float64}) as extend:
        extend({"a": np.zeros(10)})
    with pytest.raises(MissingColumnError, match=r"'events' not found.*trees"):
        read_columns(tmp_path / "good.root", ["a"], tree="events")
    (tmp_path / "bad.root").write_bytes((tmp_path / "good.root").read_bytes()[:300])
    with pytest.raises(CorruptFileError, match=r"bad\.root"):
        read_columns(tmp_path / "bad.root", ["a"], tree="t")
    with pytest.raises(FileNotFoundError, match=r"absent\.csv"):
        read_columns(tmp_path / "absent.csv", ["a"], tree="t")
    with pytest.raises(ValueError, match=r"\.root, \.csv or \.csv\.gz"):
        file_format("events.parquet")


def test_bundled_path():
    assert bundled_path("demo.toml").name == "demo.toml"
    with pytest.raises(FileNotFoundError, match=r"'nothing.toml' not found .*; do this instead"):
        bundled_path("nothing.toml", hint="do this instead")


def test_bundled_or_path_names_and_paths(tmp_path, monkeypatch):
    assert bundled_or_path("nanoaod_ttbar", suffix=".root", hint="") == bundled_path("nanoaod_ttbar.root")
    spec = bundled_or_path("nanoaod_hepmass", folder="specs", suffix=".toml", hint="")
    assert spec == bundled_path("specs/nanoaod_hepmass.toml")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nanoaod_ttbar").write_text("mine")  # a file of the user's wins over the bundled name
    assert bundled_or_path("nanoaod_ttbar", suffix=".root", hint="") == Path("nanoaod_ttbar")
    assert bundled_or_path("missing.root", suffix=".root", hint="") == Path("missing.root")
    with pytest.raises(FileNotFoundError, match=r"'nanoaod_tbar.root' not found .*; give a path"):
        bundled_or_path("nanoaod_tbar", suffix=".root", hint="give a path")
