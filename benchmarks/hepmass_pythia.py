"""Speed and per-mass AUC of the Pythia 8 HEPMASS generator next to the numpy stand-in.

    python -m benchmarks.hepmass_pythia [--events-per-mass 4000] [--masses 500 1000 1500] [--isr]

Generates a training sample of ``--events-per-mass`` events per mass point (half X → tt̄ at
m_X, half tt̄ labelled with m_X, the HEPMASS convention) and an independent test sample of
half that size, once with :func:`hepconditioning.datasets.hepmass.generate_pythia` and once
with the numpy :func:`hepconditioning.datasets.hepmass.generate` (same counts, ISR setting and
selection). Per mass, a ``HistGradientBoostingClassifier`` (200 iterations, no mass input) is
trained on that mass's events and its test ROC AUC printed with a bootstrap standard error
(200 resamples of the test set), next to the Pythia 8 study of PHYSICS.md §3 (200k-event
scale) and Anzalone et al. 2022 (arXiv:2202.00424) Table 3. With a few thousand training
events the AUCs of both generators sit below the large-sample numbers; compare the two
columns with each other. Timings are wall-clock on a shared 2-core machine: noisy.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from hepconditioning.datasets import hepmass
from hepconditioning.events import Events

TABLE3 = {500.0: 77.35, 750.0: 92.59, 1000.0: 97.42, 1250.0: 98.89, 1500.0: 99.45}
PYTHIA_STUDY = {False: dict(zip(TABLE3, (76.9, 91.8, 97.2, 98.6, 99.0), strict=True)),
                True: dict(zip(TABLE3, (71.1, 87.0, 94.0, 96.8, 98.1), strict=True))}


def auc_with_error(train: Events, test: Events, m_x: float, *, seed: int) -> tuple[float, float]:
    """Test ROC AUC (%) of a per-mass classifier and its bootstrap standard error."""
    tr, te = train[train.mass == m_x], test[test.mass == m_x]
    clf = HistGradientBoostingClassifier(max_iter=200, early_stopping=False, random_state=0)
    clf.fit(tr.x, tr.labels)
    score = clf.predict_proba(te.x)[:, 1]
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(200):
        idx = rng.integers(0, len(te), len(te))
        boots.append(roc_auc_score(te.labels[idx], score[idx]))
    return 100.0 * roc_auc_score(te.labels, score), 100.0 * float(np.std(boots))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-per-mass", type=int, default=4000)
    parser.add_argument("--masses", type=float, nargs="+", default=[500.0, 1000.0, 1500.0])
    parser.add_argument("--isr", action="store_true", help="initial-state radiation on")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    masses = tuple(args.masses)
    n_train = args.events_per_mass * len(masses)
    n_test = n_train // 2

    start = time.perf_counter()
    py_train = hepmass.generate_pythia(n_train, masses=masses, seed=args.seed, isr=args.isr, progress=True)
    py_test = hepmass.generate_pythia(n_test, masses=masses, seed=args.seed + 1, isr=args.isr)
    py_time = time.perf_counter() - start
    start = time.perf_counter()
    np_train = hepmass.generate(n_train, masses=masses, seed=args.seed, isr=args.isr)
    np_test = hepmass.generate(n_test, masses=masses, seed=args.seed + 1, isr=args.isr)
    np_time = time.perf_counter() - start

    n_all = n_train + n_test
    print(f"generate_pythia: {n_all} selected events in {py_time:.0f} s = {n_all / py_time:.0f} events/s "
          f"(Pythia 8 + fastjet + detector, incl. init; shared 2-core machine, noisy)")
    print(f"numpy generate:  {n_all} selected events in {np_time:.2f} s = {n_all / np_time:.0f} events/s")
    print(f"\nper-mass ROC AUC (%), HistGradientBoosting, ISR {'on' if args.isr else 'off'}, "
          f"{args.events_per_mass} training / {args.events_per_mass // 2} test events per mass "
          "(± bootstrap s.e. of the test set)")
    print(f"{'m_X':>6} {'Pythia':>13} {'numpy':>13} {'diff':>6} {'Pythia study':>13} {'Table 3':>8}")
    for i, m_x in enumerate(masses):
        a_py, e_py = auc_with_error(py_train, py_test, m_x, seed=i)
        a_np, e_np = auc_with_error(np_train, np_test, m_x, seed=i)
        study = PYTHIA_STUDY[args.isr].get(m_x, float("nan"))
        print(f"{m_x:6.0f} {a_py:7.2f} ± {e_py:4.2f} {a_np:7.2f} ± {e_np:4.2f} {a_py - a_np:+6.2f} "
              f"{study:13.1f} {TABLE3.get(m_x, float('nan')):8.2f}", flush=True)


if __name__ == "__main__":
    main()
