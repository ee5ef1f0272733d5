"""The headline table: every headline measure at end-2023 and at the horizon, and against
the reference its paired difference, shaded only when it matters."""

from __future__ import annotations

import html

import pandas as pd

from sim.measures import registry
from sim.numbers import percent, value
from sim.report.compare import AT, comparison_table, difference_cell, level_cell, shade
from sim.report.grid import Grid
from sim.report.page import Page, section
from sim.summary import calendar


def headline_section(page: Page) -> str:
    """A block of rows per measure, a row per scenario; downloads as OUT/summary_table.csv."""
    res = page.results
    horizon = res.horizons[res.scenarios[0]]
    ats = {
        "deadline": page.t("end2023"),
        "horizon": page.t("at_horizon", date=calendar(horizon), month=horizon),
    }
    base = res.baseline
    span = 3 if base else 1
    columns = f"<th>{page.t('median')}</th>" + (
        f"<th>{page.t('diff', base=html.escape(page.label(base)))}</th><th>{page.t('p_better')}</th>"
        if base
        else ""
    )
    head = (
        f'<tr><th rowspan="2">{page.t("scenario")}</th>'
        + "".join(f'<th colspan="{span}">{html.escape(ats[at])}</th>' for at in AT)
        + f"</tr><tr>{columns * len(AT)}</tr>"
    )
    frame = wide_table(comparison_table(res))
    groups, rows = {}, []
    reg = registry()
    for i, (_, r) in enumerate(frame.iterrows()):
        m = reg[r["measure"]]
        if i == 0 or frame["measure"].iloc[i - 1] != r["measure"]:
            note = f" — {page.t('more_is_better')}" if base and m.better == "either" else ""
            material = (
                f" [{page.t('material', m=value(m.material, m.unit))}]"
                if base and m.material
                else ""
            )
            groups[i] = (
                f'<tr class="measure"><td colspan="{1 + span * len(AT)}">'
                f"{html.escape(page.measure(r['measure']) + material + note)}</td></tr>"
            )
        cells = [f'<td class="name">{html.escape(page.label(r["scenario"]))}</td>']
        for at in AT:
            x = at_row(r, at)
            cells.append(f"<td>{level_cell(x)}</td>")
            if base:
                css = shade(r["measure"], x)
                cells.append(f'<td class="{css}">{difference_cell(x)}</td>')
                cells.append(f"<td>{percent(x['p_better'])}</td>")
        rows.append("".join(cells))
    formats = {}
    for at in AT:
        formats |= dict.fromkeys([f"{at}_{k}" for k in ("median", "p05", "p95")], "value")
        if base:
            formats |= dict.fromkeys([f"{at}_diff_{k}" for k in ("mean", "low", "high")], "delta")
            formats[f"{at}_p_better"] = "percent"
    grid = Grid("summary_table", frame, head, rows, formats, groups, "headline", page.t("headline"))
    note = page.t("headline_note", base=page.label(base)) if base else page.t("headline_levels")
    return section("headline", page.t("headline"), note, grid.html())


STATISTICS = ("month", "p05", "median", "p95", "diff_mean", "diff_low", "diff_high", "p_better")


def wide_table(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table with a row per (measure, scenario): ``deadline_*`` and
    ``horizon_*`` columns (what ``OUT/summary_table.csv`` holds)."""
    keys = ["measure", "unit", "scenario"]
    parts = []
    for at in AT:
        part = table[table["at"] == at].set_index(keys)
        cols = [*STATISTICS, "material"]
        parts.append(part[cols].rename(columns={c: f"{at}_{c}" for c in cols}))
    return pd.concat(parts, axis=1).reset_index()


def at_row(row: pd.Series, at: str) -> pd.Series:
    """The statistics of one date of a wide row, named as in the long table."""
    cols = [*STATISTICS, "material"]
    x = pd.Series({c: row[f"{at}_{c}"] for c in cols})
    x["unit"] = row["unit"]
    return x
