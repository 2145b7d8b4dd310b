"""Keras reference for the AffinePNN training speed ([Anzalone22] Table 2 in Keras 3 / TF).

    python -m benchmarks.keras_reference [--events 100000] [--epochs 2] [--threads 1]

The model of the paper's code: 4 x (Dense 300/150/100/50 + ReLU → affine conditioning
``h ⊙ (W_s m + c_s) + W_b m + c_b`` → Dropout 0.25) → Dense(1), L2 1e-4 on every kernel and
bias, Adam lr 3e-4, batch 1024, weighted binary cross-entropy on logits; ``model.fit`` on
random events of 27 features. TensorFlow is not a dependency of hepconditioning: without it
the script says how to install it and exits 0. Printed: events per second of ``model.fit``
by the wall clock and per CPU second of the process (``time.process_time``, all threads; the
stable figure on a shared machine), best epoch. ``benchmarks/training.py`` runs this script
in a subprocess so that both frameworks are measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

N_FEATURES = 27
WIDTHS = (300, 150, 100, 50)


def measure(n_events: int, epochs: int, threads: int) -> dict[str, float]:
    """``{"wall": events/s, "cpu": events per CPU second}`` of Keras ``model.fit`` (best epoch)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    from tensorflow import keras

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(0)
    l2 = keras.regularizers.l2(1e-4)
    x_in = keras.Input((N_FEATURES,), name="x")
    m_in = keras.Input((1,), name="mass")
    h = x_in
    for width in WIDTHS:
        h = keras.layers.Dense(width, activation="relu", kernel_regularizer=l2, bias_regularizer=l2)(h)
        scale = keras.layers.Dense(width, kernel_regularizer=l2, bias_regularizer=l2)(m_in)
        shift = keras.layers.Dense(width, kernel_regularizer=l2, bias_regularizer=l2)(m_in)
        h = keras.layers.Add()([keras.layers.Multiply()([h, scale]), shift])
        h = keras.layers.Dropout(0.25)(h)
    out = keras.layers.Dense(1, kernel_regularizer=l2, bias_regularizer=l2)(h)
    model = keras.Model([x_in, m_in], out)
    model.compile(optimizer=keras.optimizers.Adam(3e-4),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_events, N_FEATURES)).astype(np.float32)
    mass = rng.choice([0.5, 0.75, 1.0, 1.25, 1.5], size=(n_events, 1)).astype(np.float32)
    labels = (rng.uniform(size=n_events) < 0.5).astype(np.float32)
    weights = rng.uniform(0.5, 1.5, n_events).astype(np.float32)

    class Clock(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.wall: list[float] = []
            self.cpu: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
            self.start = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            self.wall.append(n_events / (time.perf_counter() - self.start[0]))
            self.cpu.append(n_events / (time.process_time() - self.start[1]))

    clock = Clock()
    model.fit([x, mass], labels, sample_weight=weights, batch_size=1024, epochs=epochs, shuffle=True,
              verbose=0, callbacks=[clock])
    # the first epoch includes tracing: report the best of the later ones when there are any
    later = slice(1, None) if epochs > 1 else slice(None)
    return {"wall": max(clock.wall[later]), "cpu": max(clock.cpu[later]), "tensorflow": tf.__version__,
            "keras": keras.__version__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON line (for training.py)")
    args = parser.parse_args()
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        message = "TensorFlow is not installed (pip install tensorflow-cpu); no Keras reference"
        print(json.dumps({"error": message}) if args.json else message)
        return
    result = measure(args.events, args.epochs, args.threads)
    if args.json:
        print(json.dumps(result))
        return
    print(f"Keras {result['keras']} / TF {result['tensorflow']}, AffinePNN, batch 1024, dropout 0.25, "
          f"{args.threads} thread(s): {result['wall'] / 1e3:.1f}k events/s (wall), "
          f"{result['cpu'] / 1e3:.1f}k events per CPU second")


if __name__ == "__main__":
    main()
