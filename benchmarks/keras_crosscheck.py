"""Implementation check: this package's pNN and AffinePNN against Keras models of the reference.

    python -m benchmarks.keras_crosscheck [--events 583000] [--epochs 12] [--seeds 0 1 2]
        [--models pNN,AffinePNN] [--json results/anzalone22/keras_crosscheck.json]

The reference implementation of [Anzalone22] (github.com/Luca96/affine-parametric-networks,
``script/models/pnn.py``, ``affine.py``, ``layers.py``, ``script/hep/data.py``) is rebuilt in
Keras 3: pNN = concat(x, m) → 4 × (Dense 300/150/100/50 ReLU → Dropout 0.25) → Dense(1);
AffinePNN = 4 × (Dense ReLU → AffineConditioning: Dense_s(m) ⊙ h + Dense_b(m) → Dropout 0.25)
→ Dense(1); glorot-uniform kernels, zero biases (c_s = 0), L2 1e-4 / 1e-5 on the hidden Dense
kernels / biases only, Adam lr 3e-4 ε 1e-7, batch 1024, m / 1000 as the mass input, the
background's mass redrawn from the training signal's distinct masses for every pass, the
weights of the epoch with the best validation AUC kept (validation background masses drawn
once from the same points, as the study's torch runs select). Both frameworks train on the
*same* events (HEPMASS-IMB stand-in without the 750/1000/1250 GeV signal,
``analysis/anzalone22/calibrate.py``'s scale) and inputs (standardized with the training
split's mean and standard deviation, as ``fit`` does), with the same seeds
(which set the initial weights and the batches, each in its own framework) and are evaluated
with the same protocol (``hepconditioning.evaluation``: signal at m against all test
background with its mass set to m). The torch networks go through the Table 4 runner.
Printed and written: AUC % per mass and seed, mean and standard deviation over seeds, and the
acceptance of issue 19 (means within 2 points, or within 2 standard deviations of the seed
spread, at every mass). TensorFlow is not a dependency: without it the script says so and
exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from hepconditioning.datasets.hepmass import MASSES

ROOT = Path(__file__).resolve().parents[1]

WIDTHS = (300, 150, 100, 50)


def keras_model(kind: str, n_features: int, seed: int):
    """The reference pNN (``"pNN"``) or AffinePNN as a Keras functional model (logit output)."""
    from tensorflow import keras

    keras.utils.set_random_seed(seed)
    hidden = {"kernel_regularizer": keras.regularizers.l2(1e-4), "bias_regularizer": keras.regularizers.l2(1e-5)}
    x_in, m_in = keras.Input((n_features,), name="x"), keras.Input((1,), name="m")
    h = keras.layers.Concatenate()([x_in, m_in]) if kind == "pNN" else x_in
    for width in WIDTHS:
        h = keras.layers.Dense(width, activation="relu", **hidden)(h)
        if kind == "AffinePNN":
            scale, shift = keras.layers.Dense(width)(m_in), keras.layers.Dense(width)(m_in)
            h = keras.layers.Add()([keras.layers.Multiply()([h, scale]), shift])
        h = keras.layers.Dropout(0.25)(h)
    model = keras.Model([x_in, m_in], keras.layers.Dense(1)(h))
    model.compile(optimizer=keras.optimizers.Adam(3e-4, epsilon=1e-7),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    return model


def train_keras(kind: str, train, validation, *, epochs: int, seed: int):
    """Fit with a fresh background-mass draw every epoch; keep the best validation epoch."""
    from hepconditioning.metrics import roc_auc
    from hepconditioning.sampling import background_mass

    model = keras_model(kind, train.n_features, seed)
    rng = np.random.default_rng(seed)
    points = np.unique(train.mass[train.labels == 1])
    background = train.labels == 0
    # model selection as the study's torch runs (validation_mass = "drawn"): background masses
    # drawn once from the training signal's points
    val_mass = background_mass(validation, seed=seed, epoch=2**31 - 1)
    val_inputs = [validation.x, val_mass[:, None] / 1000.0]
    best, best_weights = -1.0, None
    for _ in range(epochs):
        mass = train.mass.copy()
        mass[background] = rng.choice(points, int(background.sum()))
        order = rng.permutation(len(train))
        model.fit([train.x[order], mass[order, None] / 1000.0], train.labels[order],
                  sample_weight=train.weights[order], batch_size=1024, epochs=1, shuffle=False, verbose=0)
        scores = model.predict(val_inputs, batch_size=8192, verbose=0)[:, 0]
        auc = roc_auc(validation.labels, scores, validation.weights)
        if auc > best:
            best, best_weights = auc, model.get_weights()
    model.set_weights(best_weights)
    return model


def keras_aucs(model, test) -> dict[str, float]:
    from hepconditioning.evaluation import evaluate_scores, evaluation_events

    out = {}
    for mass in MASSES:
        part = evaluation_events(test, masses=[mass])
        scores = model.predict([part.x, part.mass[:, None] / 1000.0], batch_size=8192, verbose=0)[:, 0]
        out[f"{mass:g}"] = round(100 * evaluate_scores(part, scores).rows()[0].auc, 2)
    return out


def acceptance(torch_runs: list[dict], keras_runs: list[dict]) -> dict[str, dict]:
    """Per mass: means, seed standard deviations and whether issue 19's criterion holds."""
    out = {}
    for mass in (f"{m:g}" for m in MASSES):
        a, b = np.array([r[mass] for r in torch_runs]), np.array([r[mass] for r in keras_runs])
        spread = float(np.sqrt(a.var(ddof=1) + b.var(ddof=1))) if len(a) > 1 else 0.0
        diff = float(a.mean() - b.mean())
        out[mass] = {"torch_mean": round(float(a.mean()), 2), "keras_mean": round(float(b.mean()), 2),
                     "torch_std": round(float(a.std(ddof=1)), 2) if len(a) > 1 else None,
                     "keras_std": round(float(b.std(ddof=1)), 2) if len(b) > 1 else None,
                     "difference": round(diff, 2), "ok": bool(abs(diff) <= 2.0 or abs(diff) <= 2.0 * spread)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=583_000)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", default="pNN,AffinePNN")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
    except ImportError:
        print("TensorFlow is not installed (pip install tensorflow-cpu); no Keras cross-check")
        return
    import dataclasses

    import torch

    from analysis.anzalone22.calibrate import reduced_scale
    from analysis.anzalone22.runner import run_one
    from analysis.anzalone22.studies import DataSets, generator_digest, specs
    from hepconditioning.standardization import Standardizer

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    torch.set_num_threads(1)
    scale = reduced_scale(args.events, args.epochs, args.seeds[0])
    data = DataSets(scale)
    test = data.test()
    record = {"benchmark": "keras_crosscheck", "events": args.events, "epochs": args.epochs, "seeds": args.seeds,
              "generator_digest": generator_digest(), "tensorflow": tf.__version__,
              "torch": torch.__version__, "models": {}}
    for name in args.models.split(","):
        spec = next(s for s in specs("table4", scale) if s.name == name)
        train, validation = data.training(spec)
        # the inputs the torch networks see: fit() standardizes with the training split's mean/std
        standardize = Standardizer.fit(train)
        k_train, k_validation, k_test = standardize(train), standardize(validation), standardize(test)
        runs = {"torch": [], "keras": []}
        for seed in args.seeds:
            began = time.process_time()
            with tempfile.TemporaryDirectory() as tmp:
                result = run_one(dataclasses.replace(spec, seed=seed), scale, data, out=Path(tmp),
                                 work=Path(tmp) / "work", progress=False)
            runs["torch"].append({f"{r['mass']:g}": round(100 * r["auc"], 2) for r in result["rows"]
                                  if r["mass"] in MASSES})
            middle = time.process_time()
            model = train_keras(name, k_train, k_validation, epochs=args.epochs, seed=seed)
            runs["keras"].append(keras_aucs(model, k_test))
            print(f"{name} seed {seed}: torch {runs['torch'][-1]} ({middle - began:.0f} CPU s), "
                  f"keras {runs['keras'][-1]} ({time.process_time() - middle:.0f} CPU s)", flush=True)
        record["models"][name] = {**runs, "n_train": len(train), "acceptance": acceptance(runs["torch"], runs["keras"])}
        for mass, row in record["models"][name]["acceptance"].items():
            print(f"  {name} {mass} GeV: torch {row['torch_mean']:.2f} ± {row['torch_std']}, keras "
                  f"{row['keras_mean']:.2f} ± {row['keras_std']}: {'ok' if row['ok'] else 'NOT within'}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
