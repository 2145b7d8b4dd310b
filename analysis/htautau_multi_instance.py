"""H→ττ CP study with the multi-instance classifier (issue 8, item 3).

[Bialas18] Białas, Nemeth, Richter-Wąs, arXiv:1803.00838; [Jozefowicz16] Jóźwiak et al.,
arXiv:1608.02609 (ρρ channel, boosted-frame features). Facts: PHYSICS.md sections 6–7.

For the ρρ channel with the selection (ρ pT ≥ 20 GeV, π pT ≥ 1 GeV) a single-event classifier
p(A|x) is trained on boosted-frame features, *complete* (4 pions + 2 neutrinos, 24 numbers)
and *incomplete* (4 pions, 16), for scalar (A, w_A = W(0)) vs pseudoscalar (B, W(π/2)) and
scalar vs the mixed state W(π/4). Every event enters both classes (soft targets,
``TrainConfig(targets="spin_weights")``). The network is a :class:`~hepconditioning.nn.SingleNN`
of 3 × 128 ReLU units (≈ 36k parameters), without dropout or L2: with soft targets and
≥ 200k training events the variance is small, and the size keeps the four trainings within
minutes on two shared CPU cores (the published networks are larger). Outputs:

- ``auc_vs_epoch.png``: weighted test AUC per epoch, with the oracle w_A/(w_A + w_B);
- ``rates_vs_n_<case>.png``: measured TPR_N/FPR_N of Σℓ > T for networks from several
  epochs, at the fixed t = 0.5 (T = 0) and at the optimal T*(N) of each network
  (:func:`optimal_threshold`): the spread between epochs shrinks at T*;
- ``aucn_<case>.png``: AUC_N measured by weighted resampling of series vs the CLT prediction
  Φ(√N (μ_A − μ_B)/√(σ_A² + σ_B²)), network and oracle;
- ``htautau_multi_instance.root``: ℓ histograms per class, AUC per epoch and rate tables;
- ``summary.md`` and ``summary.json``: the measured numbers.

Run: ``python analysis/htautau_multi_instance.py --out results/mi --events 400000 --epochs 40``
(``--quick`` for a CI-sized run of a few seconds).
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
from hepconditioning.multi_instance import (
    MultiInstanceError,
    class_moments,
    empirical_auc,
    empirical_rates,
    optimal_threshold,
    oracle_llr,
    predicted_auc,
    predicted_rates,
)
from hepconditioning.nn import SingleNN
from hepconditioning.training import TrainConfig, fit

HYPOTHESES = {"pseudoscalar": np.pi / 2, "mixed": np.pi / 4}
FEATURES = {"complete": True, "incomplete": False}
N_VALUES = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500])
SPREAD_MIN_N = 10
PUBLISHED = {"complete": 0.763, "incomplete": 0.654}  # ρρ, scalar vs pseudoscalar [Jozefowicz16]


class Sample(NamedTuple):
    """Test-set features and both hypothesis weights."""

    x: np.ndarray
    w_a: np.ndarray
    w_b: np.ndarray


class Trained(NamedTuple):
    """Test-set logits after every epoch, the validation AUC per epoch and the best epoch (0-based)."""

    logits: list[np.ndarray]
    val_auc: list[float]
    best_epoch: int
    seconds: float


def weighted_auc(scores: np.ndarray, w_a: np.ndarray, w_b: np.ndarray) -> float:
    """AUC of ``scores`` with every event in class A (weight w_A) and in class B (weight w_B)."""
    labels = np.r_[np.ones(len(scores)), np.zeros(len(scores))]
    return roc_auc(labels, np.r_[scores, scores], np.r_[w_a, w_b])


def split(events: Events, *, seed: int) -> dict[str, Events]:
    """60 % train, 20 % validation, 20 % test; features standardized with the training mean and σ."""
    train_set, rest = events.split(0.4, seed=seed)
    val_set, test_set = rest.split(0.5, seed=seed + 1)
    mean, std = train_set.x.mean(axis=0), train_set.x.std(axis=0) + 1e-9
    return {name: ev.replace(x=(ev.x - mean) / std)
            for name, ev in (("train", train_set), ("val", val_set), ("test", test_set))}


def build_samples(n: int, *, seed: int) -> dict[str, dict[str, Events]]:
    """``cases[f"{hypothesis}_{features}"][split]`` from ``n`` generated ρρ events after the selection.

    The same events serve every case: ``make_events`` sets w_A = W(0), w_B = W(α_B) from the
    polarimetric vectors and the boosted-frame features with or without the neutrinos.
    """
    pairs = htautau.generate_particles(n, selection=True, seed=seed)
    return {f"{hypothesis}_{features}": split(htautau.make_events(
                pairs.particles, alpha_b=alpha, h_minus=pairs.h_minus, h_plus=pairs.h_plus, neutrinos=neutrinos),
                seed=seed)
            for features, neutrinos in FEATURES.items() for hypothesis, alpha in HYPOTHESES.items()}


def network_logits(model: torch.nn.Module, x: np.ndarray, *, batch_size: int = 65536) -> np.ndarray:
    """ℓ = model logits ``(N,)`` float64 (model evaluated in eval mode, its mode restored)."""
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        out = torch.cat([model(torch.from_numpy(x[i:i + batch_size])) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out.double().numpy()


def train(model: torch.nn.Module, data: dict[str, Events], config: TrainConfig) -> Trained:
    """``fit`` with soft targets (w_A, w_B); records the test logits after every epoch."""
    logits: list[np.ndarray] = []
    history = fit(model, data["train"], validation=data["val"], config=config, progress=False,
                  callback=lambda epoch, history: logits.append(network_logits(model, data["test"].x)))
    return Trained(logits, list(history.val_auc), history.best_epoch, float(sum(history.seconds)))


def spread_epochs(n_epochs: int) -> list[int]:
    """Epochs (1-based) whose networks are compared in the TPR/FPR-vs-N plots.

    A quarter, half, three quarters and all of the training: networks of similar AUC whose
    calibration (the offset of ℓ) still drifts, as in [Bialas18].
    """
    return sorted({max(1, round(n_epochs * f)) for f in (0.25, 0.5, 0.75, 1.0)})


def rate_table(llr: np.ndarray, test: Sample, *, n_series: int, seed: int) -> dict[str, np.ndarray]:
    """Measured and CLT TPR_N/FPR_N at T = 0 (t = 0.5) and at the optimal T*(N), for N_VALUES."""
    moments = class_moments(llr, test.w_a, test.w_b)
    try:
        t_opt = np.asarray(optimal_threshold(moments, N_VALUES).log_threshold)
    except MultiInstanceError:  # an (undertrained) network with mu_a <= mu_b has no optimum
        t_opt = np.full(len(N_VALUES), np.nan)
    table: dict[str, np.ndarray] = {"n": N_VALUES.astype(np.float64), "t_opt": t_opt}
    for name, T in (("fixed", np.zeros(len(N_VALUES))), ("optimal", t_opt)):
        if np.isnan(T).any():
            table |= {f"{r}_{name}{clt}": np.full(len(N_VALUES), np.nan) for r in ("tpr", "fpr") for clt in ("", "_clt")}
            continue
        measured = empirical_rates(llr, test.w_a, test.w_b, N_VALUES, log_threshold=T, n_series=n_series, seed=seed)
        predicted = predicted_rates(moments, N_VALUES, log_threshold=T)
        table |= {f"tpr_{name}": np.asarray(measured.tpr), f"fpr_{name}": np.asarray(measured.fpr),
                  f"tpr_{name}_clt": np.asarray(predicted.tpr), f"fpr_{name}_clt": np.asarray(predicted.fpr)}
    return table


def spread(tables: Sequence[dict[str, np.ndarray]], threshold: str, *, error: bool = False) -> float:
    """Largest difference between networks of different epochs, over N ≥ ``SPREAD_MIN_N``.

    Of TPR_N and FPR_N (``error=False``) or of the misclassification (1 − TPR_N) + FPR_N. Only
    N ≥ 10, where Σℓ is close to Gaussian and T*(N) from the CLT is the optimum; at N = 1 the
    CLT threshold is only approximate and moves the working point along the ROC curve.
    """
    keep = tables[0]["n"] >= SPREAD_MIN_N
    if error:
        rows = [1 - t[f"tpr_{threshold}"][keep] + t[f"fpr_{threshold}"][keep] for t in tables]
    else:
        rows = [np.r_[t[f"tpr_{threshold}"][keep], t[f"fpr_{threshold}"][keep]] for t in tables]
    rows = [row for row in rows if np.isfinite(row).all()]  # networks without an optimum are left out
    if len(rows) < 2:
        return float("nan")
    stacked = np.stack(rows)
    return float((stacked.max(axis=0) - stacked.min(axis=0)).max())


def analyse(trained: Trained, test: Sample, *, n_series: int, seed: int) -> dict[str, Any]:
    """Every number of one case: AUC per epoch, moments, rates per epoch, AUC_N."""
    oracle = oracle_llr(test.w_a, test.w_b)
    auc = [weighted_auc(llr, test.w_a, test.w_b) for llr in trained.logits]
    best = trained.best_epoch
    llr_best = trained.logits[best]
    epochs = spread_epochs(len(trained.logits))
    tables = {e: rate_table(trained.logits[e - 1], test, n_series=n_series, seed=seed + e) for e in epochs}
    aucn = {}
    for name, llr in (("network", llr_best), ("oracle", oracle)):
        moments = class_moments(llr, test.w_a, test.w_b)
        measured = empirical_auc(llr, test.w_a, test.w_b, N_VALUES, n_series=n_series, seed=seed)
        aucn[name] = {"moments": moments._asdict(), "measured": np.asarray(measured),
                      "predicted": np.asarray(predicted_auc(moments, N_VALUES))}
    return {"oracle_auc": weighted_auc(oracle, test.w_a, test.w_b), "auc": auc, "val_auc": list(trained.val_auc),
            "best_epoch": best + 1, "best_auc": auc[best], "tables": tables, "aucn": aucn,
            "spread_fixed": spread(list(tables.values()), "fixed"),
            "spread_optimal": spread(list(tables.values()), "optimal"),
            "error_spread_fixed": spread(list(tables.values()), "fixed", error=True),
            "error_spread_optimal": spread(list(tables.values()), "optimal", error=True),
            "seconds": trained.seconds, "llr_best": llr_best, "llr_oracle": oracle}


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


def plot_auc_vs_epoch(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Test AUC per epoch of every case; the oracle AUC as a dashed line of the same color."""
    with matplotlib.style.context(hep.style.ROOT):
        fig, ax = _figure()
        for i, (case, res) in enumerate(results.items()):
            color = f"C{i}"
            ax.plot(np.arange(1, len(res["auc"]) + 1), res["auc"], "o-", color=color, label=case)
            ax.axhline(res["oracle_auc"], color=color, ls="--", lw=1)
        ax.set(xlabel="epoch", ylabel="weighted AUC (test)")
        ax.legend(title="network (dashed: oracle)", fontsize="small")
        fig.savefig(path)


def plot_rates(res: dict[str, Any], case: str, path: Path) -> None:
    """TPR_N (solid) and FPR_N (dashed) vs N for networks of several epochs, t = 0.5 | optimal."""
    with matplotlib.style.context(hep.style.ROOT):
        fig, axes = _figure(2)
        for ax, threshold, title in zip(axes, ("fixed", "optimal"), ("$t = 0.5$", r"optimal $T^*(N)$"), strict=True):
            for i, (epoch, table) in enumerate(res["tables"].items()):
                ax.plot(table["n"], table[f"tpr_{threshold}"], "-", color=f"C{i}", label=f"epoch {epoch}")
                ax.plot(table["n"], table[f"fpr_{threshold}"], "--", color=f"C{i}")
            ax.set(xscale="log", xlabel="N events per series", ylabel="TPR (solid), FPR (dashed)", ylim=(-0.02, 1.02))
            ax.legend(title=f"{case}\n{title}, spread {res[f'spread_{threshold}']:.3f}", fontsize="small",
                      title_fontsize="small")
        fig.savefig(path)


def plot_aucn(res: dict[str, Any], case: str, path: Path) -> None:
    """AUC_N measured (points) and CLT prediction (line), network and oracle."""
    with matplotlib.style.context(hep.style.ROOT):
        fig, ax = _figure()
        for i, (name, values) in enumerate(res["aucn"].items()):
            ax.plot(N_VALUES, values["measured"], "o", color=f"C{i}", label=f"{name}: measured")
            ax.plot(N_VALUES, values["predicted"], "-", color=f"C{i}", label=f"{name}: CLT")
        ax.set(xscale="log", xlabel="N events per series", ylabel=r"AUC$_N$")
        ax.legend(title=case, fontsize="small", title_fontsize="small")
        fig.savefig(path)


def _llr_hist(llr: np.ndarray, weights: np.ndarray) -> hist.Hist:
    h = hist.Hist(hist.axis.Regular(80, -4, 4, name="llr", label="ln(p/(1-p))"), storage=hist.storage.Weight())
    h.fill(llr, weight=weights)
    return h


def write_outputs_root(results: dict[str, dict[str, Any]], tests: dict[str, Sample], path: Path) -> None:
    """ℓ histograms per class (network, oracle), AUC per epoch and rate tables as TTrees."""
    histograms, trees = {}, {}
    for case, res in results.items():
        test = tests[case]
        for name, llr in (("network", res["llr_best"]), ("oracle", res["llr_oracle"])):
            histograms[f"{case}/llr_{name}_a"] = _llr_hist(llr, test.w_a)
            histograms[f"{case}/llr_{name}_b"] = _llr_hist(llr, test.w_b)
        trees[f"{case}/auc_vs_epoch"] = {"epoch": np.arange(1, len(res["auc"]) + 1, dtype=np.int32),
                                         "auc": np.asarray(res["auc"]), "val_auc": np.asarray(res["val_auc"])}
        for epoch, table in res["tables"].items():
            trees[f"{case}/rates_epoch{epoch}"] = table
        trees[f"{case}/aucn"] = {"n": N_VALUES.astype(np.float64)} | {
            f"{name}_{kind}": values[kind] for name, values in res["aucn"].items() for kind in ("measured", "predicted")}
    write_root(path, trees=trees, histograms=histograms)


def summary_numbers(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON-able numbers of every case (what summary.json and the benchmark read)."""
    out = {}
    for case, res in results.items():
        out[case] = {key: res[key] for key in ("oracle_auc", "auc", "val_auc", "best_epoch", "best_auc",
                                               "spread_fixed", "spread_optimal", "error_spread_fixed",
                                               "error_spread_optimal", "seconds")}
        out[case]["aucn"] = {name: {"moments": v["moments"], "measured": v["measured"].tolist(),
                                    "predicted": v["predicted"].tolist()} for name, v in res["aucn"].items()}
    return out


def summary_markdown(numbers: dict[str, Any], settings: dict[str, Any]) -> str:
    """The markdown summary written next to the figures."""
    lines = ["# H→ττ (ρρ) multi-instance study", "",
             "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()), "",
             "| case | oracle AUC | NN AUC (best val. epoch) | NN − oracle | published NN | "
             "spread t=0.5 | spread T* | error spread t=0.5 | error spread T* |", "|---|---|---|---|---|---|---|---|---|"]
    for case, num in numbers.items():
        published = PUBLISHED[case.split("_")[1]] if case.startswith("pseudoscalar") else None
        lines.append(f"| {case} | {num['oracle_auc']:.4f} | {num['best_auc']:.4f} (epoch {num['best_epoch']}) | "
                     f"{num['best_auc'] - num['oracle_auc']:+.4f} | {'' if published is None else published} | "
                     f"{num['spread_fixed']:.3f} | {num['spread_optimal']:.3f} | {num['error_spread_fixed']:.3f} | "
                     f"{num['error_spread_optimal']:.3f} |")
    lines += ["", "Spread: largest difference of TPR_N or FPR_N (error spread: of (1 − TPR_N) + FPR_N) between "
              f"the networks of epochs {settings['spread_epochs']} over N = "
              f"{N_VALUES[N_VALUES >= SPREAD_MIN_N].tolist()}, at the fixed t = 0.5 and at each network's optimal "
              "T*(N) (CLT, unequal σ).", "",
              "## AUC_N measured (weighted resampling) vs CLT prediction", "",
              "| case | ℓ from | " + " | ".join(f"N={n}" for n in N_VALUES) + " |",
              "|---|---|" + "---|" * len(N_VALUES)]
    for case, num in numbers.items():
        for name, v in num["aucn"].items():
            cells = " | ".join(f"{m:.3f} / {p:.3f}" for m, p in zip(v["measured"], v["predicted"], strict=True))
            lines.append(f"| {case} | {name} | {cells} |")
    lines += ["", "Cells: measured / predicted."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- entry point


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (created atomically)")
    parser.add_argument("--events", type=int, default=400_000, help="events after the selection")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 128, 128], help="hidden layer widths")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--n-series", type=int, default=4000, help="resampled series per N and class")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 is fastest on a shared, busy machine)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    parser.add_argument("--quick", action="store_true", help="CI-sized run: 8k events, 2 epochs, tiny network")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.epochs, args.widths, args.n_series = min(args.events, 8000), 2, [16, 16], 300
        args.batch_size, args.learning_rate = 128, 3e-3
    if args.events < 1000 or args.epochs < 1:
        parser.error(f"need --events >= 1000 and --epochs >= 1, got {args.events} and {args.epochs}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study; write figures, ROOT file and summary into ``--out``. Returns 0."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = {"events": args.events, "epochs": args.epochs, "widths": tuple(args.widths),
                "batch_size": args.batch_size, "learning_rate": args.learning_rate, "seed": args.seed,
                "n_series": args.n_series}
    with atomic_directory(args.out, overwrite=args.overwrite) as tmp:
        samples = build_samples(args.events, seed=args.seed)
        tests = {case: Sample(split_["test"].x, split_["test"].column("w_a"), split_["test"].column("w_b"))
                 for case, split_ in samples.items()}
        settings["test_events"] = len(next(iter(tests.values())).x)
        settings["spread_epochs"] = spread_epochs(args.epochs)
        results = {}
        for i, (case, data) in enumerate(samples.items()):
            config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                                 l2_weights=0.0, l2_biases=0.0, balance="none", targets="spin_weights",
                                 seed=args.seed + 10 * i, threads=args.threads)
            torch.manual_seed(config.seed)  # initial weights
            model = SingleNN(data["train"].n_features, widths=args.widths, dropout=0.0)
            trained = train(model, data, config)
            results[case] = analyse(trained, tests[case], n_series=args.n_series, seed=args.seed)
            print(f"{case}: NN AUC {results[case]['best_auc']:.4f} (oracle {results[case]['oracle_auc']:.4f}), "
                  f"{trained.seconds:.0f} s", flush=True)
        plot_auc_vs_epoch(results, tmp / "auc_vs_epoch.png")
        for case, res in results.items():
            plot_rates(res, case, tmp / f"rates_vs_n_{case}.png")
            plot_aucn(res, case, tmp / f"aucn_{case}.png")
        write_outputs_root(results, tests, tmp / "htautau_multi_instance.root")
        numbers = summary_numbers(results)
        (tmp / "summary.json").write_text(json.dumps({"settings": settings, "n_values": N_VALUES.tolist(),
                                                   "cases": numbers}, indent=1))
        (tmp / "summary.md").write_text(summary_markdown(numbers, settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
