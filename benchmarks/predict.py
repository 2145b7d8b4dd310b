"""``predict`` of an AffinePNN next to ONNX Runtime on the same model, same threads, one run.

    python benchmarks/predict.py [--events 1000000] [--threads 1] [--repeat 3]

Scores ``--events`` random events (27 features; signal masses at 5 points, background masses
drawn from them, as in an evaluation) with the AffinePNN of [Anzalone22] Table 2:

- ``predict(model, events)``, the default (per-event masses; the conditioned MLP is scored
  per mass value with the conditioning folded into the weights, passes of 2048 events);
- ``predict`` with ``batch_size=65536`` and at one hypothesis (``mass=1000``);
- the plain forward pass ``model(x, mass)`` in eval mode, 65536 events per pass (what
  ``predict`` did before);
- ONNX Runtime on the exported model (``torch.onnx.export``), ``intra_op_num_threads =
  --threads``, 65536 and 2048 events per run.

Figures are events per CPU second of the process (``time.process_time``, best of
``--repeat``): on a shared machine the wall clock measures the other processes. Nothing is
asserted; compare the ratios.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hepconditioning import Events  # noqa: E402
from hepconditioning.nn import AffinePNN  # noqa: E402
from hepconditioning.training import predict  # noqa: E402

MASSES = (500.0, 750.0, 1000.0, 1250.0, 1500.0)


def evaluation_like(n: int, seed: int = 0) -> Events:
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=n) < 0.5).astype(np.float32)
    mass = rng.choice(MASSES, n).astype(np.float32)  # background: a mass drawn from the points
    x = rng.normal(size=(n, 27)).astype(np.float32)
    return Events(x, mass, labels, feature_names=[f"f{i}" for i in range(27)])


def cpu_rate(fn: Callable[[], object], n: int, repeat: int) -> float:
    fn()
    best = np.inf
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return n / best


def onnx_session(model: torch.nn.Module, threads: int):  # -> onnxruntime.InferenceSession | None
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime not installed (pip install onnxruntime): no ONNX Runtime reference")
        return None
    path = Path(tempfile.mkdtemp(prefix="hepconditioning-predict-")) / "model.onnx"
    x, m = torch.zeros(4, 27), torch.full((4,), 1000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (x, m), str(path), input_names=["x", "mass"], output_names=["logits"],
                          dynamic_axes={"x": {0: "n"}, "mass": {0: "n"}, "logits": {0: "n"}}, dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    events = evaluation_like(args.events)
    model = AffinePNN(27).eval()
    with torch.no_grad():  # trained-looking weights: conditioning maps away from their start
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    n = len(events)
    x, m = torch.from_numpy(events.x), torch.from_numpy(events.mass)

    def plain_forward(batch: int = 65536) -> np.ndarray:
        with torch.inference_mode():
            return torch.cat([torch.sigmoid(model(x[i:i + batch], m[i:i + batch])) for i in range(0, n, batch)]).numpy()

    rows = {
        "predict(model, events)  [default]": lambda: predict(model, events),
        "predict, batch_size=65536": lambda: predict(model, events, batch_size=65536),
        "predict, mass=1000 (one hypothesis)": lambda: predict(model, events, mass=1000.0),
        "model(x, mass), eval, batch 65536": plain_forward,
    }
    session = onnx_session(model, args.threads)
    if session is not None:
        def run_ort(batch: int) -> np.ndarray:
            out = [session.run(None, {"x": events.x[i:i + batch], "mass": events.mass[i:i + batch]})[0]
                   for i in range(0, n, batch)]
            return 1.0 / (1.0 + np.exp(-np.concatenate(out)))

        reference = run_ort(65536)
        deviation = float(np.abs(reference - predict(model, events)).max())
        rows["ONNX Runtime, batch 65536"] = lambda: run_ort(65536)
        rows["ONNX Runtime, batch 2048"] = lambda: run_ort(2048)
    rates = {name: cpu_rate(fn, n, args.repeat) for name, fn in rows.items()}
    ort_best = max((r for k, r in rates.items() if k.startswith("ONNX")), default=None)
    print(f"torch {torch.__version__}, {n:,} events, AffinePNN (27 features), {args.threads} thread(s), "
          "events per CPU second (best of {args.repeat})".replace("{args.repeat}", str(args.repeat)))
    for name, rate in rates.items():
        ratio = f"{rate / ort_best:5.2f}x best ONNX Runtime" if ort_best else ""
        print(f"  {name:38s} {rate / 1e3:8.1f}k   {ratio}")
    if session is not None:
        print(f"  max |predict - ONNX Runtime| = {deviation:.2e}")


if __name__ == "__main__":
    main()
