"""One network f(x, α) conditioned on the CP mixing angle α of H → ττ (issue 8, item 4).

A :class:`~hepconditioning.nn.ConditionedMLP` (affine conditioning of every layer, as the mass in
[Anzalone22]) takes α [rad] where the mass goes; it separates the scalar (class A, weight W(0))
from α (class B, W(α)) of the *same* event, α ~ U[0, π/2] drawn per event and batch
(:func:`~hepconditioning.training.spin_weight_batches`). Widths 3 × 128, no dropout, no L2,
as many epochs as the four dedicated networks (fixed α ∈ {π/8, π/4, 3π/8, π/2}) together;
compared with those and with the oracle w_A/(w_A + w_B) [Bialas18, Jozefowicz16].
α is then estimated from series of N events of α_true by maximizing Σᵢ ln[p(xᵢ|α)/p(xᵢ|0)]
(:func:`~hepconditioning.multi_instance.estimate_parameter`), network vs oracle; a per-α Platt
scaling on the validation split ("calibrated") removes the bias from the offset and scale of ℓ
between α values, which the AUC at each α does not fix.

Outputs in ``--out``: ``auc_vs_alpha.png``, ``alpha_estimate.png``, ``cp_angle_network.root``
(AUC tables, α̂ histograms), ``summary.md``, ``summary.json``.
Run: ``python -m analysis.cp_angle_network --out results/cp --events 400000 --epochs 24``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hist
import numpy as np
import torch

from hepconditioning import Events, Standardizer
from hepconditioning import multi_instance as mi
from hepconditioning.cp_angle import cp_auc as auc_at
from hepconditioning.cp_angle import cp_samples as build_samples
from hepconditioning.cp_angle import train_cp
from hepconditioning.datasets import htautau
from hepconditioning.io import atomic_directory, write_root
from hepconditioning.nn import Condition, ConditionedMLP, SingleNN, logits
from hepconditioning.physics.tau import spin_weight
from hepconditioning.plotting import hep_figure, hep_style
from hepconditioning.training import TrainConfig

ALPHAS = np.pi / 8 * np.arange(1, 5)  # π/8, π/4, 3π/8, π/2
ALPHA_MAX = np.pi / 2
GRID = np.linspace(0.0, ALPHA_MAX, 33)  # α grid of the likelihood scan (step π/64)
N_VALUES = np.array([10, 30, 100, 300, 1000, 3000])
TRUE_ALPHAS = (np.pi / 4, 3 * np.pi / 8)
RIGHT = r"$H\to\tau\tau\to\rho\nu\,\rho\nu$"


def grid_weights(events: Events, alphas: np.ndarray) -> np.ndarray:
    """W(α) of every event at every α, ``(N, len(alphas))``."""
    return spin_weight(events.column("h_minus")[:, None], events.column("h_plus")[:, None], alphas[None, :])


def train(model: torch.nn.Module, data: dict[str, Events], config: TrainConfig, *, alpha: float | None) -> Any:
    """``fit`` on spin-weight batches, selected by the validation AUC at ``alpha`` or over ``ALPHAS``."""
    return train_cp(model, data, config, alphas=ALPHAS, alpha=alpha)


def log_ratio_grid(model: torch.nn.Module | None, events: Events) -> np.ndarray:
    """ln[p(x|α)/p(x|0)] on ``GRID``, ``(N, G)``: −ℓ(x; α) of the network, or for ``model=None``
    the oracle ln[W(α)/W(0)]."""
    if model is None:
        w = grid_weights(events, GRID)
        return mi.oracle_llr(w, w[:, :1])
    return -np.stack([logits(model, events.x, float(a)) for a in GRID], axis=1).astype(np.float64)


def calibrated(log_ratio: np.ndarray, log_ratio_val: np.ndarray, val: Events) -> np.ndarray:
    """``log_ratio`` after a per-α Platt scaling (A: W(0), B: W(α)) fitted on the validation
    split, as ``a(α) · log_ratio − b(α)``; α = 0 is kept."""
    w = grid_weights(val, GRID)
    scale, offset = mi.platt_scaling(-log_ratio_val, w[:, :1], w)
    scale[0], offset[0] = 1.0, 0.0
    return scale * log_ratio - offset



def plot_auc(curves: dict[str, np.ndarray], table: dict[str, list[float]], path: Path) -> None:
    """AUC vs α: conditioned network and oracle (lines over a fine α grid), dedicated (points)."""
    with hep_style():
        fig, (ax, diff) = hep_figure(2, right=RIGHT)
        ax.plot(curves["alpha"], curves["oracle"], "-", color="k", label="oracle")
        ax.plot(curves["alpha"], curves["conditioned"], "-", color="C0", label=r"conditioned $f(x,\alpha)$")
        ax.plot(ALPHAS, table["dedicated"], "o", color="C1", label=r"dedicated, fixed $\alpha$")
        ax.set(xlabel=r"$\alpha$ [rad]", ylabel="AUC, scalar vs $\\alpha$ (test)")
        dedicated = np.asarray(table["dedicated"])
        diff.axhspan(-0.005, 0.005, color="0.85", label="±0.005")
        diff.plot(ALPHAS, np.asarray(table["conditioned"]) - dedicated, "o-", color="C0", label="conditioned − dedicated")
        diff.plot(ALPHAS, np.asarray(table["oracle"]) - dedicated, "s--", color="k", label="oracle − dedicated")
        diff.set(xlabel=r"$\alpha$ [rad]", ylabel=r"$\Delta$AUC")
        ax.legend(fontsize="small"), diff.legend(fontsize="small")
        fig.savefig(path)


def plot_estimates(spread: dict[str, dict[str, list[float]]], path: Path) -> None:
    """std(α̂) (left, with the N^(-1/2) scaling) and mean(α̂) − α_true (right) vs N, per α_true:
    network (circles), network after the per-α calibration (triangles), oracle (squares)."""
    with hep_style():
        fig, (ax, bias) = hep_figure(2, right=RIGHT)
        for i, (truth, values) in enumerate(spread.items()):
            alpha_true = float(truth.removesuffix("pi")) * np.pi
            for name, style in (("network", "o-"), ("calibrated", "^:"), ("oracle", "s--")):
                ax.plot(N_VALUES, values[f"{name}_std"], style, color=f"C{i}", label=f"{name}, {truth}")
                bias.plot(N_VALUES, np.asarray(values[f"{name}_mean"]) - alpha_true, style, color=f"C{i}")
        ref = spread[next(iter(spread))]["oracle_std"][-1] * np.sqrt(N_VALUES[-1] / N_VALUES)
        ax.plot(N_VALUES, ref, ":", color="0.5", label=r"$N^{-1/2}$ scaling")
        ax.set(xscale="log", yscale="log", xlabel="N events per series", ylabel=r"std($\hat\alpha$) [rad]")
        ax.legend(fontsize="x-small", ncol=2)
        bias.axhline(0.0, color="0.5", lw=1)
        bias.set(xscale="log", xlabel="N events per series", ylabel=r"mean($\hat\alpha$) $-$ $\alpha_{true}$ [rad]")
        fig.savefig(path)


def summary_markdown(table: dict[str, list[float]], spread: dict[str, dict[str, list[float]]],
                     settings: dict[str, Any]) -> str:
    """The markdown summary of the comparison and of the α estimate."""
    lines = ["# CP-angle-conditioned network (H→ττ, ρρ)", "", "Settings: " + ", ".join(f"{k} = {v}" for k, v in
             settings.items()), "", "| α | oracle AUC | dedicated AUC | conditioned AUC | conditioned − dedicated |",
             "|---|---|---|---|---|"]
    lines += [f"| {alpha / np.pi:.3f}π | {table['oracle'][k]:.4f} | {table['dedicated'][k]:.4f} | "
              f"{table['conditioned'][k]:.4f} | {table['conditioned'][k] - table['dedicated'][k]:+.4f} |"
              for k, alpha in enumerate(ALPHAS)]
    lines += ["", "## α estimated from N events (maximum of the summed log-likelihood ratio)", "",
              "| α_true | ℓ from | " + " | ".join(f"N={n}" for n in N_VALUES) + " |", "|---|---|" + "---|" * len(N_VALUES)]
    lines += [f"| {truth} | {name} | " + " | ".join(f"{m:.3f} ± {s:.3f}" for m, s in zip(
              values[f"{name}_mean"], values[f"{name}_std"], strict=True)) + " |"
              for truth, values in spread.items() for name in ("network", "calibrated", "oracle")]
    lines += ["", "Cells: mean ± standard deviation of α̂ [rad] over the series. calibrated: the network's ℓ(x; α) "
              "after a per-α Platt scaling fitted on the validation split."]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--out", type=Path, required=True, help="output directory (created atomically)")
    add("--events", type=int, default=400_000, help="events after the selection")
    add("--epochs", type=int, default=24, help="epochs of each dedicated network")
    add("--conditioned-epochs", type=int, default=None, help="epochs of the α-conditioned network (default: "
        "4 × --epochs, the budget of the four dedicated networks together)")
    add("--widths", type=int, nargs="+", default=[128, 128, 128], help="hidden layer widths")
    add("--incomplete", action="store_true", help="pions only (default: with neutrinos)")
    add("--batch-size", type=int, default=512)
    add("--learning-rate", type=float, default=1e-3)
    add("--n-series", type=int, default=2000, help="series per N for the α estimate")
    add("--seed", type=int, default=2)
    add("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a shared, busy machine)")
    add("--overwrite", action="store_true", help="replace an existing output directory")
    add("--quick", action="store_true", help="CI-sized run: 8k events, 1 epoch, tiny network")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.epochs, args.conditioned_epochs = min(args.events, 8000), 1, 1
        args.widths, args.n_series, args.batch_size, args.learning_rate = [16, 16], 100, 128, 3e-3
    args.conditioned_epochs = args.conditioned_epochs or 4 * args.epochs
    if args.events < 1000 or args.epochs < 1 or args.conditioned_epochs < 1:
        parser.error(f"need --events >= 1000 and epochs >= 1, got {args.events}, {args.epochs}, "
                     f"{args.conditioned_epochs}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Train, compare and estimate α; write figures, ROOT file and summary into ``--out``."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = {"events": args.events, "features": "incomplete" if args.incomplete else "complete",
                "epochs_dedicated": args.epochs, "epochs_conditioned": args.conditioned_epochs, "widths": tuple(
                    args.widths)} | {k: getattr(args, k) for k in ("batch_size", "learning_rate", "seed", "n_series")}
    options = {"batch_size": args.batch_size, "learning_rate": args.learning_rate, "l2_weights": 0.0,
               "l2_biases": 0.0, "balance": "none", "threads": args.threads}
    with atomic_directory(args.out, overwrite=args.overwrite) as tmp:
        data = build_samples(args.events, neutrinos=not args.incomplete, seed=args.seed)
        test, n_features = data["test"], data["train"].n_features
        conditioned = ConditionedMLP(n_features, widths=args.widths, conditioning="affine", where="all", dropout=0.0,
                                     condition=Condition("alpha", "rad"), seed=args.seed)
        standardizer = Standardizer.fit(data["train"])  # training split only; travels inside each model
        conditioned.set_standardizer(standardizer)
        history = train(conditioned, data, TrainConfig(epochs=args.conditioned_epochs, seed=args.seed, **options),
                        alpha=None)
        settings["seconds_conditioned"] = round(sum(history.seconds))
        table: dict[str, list[float]] = {"conditioned": [], "dedicated": [], "oracle": []}
        for k, alpha in enumerate(ALPHAS):
            dedicated = SingleNN(n_features, widths=args.widths, dropout=0.0, seed=args.seed + k + 1)
            dedicated.set_standardizer(standardizer)
            seconds = sum(train(dedicated, data, TrainConfig(epochs=args.epochs, seed=args.seed + k + 1, **options),
                                alpha=float(alpha)).seconds)
            for name, model in (("dedicated", dedicated), ("conditioned", conditioned), ("oracle", None)):
                table[name].append(auc_at(model, test, float(alpha)))
            print(f"alpha = {alpha / np.pi:.3f} pi: " + ", ".join(f"{k} {v[-1]:.4f}" for k, v in table.items())
                  + f" ({seconds:.0f} s)", flush=True)
        fine = np.linspace(np.pi / 16, ALPHA_MAX, 15)
        curves = {"alpha": fine} | {name: np.array([auc_at(model, test, float(a)) for a in fine])
                                    for name, model in (("conditioned", conditioned), ("oracle", None))}
        grids = {"network": log_ratio_grid(conditioned, test), "oracle": log_ratio_grid(None, test)}
        grids["calibrated"] = calibrated(grids["network"], log_ratio_grid(conditioned, data["val"]), data["val"])
        spread, histograms = {}, {}
        for i, truth in enumerate(TRUE_ALPHAS):
            key = f"{truth / np.pi:.3f}pi"
            weights = htautau.spin_weights(test, truth)
            spread[key] = {}
            for name, grid in grids.items():
                estimates = mi.estimate_parameter(grid, weights, GRID, N_VALUES, n_series=args.n_series, seed=args.seed + i)
                spread[key] |= {f"{name}_mean": estimates.mean(axis=1).tolist(),
                                f"{name}_std": estimates.std(axis=1).tolist()}
                for n, values in zip(N_VALUES, estimates, strict=True):
                    h = hist.Hist(hist.axis.Regular(64, 0, ALPHA_MAX, name="alpha_hat", label="alpha estimate [rad]"))
                    histograms[f"alpha_{key.replace('.', 'p')}/{name}_N{n}"] = h.fill(values)
        plot_auc(curves, table, tmp / "auc_vs_alpha.png")
        plot_estimates(spread, tmp / "alpha_estimate.png")
        trees = {"auc": {"alpha": ALPHAS} | {k: np.asarray(v) for k, v in table.items()},
                 "auc_curve": curves,
                 "conditioned_val_auc": {"epoch": np.arange(1, history.epochs + 1), "val_auc": np.asarray(history.val_auc)}}
        write_root(tmp / "cp_angle_network.root", trees=trees, histograms=histograms)
        numbers = {"settings": settings, "alphas": ALPHAS.tolist(), "auc": table, "val_auc_conditioned": history.val_auc,
                   "n_values": N_VALUES.tolist(), "alpha_estimate": spread}
        (tmp / "summary.json").write_text(json.dumps(numbers, indent=1))
        (tmp / "summary.md").write_text(summary_markdown(table, spread, settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
