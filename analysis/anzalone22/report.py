"""Tables, figures and verdicts from the per-network results in ``OUT/models/*.json``.

Writes into ``OUT``: ``table3.md``, ``table4.md``, ``table5.md``, ``fig14.md`` (AUC % and σ_ratio
per mass: mean over training seeds, ± the seeds' standard deviation where there are several,
and the Poisson-bootstrap ±1σ interval of the test sample), ``continuous.md`` (AUC at
625/875/1125/1375 GeV), ``claims.md`` (verdicts on the paper's §6.4 claims), ``fig14.png``,
``fig15.png``, ``auc_vs_mass.png``, ``summary.json`` (everything above as numbers) and, at
small scale, ``tables.root`` (one TTree of per-mass metrics per network). Missing networks
are listed, never silently dropped.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from analysis.anzalone22.figures import LABEL, auc_figure, fig15, write_tables_root
from analysis.anzalone22.studies import (
    CONTINUOUS,
    MASSES,
    PAPER_TABLE3,
    PAPER_TABLE4,
    STUDIES,
    Scale,
    specs,
)
from hepconditioning.plotting import hep_style, save_figure

TITLES = {
    "table3": "Table 3 — HEPMASS stand-in, all masses",
    "table4": "Table 4 — HEPMASS-IMB stand-in without the 750/1000/1250 GeV signal (Fig. 14c)",
    "table5": "Table 5 — HEPMASS-IMB stand-in, all masses",
    "fig14": "Fig. 14a/b — HEPMASS stand-in trained on two mass points",
}
# The claims of [Anzalone22] §6.4 as read from its Table 4: (row A, row B, masses, paper's A − B)
CLAIMS = {
    "a": ("AffinePNN interpolates better than the pNN at the missing masses",
          "AffinePNN", "pNN", (750.0, 1000.0, 1250.0)),
    "b": ("class-balanced training helps at the scarce high masses (1250, 1500 GeV)",
          ("pNN_class", "AffinePNN_class"), ("pNN", "AffinePNN"), (1250.0, 1500.0)),
    "c": ("class balancing costs the pNN at 750 GeV but not the AffinePNN",
          ("pNN_class", "AffinePNN_class"), ("pNN", "AffinePNN"), (750.0,)),
    "d": ("at the trained 500 GeV point the four networks agree within 1 point", None, None, (500.0,)),
}


def _load(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((out / "models").glob("*.json"))]


def _aggregate(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """study → label → {mass → stats} with the mean over seeds, seed std and bootstrap σ."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in results:
        grouped[(r["study"], r["label"])].append(r)
    table: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for (study, label), runs in grouped.items():
        runs = sorted(runs, key=lambda r: r["seed"])
        per_mass = {}
        for i, row in enumerate(runs[0]["rows"]):
            auc = np.array([r["rows"][i]["auc"] for r in runs])
            sig = np.array([r["rows"][i]["sigma_ratio"] for r in runs])
            per_mass[f"{row['mass']:g}"] = {
                "auc": float(auc.mean()), "auc_seed_std": float(auc.std(ddof=1)) if auc.size > 1 else None,
                "auc_boot_std": float(np.mean([r["rows"][i]["auc_std"] for r in runs])),
                "auc_ci": runs[0]["rows"][i]["auc_ci"],
                "sigma_ratio": float(sig.mean()),
                "sigma_ratio_seed_std": float(sig.std(ddof=1)) if sig.size > 1 else None,
                "sigma_ratio_ci": runs[0]["rows"][i]["sigma_ratio_ci"],
                "aucs": auc.tolist(),
            }
        table[study][label] = {"seeds": [r["seed"] for r in runs], "epochs": runs[0]["config"]["epochs"],
                               "epochs_done": min(r.get("epochs_done", r["config"]["epochs"]) for r in runs),
                               "n_train": runs[0]["n_train"], "mass": per_mass}
    return table


def _cell(stats: dict[str, Any], key: str = "auc", scale: float = 100.0, digits: int = 2) -> str:
    if stats.get(f"{key}_seed_std") is not None:  # several seeds: mean ± seed std (bootstrap half-width)
        low, high = stats[f"{key}_ci"]
        return (f"{scale * stats[key]:.{digits}f} ± {scale * stats[f'{key}_seed_std']:.{digits}f} "
                f"(±{scale * (high - low) / 2:.{digits}f})")
    low, high = stats[f"{key}_ci"]
    return f"{scale * stats[key]:.{digits}f} [{scale * low:.{digits}f}, {scale * high:.{digits}f}]"


def _markdown(study: str, rows: dict[str, dict[str, Any]], expected: list[str], masses) -> str:
    head = "| network | " + " | ".join(f"{m:g} GeV" for m in masses) + " |"
    lines = [f"## {TITLES.get(study, study)}", "", "AUC %: one seed: value [bootstrap ±1σ interval of the test "
             "sample]; several seeds: mean ± seed std (bootstrap ±1σ half-width). σ_ratio below.", "", head,
             "|---|" + "---|" * len(masses)]
    for label in expected:
        if label in rows:
            cells = [_cell(rows[label]["mass"][f"{m:g}"]) for m in masses]
            r = rows[label]
            done = f", {r['epochs_done']} of {r['epochs']} epochs" if r["epochs_done"] < r["epochs"] else ""
            lines.append(f"| {label} ({len(r['seeds'])} seed{'s' * (len(r['seeds']) > 1)}{done}) | "
                         + " | ".join(cells) + " |")
        else:
            lines.append(f"| {label} | " + " | ".join("missing" for _ in masses) + " |")
    if study == "table4":
        for label, values in PAPER_TABLE4.items():
            lines.append(f"| paper {label} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
    if study == "table3":
        for label, values in PAPER_TABLE3.items():
            lines.append(f"| paper {label} | " + " | ".join(f"{v:.2f}" for v in values) + " |")
    lines += ["", "| network σ_ratio | " + " | ".join(f"{m:g} GeV" for m in masses) + " |",
              "|---|" + "---|" * len(masses)]
    for label in expected:
        if label in rows:
            lines.append(f"| {label} | " + " | ".join(_cell(rows[label]["mass"][f"{m:g}"], "sigma_ratio", 1.0, 4)
                                                     for m in masses) + " |")
    return "\n".join(lines) + "\n"


def _difference(rows, a: str, b: str, mass: float) -> tuple[float, float] | None:
    if a not in rows or b not in rows:
        return None
    sa, sb = rows[a]["mass"][f"{mass:g}"], rows[b]["mass"][f"{mass:g}"]
    var = sa["auc_boot_std"] ** 2 + sb["auc_boot_std"] ** 2  # conservative: the test sample is shared
    for s in (sa, sb):
        if s["auc_seed_std"] is not None:
            var += s["auc_seed_std"] ** 2 / len(s["aucs"])
    return 100 * (sa["auc"] - sb["auc"]), 100 * math.sqrt(var)


def _paper(label: str, mass: float) -> float:
    return PAPER_TABLE4[label][MASSES.index(mass)]


def verdicts(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Verdict per claim: reproduced (paper's sign, > 2σ; for "no effect": |Δ| < max(2σ, 1 point)),
    not reproduced (opposite sign > 2σ, or an effect the paper does not have), or not significant."""
    out = {}
    for key, (text, a, b, masses) in CLAIMS.items():
        checks = []
        if key == "d":
            labels = [k for k in PAPER_TABLE4 if k in rows]
            if len(labels) == len(PAPER_TABLE4):
                values = [100 * rows[k]["mass"]["500"]["auc"] for k in labels]
                spread = max(values) - min(values)
                paper = max(v[0] for v in PAPER_TABLE4.values()) - min(v[0] for v in PAPER_TABLE4.values())
                checks.append({"mass": 500.0, "ours": spread, "paper": paper,
                               "verdict": "reproduced" if spread < 1.0 else "not reproduced"})
        else:
            pairs = list(zip(a, b, strict=True)) if isinstance(a, tuple) else [(a, b)]
            for ra, rb in pairs:
                for m in masses:
                    diff = _difference(rows, ra, rb, m)
                    if diff is None:
                        continue
                    d, sigma = diff
                    paper = _paper(ra, m) - _paper(rb, m)
                    null = key == "c" and ra.startswith("Affine")  # the paper: no effect
                    if null:
                        verdict = "reproduced" if abs(d) < max(2 * sigma, 1.0) else "not reproduced"
                    elif abs(d) < 2 * sigma:
                        verdict = "not significant"
                    else:
                        verdict = "reproduced" if np.sign(d) == np.sign(paper) else "not reproduced"
                    checks.append({"comparison": f"{ra} − {rb}", "mass": m, "ours": d, "sigma": sigma,
                                   "paper": paper, "verdict": verdict})
        kinds = {c["verdict"] for c in checks}
        overall = "missing" if not checks else (kinds.pop() if len(kinds) == 1 else "partly reproduced")
        out[key] = {"claim": text, "verdict": overall, "checks": checks}
    return out


def _claims_markdown(result: dict[str, dict[str, Any]], scale: Scale) -> str:
    lines = [f"## Claims of [Anzalone22] §6.4 on HEPMASS-IMB interpolation — scale {scale.name}", "",
             "Δ in AUC points; σ combines the bootstrap σ of both rows and the seed spread (σ/√n) "
             "where there are several seeds. Reproduced: the paper's sign at > 2σ.", ""]
    for key, item in result.items():
        lines.append(f"**({key}) {item['claim']}: {item['verdict']}**")
        lines.append("")
        for c in item["checks"]:
            if "sigma" in c:
                lines.append(f"- {c['comparison']} at {c['mass']:g} GeV: {c['ours']:+.2f} ± {c['sigma']:.2f} "
                             f"(paper {c['paper']:+.2f}) → {c['verdict']}")
            else:
                lines.append(f"- spread of the four networks at 500 GeV: {c['ours']:.2f} points "
                             f"(paper {c['paper']:.2f}) → {c['verdict']}")
        lines.append("")
    return "\n".join(lines)


def write_report(out: Path, scale: Scale) -> dict[str, Any]:
    """Write every table, figure and verdict for the results in ``out``; return the summary."""
    results = _load(out)
    table = _aggregate(results)
    summary: dict[str, Any] = {"scale": scale.name, "epochs": scale.epochs, "studies": {}, "missing": {}}
    for study in STUDIES:
        expected = list(dict.fromkeys(s.label for s in specs(study, scale)))
        rows = table.get(study, {})
        summary["missing"][study] = [label for label in expected if label not in rows]
        if not rows:
            continue
        summary["studies"][study] = rows
        (out / f"{study}.md").write_text(_markdown(study, rows, expected, MASSES))
    cont = {f"{s}/{k}": v for s, rows in table.items() for k, v in rows.items()}
    if cont:
        grid = sorted(MASSES + CONTINUOUS)
        lines = ["## Continuous masses (generated signal between the HEPMASS points; AUC %)", "",
                 "| network | " + " | ".join(f"{m:g}" for m in grid) + " |", "|---|" + "---|" * len(grid)]
        for name, v in sorted(cont.items()):
            lines.append(f"| {name} | " + " | ".join(f"{100 * v['mass'][f'{m:g}']['auc']:.2f}" for m in grid) + " |")
        (out / "continuous.md").write_text("\n".join(lines) + "\n")
    if "table4" in table:
        summary["claims"] = verdicts(table["table4"])
        (out / "claims.md").write_text(_claims_markdown(summary["claims"], scale))
        with hep_style(LABEL.style):
            fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
            auc_figure(ax, table["table4"], list(table["table4"]), "Fig. 14c — HEPMASS-IMB without 750/1000/1250 GeV")
            save_figure(fig, out / "fig14c.png", close=True)
    with hep_style(LABEL.style):
        if "fig14" in table:
            fig, axes = plt.subplots(1, 2, figsize=(16, 6), layout="constrained")
            for ax, tag in zip(axes, ("500_1500", "750_1250"), strict=True):
                labels = [k for k in table["fig14"] if k.endswith(tag)]
                auc_figure(ax, table["fig14"], labels, f"Fig. 14 — trained on {tag.replace('_', ' and ')} GeV")
            save_figure(fig, out / "fig14.png", close=True)
        for study in ("table3", "table5"):
            if study in table:
                fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
                auc_figure(ax, table[study], list(table[study]), TITLES[study])
                save_figure(fig, out / f"{study}.png", close=True)
    fig15(out, results)
    if scale.name == "small" and results:
        write_tables_root(out, results)
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=1) + "\n")
    tmp.replace(out / "summary.json")
    return summary
