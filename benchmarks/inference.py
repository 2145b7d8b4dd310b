"""Inference speed of a saved AffinePNN on 1M events: predict, ONNX Runtime, the apply paths.

    PYTHONPATH=. python benchmarks/inference.py [--events 1000000] [--hypotheses 1]

Prints events/s side by side for

- ``predict``: ``load_model(path).predict(x, mass=...)`` (torch, one intra-op thread);
- ONNX Runtime: ``OnnxScorer(path).predict`` (the exported graph, one thread);
- ``apply`` serial and ``apply --workers 2`` (dask LocalCluster, one torch thread per worker):
  read a ROOT file of the events, score, write the friend tree and the histograms.

Timings are CPU time (``time.process_time`` in this process; for dask, the CPU time of the
worker processes measured with psutil plus this process's), so they do not depend on the
load of a shared machine; the wall-clock of the dask run is printed with the load average.
The model has the [Anzalone22] shape (27 features, 300/150/100/50) with random weights.

Measured (2026-12-06, main 0ce5c13, shared 2-core machine at load average 11, CPU time, 1M
events): one hypothesis — predict 532k events/s, ONNX Runtime 311k, apply serial 348k (read +
score + write), apply on 2 dask workers 170k per CPU-second of workers and client (worker
start-up and torch import included; 5.1 worker CPU-s for 1M events when warm); five
hypotheses (events × hypotheses per second) — predict 468k, ONNX Runtime 312k, apply serial 414k.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from hepconditioning import Events
from hepconditioning.apply import OnnxScorer, apply_files, load_spec
from hepconditioning.contract import TrainedOn
from hepconditioning.datasets.hepmass import FEATURES, MASSES, unstandardize
from hepconditioning.io import write_events
from hepconditioning.io.bundled import bundled_path
from hepconditioning.nn import AffinePNN
from hepconditioning.standardization import Standardizer
from hepconditioning.training import load_model, save_model


def _model(path: Path, raw: np.ndarray) -> Path:
    model = AffinePNN(27)
    model.set_standardizer(Standardizer.fit(raw[:100_000]))
    model.trained_on = TrainedOn(FEATURES, model.condition.trained(MASSES))  # random weights, untrained
    return save_model(path, model.eval(), features=FEATURES)


def _cpu(f, *args, **kwargs):
    start = time.process_time()
    out = f(*args, **kwargs)
    return out, time.process_time() - start


def _dask_cpu(model: Path, root: Path, out: Path, masses: list[float]) -> tuple[float, float]:
    """(CPU seconds of workers + this process, wall seconds) of apply_files on 2 workers."""
    import psutil
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=40)
    client = Client(cluster)
    try:
        def cpu() -> float:
            times = psutil.Process().cpu_times()
            return times.user + times.system

        before = sum(client.run(cpu).values())
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        spec = load_spec(bundled_path("specs/hepconditioning_events.toml"))
        apply_files(model, [root], spec=spec, masses=masses, out=out, scheduler=cluster.scheduler_address,
                    step=125_000, progress=False)
        wall = time.perf_counter() - start_wall
        own = time.process_time() - start_cpu
        after = sum(client.run(cpu).values())
        return after - before + own, wall
    finally:
        client.close()
        cluster.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--hypotheses", type=int, default=1, help="mass hypotheses scored per event")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = args.events
    masses = list(MASSES[: args.hypotheses])
    rng = np.random.default_rng(0)
    standardized = rng.normal(size=(n, 27)).astype(np.float32)
    raw = unstandardize(standardized).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = _model(tmp / "model.pt", raw)
        model = load_model(path)
        rows = []
        _, seconds = _cpu(model.predict, raw, hypotheses=masses)
        rows.append(("predict (torch, 1 thread)", seconds))
        scorer = OnnxScorer(path, threads=1)
        _, seconds = _cpu(scorer.predict, raw, hypotheses=masses)
        rows.append(("ONNX Runtime (1 thread)", seconds))
        root = tmp / "events.root"
        write_events(root, Events(standardized, np.full(n, 500.0), np.zeros(n), feature_names=[f.name for f in FEATURES]))
        spec = load_spec(bundled_path("specs/hepconditioning_events.toml"))
        _, seconds = _cpu(apply_files, path, [root], spec=spec, masses=masses, out=tmp / "serial",
                          step=125_000, progress=False)
        rows.append(("apply serial (read, score, write)", seconds))
        wall = None
        if not args.skip_dask:
            seconds, wall = _dask_cpu(path, root, tmp / "dask", masses)
            rows.append(("apply --workers 2 (dask, CPU of all)", seconds))
    print(f"{n:,} events x {len(masses)} hypothesis(es), AffinePNN 27 features, CPU time:")
    for name, seconds in rows:
        print(f"  {name:40s} {n * len(masses) / seconds:12,.0f} events/s  ({seconds:.2f} CPU s)")
    if wall is not None:
        print(f"  dask wall clock {wall:.2f} s ({n * len(masses) / wall:,.0f} events/s) at load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
