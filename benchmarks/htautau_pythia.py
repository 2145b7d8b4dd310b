"""Pythia 8 H → ττ → ρρ backend: throughput and oracle AUCs next to the numpy generator.

Generates as many Pythia events without cuts as fit in ``--seconds`` (default 300) with
:func:`~hepconditioning.datasets.htautau.generate_pythia` (runs of ≤ 25k events, one seed
each), then the same number with the numpy generator, once with its default Higgs spectrum
(⟨pT⟩ = 20 GeV) and once with ⟨pT⟩ set to Pythia's (the with-cuts AUCs fall with harder Higgs pT), and prints for both the rate (events/s wall;
on a shared machine it is noisy) and the oracle weighted AUC of w_a/(w_a + w_b), scalar vs
α = π/8, π/4, 3π/8, π/2, without cuts and after the selection (ρ pT ≥ 20 GeV, π pT ≥ 1 GeV,
applied to the same events), each with its statistical error (spread over 20 sub-samples),
next to the PHYSICS.md §6 reference. Also prints ⟨W⟩, the W range, the selection efficiency
and the mean Higgs pT (Pythia's initial-state shower vs the numpy generator's spectrum).

Needs pythia8mc (``pip install 'hepconditioning[pythia]'``).
Run: python -m benchmarks.htautau_pythia [--seconds 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

# the oracle AUC and its error exactly as benchmarks/htautau_oracle.py computes them
from htautau_oracle import ALPHAS, REFERENCE, auc_with_error

from hepconditioning.datasets import htautau as ht
from hepconditioning.physics import kinematics as kin
from hepconditioning.physics import tau


def report(name: str, particles: np.ndarray, h_minus: np.ndarray, h_plus: np.ndarray) -> None:
    keep = ht.passes_selection(particles)
    w_a = tau.spin_weight(h_minus, h_plus, 0.0)
    w_b = tau.spin_weight(h_minus, h_plus, np.pi / 2)
    print(f"[{name}] <W(0)> = {w_a.mean():.4f}, <W(pi/2)> = {w_b.mean():.4f} "
          f"(± {w_a.std() / np.sqrt(len(w_a)):.4f}), W in [{min(w_a.min(), w_b.min()):.2e}, "
          f"{max(w_a.max(), w_b.max()):.6f}], selection efficiency {keep.mean():.3f}, "
          f"mean Higgs pT {kin.pt(particles.sum(axis=1)).mean():.1f} GeV")
    for selection, mask in ((False, slice(None)), (True, keep)):
        label = "selection" if selection else "no cuts"
        for alpha, ref in zip(ALPHAS, REFERENCE[selection], strict=True):
            auc, err = auc_with_error(w_a[mask], tau.spin_weight(h_minus[mask], h_plus[mask], alpha), parts=20)
            print(f"[{name}] {label:9s} alpha = {alpha / np.pi:.3f} pi: AUC {auc:.4f} ± {err:.4f} "
                  f"(reference {ref:.3f}, pull {(auc - ref) / err:+.1f})", flush=True)


def generate_for(seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Pythia events without cuts, in runs of ≤ 25k events (new seed each) until ``seconds`` pass."""
    parts, start, rate, k = [], time.perf_counter(), 300.0, 0
    while (left := seconds - (time.perf_counter() - start)) > 5:
        chunk = int(min(25_000, max(1000, rate * left)))
        t0 = time.perf_counter()
        ev = ht.generate_pythia(chunk, selection=False, seed=seed + k)
        rate, k = chunk / (time.perf_counter() - t0), k + 1
        parts.append(ev)
    elapsed = time.perf_counter() - start
    return (*(np.concatenate([ev.columns[c] for ev in parts]) for c in ("particles", "h_minus", "h_plus")), elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="wall-time budget of the Pythia run")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("H→ττ→ρρ Pythia 8 backend vs numpy generator (2 shared cores: timings are noisy)")
    particles, h_minus, h_plus, elapsed = generate_for(args.seconds, args.seed)
    n = len(particles)
    print(f"[pythia] {n} events in {elapsed:.1f} s: {n / elapsed:.0f} events/s wall "
          "(incl. Pythia initialization and the weights)", flush=True)
    report("pythia", particles, h_minus, h_plus)
    pt_mean = float(kin.pt(particles.sum(axis=1)).mean())
    for name, mean in (("numpy ", ht.generator.HIGGS_PT_MEAN), ("numpy, Pythia's <pT_H>", pt_mean)):
        start = time.perf_counter()
        pairs = ht.generate_particles(n, selection=False, seed=args.seed, higgs_pt_mean=mean)
        elapsed = time.perf_counter() - start
        print(f"[{name}] {n} events in {elapsed:.2f} s: {n / elapsed:.0f} events/s wall")
        report(name, pairs.particles, pairs.h_minus, pairs.h_plus)


if __name__ == "__main__":
    main()
