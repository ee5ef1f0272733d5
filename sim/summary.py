"""Summary tables: headline measures by scenario at end-2023 and at the horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.measures import headline, registry
from sim.scenario import Scenario

DEADLINE_MONTH = 18  # December 2023, counted from July 2022 = month 1
START = pd.Period("2022-06", freq="M")  # month 0: the state at the end of June 2022


def calendar(month: int) -> str:
    """'2023-12' for month 18."""
    return str(START + int(month))


def headline_table(ts: pd.DataFrame, measures: list[str] | None = None) -> pd.DataFrame:
    """Median and 90% interval of each measure at month 18 and at each scenario's last month."""
    measures = measures or headline()
    last = ts.groupby("scenario")["month"].transform("max")
    rows = []
    for label, mask in (
        ("deadline", ts["month"] == DEADLINE_MONTH),
        ("horizon", ts["month"] == last),
    ):
        q = ts[mask].groupby("scenario", sort=False)[measures].quantile([0.05, 0.5, 0.95])
        q.index = q.index.set_names(["scenario", "q"])
        long = q.stack().rename("value").reset_index().rename(columns={"level_2": "measure"})
        long["at"] = label
        rows.append(long)
    table = pd.concat(rows).pivot_table(
        index=["measure", "scenario"], columns=["at", "q"], values="value", sort=False
    )
    table.columns = [
        f"{at}_{ {0.05: 'p05', 0.5: 'median', 0.95: 'p95'}[q] }" for at, q in table.columns
    ]
    return table.reset_index()


def fmt(x: float, signed: bool = False) -> str:
    """A number for a table: about three significant digits, '—' for NaN."""
    if not np.isfinite(x):
        return "—"
    sign = "+" if signed and x > 0 else ""
    a = abs(x)
    if a >= 1e4 or float(x).is_integer():
        return f"{sign}{x:,.0f}"
    if a >= 100:
        return f"{sign}{x:.0f}"
    if a >= 10:
        return f"{sign}{x:.1f}"
    if a >= 1:
        return f"{sign}{x:.2f}"
    return f"{sign}{x:.3g}"


def format_table(table: pd.DataFrame, horizon_month: int) -> str:
    """The table as text: one block per measure, a row per scenario."""
    reg = registry()
    head = (
        f"end-2023 (month {DEADLINE_MONTH})",
        f"{calendar(horizon_month)} (month {horizon_month})",
    )
    width = max(12, table["scenario"].str.len().max() + 2)
    lines = []
    for measure, block in table.groupby("measure", sort=False):
        m = reg[measure]
        lines.append(f"\n{m.en} ({m.zh}) [{m.unit}]")
        lines.append(f"  {'scenario':<{width}}{head[0]:<32}{head[1]}")
        for _, r in block.iterrows():
            cells = [
                f"{fmt(r[f'{at}_median'])} [{fmt(r[f'{at}_p05'])}, {fmt(r[f'{at}_p95'])}]"
                for at in ("deadline", "horizon")
            ]
            lines.append(f"  {r['scenario']:<{width}}{cells[0]:<32}{cells[1]}")
    lines.append(
        "\nmedian [5%, 95%] across replications; replication i of every scenario shares its "
        "random numbers (common random numbers), so scenario differences are paired"
    )
    return "\n".join(lines)


def bottom_line_table(summary: pd.DataFrame, scenarios: list[Scenario]) -> pd.DataFrame:
    """Per scenario: each bottom line's threshold and breach probability with its exact 95% CI,
    and the probability of meeting the end-2023 deadline."""
    rows = []
    for sc in scenarios:
        part = summary[summary["scenario"] == sc.name]
        if part.empty:
            continue
        checks = [
            (line.name, sc.thresholds[line.threshold], part[f"breach_{line.name}"])
            for line in BOTTOM_LINES
        ]
        checks.append(("deadline_met", float(sc.levers["deadline_month"]), part["deadline_met"]))
        for name, threshold, flags in checks:
            p, low, high = breach_probability(flags.to_numpy(dtype=bool))
            rows.append(
                {
                    "scenario": sc.name,
                    "line": name,
                    "threshold": threshold,
                    "probability": p,
                    "ci_low": low,
                    "ci_high": high,
                    "replications": len(part),
                }
            )
    return pd.DataFrame(rows)


def format_bottom_lines(table: pd.DataFrame) -> str:
    """The bottom lines as text: probability of breach [95% CI] per scenario."""
    names = {line.name: f"{line.en} ({line.zh})" for line in BOTTOM_LINES}
    names["deadline_met"] = "Reform tasks done by the deadline (按期完成)"
    width = max(12, table["scenario"].str.len().max() + 2)
    lines = ["\nBottom lines (底线): probability of a breach across replications [exact 95% CI]"]
    for line, block in table.groupby("line", sort=False):
        unit = "month" if line == "deadline_met" else "threshold"
        lines.append(f"\n{names[line]}")
        for _, r in block.iterrows():
            what = "met" if line == "deadline_met" else "breached"
            lines.append(
                f"  {r['scenario']:<{width}}{what} {r['probability']:6.1%} "
                f"[{r['ci_low']:.1%}, {r['ci_high']:.1%}]  ({unit} {r['threshold']:g})"
            )
    return "\n".join(lines)
