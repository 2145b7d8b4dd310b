"""Training throughput of AffinePNN and pNN next to the matmul ceiling measured in the same run.

    python -m benchmarks.training [--events 200000] [--threads 2] [--epochs 2] [--profile]
                                  [--device cpu|cuda] [--keras-python PYTHON]

Batch 1024, dropout 0.25, the full ``fit()`` loop (balanced batches, weighted BCE, Adam with
L2, per-epoch validation excluded from the timing). The ceiling is what the matrix products
alone allow: a training step costs ≈ 3 × the forward FLOPs (forward, input gradient, weight
gradient), ``2 Σ n_in n_out`` ≈ 146k FLOPs per event for AffinePNN on 27 features, so
``ceiling = sgemm FLOP/s ÷ (3 × forward FLOPs per event)`` with sgemm FLOP/s measured on the
network's own layer shapes at batch 1024. Two figures per model: ``fit()`` on ``--threads``
threads by the wall clock (what the issue asks; meaningless when other processes load the
machine), and training steps on 1 thread by CPU time against a CPU-time ceiling (stable). ``--profile`` prints where a step's time goes
(torch.profiler self CPU time grouped by kind; "framework" = wall time not inside any op).
The machine is shared: timings are noisy, compare the ratios; best epoch of ``--epochs``.

The Keras reference (``benchmarks/keras_reference.py``, same model in Keras 3) is measured in
the same run, in a subprocess of ``--keras-python`` (an interpreter with TensorFlow; default:
this one), on 1 thread by CPU time like the second figure. ``--device cuda`` measures on the
GPU by the wall clock (synchronized): ``fit()`` events/s next to the GPU's matmul ceiling on
the network's layer shapes.
K networks stacked by ``fit_many`` against K ``fit()`` calls: ``benchmarks/training_many.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from benchmarks.matmul_ceiling import dense_shapes, sgemm_flops
from hepconditioning import Events
from hepconditioning.datasets.hepmass import MASSES
from hepconditioning.nn import AffinePNN, ParametricNN
from hepconditioning.training import TrainConfig, fit

N_FEATURES = 27


def synthetic(n: int, *, seed: int) -> Events:
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=n) < 0.5).astype(np.float32)
    mass = np.where(labels == 1, rng.choice(MASSES, n), 0.0)
    x = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    x[:, 0] = np.where(labels == 1, mass * (1 + 0.08 * rng.normal(size=n)), 300 + rng.exponential(500, n)) / 1000
    return Events(x, mass, labels, feature_names=[f"f{i}" for i in range(N_FEATURES)])


def fit_cpu_seconds(model: torch.nn.Module, events: Events, config: TrainConfig, steps: int) -> float:
    """CPU seconds of the library's ``fit()`` for one epoch of ``steps`` batches on one thread
    (its own batches, optimizer, loss and dropout; validation on 2,048 events)."""
    one = dataclasses.replace(config, epochs=1, threads=1, patience=0)
    part, check = events[: steps * config.batch_size], events[-2048:]
    start = time.process_time()
    fit(model, part, validation=check, config=one, progress=False)
    return time.process_time() - start


def cpu_time_speed(model: torch.nn.Module, events: Events, config: TrainConfig, steps: int = 150) -> float:
    """Events per CPU second of ``fit()`` on one thread (robust against other processes on the
    machine); a short fit first warms the allocator and the kernels up."""
    fit_cpu_seconds(model, events, config, steps=10)
    return steps * config.batch_size / fit_cpu_seconds(model, events, config, steps)


def profile_steps(model: torch.nn.Module, events: Events, config: TrainConfig, steps: int = 60,
                  verbose: bool = False) -> None:
    """Where the CPU time of ``fit()``'s steps goes, by kind of operation (torch profiler)."""
    from torch.profiler import ProfilerActivity, profile

    fit_cpu_seconds(model, events, config, steps=10)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        fit_cpu_seconds(model, events, config, steps)
        wall = (time.perf_counter() - start) * 1e6
    kinds = {"matmul": ("addmm", "mm", "bmm", "matmul", "linear"),
             "batch gather + dropout mask": ("random_", "embedding", "index_select"),
             "optimizer": ("_foreach", "adam", "Adam")}
    totals: dict[str, float] = defaultdict(float)
    if verbose:
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    for event in prof.key_averages():
        kind = next((k for k, names in kinds.items() if any(n in event.key for n in names)), "elementwise/other ops")
        totals[kind] += event.self_cpu_time_total
    totals["framework (python, autograd, dispatch)"] = wall - sum(totals.values())
    print(f"  profile of fit() over {steps} steps ({wall / steps / 1e3:.2f} ms/step under the profiler):")
    for kind, us in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"    {kind:40s} {100 * us / wall:5.1f} %")


def keras_reference(python: str, events: int) -> dict[str, float] | None:
    """Keras ``model.fit`` on 1 thread (``keras_reference.py`` in a subprocess of ``python``)."""
    script = Path(__file__).with_name("keras_reference.py")
    done = subprocess.run([python, str(script), "--json", "--threads", "1", "--events", str(events)],
                          capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        print(f"Keras reference failed ({python}): {done.stderr.strip()[-500:]}")
        return None
    result = json.loads(lines[-1])
    if "error" in result:
        print(f"Keras reference: {result['error']} (or pass --keras-python)")
        return None
    return result


def gpu_main(args: argparse.Namespace, train: Events, validation: Events) -> None:
    config = TrainConfig(epochs=args.epochs, batch_size=1024, seed=0, device=args.device)
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}, {args.events} events, batch 1024, "
          "dropout 0.25, wall clock (synchronized)")
    for cls in (AffinePNN, ParametricNN):
        model = cls(N_FEATURES)
        shapes = dense_shapes(model)
        per_event = 3 * 2 * sum(i * o for i, o in shapes)
        ceiling = sgemm_flops(shapes, 1024, device=args.device) / per_event
        history = fit(model, train, validation=validation, config=config, progress=False)
        speed = max(history.events_per_second)
        print(f"{cls.__name__}: fit() {speed / 1e3:8.1f}k events/s; GPU matmul ceiling at batch 1024 "
              f"{ceiling / 1e3:8.1f}k -> {100 * speed / ceiling:4.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the rates here (README table source)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--keras-python", default=sys.executable,
                        help="interpreter with TensorFlow for the Keras reference (default: this one)")
    args = parser.parse_args()
    record = {"benchmark": "training", "events": args.events, "threads": args.threads, "epochs": args.epochs,
              "torch": torch.__version__}
    train, validation = synthetic(args.events, seed=0), synthetic(20_000, seed=1)
    if args.device != "cpu" and (args.device.startswith("cuda") or torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise SystemExit(f"--device {args.device}: torch {torch.__version__} sees no CUDA GPU")
        args.device = "cuda" if args.device == "auto" else args.device
        gpu_main(args, train, validation)
        return
    config = TrainConfig(epochs=args.epochs, batch_size=1024, threads=args.threads, seed=0, device="cpu")
    print(f"torch {torch.__version__}, {args.events} events, batch 1024, dropout 0.25; shared machine: "
          "wall-clock figures are noisy, the 1-thread CPU-time figures are the stable ones")
    cpu_speeds = {}
    for cls in (AffinePNN, ParametricNN):
        model = cls(N_FEATURES)
        shapes = dense_shapes(model)
        per_event = 3 * 2 * sum(i * o for i, o in shapes)
        torch.set_num_threads(args.threads)
        ceiling = sgemm_flops(shapes, 1024) / per_event
        history = fit(model, train, validation=validation, config=config, progress=False)
        speed = max(history.events_per_second)
        torch.set_num_threads(1)
        cpu_ceiling = sgemm_flops(shapes, 1024, clock=time.process_time) / per_event
        cpu_speed = cpu_speeds[cls.__name__] = cpu_time_speed(model.train(), train, config)
        record[cls.__name__] = {"fit_events_per_second_wall": speed, "steps_events_per_cpu_second_1_thread": cpu_speed,
                                "cpu_ceiling_1_thread": cpu_ceiling}
        print(f"{cls.__name__} ({sum(p.numel() for p in model.parameters()):,} parameters, "
              f"{per_event / 3e3:.0f}k forward FLOPs/event)")
        print(f"  fit(), {args.threads} threads, wall clock: {speed / 1e3:6.1f}k events/s; matmul ceiling "
              f"{ceiling / 1e3:6.1f}k -> {100 * speed / ceiling:4.1f} %")
        print(f"  fit() steps, 1 thread, CPU time: {cpu_speed / 1e3:6.1f}k events/s; matmul ceiling "
              f"{cpu_ceiling / 1e3:6.1f}k -> {100 * cpu_speed / cpu_ceiling:4.1f} %")
        if args.profile:
            profile_steps(model.train(), train, config)
    keras = keras_reference(args.keras_python, min(args.events, 100_000))
    if keras is not None:
        ratio = cpu_speeds["AffinePNN"] / keras["cpu"]
        print(f"Keras {keras['keras']} / TF {keras['tensorflow']} model.fit, AffinePNN, 1 thread: "
              f"{keras['cpu'] / 1e3:.1f}k events per CPU second ({keras['wall'] / 1e3:.1f}k/s wall) -> "
              f"hepconditioning is {ratio:.2f}x Keras (CPU time, same run)")
    if keras is not None:
        record["keras"] = keras
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
