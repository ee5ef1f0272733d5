"""What each scenario is: the levers it changes against the reference (with units and the
file's description) and a milestone timeline (class start months, decoupling window,
deadline, median completion month with its 90% interval)."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.numbers import number
from sim.parameters import table as parameter_table
from sim.population import N_DEPARTMENTS
from sim.report.grid import Grid
from sim.report.page import Page, dates, figure_block, section, wrap

STARTS = ("start_month_competitive", "start_month_strategic", "start_month_public_welfare")
SYMBOLS = ("circle", "square", "diamond")


def lever_values(page: Page) -> dict[str, dict]:
    """Each scenario's resolved levers as the manifest records them ({} if it does not)."""
    recorded = page.results.manifest.get("scenario_levers", {})
    return {s: recorded.get(s, {}) for s in page.results.scenarios}


def reference_levers(page: Page, values: dict[str, dict]) -> dict:
    """The levers differences are taken from: the reference's, else every lever off."""
    base = page.results.baseline
    if base and values.get(base):
        return values[base]
    return {n: p.value for n, p in parameter_table()["levers"].items()}


def shown(x: object) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int | float):
        return number(x)
    return str(x)


def levers_grid(page: Page, values: dict[str, dict]) -> str:
    """A row per lever some scenario changes; a column per scenario (blank: unchanged)."""
    ref = reference_levers(page, values)
    others = [s for s in page.results.scenarios if s != page.results.baseline]
    params = parameter_table()["levers"]
    changed = [
        n for n in params if any(n in values[s] and values[s][n] != ref.get(n) for s in others)
    ]
    if not changed:
        return ""
    base = page.results.baseline
    ref_head = html.escape(page.label(base)) if base else page.t("levers_off")
    head = (
        f"<tr><th>{page.t('lever')}</th><th>{page.t('unit')}</th><th>{ref_head}</th>"
        + "".join(f"<th>{html.escape(page.label(s))}</th>" for s in others)
        + "</tr>"
    )
    rows, records = [], []
    for n in changed:
        p = params[n]
        cells = [
            f'<td class="name">{html.escape(page.name(p))}</td>',
            f"<td>{html.escape(page.unit(p.unit))}</td>",
            f"<td>{shown(ref.get(n))}</td>",
        ]
        record = {"lever": n, "unit": p.unit, "reference": ref.get(n)}
        for s in others:
            v = values[s].get(n)
            same = v == ref.get(n)
            cells.append(f"<td>{'' if same else shown(v)}</td>")
            record[s] = v
        rows.append("".join(cells))
        records.append(record)
    grid = Grid("levers", pd.DataFrame(records), head, rows, css="levers", label=page.t("levers"))
    return grid.html()


def milestones_figure(page: Page, values: dict[str, dict]) -> go.Figure:
    """A row per scenario: class start months, decoupling window, deadline, completion."""
    fig = go.Figure()
    res = page.results
    labels = [wrap(page.label(s), page.lang) for s in res.scenarios]
    for k, (lever, symbol) in enumerate(zip(STARTS, SYMBOLS, strict=True)):
        name = page.name(parameter_table()["levers"][lever])
        fig.add_trace(
            go.Scatter(
                x=dates([values[s].get(lever, 1) for s in res.scenarios]),
                y=labels,
                mode="markers",
                marker={
                    "symbol": symbol,
                    "size": 11,
                    "color": ("#1f77b4", "#ff7f0e", "#2ca02c")[k],
                },
                name=name,
                hovertemplate="%{y}: %{x|%Y-%m}<extra>" + html.escape(name) + "</extra>",
            )
        )
    for s, label in zip(res.scenarios, labels, strict=True):
        window = decoupling_window(values[s])
        if window:
            fig.add_trace(
                go.Scatter(
                    x=dates(window),
                    y=[label, label],
                    mode="lines",
                    line={"color": "#9467bd", "width": 8},
                    opacity=0.5,
                    name=page.t("decoupling"),
                    legendgroup="decoupling",
                    showlegend=s == next(x for x in res.scenarios if decoupling_window(values[x])),
                    hovertemplate="%{x|%Y-%m}<extra>" + page.t("decoupling") + "</extra>",
                )
            )
    done = completion(page)
    for s, label in zip(res.scenarios, labels, strict=True):
        low, mid, high = done.loc[s, ["p05", "median", "p95"]]
        if np.isnan(mid):
            continue
        fig.add_trace(
            go.Scatter(
                x=dates([low, high if np.isfinite(high) else page.results.horizons[s]]),
                y=[label, label],
                mode="lines",
                line={"color": "#d62728", "width": 2},
                legendgroup="completion",
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=dates([mid]),
                y=[label],
                mode="markers",
                marker={"symbol": "star", "size": 14, "color": "#d62728"},
                name=page.t("completion"),
                legendgroup="completion",
                showlegend=s
                == next(x for x in res.scenarios if np.isfinite(done.loc[x, "median"])),
                hovertemplate=f"%{{y}}: %{{x|%Y-%m}} [{dates([low])[0][:7]} – "
                f"{dates([high])[0][:7] if np.isfinite(high) else '…'}]<extra></extra>",
            )
        )
    page.deadline(fig)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin_l=230, legend={"orientation": "h", "y": -0.15})
    return fig


def decoupling_window(levers: dict) -> list[int]:
    """First and last month of planned decoupling (all departments at the lever's pace)."""
    rate = levers.get("departments_per_month", 0)
    if not levers.get("investment_companies") or not rate:
        return []
    start = int(levers.get("decoupling_start_month", 1))
    return [start, start + math.ceil(N_DEPARTMENTS / rate) - 1]


def completion(page: Page) -> pd.DataFrame:
    """Median and 5%/95% quantiles of the month every reform task was done, per scenario;
    NaN for a quantile beyond the horizon (not done by then)."""
    rows = []
    for s in page.results.scenarios:
        done = page.results.summary.loc[page.results.summary["scenario"] == s, "completion_month"]
        never = page.results.horizons[s] + 1
        q = np.quantile(done.fillna(never).to_numpy(), [0.05, 0.5, 0.95])
        q = np.where(q >= never, np.nan, q)
        rows.append({"scenario": s, **dict(zip(("p05", "median", "p95"), q, strict=True))})
    return pd.DataFrame(rows).set_index("scenario")


def scenarios_section(page: Page) -> str:
    """The scenarios: description, the levers they change, and their milestones."""
    values = lever_values(page)
    described = page.results.manifest.get("scenario_descriptions", {})
    items = "".join(
        f'<li><span class="swatch" style="background:{page.colors[s]}"></span>'
        f"<b>{html.escape(page.label(s))}</b> ({html.escape(s)})"
        + (f": {html.escape(described[s])}" if described.get(s) else "")
        + "</li>"
        for s in page.results.scenarios
    )
    body = f"<ul class='scenarios'>{items}</ul>" + levers_grid(page, values)
    if any(values.values()):
        height = 140 + 40 * len(page.results.scenarios)
        body += figure_block(
            page.t("milestones"), page.figure(milestones_figure(page, values), height)
        )
    return section("scenarios", page.t("scenarios"), page.t("scenarios_note"), body)
