"""Speed of the weighted ROC AUC against scikit-learn on 10M events, and of the protocol.

Run: ``python3 -m benchmarks.metrics [n_events]``. Prints wall times (best of 3) and the
agreement of the two values, then the per-mass protocol (:func:`evaluate_per_mass`) on a
HEPMASS-like test sample of n_events / 10 events (27 features, 5 masses, a trivial
``predict``, so the time is the protocol's own). Timings on a shared 2-core machine are
noisy (±20 %).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from hepconditioning import Events
from hepconditioning.datasets.hepmass import MASSES
from hepconditioning.evaluation import evaluate_per_mass
from hepconditioning.metrics import best_cut, pr_auc, roc_auc, significance_ratio


def best_of(n_repeat: int, func, *args, **kwargs) -> tuple[float, float]:
    times = []
    for _ in range(n_repeat):
        start = time.perf_counter()
        value = func(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times), value


def main(n: int = 10_000_000) -> None:
    rng = np.random.default_rng(0)
    labels = (rng.random(n) < 0.2).astype(np.float32)
    scores = (1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * labels)))).astype(np.float32)
    weights = rng.uniform(0.5, 1.5, n).astype(np.float32)
    print(f"{n:,} events, float32 scores and weights (shared 2-core machine: timings noisy)")
    t_ours, auc_ours = best_of(3, roc_auc, labels, scores, weights)
    t_sk, auc_sk = best_of(3, roc_auc_score, labels, scores, sample_weight=weights)
    print(f"roc_auc (hepconditioning)  {t_ours:6.2f} s   AUC = {auc_ours:.10f}")
    print(f"roc_auc_score (sklearn)    {t_sk:6.2f} s   AUC = {auc_sk:.10f}")
    print(f"speed-up {t_sk / t_ours:.2f}x, |difference| = {abs(auc_ours - auc_sk):.2e}")
    for func in (pr_auc, best_cut, significance_ratio):
        elapsed, _ = best_of(1, func, labels, scores, weights)
        print(f"{func.__name__:<26} {elapsed:6.2f} s")
    protocol(n // 10)


def protocol(n: int) -> None:
    rng = np.random.default_rng(1)
    masses = np.array(MASSES, dtype=np.float32)
    labels = np.arange(n) % 2
    x = rng.normal(size=(n, 27)).astype(np.float32)
    test = Events(x, rng.choice(masses, n), labels, feature_names=[f"f{i}" for i in range(27)])
    start = time.perf_counter()
    table = evaluate_per_mass(lambda ev: ev.x[:, 0] * ev.mass, test)
    elapsed = time.perf_counter() - start
    rows = int(table.n_signal.sum() + table.n_background.sum())
    print(f"evaluate_per_mass: {n:,} test events -> {rows:,} evaluated rows at 5 masses in {elapsed:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
