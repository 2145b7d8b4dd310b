"""docs/results.md, generated from the committed results (never typed by hand).

    python -m analysis.results_doc            # print
    python -m analysis.results_doc --write    # write docs/results.md

Reads results/anzalone22/{paper,small}/summary.json (+ their markdown tables and figures),
results/anzalone22/probe_750/*.log, results/measured/*.json and results/htautau/summary.json.
``tests/test_readme.py`` fails when docs/results.md differs from this rendering.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from statistics import NormalDist
from typing import Any

from analysis.anzalone22 import studies  # the study's constants: masses, the paper's Table 4

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
DOC = ROOT / "docs" / "results.md"
# masses as the keys of summary.json ("500", …); the paper's numbers live with the study
MASSES = tuple(f"{m:g}" for m in studies.MASSES)
CONTINUOUS = tuple(f"{m:g}" for m in studies.CONTINUOUS)
PAPER_TABLE4 = studies.PAPER_TABLE4


def _json(relative: str) -> dict[str, Any] | None:
    path = RESULTS / relative
    return json.loads(path.read_text()) if path.is_file() else None


def _auc(stats: dict[str, Any]) -> str:
    low, high = stats["auc_ci"]
    if stats.get("auc_seed_std") is not None:
        return f"{100 * stats['auc']:.2f} ± {100 * stats['auc_seed_std']:.2f} <sub>(±{50 * (high - low):.2f})</sub>"
    return f"{100 * stats['auc']:.2f} <sub>[{100 * low:.2f}, {100 * high:.2f}]</sub>"


def table4_side_by_side(summary: dict[str, Any], *, continuous: bool = False) -> str:
    rows = summary["studies"].get("table4", {})
    masses = MASSES + (CONTINUOUS if continuous else ())
    masses = tuple(sorted(masses, key=float))
    lines = ["| network | " + " | ".join(f"{m} GeV" for m in masses) + " |", "|---|" + "---|" * len(masses)]
    for label in ("pNN", "pNN_class", "pNN_full", "AffinePNN", "AffinePNN_class", "AffinePNN_full"):
        if label in rows:
            r = rows[label]
            partial = f", {r['epochs_done']} of {r['epochs']} epochs" if r.get("epochs_done", r["epochs"]) < r["epochs"] \
                else f", {r['epochs']} epochs"
            lines.append(f"| **{label}** (ours{partial}) | " + " | ".join(_auc(r["mass"][m]) for m in masses) + " |")
        else:
            lines.append(f"| **{label}** (ours) | " + " | ".join("not run" for _ in masses) + " |")
        if label in PAPER_TABLE4:
            paper = dict(zip(MASSES, PAPER_TABLE4[label], strict=True))
            lines.append(f"| {label} (paper) | " + " | ".join(f"{paper[m]:.2f}" if m in paper else "–" for m in masses)
                         + " |")
    return "\n".join(lines)


def ordering_section(summary: dict[str, Any]) -> str:
    """The four Table 4 networks ranked by AUC at each mass, ours next to the paper's."""
    rows = summary["studies"].get("table4", {})
    labels = [k for k in PAPER_TABLE4 if k in rows]
    if len(labels) < len(PAPER_TABLE4):
        return "(not all four networks run)"
    lines = ["| mass | ours (best → worst) | paper (best → worst) | same order |", "|---|---|---|---|"]
    for i, m in enumerate(MASSES):
        ours = sorted(labels, key=lambda k: -rows[k]["mass"][m]["auc"])
        paper = sorted(labels, key=lambda k: -PAPER_TABLE4[k][i])
        lines.append(f"| {m} GeV | {' > '.join(ours)} | {' > '.join(paper)} | {'yes' if ours == paper else 'no'} |")
    return "\n".join(lines)


def claims_section(summary: dict[str, Any]) -> str:
    lines = []
    for key, item in summary.get("claims", {}).items():
        lines.append(f"- **({key}) {item['claim']}** — *{item['verdict']}*.")
        for c in item["checks"]:
            if "sigma" in c:
                lines.append(f"  - {c['comparison']} at {c['mass']:g} GeV: {c['ours']:+.2f} ± {c['sigma']:.2f} "
                             f"points (paper {c['paper']:+.2f}) → {c['verdict']}")
            else:
                lines.append(f"  - spread at 500 GeV: {c['ours']:.2f} points (paper {c['paper']:.2f}) → {c['verdict']}")
    return "\n".join(lines)


def probe_section() -> str:
    lines = ["| background mass in training | model, balance | AUC % at 500 / 750 / 1000 / 1250 / 1500 GeV |",
             "|---|---|---|"]
    names = {"identical": "signal's masses and IMB frequencies (old default: 99.4 % at 500 GeV)",
             "points": "signal's points {500, 1500}, equal frequencies",
             "five": "all five HEPMASS points, equal, resampled (the five-point pool)",
             "column": "the background's own five-valued mass column, fixed (real HEPMASS-IMB)"}
    for path in sorted((RESULTS / "anzalone22" / "probe_750").glob("*.log")):
        for line in path.read_text().splitlines():
            m = re.match(r"(\w+) (pnn|affine) AUC% \[([^\]]+)\]", line)
            if m:
                balance = "class" if "class" in path.name else "none"
                lines.append(f"| {names[m.group(1)]} | {m.group(2)}, {balance} | "
                             f"{' / '.join(v.strip() for v in m.group(3).split(','))} |")
    return "\n".join(lines)


CALIBRATION_ORDER = ("baseline", "cluster_iso", "cluster_iso_lineshape", "cluster_iso_lineshape_semilep",
                     "cluster_iso_lineshape_column")


def calibration_section() -> str:
    """Table 4's pNN at 1/12 scale for each generator variant tried (results/anzalone22/calibration)."""
    folder = RESULTS / "anzalone22" / "calibration"
    lines = ["| generator variant | validation | best epoch | AUC % at 500 / 750 / 1000 / 1250 / 1500 GeV |",
             "|---|---|---|---|", "| paper (real HEPMASS-IMB, 25 epochs) | | | "
             + " / ".join(f"{v:.2f}" for v in PAPER_TABLE4["pNN"]) + " |"]
    for tag in CALIBRATION_ORDER:
        path = folder / f"{tag}.json"
        if path.is_file():
            r = json.loads(path.read_text())
            aucs = " / ".join(f"{r['auc'][m]:.1f}" for m in MASSES)
            lines.append(f"| `{tag}`: {r['description']} | {r['validation_mass']} | {r['best_epoch'] + 1} of "
                         f"{r['epochs']} | {aucs} |")
    return "\n".join(lines)


def _markdown(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                     + ["| " + " | ".join(row) + " |" for row in rows])


def _binned(first: list[str], edges: list[float], low: float, high: float, rows: list[tuple]) -> str:
    """Markdown of per-bin values: ``rows`` are (labels, values, format) over bins in [low, high)."""
    bins = [i for i in range(len(edges) - 1) if low <= edges[i] < high]
    head = first + [f"{edges[i]}–{edges[i + 1]}" for i in bins]
    return _markdown(head, [labels + ["–" if v[i] is None else fmt.format(v[i]) for i in bins]
                            for labels, v, fmt in rows])


def profile_section(tag: str = "baseline") -> str:
    """Mean network score per m_WWbb bin at m = 500/750/1500 GeV (the calibration's diagnosis)."""
    r = _json(f"anzalone22/calibration/{tag}.json")
    if r is None:
        return "(not run)"
    rows = [([label, f"{m} GeV"], r["score_vs_m_wwbb"][kind][m], "{:.3f}")
            for kind, label in (("background", "test background"), ("signal_750", "750 GeV signal"))
            for m in ("500", "750", "1500")]
    return _binned(["events", "condition m"], r["m_wwbb_edges"], 300, 1200, rows)


def shapes_section() -> str:
    """Likelihood ratio signal/background in m_WWbb bins between the trained points."""
    shapes = _json("anzalone22/calibration/shapes.json")
    if shapes is None:
        return "(not run)"
    rows = [([backend, f"{m} GeV"], shapes[backend]["signal"][m]["likelihood_ratio"], "{:.2f}")
            for backend in ("pythia", "stand-in") for m in ("500", "750", "1500")]
    return _binned(["generator", "m_X"], shapes["m_wwbb_edges"], 550, 1000, rows)


def keras_section() -> str:
    """Torch vs Keras models of the reference: mean ± seed std per mass, and the acceptance."""
    if (check := _json("anzalone22/keras_crosscheck.json")) is None:
        return "(not run yet)"
    rows = []
    for name, model in check["models"].items():
        table = model["acceptance"]
        rows += [[name, fw] + [f"{table[m][fw + '_mean']:.1f} ± {table[m][fw + '_std']:.1f}" for m in MASSES]
                 for fw in ("torch", "keras")]
        rows.append([name, "difference (within 2 points or 2σ)"]
                    + [f"{table[m]['difference']:+.1f} ({'yes' if table[m]['ok'] else 'no'})" for m in MASSES])
    if {"pNN", "AffinePNN"} <= set(check["models"]):  # verdict (a) at this scale, with the seed spread
        for fw in ("torch", "keras"):
            a, p = (check["models"][k]["acceptance"] for k in ("AffinePNN", "pNN"))
            rows.append(["AffinePNN − pNN", fw] + [f"{a[m][fw + '_mean'] - p[m][fw + '_mean']:+.1f} ± "
                         f"{math.hypot(a[m][fw + '_std'], p[m][fw + '_std']) / math.sqrt(len(check['seeds'])):.1f}"
                         for m in MASSES])
    return _markdown(["network", "framework"] + [f"{m} GeV" for m in MASSES], rows)


class _Missing(dict):
    """Placeholders of results not committed yet read "(not run yet)"."""

    def __missing__(self, key: str) -> str:
        return "(not run yet)"


def render() -> str:
    from analysis.results_doc_text import TEXT  # the narrative, next to this script

    paper = _json("anzalone22/paper/summary.json")
    small = _json("anzalone22/fraction/summary.json")
    calib = _json("measured/hepmass_calibration.json")
    htau = _json("htautau/summary.json")
    keras = _json("anzalone22/keras_crosscheck.json")
    values = {"keras_epochs": str(keras["epochs"]), "keras_seeds": ", ".join(map(str, keras["seeds"]))} if keras else {}
    values |= {
        "probe_table": probe_section(),
        "calibration_table": calibration_section(),
        "shapes_table": shapes_section(),
        "profile_table": profile_section(),
        "keras_table": keras_section(),
        "table4_paper": table4_side_by_side(paper, continuous=True) if paper else "(not run)",
        "table4_small": table4_side_by_side(small) if small else "(not run)",
        "claims_paper": claims_section(paper) if paper else "(not run)",
        "ordering_paper": ordering_section(paper) if paper else "(not run)",
        "ordering_small": ordering_section(small) if small else "(not run)",
        "claims_small": claims_section(small) if small else "(not run)",
        "calibration": " / ".join(f"{v:.1f}" for v in calib["auc_isr_off"]) if calib else "(not run)",
        "calibration_events": f"{calib['events_per_mass'] // 1000}k" if calib else "",
        "paper_epochs": str(paper["epochs"]) if paper else "",
    }
    if htau:
        weak = htau["weak_case"]
        values |= {
            "ht_events": f"{htau['events'] // 1000}k", "ht_epochs": str(htau["epochs"]),
            "ht_complete": f"{htau['nn_complete']:.3f}", "ht_oracle": f"{htau['oracle']:.3f}",
            "ht_incomplete": f"{htau['nn_incomplete']:.3f}",
            "ht_cond": f"{htau['conditioned_minus_dedicated'][0]:+.3f} … {htau['conditioned_minus_dedicated'][1]:+.3f}",
            "weak_events": f"{weak['events'] // 1000}k", "weak_epochs": str(weak["epochs"]),
            "weak_auc": f"{weak['auc']:.3f}", "weak_oracle": f"{weak['oracle_auc']:.3f}",
            "weak_n100": f"{weak['auc_n'][0]:.3f}", "weak_n200": f"{weak['auc_n'][1]:.3f}",
            "weak_clt100": f"{weak['auc_n_clt'][0]:.3f}", "weak_clt200": f"{weak['auc_n_clt'][1]:.3f}",
            "weak_spread_fixed": f"{weak['spread_fixed']:.3f}", "weak_spread_optimal": f"{weak['spread_optimal']:.3f}",
            "weak_err_fixed": f"{weak['error_spread_fixed']:.3f}", "weak_err_optimal": f"{weak['error_spread_optimal']:.3f}",
            "ht_oracle_diff": f"{htau['nn_complete'] - htau['oracle']:+.3f}",
        }
        # AUC_N = Φ(√N √2 Φ⁻¹(AUC_1)) for two Gaussian classes of equal width: the paper's 0.535
        normal = NormalDist()
        for n in (100, 200):
            values[f"paper_clt{n}"] = f"{normal.cdf(math.sqrt(2 * n) * normal.inv_cdf(0.535)):.2f}"
    return TEXT.format_map(_Missing(values))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
