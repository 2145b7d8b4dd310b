"""Speed and memory of the readers/writers against raw pyarrow and raw uproot.

    python -m benchmarks.io [--rows 1000000] [--repeat 2] [--csv-only]

Prints tables (no asserts): rows/s, MB/s and CPU seconds of ``read_csv`` next to
``pyarrow.csv.read_csv`` and ``polars.read_csv`` (when installed: ``pip install polars``), the
readers taking turns, on a generated HEPMASS-layout file (plain and gzipped), the peak memory
of each relative to the float32 size of the events (measured in a fresh subprocess, RSS high-water mark), the ROOT
writer/reader against raw uproot, and the compression codecs. Times are the best of
``--repeat`` runs; on a shared machine compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import gzip
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import uproot

from benchmarks.csv_references import raw_polars, raw_pyarrow, raw_pyarrow_numpy
from hepconditioning import Events
from hepconditioning.datasets.hepmass import COLUMNS as HEPMASS_COLUMNS
from hepconditioning.datasets.hepmass import HEPMASS_FEATURES
from hepconditioning.io import (
    read_csv,
    read_events,
    write_csv,
    write_events,
    write_root,
)

ROOT = Path(__file__).resolve().parents[1]


def best_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(readers: dict[str, Callable[[Path], object]], path: Path,
                repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall and best CPU seconds (all threads) of each reader, the readers taking turns."""
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in readers}
    for _ in range(repeat):
        for label, read in readers.items():
            wall, cpu = time.perf_counter(), time.process_time()
            read(path)
            runs[label].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {label: (min(w for w, _ in r), min(c for _, c in r)) for label, r in runs.items()}


def generate(n: int, seed: int = 0) -> Events:
    """Random numbers in the HEPMASS layout (standardized features, 499.999 as in the real files)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 27)).astype(np.float32)
    mass = rng.choice(np.array([499.999, 750, 1000, 1250, 1500], dtype=np.float32), size=n)
    return Events(x, mass, rng.integers(0, 2, n), feature_names=HEPMASS_FEATURES)


PEAK_SCRIPT = """
import gc, sys
import numpy as np, pyarrow as pa, pyarrow.csv as pacsv
sys.path.insert(0, {root!r})
from hepconditioning.io import read_csv

NAMES = {names!r}

def raw_pyarrow_numpy(path):
    t = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows=1, column_names=NAMES),
                       convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(NAMES, pa.float32())))
    x = np.stack([t.column(f).to_numpy() for f in NAMES[1:-1]], axis=1)
    return x, t.column("mass").to_numpy(), t.column("label").to_numpy()

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

{call}({small!r})  # warm up: libraries and thread pools loaded before the baseline
gc.collect()
base = status("VmRSS")
with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark (Linux >= 4.0)
    f.write("5")
result = {call}({path!r})
print(status("VmHWM") - base)
"""


def peak_memory(call: str, path: Path, small: Path) -> float:
    """RSS high-water mark (VmHWM) growth in bytes of ``call(path)`` in a fresh interpreter."""
    code = PEAK_SCRIPT.format(root=str(ROOT), names=list(HEPMASS_COLUMNS), call=call,
                              path=str(path), small=str(small))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def bench_csv(events: Events, workdir: Path, repeat: int) -> None:
    n = len(events)
    f32_bytes = n * len(HEPMASS_COLUMNS) * 4
    small = write_csv(workdir / "small.csv", events[:20_000])
    rows, mem_rows = [], []
    for name, level in ((f"hepmass_{n}.csv", None), (f"hepmass_{n}.csv.gz", 1)):
        path = workdir / name
        start = time.perf_counter()
        if level is None:
            write_csv(path, events)
        else:  # level 1 keeps the generation short; the reader does not care
            with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=level) as gz:
                plain = (workdir / f"hepmass_{n}.csv").read_bytes()
                gz.write(plain)
                del plain
        t_write = time.perf_counter() - start
        size = path.stat().st_size
        readers = {"pyarrow.csv.read_csv -> Table": raw_pyarrow, "pyarrow.csv + numpy stack": raw_pyarrow_numpy}
        if raw_polars is not None:
            readers["polars.read_csv -> DataFrame"] = raw_polars
        readers["hepconditioning read_csv -> Events"] = read_csv
        best = interleaved(readers, path, repeat)
        t_raw = best["pyarrow.csv.read_csv -> Table"][0]
        t_polars = best.get("polars.read_csv -> DataFrame", (math.nan,))[0]
        for label, (t, cpu) in best.items():
            rows.append([name, label, f"{n / t:,.0f}", f"{size / t / 1e6:.1f}", f"{cpu:.2f}", f"{t_raw / t:.2f}",
                         f"{t_polars / t:.2f}"])
        rows.append([name, f"(write_csv: {t_write:.1f} s, {size / 1e6:.0f} MB on disk)", "", "", "", "", ""])
        for label, call in (("pyarrow.csv + numpy stack", "raw_pyarrow_numpy"),
                            ("hepconditioning read_csv", "read_csv")):
            grown = peak_memory(call, path, small)
            mem_rows.append([name, label, f"{grown / 2**20:.0f}", f"{f32_bytes / 2**20:.0f}",
                             f"{grown / f32_bytes:.2f}"])
    table(f"CSV reading, {n:,} rows x {len(HEPMASS_COLUMNS)} columns (best of {repeat}, interleaved; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
          ["file", "reader", "rows/s (wall)", "MB/s (file)", "CPU s", "speed vs pyarrow Table", "speed vs polars"],
          rows)
    table("CSV reading, peak memory (RSS growth in a fresh process)",
          ["file", "reader", "peak MiB", "float32 MiB", "peak / float32"], mem_rows)


def bench_root(events: Events, workdir: Path, repeat: int) -> None:
    n = len(events)
    columns = events.to_dict()
    columns = {("label" if k == "labels" else "weight" if k == "weights" else k): v for k, v in columns.items()}
    columns = {k: np.ascontiguousarray(v) for k, v in columns.items()}
    raw_bytes = sum(v.nbytes for v in columns.values())
    path_ours, path_raw = workdir / "events.root", workdir / "raw.root"

    def raw_write() -> None:
        with uproot.recreate(path_raw, compression=uproot.LZ4(1)) as f:
            tree = f.mktree("events", {k: v.dtype for k, v in columns.items()})
            for start in range(0, n, 100_000):
                tree.extend({k: v[start:start + 100_000] for k, v in columns.items()})

    def raw_read() -> dict[str, np.ndarray]:
        with uproot.open(path_raw) as f:
            return f["events"].arrays(library="np")

    t_w_raw = best_time(raw_write, repeat)
    t_w = best_time(lambda: write_events(path_ours, events, compression="lz4"), repeat)
    t_r_raw = best_time(raw_read, repeat)
    t_r = best_time(lambda: read_events(path_ours), repeat)
    rows = [
        ["write", "uproot mktree+extend (LZ4 1)", f"{n / t_w_raw:,.0f}", f"{raw_bytes / t_w_raw / 1e6:.0f}", "1.00"],
        ["write", "write_events (LZ4 1)", f"{n / t_w:,.0f}", f"{raw_bytes / t_w / 1e6:.0f}", f"{t_w_raw / t_w:.2f}"],
        ["read", "uproot tree.arrays(library='np')", f"{n / t_r_raw:,.0f}", f"{raw_bytes / t_r_raw / 1e6:.0f}", "1.00"],
        ["read", "read_events -> Events", f"{n / t_r:,.0f}", f"{raw_bytes / t_r / 1e6:.0f}", f"{t_r_raw / t_r:.2f}"],
    ]
    table(f"ROOT events tree, {n:,} events x {len(columns)} branches ({raw_bytes / 1e6:.0f} MB in memory)",
          ["op", "implementation", "events/s", "MB/s", "speed vs raw uproot"], rows)

    # codecs: 1M x 30 float32 as in the issue
    rng = np.random.default_rng(1)
    data = {f"f{i}": rng.normal(size=n).astype(np.float32) for i in range(30)}
    data_bytes = sum(v.nbytes for v in data.values())
    rows = []
    for codec in ("zlib:1", "lz4:1", "lz4:4", "zstd:1", "zstd:5", None):
        path = workdir / "codec.root"
        t_w = best_time(lambda c=codec, p=path: write_root(p, trees={"t": data}, compression=c), repeat)

        def read(p: Path = path) -> None:
            with uproot.open(p) as f:
                f["t"].arrays(library="np")

        t_r = best_time(read, repeat)
        size = path.stat().st_size
        rows.append([str(codec), f"{data_bytes / t_w / 1e6:.0f}", f"{data_bytes / t_r / 1e6:.0f}",
                     f"{size / 1e6:.1f}", f"{size / data_bytes:.3f}"])
    table(f"Compression codecs, write_root of {n:,} x 30 float32 (normal random numbers)",
          ["codec", "write MB/s", "read MB/s", "file MB", "size ratio"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--csv-only", action="store_true", help="the CSV tables only (no ROOT)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pyarrow {pa.__version__}, "
          f"uproot {uproot.__version__}, {os.cpu_count()} CPUs")
    events = generate(args.rows)
    with tempfile.TemporaryDirectory(prefix="hepconditioning-io-bench-") as tmp:
        bench_csv(events, Path(tmp), args.repeat)
        if not args.csv_only:
            bench_root(events, Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
