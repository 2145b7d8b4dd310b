"""Throughput of the HEPMASS stand-in generator (target in issue 4: ≥ 100k events/s on one core).

    python -m benchmarks.hepmass_throughput [--events 500000] [--repeat 3]

Prints, best of ``--repeat``: selected events per second of ``generate`` (wall clock and per
CPU second of this process), the time share of each stage (partons, detector, reconstruction)
on a fixed batch of candidate events, the selection efficiency, and the rate of
``write_generated`` to ``.csv.gz``. numpy runs these element-wise stages on one thread.
The development machine has 2 cores shared by several jobs: wall-clock rates are noisy, the
per-CPU-second rate is the better single-core figure.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from hepconditioning.datasets import hepmass
from hepconditioning.datasets.hepmass import detector, partons, reconstruction


def timed(fn, repeat: int) -> tuple[float, float]:
    best_wall, best_cpu = np.inf, np.inf
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def stages(n: int, isr: bool) -> None:
    rng = np.random.default_rng(0)
    m_tt = np.concatenate([partons.signal_mtt(np.full(n // 2, 750.0), rng=rng), partons.background_mtt(n - n // 2, rng=rng)])
    labels = np.r_[np.ones(n // 2), np.zeros(n - n // 2)]
    t0 = time.process_time()
    p = partons.hard_process(m_tt, labels, rng=rng, isr=isr)
    t1 = time.process_time()
    d = detector.simulate(p, rng=rng)
    t2 = time.process_time()
    r = reconstruction.reconstruct(d)
    t3 = time.process_time()
    total = t3 - t0
    print(f"  stages on {n} candidates (ISR {'on' if isr else 'off'}): partons {100 * (t1 - t0) / total:.0f} %, "
          f"detector {100 * (t2 - t1) / total:.0f} %, reconstruction {100 * (t3 - t2) / total:.0f} %; "
          f"{n / total / 1e3:.0f}k candidates per CPU second, selection efficiency {r.selected.mean():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the rates here (README table source)")
    args = parser.parse_args()
    record = {"benchmark": "hepmass_throughput", "events": args.events, "repeat": args.repeat}
    n = args.events
    hepmass.generate(10_000, seed=0)  # warm-up
    for isr in (False, True):
        wall, cpu = timed(lambda isr=isr: hepmass.generate(n, seed=1, isr=isr), args.repeat)
        record[f"generate_events_per_cpu_second_isr_{'on' if isr else 'off'}"] = n / cpu
        print(f"generate({n}, isr={isr}): {n / wall / 1e3:.1f}k selected events/s wall, "
              f"{n / cpu / 1e3:.1f}k per CPU second")
        stages(200_000, isr)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hepmass.csv.gz"
        wall, cpu = timed(lambda: hepmass.write_generated(path, n, seed=1, progress=False), 1)
        print(f"write_generated({n}) to .csv.gz: {n / wall / 1e3:.1f}k events/s wall, "
              f"{n / cpu / 1e3:.1f}k per CPU second, {path.stat().st_size / n:.0f} bytes/event")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
