"""H → ττ → ρρ generator: throughput, oracle AUCs, selection efficiency, φ* modulation.

Generates N events (default 1M) without and with the selection (ρ pT ≥ 20 GeV, π pT ≥ 1 GeV),
prints the generation rate (events/s of wall and of CPU time; on a shared machine the wall
rate is noisy), the
oracle weighted AUC of w_a/(w_a + w_b), scalar vs α = π/8, π/4, 3π/8, π/2, with its
statistical error (spread over 10 sub-samples) next to the PHYSICS.md §6 reference, the
selection efficiency and the fitted φ* amplitudes A (scalar 1 − A cos φ* for y⁺y⁻ > 0), and
draws the four φ* distributions (scalar / pseudoscalar x y⁺y⁻ ≷ 0) with mplhep.

Run: python -m benchmarks.htautau_oracle [--n 1000000] [--png phi_star.png] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mplhep
import numpy as np

from hepconditioning.datasets import htautau as ht
from hepconditioning.metrics import two_hypothesis_auc
from hepconditioning.multi_instance import oracle_score
from hepconditioning.physics import tau

ALPHAS = np.pi / 8 * np.arange(1, 5)
REFERENCE = {False: [0.612, 0.702, 0.758, 0.776], True: [0.617, 0.711, 0.769, 0.788]}


def weighted_auc(w_a: np.ndarray, w_b: np.ndarray) -> float:
    """Oracle AUC, scalar (w_a) vs the other hypothesis (w_b)."""
    return two_hypothesis_auc(oracle_score(w_a, w_b), w_a, w_b)


def auc_with_error(w_a: np.ndarray, w_b: np.ndarray, parts: int = 10) -> tuple[float, float]:
    sub = [weighted_auc(a, b) for a, b in zip(np.array_split(w_a, parts), np.array_split(w_b, parts), strict=True)]
    return weighted_auc(w_a, w_b), float(np.std(sub, ddof=1) / np.sqrt(parts))


def amplitude(phi_star: np.ndarray, weights: np.ndarray) -> float:
    """A of 1 − A cos φ*: the moment estimate A = −2 ⟨cos φ*⟩."""
    return float(-2.0 * np.average(np.cos(phi_star), weights=weights))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--png", default="htautau_phi_star.png", help="output figure of the φ* distributions")
    parser.add_argument("--json", type=Path, default=None, help="also write the oracle AUCs here (README table source)")
    args = parser.parse_args()
    record = {"benchmark": "htautau_oracle", "events": args.n, "seed": args.seed,
              "alphas_over_pi": [a / np.pi for a in ALPHAS]}
    print(f"H→ττ→ρρ oracle benchmark, {args.n} events (2 shared cores: timings are noisy)")
    figure_events = None
    for selection in (False, True):
        start, cpu = time.perf_counter(), time.process_time()
        pairs = ht.generate_particles(args.n, selection=selection, seed=args.seed)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        label = "selection" if selection else "no cuts  "
        key = "selection" if selection else "no_cuts"
        record[f"generate_events_per_cpu_second_{key}"] = args.n / cpu
        record[f"auc_{key}"], record[f"auc_error_{key}"], record[f"reference_{key}"] = [], [], list(REFERENCE[selection])
        print(f"[{label}] generated in {elapsed:.1f} s wall, {cpu:.1f} s CPU: {args.n / elapsed / 1e3:.1f}k "
              f"events/s wall, {args.n / cpu / 1e3:.1f}k events/s per CPU second")
        w_a = tau.spin_weight(pairs.h_minus, pairs.h_plus, 0.0)
        for alpha, ref in zip(ALPHAS, REFERENCE[selection], strict=True):
            auc, err = auc_with_error(w_a, tau.spin_weight(pairs.h_minus, pairs.h_plus, alpha))
            flag = "ok" if abs(auc - ref) < 0.003 else "OUTSIDE ±0.003"
            record[f"auc_{key}"].append(auc)
            record[f"auc_error_{key}"].append(err)
            print(f"[{label}] alpha = {alpha / np.pi:.3f} pi: AUC {auc:.4f} ± {err:.4f} (reference {ref:.3f}) {flag}")
        events = ht.make_events(pairs.particles[:400_000], h_minus=pairs.h_minus[:400_000],
                                h_plus=pairs.h_plus[:400_000], derived=True)
        product = events.column("y_minus") * events.column("y_plus")
        for sign, name in ((1, "y+y- > 0"), (-1, "y+y- < 0")):
            mask = product * sign > 0
            a_s = amplitude(events.column("phi_star")[mask], events.column("w_a")[mask])
            a_p = amplitude(events.column("phi_star")[mask], events.column("w_b")[mask])
            print(f"[{label}] phi* {name}: scalar 1 - A cos with A = {a_s:+.3f}; pseudoscalar A = {a_p:+.3f}")
        if selection:
            figure_events = events
    unselected = ht.generate_particles(min(args.n, 1_000_000), selection=False, seed=args.seed + 1)
    print(f"selection efficiency: {ht.passes_selection(unselected.particles).mean():.4f} (PHYSICS.md ≈ 0.51)")
    draw(figure_events, args.png)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    print(f"φ* figure written to {args.png}")


def draw(events, path: str) -> None:
    plt.style.use(mplhep.style.ROOT)
    fig, axes = plt.subplots(1, 2, figsize=(14, 6), sharey=True)
    edges = np.linspace(0.0, 2.0 * np.pi, 25)
    product = events.column("y_minus") * events.column("y_plus")
    for ax, sign, title in ((axes[0], 1, r"$y^+y^- > 0$"), (axes[1], -1, r"$y^+y^- < 0$")):
        mask = product * sign > 0
        for column, name in (("w_a", "scalar (w_A)"), ("w_b", "pseudoscalar (w_B)")):
            counts, _ = np.histogram(events.column("phi_star")[mask], edges, weights=events.column(column)[mask])
            mplhep.histplot(counts / counts.mean(), edges, ax=ax, label=name)
        ax.set_xlabel(r"$\varphi^*$ [rad]")
        ax.set_title(f"ρρ, with selection, {title}", fontsize=18)
        ax.legend()
    axes[0].set_ylabel("normalized events")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
