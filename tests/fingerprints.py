"""Fingerprints of every bundled scenario's measures: a guard for changes that must not
change the model (refactoring, speed-ups).

``python -m tests.fingerprints`` prints them; ``--update`` rewrites
``tests/data/fingerprints.json``, which a commit that changes the model on purpose
regenerates (and says so). A fingerprint is, for each measure, the sum over 50
replications (seed 1) and every month, and a sum weighted by month and replication, so
that a changed value or a value moved to another month or replication shows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from sim.engine import simulate
from sim.measures import registry
from sim.scenario import load

ROOT = Path(__file__).resolve().parent.parent
FILE = Path(__file__).resolve().parent / "data" / "fingerprints.json"
SEED, REPS = 1, 50


def fingerprint(values: np.ndarray) -> dict[str, list[float]]:
    """Per measure: [sum, weighted sum] over (replications, months) of (R, T, M) measures."""
    reps, months, _ = values.shape
    weight = 1.0 + np.arange(reps)[:, None] * 1e-3 + np.arange(months)[None, :]
    plain = values.sum(axis=(0, 1))
    weighted = (values * weight[..., None]).sum(axis=(0, 1))
    return {
        name: [float(a), float(b)] for name, a, b in zip(registry(), plain, weighted, strict=True)
    }


def fingerprints() -> dict[str, dict[str, list[float]]]:
    return {
        path.stem: fingerprint(simulate(load(path), SEED, range(REPS)))
        for path in sorted((ROOT / "scenarios").glob("*.toml"))
    }


if __name__ == "__main__":
    found = fingerprints()
    text = json.dumps(found, indent=1, sort_keys=True)
    if "--update" in sys.argv:
        FILE.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {FILE}")
    else:
        print(text)
