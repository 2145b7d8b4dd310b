"""K small networks trained at once (``fit_many``, stacked parameters) against one after the other.

    python -m benchmarks.training_many [--many 4] [--events 100000] [--epochs 1] [--threads 2]
                                       [--json results/measured/training_many.json]

K AffinePNNs (seeds 0 … K-1, [Anzalone22] shape, batch 1024) on the synthetic events of
``benchmarks/training.py``: ``fit_many`` against the same K networks fitted one after the other
with ``fit()``, interleaved (sequential, stacked, sequential, stacked), on ``--threads``
threads. Prints wall and CPU time (all threads) of each, their ratio, the load average, and the
largest difference of the trained weights (the stack changes only the float rounding, which
Adam amplifies for weights whose gradient is near 0). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import defaultdict
from pathlib import Path

import torch

from benchmarks.training import N_FEATURES, synthetic
from hepconditioning import Events
from hepconditioning.nn import AffinePNN
from hepconditioning.training import TrainConfig, fit, fit_many


def run(args: argparse.Namespace, train: Events, validation: Events) -> None:
    """K AffinePNNs: ``fit_many`` (one stack) against K ``fit()`` calls, interleaved."""
    configs = [TrainConfig(epochs=args.epochs, batch_size=1024, threads=args.threads, seed=k, device="cpu")
               for k in range(args.many)]
    print(f"torch {torch.__version__}, {args.many} AffinePNNs x {args.events} events x {args.epochs} epochs, "
          f"{args.threads} threads; load average {os.getloadavg()[0]:.1f} (2 repeats, interleaved)")
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)
    weights: dict[str, list[torch.Tensor]] = {}
    for _ in range(2):
        for kind in ("sequential fit()", "fit_many (stacked)"):
            models = [AffinePNN(N_FEATURES, seed=k) for k in range(args.many)]
            wall, cpu = time.perf_counter(), time.process_time()
            if kind.startswith("sequential"):
                for model, config in zip(models, configs, strict=True):
                    fit(model, train, validation=validation, config=config, progress=False)
            else:
                fit_many(models, [train] * args.many, validations=[validation] * args.many, configs=configs)
            times[kind].append((time.perf_counter() - wall, time.process_time() - cpu))
            weights[kind] = [torch.cat([p.detach().flatten() for p in m.parameters()]) for m in models]
    events = args.many * args.epochs * args.events
    base = min(t[0] for t in times["sequential fit()"]), min(t[1] for t in times["sequential fit()"])
    for kind, runs in times.items():
        wall, cpu = min(t[0] for t in runs), min(t[1] for t in runs)
        print(f"  {kind:20s} wall {wall:7.1f} s ({events / wall / 1e3:6.1f}k events/s), CPU {cpu:7.1f} s "
              f"({events / cpu / 1e3:6.1f}k events per CPU second); speed-up wall {base[0] / wall:.2f}x, "
              f"CPU {base[1] / cpu:.2f}x")
    diff = max(float((a - b).abs().max()) for a, b in
               zip(weights["sequential fit()"], weights["fit_many (stacked)"], strict=True))
    print(f"  largest |weight difference| stacked vs alone after training: {diff:.2e} (float rounding)")
    print(f"  load average after: {os.getloadavg()[0]:.1f}")
    if args.json is not None:
        record = {"benchmark": "training_many", "networks": args.many, "events": args.events, "epochs": args.epochs,
                  "threads": args.threads, "torch": torch.__version__, "load_average": os.getloadavg()[0],
                  "max_weight_difference": diff,
                  **{("sequential" if k.startswith("sequential") else "stacked"): {
                      "wall_seconds": min(t[0] for t in runs), "cpu_seconds": min(t[1] for t in runs)}
                     for k, runs in times.items()}}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--many", type=int, default=4, help="K, the number of networks")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the times here (README table source)")
    args = parser.parse_args()
    run(args, synthetic(args.events, seed=0), synthetic(20_000, seed=1))


if __name__ == "__main__":
    main()
