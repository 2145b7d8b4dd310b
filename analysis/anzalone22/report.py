"""Tables, figures and verdicts from the per-network results (placeholder, filled below)."""

from __future__ import annotations

import json
from pathlib import Path

from studies import Scale


def write_report(out: Path, scale: Scale) -> None:
    results = [json.loads(p.read_text()) for p in sorted((out / "models").glob("*.json"))]
    (out / "summary.json").write_text(json.dumps({"scale": scale.name, "networks": [r["name"] for r in results]}))
