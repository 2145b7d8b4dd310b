"""H→ττ CP study with the multi-instance classifier (issue 8, item 3), PHYSICS.md sections 6–7.

[Bialas18] arXiv:1803.00838; [Jozefowicz16] arXiv:1608.02609 (ρρ, boosted frame). For ρρ with the selection
(ρ pT ≥ 20 GeV, π pT ≥ 1 GeV), a :class:`~hepconditioning.nn.SingleNN` (3 × 128 ReLU, no
dropout or L2: with soft targets and ≥ 200k events the variance is small) learns p(A|x) from
*complete* (pions + neutrinos, 24) or *incomplete* (pions, 16) boosted-frame features, scalar
(A, W(0)) vs pseudoscalar (B, W(π/2)) and vs the mixed state W(π/4); every event enters both
classes (``TrainConfig(targets="spin_weights")``). Outputs:

- ``auc_vs_epoch.png``: weighted test AUC per epoch, with the oracle w_A/(w_A + w_B);
- ``rates_vs_n_<case>.png``: measured TPR_N/FPR_N of Σℓ > T for networks of several epochs, at
  t = 0.5 (T = 0) and at each network's optimal T*(N): the spread between epochs shrinks at T*;
- ``aucn_<case>.png``: AUC_N by weighted resampling vs the CLT Φ(√N (μ_A − μ_B)/√(σ_A² + σ_B²));
- ``htautau_multi_instance.root`` (ℓ histograms, AUC per epoch, rates), ``summary.md``/``.json``.
Run: ``python -m analysis.htautau_multi_instance --out results/mi --events 400000 --epochs 40`` (``--quick``).
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
from hepconditioning.datasets import htautau
from hepconditioning.io import atomic_directory, write_root
from hepconditioning.metrics import two_hypothesis_auc
from hepconditioning.nn import SingleNN, logits
from hepconditioning.plotting import aucn_vs_n, hep_figure, hep_style, rates_vs_n
from hepconditioning.training import TrainConfig, fit

# weak (--hypotheses weak): a small CP-mixing angle, without neutrinos a single-event AUC near [Bialas18]'s 0.535
HYPOTHESES = {"pseudoscalar": np.pi / 2, "mixed": np.pi / 4, "weak": np.pi / 8}
FEATURES = {"complete": True, "incomplete": False}
N_VALUES = np.array([1, 2, 5, 10, 20, 50, 100, 200, 500])
SPREAD_MIN_N = 10
PUBLISHED = {"complete": 0.763, "incomplete": 0.654}  # ρρ, scalar vs pseudoscalar [Jozefowicz16]
RIGHT = r"$H\to\tau\tau\to\rho\nu\,\rho\nu$"


def build_samples(n: int, *, seed: int, hypotheses: Sequence[str], features: Sequence[str]) -> dict[str, dict[str, Events]]:
    """``cases[f"{hypothesis}_{features}"][split]``: the same ``n`` selected ρρ events for every
    case (w_A = W(0), w_B = W(α_B)), split 60/20/20 into train/val/test (raw features)."""
    pairs = htautau.generate_particles(n, selection=True, seed=seed)
    cases = {}
    for feature_set in (f for f in FEATURES if f in features):
        for hypothesis in (h for h in HYPOTHESES if h in hypotheses):
            events = htautau.make_events(pairs.particles, alpha_b=HYPOTHESES[hypothesis], h_minus=pairs.h_minus,
                                         h_plus=pairs.h_plus, neutrinos=FEATURES[feature_set])
            train_set, rest = events.split(0.4, seed=seed)
            cases[f"{hypothesis}_{feature_set}"] = dict(zip(("train", "val", "test"), (train_set, *rest.split(
                0.5, seed=seed + 1)), strict=True))
    return cases


def train(model: SingleNN, data: dict[str, Events], config: TrainConfig) -> tuple[list[np.ndarray], Any]:
    """``fit`` with soft targets (w_A, w_B): the test logits after every epoch and the history."""
    out: list[np.ndarray] = []
    model.set_standardizer(Standardizer.fit(data["train"]))  # training split only; inside the model
    history = fit(model, data["train"], validation=data["val"], config=config, progress=False,
                  callback=lambda epoch, history: out.append(logits(model, data["test"].x).astype(np.float64)))
    return out, history


def spread_epochs(n_epochs: int) -> list[int]:
    """Epochs (1-based) compared in the rates-vs-N plots: ¼, ½, ¾ and all of the training ([Bialas18])."""
    return sorted({max(1, round(n_epochs * f)) for f in (0.25, 0.5, 0.75, 1.0)})


def rate_table(llr: np.ndarray, w_a: np.ndarray, w_b: np.ndarray, *, n_series: int, seed: int) -> dict[str, Any]:
    """Measured and CLT TPR_N/FPR_N at T = 0 (t = 0.5) and at the optimal T*(N), for N_VALUES."""
    try:
        t_opt = np.asarray(mi.optimal_threshold(mi.class_moments(llr, w_a, w_b), N_VALUES).log_threshold)
    except mi.MultiInstanceError:  # an (undertrained) network with mu_a <= mu_b has no optimum
        t_opt = np.full(len(N_VALUES), np.nan)
    table: dict[str, Any] = {"n": N_VALUES.astype(np.float64), "t_opt": t_opt}
    nan = np.full(len(N_VALUES), np.nan)
    for name, T in (("fixed", np.zeros(len(N_VALUES))), ("optimal", t_opt)):
        measured, predicted = (mi.compare_rates(llr, w_a, w_b, N_VALUES, log_threshold=T, n_series=n_series,
                                                seed=seed) if np.isfinite(T).all() else ((nan, nan), (nan, nan)))
        table |= {f"{rate}_{name}{clt}": np.asarray(values[k]) for clt, values in (("", measured), ("_clt", predicted))
                  for k, rate in enumerate(("tpr", "fpr"))}
    return table


def spread(tables: Sequence[dict[str, np.ndarray]], threshold: str, *, error: bool = False) -> float:
    """Largest difference between networks of different epochs of TPR_N and FPR_N, or (``error``)
    of (1 − TPR_N) + FPR_N, over N ≥ ``SPREAD_MIN_N`` (where Σℓ is close to Gaussian and T*(N)
    from the CLT is the optimum; at N = 1 it only moves the working point along the ROC curve)."""
    keep = tables[0]["n"] >= SPREAD_MIN_N
    tpr, fpr = ([t[f"{r}_{threshold}"][keep] for t in tables] for r in ("tpr", "fpr"))
    rows = [1 - a + b if error else np.r_[a, b] for a, b in zip(tpr, fpr, strict=True)]
    # never a spread of a subset: compare the same networks on both sides (NaN when one lacks a value)
    return float(np.ptp(np.stack(rows), axis=0).max()) if len(rows) > 1 and np.isfinite(rows).all() else float("nan")


def threshold_spreads(tables: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The spreads at t = 0.5 and at T*, of TPR/FPR and of the error, over the same networks:
    those with an optimal threshold (``spread_compared_epochs``), never a subset on one side."""
    compared = [epoch for epoch, table in tables.items() if np.isfinite(table["t_opt"]).all()]
    return {f"{'error_' if error else ''}spread_{t}": spread([tables[e] for e in compared], t, error=error)
            for error in (False, True) for t in ("fixed", "optimal")} | {"spread_compared_epochs": compared}


def analyse(per_epoch: list[np.ndarray], history: Any, test: Events, *, n_series: int, seed: int) -> dict[str, Any]:
    """Every number of one case: AUC per epoch, moments, rates per epoch, AUC_N."""
    w_a, w_b = test.column("w_a"), test.column("w_b")
    oracle, best = mi.oracle_llr(w_a, w_b), history.best_epoch
    auc = [two_hypothesis_auc(llr, w_a, w_b) for llr in per_epoch]
    tables = {e: rate_table(per_epoch[e - 1], w_a, w_b, n_series=n_series, seed=seed + e) for e in spread_epochs(len(per_epoch))}
    aucn = {}
    for name, llr in (("network", per_epoch[best]), ("oracle", oracle)):
        moments = mi.class_moments(llr, w_a, w_b)
        aucn[name] = {"moments": moments._asdict(),
                      "measured": np.asarray(mi.empirical_auc(llr, w_a, w_b, N_VALUES, n_series=n_series, seed=seed)).tolist(),
                      "predicted": np.asarray(mi.predicted_auc(moments, N_VALUES)).tolist()}
    return {"oracle_auc": two_hypothesis_auc(oracle, w_a, w_b), "auc": auc, "val_auc": list(history.val_auc),
            "best_epoch": best + 1, "best_auc": auc[best], **threshold_spreads(tables), "seconds": float(sum(history.seconds)),
            "aucn": aucn, "tables": tables, "llr_best": per_epoch[best], "llr_oracle": oracle}


def plot_auc_vs_epoch(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Test AUC per epoch of every case; the oracle AUC as a dashed line of the same color."""
    with hep_style():
        fig, ax = hep_figure(right=RIGHT)
        for i, (case, res) in enumerate(results.items()):
            ax.plot(np.arange(1, len(res["auc"]) + 1), res["auc"], "o-", color=f"C{i}", label=case)
            ax.axhline(res["oracle_auc"], color=f"C{i}", ls="--", lw=1)
        ax.set(xlabel="epoch", ylabel="weighted AUC (test)"), ax.legend(title="network (dashed: oracle)", fontsize="small")
        fig.savefig(path)


def plot_case(res: dict[str, Any], case: str, rates_path: Path, aucn_path: Path) -> None:
    """TPR_N/FPR_N vs N of networks of several epochs (t = 0.5 | optimal T*), and AUC_N vs N."""
    with hep_style():
        fig, axes = hep_figure(2, right=RIGHT)
        for ax, threshold, title in zip(axes, ("fixed", "optimal"), ("$t = 0.5$", r"optimal $T^*(N)$"), strict=True):
            for i, (epoch, table) in enumerate(res["tables"].items()):
                rates_vs_n(table["n"], table[f"tpr_{threshold}"], table[f"fpr_{threshold}"], label=f"epoch {epoch}",
                           color=f"C{i}", ax=ax)
            ax.legend(title=f"{case}\n{title}, spread {res[f'spread_{threshold}']:.3f}", fontsize="small",
                      title_fontsize="small")
        fig.savefig(rates_path)
        fig, ax = hep_figure(right=RIGHT)
        for i, (name, values) in enumerate(res["aucn"].items()):
            aucn_vs_n(N_VALUES, values["measured"], values["predicted"], label=name, color=f"C{i}", ax=ax)
        ax.legend(title=case, fontsize="small", title_fontsize="small")
        fig.savefig(aucn_path)


def write_outputs_root(results: dict[str, dict[str, Any]], tests: dict[str, Events], path: Path) -> None:
    """ℓ histograms per class (network, oracle), AUC per epoch and rate tables as TTrees."""
    histograms, trees = {}, {}
    for case, res in results.items():
        histograms |= {f"{case}/llr_{name}_{c}": hist.Hist(hist.axis.Regular(80, -4, 4, name="llr", label="ln(p/(1-p))"),
                                                          storage=hist.storage.Weight()).fill(
            res[key], weight=tests[case].column(f"w_{c}")) for name, key in (("network", "llr_best"), ("oracle", "llr_oracle"))
            for c in ("a", "b")}
        trees[f"{case}/auc_vs_epoch"] = {"epoch": np.arange(1, len(res["auc"]) + 1, dtype=np.int32),
                                         "auc": np.asarray(res["auc"]), "val_auc": np.asarray(res["val_auc"])}
        trees |= {f"{case}/rates_epoch{epoch}": table for epoch, table in res["tables"].items()}
        trees[f"{case}/aucn"] = {"n": N_VALUES.astype(np.float64)} | {
            f"{name}_{kind}": np.asarray(v[kind]) for name, v in res["aucn"].items() for kind in ("measured", "predicted")}
    write_root(path, trees=trees, histograms=histograms)


def summary_markdown(numbers: dict[str, Any], settings: dict[str, Any]) -> str:
    """The markdown summary written next to the figures."""
    lines = ["# H→ττ (ρρ) multi-instance study", "", "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()),
             "", "| case | oracle AUC | NN AUC (best val. epoch) | NN − oracle | published NN | spread t=0.5 | "
             "spread T* | error spread t=0.5 | error spread T* |", "|---|---|---|---|---|---|---|---|---|"]
    for case, num in numbers.items():
        published = PUBLISHED[case.split("_")[1]] if case.startswith("pseudoscalar") else ""
        lines.append(f"| {case} | {num['oracle_auc']:.4f} | {num['best_auc']:.4f} (epoch {num['best_epoch']}) | "
                     f"{num['best_auc'] - num['oracle_auc']:+.4f} | {published} | " + " | ".join(f"{num[k]:.3f}" for k in (
                         "spread_fixed", "spread_optimal", "error_spread_fixed", "error_spread_optimal")) + " |")
    lines += ["", "Spread: largest difference of TPR_N or FPR_N (error spread: of (1 − TPR_N) + FPR_N) between "
              f"the networks of epochs {settings['spread_epochs']} over N = {N_VALUES[N_VALUES >= SPREAD_MIN_N].tolist()}"
              ", at the fixed t = 0.5 and at each network's optimal T*(N) (CLT, unequal σ).", "",
              "## AUC_N measured (weighted resampling) vs CLT prediction", "",
              "| case | ℓ from | " + " | ".join(f"N={n}" for n in N_VALUES) + " |", "|---|---|" + "---|" * len(N_VALUES)]
    lines += [f"| {case} | {name} | " + " | ".join(f"{m:.3f} / {p:.3f}" for m, p in zip(v["measured"], v["predicted"],
              strict=True)) + " |" for case, num in numbers.items() for name, v in num["aucn"].items()]
    return "\n".join([*lines, "", "Cells: measured / predicted."]) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--out", type=Path, required=True, help="output directory (created atomically)")
    add("--events", type=int, default=400_000, help="events after the selection")
    for flag, kind, default in (("--epochs", int, 40), ("--batch-size", int, 512), ("--learning-rate", float, 1e-3),
                                ("--seed", int, 1)):
        add(flag, type=kind, default=default)
    add("--widths", type=int, nargs="+", default=[128, 128, 128], help="hidden layer widths")
    add("--n-series", type=int, default=4000, help="resampled series per N and class")
    add("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a shared, busy machine)")
    add("--overwrite", action="store_true", help="replace an existing output directory")
    add("--quick", action="store_true", help="CI-sized run: 8k events, 2 epochs, tiny network")
    add("--hypotheses", nargs="+", default=["pseudoscalar", "mixed"], choices=list(HYPOTHESES),
        help="class B: pseudoscalar (π/2), mixed (π/4), weak (π/8); class A is the scalar")
    add("--features", nargs="+", default=list(FEATURES), choices=list(FEATURES))
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
    settings = {k: getattr(args, k) for k in ("events", "epochs", "widths", "batch_size", "learning_rate", "seed",
                                              "n_series")} | {"widths": tuple(args.widths)}
    with atomic_directory(args.out, overwrite=args.overwrite) as tmp:
        samples = build_samples(args.events, seed=args.seed, hypotheses=args.hypotheses, features=args.features)
        tests = {case: split_["test"] for case, split_ in samples.items()}
        settings |= {"test_events": len(next(iter(tests.values()))), "spread_epochs": spread_epochs(args.epochs)}
        results = {}
        for i, (case, data) in enumerate(samples.items()):
            config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                                 l2_weights=0.0, l2_biases=0.0, balance="none", targets="spin_weights",
                                 seed=args.seed + 10 * i, threads=args.threads)
            model = SingleNN(data["train"].n_features, widths=args.widths, dropout=0.0, seed=config.seed)
            per_epoch, history = train(model, data, config)
            res = results[case] = analyse(per_epoch, history, tests[case], n_series=args.n_series, seed=args.seed)
            print(f"{case}: NN AUC {res['best_auc']:.4f} (oracle {res['oracle_auc']:.4f}), {res['seconds']:.0f} s", flush=True)
            plot_case(res, case, tmp / f"rates_vs_n_{case}.png", tmp / f"aucn_{case}.png")
        plot_auc_vs_epoch(results, tmp / "auc_vs_epoch.png")
        write_outputs_root(results, tests, tmp / "htautau_multi_instance.root")
        numbers = {case: {k: v for k, v in res.items() if k not in ("tables", "llr_best", "llr_oracle")}
                   for case, res in results.items()}
        (tmp / "summary.json").write_text(json.dumps({"settings": settings, "n_values": N_VALUES.tolist(),
                                                   "cases": numbers}, indent=1))
        (tmp / "summary.md").write_text(summary_markdown(numbers, settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
