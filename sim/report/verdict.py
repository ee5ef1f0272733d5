"""The executive summary: for each scenario against the reference, the answer in numbers.

For every scenario: its material headline changes (paired 95% intervals, at the horizon
when it equals the reference's, otherwise at end-2023), each bottom line's breach
probability with its paired difference and Newcombe's interval, the chance of meeting the
deadline and its paired difference, a flag where a breach probability exceeds the
tolerance the scenario states (``[thresholds] breach_tolerance``), and one sentence
templated from those numbers. ``report`` puts it on the first screen, ``compare`` first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.measures import registry
from sim.parameters import table as parameter_table
from sim.report.compare import Results, comparison_table, shade
from sim.report.stats import NONE, Paired, paired_proportions
from sim.summary import DEADLINE_MONTH, calendar

DEADLINE = "deadline_met"
TOLERANCE = "breach_tolerance"
SHOWN_CHANGES = 4  # the largest material changes a scenario's summary lists


@dataclass(frozen=True)
class Chance:
    """A yes/no outcome of a scenario: a bottom line breached, or the deadline met."""

    line: str  # a bottom line's name or DEADLINE
    probability: float
    low: float  # exact 95% interval of the probability
    high: float
    paired: Paired  # scenario minus reference, Newcombe's interval; NONE without one
    tolerance: float | None  # bottom lines only: the scenario's breach tolerance

    @property
    def flagged(self) -> bool:
        """A breach probability above the tolerance the scenario states."""
        return self.tolerance is not None and self.probability > self.tolerance


@dataclass(frozen=True)
class Change:
    """A headline measure's paired change from the reference."""

    measure: str
    month: int
    paired: Paired
    verdict: str  # "better", "worse", "changed" (no agreed direction) or "" (not material)

    @property
    def size(self) -> float:
        """The change in units of the measure's material change (for ranking)."""
        material = registry()[self.measure].material or 1.0
        return abs(self.paired.diff) / material


@dataclass(frozen=True)
class Verdict:
    """What the executive summary says about one scenario."""

    scenario: str
    reference: str | None
    month: int  # the month of the headline changes
    changes: list[Change]  # every headline measure, in registry order
    chances: list[Chance]  # the bottom lines in order, then the deadline

    def material(self, verdict: str) -> list[Change]:
        return [c for c in self.changes if c.verdict == verdict]

    def largest(self) -> list[Change]:
        """The material changes, largest (relative to material) first."""
        shown = [c for c in self.changes if c.verdict]
        return sorted(shown, key=lambda c: -c.size)[:SHOWN_CHANGES]

    @property
    def deadline(self) -> Chance:
        return self.chances[-1]

    @property
    def lines(self) -> list[Chance]:
        return self.chances[:-1]


def chances(results: Results, scenario: str) -> list[Chance]:
    """Each bottom line's breach probability and the deadline's, paired with the reference."""
    by = {name: f.set_index("replication") for name, f in results.summary.groupby("scenario")}
    own = by[scenario]
    base = by.get(results.baseline) if scenario != results.baseline else None
    thresholds = results.manifest.get("thresholds", {}).get(scenario) or {}
    default = parameter_table()["thresholds"][TOLERANCE].value  # a batch that recorded none
    out = []
    for line in [*(f"breach_{b.name}" for b in BOTTOM_LINES), DEADLINE]:
        flags = own[line].to_numpy(dtype=bool)
        p, low, high = breach_probability(flags)
        paired = NONE
        if base is not None:
            pair = pd.concat([own[line], base[line]], axis=1, join="inner").to_numpy(dtype=bool)
            paired = paired_proportions(pair[:, 0], pair[:, 1])
        tolerance = thresholds.get(TOLERANCE, default) if line != DEADLINE else None
        name = line.removeprefix("breach_")
        out.append(Chance(name, p, low, high, paired, tolerance))
    return out


def verdicts(results: Results) -> list[Verdict]:
    """The executive summary of every scenario, the reference first."""
    table = comparison_table(results)
    out = []
    for scenario in results.scenarios:
        rows = table[table["scenario"] == scenario]
        at = "horizon" if rows.loc[rows["at"] == "horizon", "pairs"].gt(0).any() else "deadline"
        rows = rows[rows["at"] == at]
        changes = [
            Change(
                r["measure"],
                int(r["month"]),
                Paired(r["diff_mean"], r["diff_low"], r["diff_high"], int(r["pairs"])),
                shade(r["measure"], r),
            )
            for _, r in rows.iterrows()
        ]
        month = int(rows["month"].iloc[0]) if len(rows) else DEADLINE_MONTH
        reference = results.baseline if scenario != results.baseline else None
        out.append(Verdict(scenario, reference, month, changes, chances(results, scenario)))
    return out


def chance_frame(items: list[Verdict]) -> pd.DataFrame:
    """A row per scenario: each bottom line's breach probability and the deadline's, with
    their exact intervals, paired differences from the reference and tolerance flags."""
    rows = []
    for v in items:
        row: dict[str, object] = {"scenario": v.scenario, "reference": v.reference or ""}
        for c in v.chances:
            row |= {
                f"{c.line}_probability": c.probability,
                f"{c.line}_ci_low": c.low,
                f"{c.line}_ci_high": c.high,
                f"{c.line}_diff": c.paired.diff,
                f"{c.line}_diff_low": c.paired.low,
                f"{c.line}_diff_high": c.paired.high,
            }
            if c.line != DEADLINE:
                row |= {
                    f"{c.line}_tolerance": math.nan if c.tolerance is None else c.tolerance,
                    f"{c.line}_above_tolerance": c.flagged,
                }
        rows.append(row)
    return pd.DataFrame(rows)


def change_frame(items: list[Verdict]) -> pd.DataFrame:
    """The largest material headline changes of every scenario (for CSV)."""
    reg = registry()
    rows = [
        {
            "scenario": v.scenario,
            "reference": v.reference or "",
            "measure": c.measure,
            "unit": reg[c.measure].unit,
            "month": c.month,
            "date": calendar(c.month),
            "diff": c.paired.diff,
            "diff_low": c.paired.low,
            "diff_high": c.paired.high,
            "material": reg[c.measure].material,
            "verdict": c.verdict,
        }
        for v in items
        for c in v.largest()
    ]
    columns = ["scenario", "reference", "measure", "unit", "month", "date", "diff", "diff_low"]
    return pd.DataFrame(rows, columns=[*columns, "diff_high", "material", "verdict"])


def headline_count(v: Verdict) -> int:
    return int(np.sum([c.paired.pairs > 0 for c in v.changes]))
