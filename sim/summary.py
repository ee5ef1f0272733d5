"""Dates of the model's months and the bottom-lines table a run writes (``bottom_lines.csv``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.codes import DEADLINE_MONTH
from sim.parameters import table as parameter_table

START = pd.Period("2022-06", freq="M")  # month 0: the state at the end of June 2022

__all__ = ["DEADLINE_MONTH", "START", "bottom_line_table", "calendar"]


def calendar(month: int) -> str:
    """'2023-12' for month 18."""
    return str(START + int(month))


def bottom_line_table(summary: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """Per scenario of the batch: each bottom line's threshold (as the batch applied it) and
    breach probability with its exact 95% CI, and the probability of meeting the deadline."""
    rows = []
    for name in manifest["identity"]["scenarios"]:
        part = summary[summary["scenario"] == name]
        if part.empty:
            continue
        thresholds = manifest.get("thresholds", {}).get(name) or {}
        levers = manifest.get("scenario_levers", {}).get(name) or {}
        units = parameter_table()["thresholds"]
        checks = [
            (
                line.name,
                thresholds.get(line.threshold),
                units[line.threshold].unit,
                part[f"breach_{line.name}"],
            )
            for line in BOTTOM_LINES
        ]
        checks.append(("deadline_met", levers.get("deadline_month"), "month", part["deadline_met"]))
        for line, threshold, unit, flags in checks:
            p, low, high = breach_probability(flags.to_numpy(dtype=bool))
            rows.append(
                {
                    "scenario": name,
                    "line": line,
                    "threshold": threshold,
                    "threshold_unit": unit,
                    "probability": p,
                    "ci_low": low,
                    "ci_high": high,
                    "replications": len(part),
                }
            )
    return pd.DataFrame(rows)
