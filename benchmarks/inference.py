"""Inference speed of a saved AffinePNN: predict next to ONNX Runtime, and the apply paths.

    python -m benchmarks.inference [--events 1000000] [--hypotheses 1] [--threads 1]
                                                 [--repeat 1] [--skip-dask]

Prints events/s side by side for

- ``predict``: ``load_model(path).predict(x, hypotheses=...)`` (torch, ``--threads`` intra-op
  threads): the conditioned MLP is scored per mass value with the conditioning folded into the
  weights, in passes of 2048 events (:func:`hepconditioning.nn.logits`); the same with
  ``batch_size=65536``; with per-event masses drawn from the five points, as in an evaluation
  sample; and the plain forward pass ``model(x, mass)`` in eval mode, 65536 events per pass
  (what ``predict`` did before the folding);
- ONNX Runtime: ``OnnxScorer(path).predict`` (the exported graph, ``--threads`` threads) with
  its default 8192 events per run and with 65536, and the largest ``|predict − ONNX Runtime|``;
- ``apply`` serial and ``apply --workers 2`` (dask LocalCluster, one torch thread per worker):
  read a ROOT file of the events, score, write the friend tree and the histograms.

Timings are CPU time (``time.process_time`` in this process, best of ``--repeat``; for dask,
the CPU time of the worker processes measured with psutil plus this process's), so they do not
depend on the load of a shared machine; the wall-clock of the dask run is printed with the load
average. The model has the [Anzalone22] shape (27 features, 300/150/100/50) with random weights
moved away from their start (so the conditioning maps are not the identity). Nothing is
asserted; compare the ratios.

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
from hepconditioning.apply import apply_files, load_spec
from hepconditioning.contract import TrainedOn
from hepconditioning.datasets.hepmass import FEATURES, MASSES, unstandardize
from hepconditioning.errors import MissingDependencyError
from hepconditioning.export import OnnxScorer
from hepconditioning.io import write_events
from hepconditioning.io.bundled import bundled_path
from hepconditioning.nn import AffinePNN
from hepconditioning.standardization import Standardizer
from hepconditioning.training import load_model, save_model


def _model(path: Path, raw: np.ndarray) -> Path:
    model = AffinePNN(27)
    with torch.no_grad():  # trained-looking weights: conditioning maps away from their start
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=torch.Generator().manual_seed(p.numel())))
    model.set_standardizer(Standardizer.fit(raw[:100_000]))
    model.trained_on = TrainedOn(FEATURES, model.condition.trained(MASSES))  # random weights, untrained
    return save_model(path, model.eval(), features=FEATURES)


def _cpu(f, *args, **kwargs):
    start = time.process_time()
    out = f(*args, **kwargs)
    return out, time.process_time() - start


def _best_cpu(f, repeat: int) -> float:
    """The least CPU seconds of ``repeat`` calls of ``f()`` (the first one included)."""
    return min(_cpu(f)[1] for _ in range(max(repeat, 1)))


def _forward(model: torch.nn.Module, x: np.ndarray, mass: np.ndarray, batch: int = 65536) -> np.ndarray:
    """``σ(model(x, mass))`` in eval mode, ``batch`` events per pass (no folding)."""
    xt, mt = torch.from_numpy(x), torch.from_numpy(mass)
    with torch.inference_mode():
        return torch.cat([torch.sigmoid(model(xt[i:i + batch], mt[i:i + batch]))
                          for i in range(0, len(x), batch)]).numpy()


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


def _scoring_rows(path: Path, raw: np.ndarray, masses: list[float], args: argparse.Namespace) -> list[tuple]:
    """``(name, events scored, CPU seconds)`` of predict, the plain forward pass and ONNX Runtime."""
    n, k = len(raw), len(masses)
    model = load_model(path)
    per_event = np.random.default_rng(1).choice(MASSES, n).astype(np.float32)  # an evaluation sample's masses
    rows = [
        ("predict (torch)", n * k, lambda: model.predict(raw, hypotheses=masses)),
        ("predict, batch_size=65536", n * k, lambda: model.predict(raw, hypotheses=masses, batch_size=65536)),
        ("predict, per-event masses (5 values)", n, lambda: model.predict(raw, mass=per_event)),
        ("model(x, mass), eval, 65536 per pass", n, lambda: _forward(model, raw, per_event)),
    ]
    try:
        scorer = OnnxScorer(path, threads=args.threads)
    except MissingDependencyError as err:
        print(f"no ONNX Runtime rows: {err}")
    else:
        rows += [("ONNX Runtime (8192 per run)", n * k, lambda: scorer.predict(raw, hypotheses=masses)),
                 ("ONNX Runtime, 65536 per run", n * k,
                  lambda: scorer.predict(raw, hypotheses=masses, batch_size=65536))]
        deviation = np.abs(model.predict(raw, mass=per_event) - scorer.predict(raw, mass=per_event)).max()
        print(f"max |predict - ONNX Runtime| = {deviation:.2e}")
    return [(name, count, _best_cpu(f, args.repeat)) for name, count, f in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--hypotheses", type=int, default=1, help="mass hypotheses scored per event")
    parser.add_argument("--threads", type=int, default=1, help="torch and ONNX Runtime intra-op threads")
    parser.add_argument("--repeat", type=int, default=1, help="best of this many runs of each scoring row")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = args.events
    masses = list(MASSES[: args.hypotheses])
    rng = np.random.default_rng(0)
    standardized = rng.normal(size=(n, 27)).astype(np.float32)
    raw = unstandardize(standardized).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = _model(tmp / "model.pt", raw)
        rows = _scoring_rows(path, raw, masses, args)
        root = tmp / "events.root"
        write_events(root, Events(standardized, np.full(n, 500.0), np.zeros(n), feature_names=[f.name for f in FEATURES]))
        spec = load_spec(bundled_path("specs/hepconditioning_events.toml"))
        _, seconds = _cpu(apply_files, path, [root], spec=spec, masses=masses, out=tmp / "serial",
                          step=125_000, progress=False)
        rows.append(("apply serial (read, score, write)", n * len(masses), seconds))
        wall = None
        if not args.skip_dask:
            seconds, wall = _dask_cpu(path, root, tmp / "dask", masses)
            rows.append(("apply --workers 2 (dask, CPU of all)", n * len(masses), seconds))
    print(f"torch {torch.__version__}, {n:,} events x {len(masses)} hypothesis(es), AffinePNN 27 features, "
          f"{args.threads} thread(s), CPU time (events x hypotheses per CPU second):")
    for name, count, seconds in rows:
        print(f"  {name:40s} {count / seconds:12,.0f} events/s  ({seconds:.2f} CPU s)")
    if wall is not None:
        print(f"  dask wall clock {wall:.2f} s ({n * len(masses) / wall:,.0f} events/s) at load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
