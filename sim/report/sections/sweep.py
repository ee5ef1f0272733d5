"""The report of a sweep: each measure's median and bands against the lever (heat maps of
the median over a grid of two levers), each bottom line's breach probability and the
chance of meeting the deadline, all at the horizon, from the batch's summary table."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.measures import registry
from sim.parameters import table as parameter_table
from sim.report.compare import Results
from sim.report.grid import Grid, shown
from sim.report.page import Page, figure_block, rgba, section
from sim.report.summary_text import line_name

QUANTILES = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
CHANCES = (*(f"breach_{line.name}" for line in BOTTOM_LINES), "deadline_met")
COLORS = ("#d62728", "#ff7f0e", "#9467bd", "#2ca02c")


def sweep_table(results: Results) -> pd.DataFrame:
    """A row per grid point: its lever values, each measure's quantiles at the horizon and
    each bottom line's and the deadline's probability with its exact 95% interval."""
    sweep = results.manifest["sweep"]
    rows = []
    for name, values in sweep["points"].items():
        part = results.summary[results.summary["scenario"] == name]
        if part.empty:
            continue
        row: dict[str, object] = {"scenario": name, **values}
        for m in sweep["measures"]:
            q = part[f"{m}_end"].quantile(list(QUANTILES.values())).to_numpy()
            row |= {f"{m}_{k}": v for k, v in zip(QUANTILES, q, strict=True)}
        for column in CHANCES:
            p, low, high = breach_probability(part[column].to_numpy(dtype=bool))
            line = column.removeprefix("breach_")
            row |= {f"{line}_probability": p, f"{line}_ci_low": low, f"{line}_ci_high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def curve(page: Page, frame: pd.DataFrame, lever: str, measure: str) -> go.Figure:
    """Median and 50%/90% bands of ``measure`` against one lever."""
    x = frame[lever].tolist()
    fig = go.Figure()
    for lo, hi, alpha in (("p05", "p95", 0.12), ("p25", "p75", 0.25)):
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=np.concatenate([frame[f"{measure}_{hi}"], frame[f"{measure}_{lo}"][::-1]]),
                fill="toself",
                mode="lines",
                fillcolor=rgba("#1f77b4", alpha),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    f = page.d3_format(registry()[measure].unit)
    fig.add_trace(
        go.Scatter(
            x=x,
            y=frame[f"{measure}_median"],
            mode="lines+markers",
            line={"color": "#1f77b4", "width": 2},
            name=page.t("median"),
            hovertemplate=f"%{{x}}: %{{y:{f}}}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=page.name(parameter_table()["levers"][lever]))
    fig.update_yaxes(title_text=page.unit(registry()[measure].unit), tickformat=f)
    return fig


def chances_curve(page: Page, frame: pd.DataFrame, lever: str) -> go.Figure:
    """Each bottom line's breach probability and P(deadline met) against one lever."""
    fig = go.Figure()
    x = frame[lever].tolist()
    for column, color in zip(CHANCES, COLORS, strict=True):
        line = column.removeprefix("breach_")
        fig.add_trace(
            go.Scatter(
                x=x,
                y=frame[f"{line}_probability"],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": frame[f"{line}_ci_high"] - frame[f"{line}_probability"],
                    "arrayminus": frame[f"{line}_probability"] - frame[f"{line}_ci_low"],
                },
                mode="lines+markers",
                line={"color": color},
                name=line_name(line, page.lang),
                hovertemplate="%{x}: %{y:.1%}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=page.name(parameter_table()["levers"][lever]))
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    return fig


def heat(page: Page, frame: pd.DataFrame, levers: list[str], column: str, fmt: str) -> go.Figure:
    """``column`` over the grid of two levers."""
    z = frame.pivot(index=levers[1], columns=levers[0], values=column)
    fig = go.Figure(
        go.Heatmap(
            x=z.columns.tolist(),
            y=z.index.tolist(),
            z=z.to_numpy(),
            colorscale="Viridis",
            colorbar={"tickformat": fmt},
            hovertemplate=f"%{{x}}, %{{y}}: %{{z:{fmt}}}<extra></extra>",
        )
    )
    names = [page.name(parameter_table()["levers"][n]) for n in levers]
    fig.update_xaxes(title_text=names[0])
    fig.update_yaxes(title_text=names[1])
    return fig


def sweep_section(page: Page) -> str:
    """Response curves (one lever) or heat maps (two), then the table of every point."""
    sweep = page.results.manifest["sweep"]
    levers = list(sweep["levers"])
    frame = sweep_table(page.results)
    blocks = []
    for m in sweep["measures"]:
        if len(levers) == 1:
            fig = curve(page, frame, levers[0], m)
        else:
            fig = heat(page, frame, levers, f"{m}_median", page.d3_format(registry()[m].unit))
        blocks.append(figure_block(page.measure(m), page.figure(fig, 380)))
    if len(levers) == 1:
        blocks.append(
            figure_block(page.t("chances"), page.figure(chances_curve(page, frame, levers[0]), 420))
        )
    else:
        for column in CHANCES:
            line = column.removeprefix("breach_")
            fig = heat(page, frame, levers, f"{line}_probability", ".0%")
            blocks.append(figure_block(line_name(line, page.lang), page.figure(fig, 380)))
    formats = {c: "percent" for c in frame if c.endswith(("_probability", "_ci_low", "_ci_high"))}
    head = "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns) + "</tr>"
    rows = [
        "".join(f"<td>{html.escape(cell(row[c], formats.get(c)))}</td>" for c in frame.columns)
        for _, row in frame.iterrows()
    ]
    grid = Grid("sweep", frame, head, rows, formats, css="sweep", label=page.t("sweep"))
    base = page.results.title(sweep["base"], page.lang) if sweep["base"] else ""
    note = page.t("sweep_note", base=base, levers=", ".join(levers))
    return section("sweep", page.t("sweep"), note, "".join(blocks) + grid.html())


def cell(x: object, kind: str | None) -> str:
    """A cell of the sweep's table as the page writes it."""
    if isinstance(x, str):
        return x
    return shown(kind or "number", float(x))
