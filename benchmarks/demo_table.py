"""The README's demo row: ``hepconditioning demo`` (bundled sample, data/demo.toml) run twice,
its per-mass AUCs recorded, and the two runs compared (seeded end to end: same machine and
thread count, same table).

    python -m benchmarks.demo_table --json results/measured/demo.json [--threads 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from hepconditioning.config import load_config
from hepconditioning.io import bundled_path
from hepconditioning.pipeline import run


def demo_tables(out: Path, threads: int) -> dict[str, dict[str, list[float]]]:
    config = load_config(bundled_path("demo.toml"))
    config = dataclasses.replace(config, training=dataclasses.replace(config.training, threads=threads),
                                 output=dataclasses.replace(config.output, directory=str(out), plots=False,
                                                            tsne_events=0))
    result = run(config, progress=False, log=lambda _: None)
    return {label: {"mass": table.mass.tolist(), "auc": table.auc.tolist(), "sigma_ratio": table.sigma_ratio.tolist()}
            for label, table in result.tables.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        first = demo_tables(Path(tmp) / "a", args.threads)
        second = demo_tables(Path(tmp) / "b", args.threads)
    same = all(np.array_equal(first[k]["auc"], second[k]["auc"]) for k in first)
    record = {"benchmark": "demo", "card": "data/demo.toml", "threads": args.threads, "torch": torch.__version__,
              "identical_reruns": same, "tables": first}
    for label, table in first.items():
        print(label, " / ".join(f"{100 * a:.1f}" for a in table["auc"]))
    print(f"two runs identical: {same}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
