"""Robust rankings: in what share of plausible worlds one scenario beats another.

Replication i of every scenario shares its random numbers and, in deep mode, its
parameter draws: each replication is one plausible world. For a pair (scenario,
reference) and an outcome, a world counts as *better* when the scenario is strictly
better there than the reference (ties are not better), *worse* when the reference is:

- a headline measure with an agreed direction (``better`` in ``measures.toml`` is
  "higher" or "lower"; "either" has none and is left out), at the horizon when both
  horizons are equal, otherwise at end-2023;
- a bottom line: not breached while the reference's is (worse: breached while the
  reference's is not);
- the deadline: met while the reference's is not.

Each share has its Wilson 95% interval. A *robust conclusion* is a pair and outcome
where the better (or the worse) share is at least :data:`ROBUST` (90%); the executive
summary lists them first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.bottom_lines import BOTTOM_LINES
from sim.measures import headline, registry
from sim.report.compare import ReportError, Results
from sim.report.stats import wilson
from sim.summary import DEADLINE_MONTH

ROBUST = 0.9  # the share of worlds a conclusion must hold in to be listed first
DEADLINE = "deadline_met"


@dataclass(frozen=True)
class Share:
    """The share of worlds in which something holds, with its Wilson 95% interval."""

    k: int
    n: int

    @property
    def share(self) -> float:
        return self.k / self.n if self.n else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        if not self.n:
            return float("nan"), float("nan")
        low, high = wilson(self.k, self.n)
        return float(low), float(high)


def shares(values: np.ndarray, base: np.ndarray, direction: int) -> tuple[Share, Share]:
    """(better, worse): the worlds where ``values`` is strictly better than the paired
    ``base`` in ``direction`` (+1 more is better, -1 less is), and strictly worse; pairs
    with a NaN are dropped."""
    d = np.asarray(values, dtype=float) - np.asarray(base, dtype=float)
    d = direction * d[~np.isnan(d)]
    return Share(int(np.sum(d > 0)), d.size), Share(int(np.sum(d < 0)), d.size)


@dataclass(frozen=True)
class Ranking:
    """One scenario against one reference on one outcome."""

    scenario: str
    reference: str
    outcome: str  # a headline measure, a bottom line's name or DEADLINE
    kind: str  # "measure", "line" or "deadline"
    month: int  # measures: the month compared; otherwise the horizon
    better: Share
    worse: Share

    @property
    def robust(self) -> str:
        """'better' or 'worse' when that holds in at least ROBUST of the worlds, else ''."""
        if self.better.n and self.better.share >= ROBUST:
            return "better"
        if self.worse.n and self.worse.share >= ROBUST:
            return "worse"
        return ""


def parse_pairs(given: list[str] | None, names: list[str]) -> list[tuple[str, str]]:
    """``["a:b,c:d", "e:f"]`` as pairs, each scenario checked against the batch's."""
    pairs = []
    for item in given or []:
        for text in filter(None, (t.strip() for t in item.split(","))):
            parts = text.split(":")
            if len(parts) != 2 or not all(parts):
                raise ReportError(f"--pairs '{text}': expected SCENARIO:REFERENCE")
            for name in parts:
                if name not in names:
                    raise ReportError(
                        f"--pairs '{text}': '{name}' is not a scenario of this batch; "
                        f"allowed: {', '.join(names)}"
                    )
            pairs.append((parts[0], parts[1]))
    return pairs


def rankings(results: Results, pairs: Sequence[tuple[str, str]] = ()) -> list[Ranking]:
    """Every scenario against the reference, then each of ``pairs``, on every outcome."""
    base = results.baseline
    wanted = [(s, base) for s in results.scenarios if base and s != base] + list(pairs)
    by = {n: f.set_index("replication") for n, f in results.summary.groupby("scenario")}
    reg = registry()
    horizons = results.horizons
    out = []
    for scenario, ref in dict.fromkeys(wanted):
        own, other = by[scenario], by[ref]
        same = horizons[scenario] == horizons[ref]
        month = horizons[scenario] if same else DEADLINE_MONTH
        for measure in headline():
            m = reg[measure]
            if m.better == "either":
                continue
            col = f"{measure}_{'end' if same else 'm18'}"
            pair = pd.concat([own[col], other[col]], axis=1, join="inner").to_numpy(float)
            better, worse = shares(pair[:, 0], pair[:, 1], m.direction)
            out.append(Ranking(scenario, ref, measure, "measure", month, better, worse))
        for col, kind, direction in [
            *((f"breach_{b.name}", "line", -1) for b in BOTTOM_LINES),
            (DEADLINE, "deadline", 1),
        ]:
            pair = pd.concat([own[col], other[col]], axis=1, join="inner").to_numpy(float)
            better, worse = shares(pair[:, 0], pair[:, 1], direction)
            name = col.removeprefix("breach_")
            out.append(Ranking(scenario, ref, name, kind, horizons[scenario], better, worse))
    return out


def ranking_frame(items: Sequence[Ranking]) -> pd.DataFrame:
    """A row per ranking (for CSV and the report's table)."""
    rows = []
    for r in items:
        (bl, bh), (wl, wh) = r.better.interval, r.worse.interval
        rows.append(
            {
                "scenario": r.scenario,
                "reference": r.reference,
                "outcome": r.outcome,
                "kind": r.kind,
                "month": r.month,
                "worlds": r.better.n,
                "share_better": r.better.share,
                "better_low": bl,
                "better_high": bh,
                "share_worse": r.worse.share,
                "worse_low": wl,
                "worse_high": wh,
                "robust": r.robust,
            }
        )
    return pd.DataFrame(rows)


def robust_first(items: Sequence[Ranking]) -> list[Ranking]:
    """The robust conclusions, the surest first."""
    held = [r for r in items if r.robust]
    return sorted(held, key=lambda r: -(r.better if r.robust == "better" else r.worse).share)
