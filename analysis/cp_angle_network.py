"""One network f(x, α) conditioned on the CP mixing angle α of H → ττ (issue 8, item 4).

The mass-parametrized networks of [Anzalone22] (arXiv:2202.00424) condition every hidden
layer on the physics parameter with an affine layer; here the same
:class:`~hepconditioning.nn.ConditionedMLP` (``conditioning="affine"``, ``where="all"``) takes
the CP mixing angle α in radians where the mass goes (``mass_scale = 1``, so α ∈ [0, π/2] is
O(1)). It separates the scalar, class A with weight W(0), from the hypothesis α, class B with
weight W(α) = spin_weight(h⁻, h⁺, α) of the *same* event (soft targets). Each training batch
draws a fresh α ∈ U[0, π/2] for every event in it and recomputes W(α) for the batch
(vectorized), so one network learns the whole family (:func:`alpha_batches`, the custom batch
source of ``fit``). Widths 3 × 128, no dropout, no L2, as in ``htautau_multi_instance.py``;
the conditioned network gets by default as many epochs as the four dedicated networks
together (the same training budget: it learns the whole family from the same events). Compared with

- dedicated networks trained at fixed α ∈ {π/8, π/4, 3π/8, π/2} (same widths, no α input);
- the oracle w_A/(w_A + w_B) at each α [Bialas18, Jozefowicz16].

Then α is estimated from a series of N events drawn from hypothesis α_true (weighted
resampling with W(α_true)) by maximizing the summed log-likelihood ratio
L(α) = Σᵢ ln[p(xᵢ|α)/p(xᵢ|0)] = −Σᵢ ℓ(xᵢ; α), ℓ = logit f, over a grid of α with a parabolic
refinement at the maximum; the spread of α̂ vs N (expected ∝ 1/√N) is compared with the
oracle's ln[W(α)/W(0)]. A good AUC at every α does not fix the relative offset and scale of ℓ
between α values, which bias α̂; a per-α Platt scaling fitted on the validation split
(:func:`calibrate`) removes most of that bias ("calibrated").

Outputs in ``--out``: ``auc_vs_alpha.png``, ``alpha_estimate.png``, ``cp_angle_network.root``
(AUC tables, α̂ histograms), ``summary.md`` and ``summary.json``.
Run: ``python analysis/cp_angle_network.py --out results/cp --events 400000 --epochs 24``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import hist
import matplotlib.style
import mplhep as hep
import numpy as np
import torch
from matplotlib.figure import Figure

from hepconditioning import Events
from hepconditioning.datasets import htautau
from hepconditioning.io import atomic_directory, write_root
from hepconditioning.metrics import roc_auc
from hepconditioning.multi_instance import oracle_score
from hepconditioning.nn import ConditionedMLP, SingleNN
from hepconditioning.physics.tau import spin_weight
from hepconditioning.training import (
    History,
    ParameterBatchSource,
    TrainConfig,
    ValidationResult,
    fit,
)

ALPHAS = np.pi / 8 * np.arange(1, 5)  # π/8, π/4, 3π/8, π/2
ALPHA_MAX = np.pi / 2
GRID = np.linspace(0.0, ALPHA_MAX, 33)  # α grid of the likelihood scan (step π/64)
N_VALUES = np.array([10, 30, 100, 300, 1000, 3000])
TRUE_ALPHAS = (np.pi / 4, 3 * np.pi / 8)


class Sample(NamedTuple):
    """Standardized features and the polarimetric vectors of the test split."""

    x: np.ndarray
    h_minus: np.ndarray
    h_plus: np.ndarray


def weighted_auc(scores: np.ndarray, w_a: np.ndarray, w_b: np.ndarray) -> float:
    """AUC of ``scores`` with every event in class A (weight w_A) and in class B (weight w_B)."""
    labels = np.r_[np.ones(len(scores)), np.zeros(len(scores))]
    return roc_auc(labels, np.r_[scores, scores], np.r_[w_a, w_b])


def build_samples(n: int, *, neutrinos: bool, seed: int) -> dict[str, Events]:
    """``n`` selected ρρ events split 60/20/20 into train/val/test; features standardized on train."""
    pairs = htautau.generate_particles(n, selection=True, seed=seed)
    events = htautau.make_events(pairs.particles, h_minus=pairs.h_minus, h_plus=pairs.h_plus, neutrinos=neutrinos)
    train_set, rest = events.split(0.4, seed=seed)
    val_set, test_set = rest.split(0.5, seed=seed + 1)
    mean, std = train_set.x.mean(axis=0), train_set.x.std(axis=0) + 1e-9
    return {name: ev.replace(x=(ev.x - mean) / std)
            for name, ev in (("train", train_set), ("val", val_set), ("test", test_set))}


def as_sample(events: Events) -> Sample:
    """The features and polarimetric vectors of ``events``."""
    return Sample(events.x, events.column("h_minus"), events.column("h_plus"))


# ----------------------------------------------------------------------------- training


def alpha_batches(events: Events, config: TrainConfig, *, alpha: float | None) -> ParameterBatchSource:
    """Batches for ``fit(batches=...)``: scalar (W(0)) vs α (W(α)), W recomputed per batch.

    ``alpha=None`` draws α ~ U[0, π/2] for every event, fresh in every batch; a number fixes α
    (the dedicated networks). Soft targets: an event is class A with weight W(0) and class B
    with weight W(α). The draws depend only on ``(seed, epoch)``, so ``fit(resume=True)`` stays
    exact.
    """
    h_minus, h_plus = events.column("h_minus"), events.column("h_plus")
    w_a = torch.from_numpy(spin_weight(h_minus, h_plus, 0.0))

    def parameter(generator: torch.Generator, n: int) -> torch.Tensor:
        if alpha is None:
            return torch.rand(n, generator=generator) * ALPHA_MAX
        return torch.full((n,), float(alpha))

    def targets(index: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        idx = index.numpy()
        w_b = spin_weight(h_minus[idx], h_plus[idx], values.numpy().astype(np.float64))
        return w_a.index_select(0, index), torch.from_numpy(w_b)

    return ParameterBatchSource(events, config, parameter=parameter, targets=targets)


def logits(model: torch.nn.Module, x: np.ndarray, alpha: float, *, batch_size: int = 65536) -> np.ndarray:
    """ℓ(x; α) = logit f(x, α), float64 ``(N,)`` (eval mode, the model's mode restored)."""
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        parts = [model(torch.from_numpy(x[i:i + batch_size]), torch.full((len(x[i:i + batch_size]),), alpha))
                 for i in range(0, len(x), batch_size)]
    model.train(was_training)
    return torch.cat(parts).double().numpy()


def auc_at(model: torch.nn.Module, sample: Sample, alpha: float) -> float:
    """Weighted AUC of the model, scalar (W(0)) vs α (W(α)), on ``sample``."""
    w_a = spin_weight(sample.h_minus, sample.h_plus, 0.0)
    w_b = spin_weight(sample.h_minus, sample.h_plus, alpha)
    return weighted_auc(logits(model, sample.x, alpha), w_a, w_b)


def train(model: torch.nn.Module, data: dict[str, Events], config: TrainConfig, *, alpha: float | None) -> History:
    """``fit`` on :func:`alpha_batches`; model selection by the validation AUC at ``alpha``
    (dedicated) or by its mean over ``ALPHAS`` (conditioned, ``alpha=None``)."""
    val = as_sample(data["val"])
    alphas = ALPHAS if alpha is None else np.array([alpha])

    def validate(model: torch.nn.Module) -> ValidationResult:
        aucs = tuple(auc_at(model, val, float(a)) for a in alphas)
        return ValidationResult(float(np.mean(aucs)), tuple(float(a) for a in alphas), aucs)

    batches = alpha_batches(data["train"], config, alpha=alpha)
    return fit(model, data["train"], validation=data["val"], config=config, progress=False, batches=batches,
               validate=validate)


# ----------------------------------------------------------------------------- α estimate


def _refined_argmax(scan: np.ndarray) -> np.ndarray:
    """α at the maximum of each row of ``scan (S, G)`` over ``GRID``, refined by a parabola
    through the best grid point and its neighbours (the grid point itself at the edges)."""
    j = np.argmax(scan, axis=1)
    inner = np.clip(j, 1, len(GRID) - 2)
    rows = np.arange(len(scan))
    left, mid, right = scan[rows, inner - 1], scan[rows, inner], scan[rows, inner + 1]
    curvature = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    step = GRID[1] - GRID[0]
    refined = np.clip(GRID[inner] + np.clip(offset, -0.5, 0.5) * step, 0.0, ALPHA_MAX)
    return np.where(j == inner, refined, GRID[j])


def estimate_alpha(log_ratio: np.ndarray, weights_true: np.ndarray, n_values: np.ndarray, *,
                   n_series: int, seed: int) -> np.ndarray:
    """α̂ of ``n_series`` series of each N in ``n_values``: shape ``(len(n_values), n_series)``.

    ``log_ratio (n_events, G)`` is ln[p(x|α_g)/p(x|0)] per event on ``GRID``; series draw
    events with replacement with probability ∝ ``weights_true`` = W(α_true) (the events are
    generated unpolarized, so the W(α_true)-weighted sample is the α_true hypothesis).
    α̂ maximizes the summed log-likelihood ratio. Blocks of series keep memory ≤ 32 MiB.
    """
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(weights_true) / np.sum(weights_true)
    out = np.empty((len(n_values), n_series))
    for k, n in enumerate(n_values):
        block = max(1, (1 << 22) // (int(n) * log_ratio.shape[1]))
        for start in range(0, n_series, block):
            stop = min(start + block, n_series)
            idx = np.minimum(np.searchsorted(cdf, rng.random((stop - start, int(n))), side="right"), len(cdf) - 1)
            out[k, start:stop] = _refined_argmax(log_ratio[idx].sum(axis=1))
    return out


def log_ratio_grid(model: torch.nn.Module | None, sample: Sample) -> np.ndarray:
    """ln[p(x|α)/p(x|0)] on ``GRID``, ``(n_events, G)``: −ℓ(x; α) of the network, or for
    ``model=None`` the oracle ln[W(α)/W(0)] (clipped at ±16, as ``multi_instance.oracle_llr``)."""
    if model is not None:
        return -np.stack([logits(model, sample.x, float(a)) for a in GRID], axis=1)
    w = spin_weight(sample.h_minus[:, None, :], sample.h_plus[:, None, :], GRID[None, :])
    w0 = w[:, :1]
    return np.clip(np.log(np.maximum(w, 1e-7)) - np.log(np.maximum(w0, 1e-7)), -16.0, 16.0)


def calibrate(log_ratio_val: np.ndarray, val: Sample, *, iterations: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """Per-α Platt scaling ℓ' = a(α) ℓ + b(α) of the network on the validation split, ``(G,)`` each.

    For every grid α a weighted logistic fit (class A weight W(0), class B weight W(α), Newton
    steps vectorized over the grid). The AUC at each α ignores the relative offset and scale of
    ℓ between α values, which bias α̂; this calibration restores them. α = 0 is left as is.
    """
    ell = -log_ratio_val
    w_a = spin_weight(val.h_minus, val.h_plus, 0.0)[:, None]
    w_b = spin_weight(val.h_minus[:, None, :], val.h_plus[:, None, :], GRID[None, :])
    weight, target = w_a + w_b, w_a / np.maximum(w_a + w_b, 1e-12)
    a, b = np.ones(len(GRID)), np.zeros(len(GRID))
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * ell + b)))
        r, h = weight * (p - target), weight * p * (1 - p)
        g_a, g_b = (r * ell).sum(axis=0), r.sum(axis=0)
        h_aa, h_ab, h_bb = (h * ell * ell).sum(axis=0), (h * ell).sum(axis=0), h.sum(axis=0)
        det = h_aa * h_bb - h_ab**2
        ok = det > 1e-12 * np.maximum(h_aa * h_bb, 1e-300)
        a -= np.where(ok, (h_bb * g_a - h_ab * g_b) / np.where(ok, det, 1), 0.0)
        b -= np.where(ok, (h_aa * g_b - h_ab * g_a) / np.where(ok, det, 1), 0.0)
    a[0], b[0] = 1.0, 0.0
    return a, b


# ----------------------------------------------------------------------------- outputs


def _figure(ncols: int = 1) -> tuple[Figure, Any]:
    """An mplhep (ROOT style) figure with ``ncols`` labelled axes."""
    with matplotlib.style.context(hep.style.ROOT):
        fig = Figure(figsize=(8 * ncols, 7))
        fig.subplots_adjust(left=0.19 / ncols, right=1 - 0.03 / ncols, bottom=0.12, top=0.93, wspace=0.3)
        axes = fig.subplots(1, ncols)
        for ax in np.atleast_1d(axes):
            ax.set_title(r"$\it{Simulation}$", loc="left", fontsize="medium")
            ax.set_title(r"$H\to\tau\tau\to\rho\nu\,\rho\nu$", loc="right", fontsize="medium")
    return fig, axes


def plot_auc(curves: dict[str, np.ndarray], table: dict[str, list[float]], path: Path) -> None:
    """AUC vs α: conditioned network and oracle (lines over a fine α grid), dedicated (points)."""
    with matplotlib.style.context(hep.style.ROOT):
        fig, (ax, diff) = _figure(2)
        ax.plot(curves["alpha"], curves["oracle"], "-", color="k", label="oracle")
        ax.plot(curves["alpha"], curves["conditioned"], "-", color="C0", label=r"conditioned $f(x,\alpha)$")
        ax.plot(ALPHAS, table["dedicated"], "o", color="C1", label=r"dedicated, fixed $\alpha$")
        ax.set(xlabel=r"$\alpha$ [rad]", ylabel="AUC, scalar vs $\\alpha$ (test)")
        ax.legend(fontsize="small")
        delta = np.asarray(table["conditioned"]) - np.asarray(table["dedicated"])
        diff.axhspan(-0.005, 0.005, color="0.85", label="±0.005")
        diff.plot(ALPHAS, delta, "o-", color="C0", label="conditioned − dedicated")
        diff.plot(ALPHAS, np.asarray(table["oracle"]) - np.asarray(table["dedicated"]), "s--", color="k",
                  label="oracle − dedicated")
        diff.set(xlabel=r"$\alpha$ [rad]", ylabel=r"$\Delta$AUC")
        diff.legend(fontsize="small")
        fig.savefig(path)


def plot_estimates(spread: dict[str, dict[str, list[float]]], path: Path) -> None:
    """std(α̂) (left, with the N^(-1/2) scaling) and mean(α̂) − α_true (right) vs N, per α_true:
    network (circles), network after the per-α calibration (triangles), oracle (squares)."""
    with matplotlib.style.context(hep.style.ROOT):
        fig, (ax, bias) = _figure(2)
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
    lines = ["# CP-angle-conditioned network (H→ττ, ρρ)", "",
             "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()), "",
             "| α | oracle AUC | dedicated AUC | conditioned AUC | conditioned − dedicated |",
             "|---|---|---|---|---|"]
    for k, alpha in enumerate(ALPHAS):
        lines.append(f"| {alpha / np.pi:.3f}π | {table['oracle'][k]:.4f} | {table['dedicated'][k]:.4f} | "
                     f"{table['conditioned'][k]:.4f} | {table['conditioned'][k] - table['dedicated'][k]:+.4f} |")
    lines += ["", "## α estimated from N events (maximum of the summed log-likelihood ratio)", "",
              "| α_true | ℓ from | " + " | ".join(f"N={n}" for n in N_VALUES) + " |",
              "|---|---|" + "---|" * len(N_VALUES)]
    for truth, values in spread.items():
        for name in ("network", "calibrated", "oracle"):
            cells = " | ".join(f"{m:.3f} ± {s:.3f}" for m, s in
                               zip(values[f"{name}_mean"], values[f"{name}_std"], strict=True))
            lines.append(f"| {truth} | {name} | {cells} |")
    lines += ["", "Cells: mean ± standard deviation of α̂ [rad] over the series. calibrated: the network's ℓ(x; α) "
              "after a per-α Platt scaling fitted on the validation split."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- entry point


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (created atomically)")
    parser.add_argument("--events", type=int, default=400_000, help="events after the selection")
    parser.add_argument("--epochs", type=int, default=24, help="epochs of each dedicated network")
    parser.add_argument("--conditioned-epochs", type=int, default=None,
                        help="epochs of the α-conditioned network (default: 4 × --epochs, the budget of the "
                             "four dedicated networks together)")
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 128, 128], help="hidden layer widths")
    parser.add_argument("--incomplete", action="store_true", help="pions only (default: with neutrinos)")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--n-series", type=int, default=2000, help="series per N for the α estimate")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 is fastest on a shared, busy machine)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    parser.add_argument("--quick", action="store_true", help="CI-sized run: 8k events, 1 epoch, tiny network")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.epochs, args.widths, args.n_series = min(args.events, 8000), 1, [16, 16], 100
        args.batch_size, args.learning_rate = 128, 3e-3
        args.conditioned_epochs = 1
    if args.conditioned_epochs is None:
        args.conditioned_epochs = 4 * args.epochs
    if args.events < 1000 or args.epochs < 1 or args.conditioned_epochs < 1:
        parser.error(f"need --events >= 1000 and epochs >= 1, got {args.events}, {args.epochs}, "
                     f"{args.conditioned_epochs}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Train, compare and estimate α; write figures, ROOT file and summary into ``--out``."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = {"events": args.events, "features": "incomplete" if args.incomplete else "complete",
                "epochs_dedicated": args.epochs, "epochs_conditioned": args.conditioned_epochs,
                "widths": tuple(args.widths), "batch_size": args.batch_size, "learning_rate": args.learning_rate,
                "seed": args.seed, "n_series": args.n_series}
    options = {"batch_size": args.batch_size, "learning_rate": args.learning_rate, "l2_weights": 0.0,
               "l2_biases": 0.0, "balance": "none", "threads": args.threads}
    with atomic_directory(args.out, overwrite=args.overwrite) as tmp:
        data = build_samples(args.events, neutrinos=not args.incomplete, seed=args.seed)
        test, n_features = as_sample(data["test"]), data["train"].n_features
        torch.manual_seed(args.seed)  # initial weights
        conditioned = ConditionedMLP(n_features, widths=args.widths, conditioning="affine", where="all",
                                     dropout=0.0, mass_scale=1.0)
        history = train(conditioned, data, TrainConfig(epochs=args.conditioned_epochs, seed=args.seed, **options),
                        alpha=None)
        settings["seconds_conditioned"] = round(sum(history.seconds))
        table: dict[str, list[float]] = {"conditioned": [], "dedicated": [], "oracle": []}
        w_a = spin_weight(test.h_minus, test.h_plus, 0.0)
        for k, alpha in enumerate(ALPHAS):
            torch.manual_seed(args.seed + k + 1)
            dedicated = SingleNN(n_features, widths=args.widths, dropout=0.0)
            seconds = sum(train(dedicated, data, TrainConfig(epochs=args.epochs, seed=args.seed + k + 1, **options),
                                alpha=float(alpha)).seconds)
            w_b = spin_weight(test.h_minus, test.h_plus, alpha)
            table["dedicated"].append(auc_at(dedicated, test, float(alpha)))
            table["conditioned"].append(auc_at(conditioned, test, float(alpha)))
            table["oracle"].append(weighted_auc(oracle_score(w_a, w_b), w_a, w_b))
            print(f"alpha = {alpha / np.pi:.3f} pi: oracle {table['oracle'][-1]:.4f}, dedicated "
                  f"{table['dedicated'][-1]:.4f}, conditioned {table['conditioned'][-1]:.4f} ({seconds:.0f} s)",
                  flush=True)
        fine = np.linspace(np.pi / 16, ALPHA_MAX, 15)
        curves = {"alpha": fine, "conditioned": np.array([auc_at(conditioned, test, float(a)) for a in fine]),
                  "oracle": np.array([weighted_auc(oracle_score(w_a, w), w_a, w) for w in
                                      (spin_weight(test.h_minus, test.h_plus, a) for a in fine)])}
        scale, offset = calibrate(log_ratio_grid(conditioned, as_sample(data["val"])), as_sample(data["val"]))
        grids = {"network": log_ratio_grid(conditioned, test), "oracle": log_ratio_grid(None, test)}
        grids["calibrated"] = scale * grids["network"] - offset
        spread, histograms = {}, {}
        for i, truth in enumerate(TRUE_ALPHAS):
            key = f"{truth / np.pi:.3f}pi"
            weights = spin_weight(test.h_minus, test.h_plus, truth)
            spread[key] = {}
            for name, grid in grids.items():
                estimates = estimate_alpha(grid, weights, N_VALUES, n_series=args.n_series, seed=args.seed + i)
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
