"""Summary tables: headline measures by scenario at end-2023 and at the horizon."""

from __future__ import annotations

import pandas as pd

from sim.measures import headline, registry

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


def _fmt(x: float) -> str:
    a = abs(x)
    if a >= 1e4:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


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
                f"{_fmt(r[f'{at}_median'])} [{_fmt(r[f'{at}_p05'])}, {_fmt(r[f'{at}_p95'])}]"
                for at in ("deadline", "horizon")
            ]
            lines.append(f"  {r['scenario']:<{width}}{cells[0]:<32}{cells[1]}")
    lines.append("\nmedian [5%, 95%] across replications")
    return "\n".join(lines)
