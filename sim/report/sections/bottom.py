"""The bottom lines (breach probabilities against each scenario's thresholds, and when the
pressure peaks) and the timetable (completion by month, P(deadline met))."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.numbers import interval, percent
from sim.parameters import table as parameter_table
from sim.report.compare import Results
from sim.report.grid import Grid
from sim.report.page import Page, dates, figure_block, section, wrap


def _probability_bars(
    page: Page,
    fig: go.Figure,
    stats: dict[str, tuple[float, float, float]],
    col: int,
    hover: dict[str, str],
) -> None:
    """Horizontal bars of probabilities with exact CIs (a bar per scenario) in column ``col``."""
    names = page.results.scenarios
    labels = [wrap(page.label(s), page.lang) for s in names]
    p, lo, hi = (np.array([stats[s][i] for s in names]) for i in range(3))
    fig.add_trace(
        go.Bar(
            y=labels,
            x=p,
            orientation="h",
            marker_color=[page.colors[s] for s in names],
            error_x={"type": "data", "symmetric": False, "array": hi - p, "arrayminus": p - lo},
            customdata=[hover[s] for s in names],
            hovertemplate="%{customdata}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=col,
    )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=hi,
            mode="text",
            text=[f" {percent(v)}" for v in p],
            textposition="middle right",
            hoverinfo="skip",
            showlegend=False,
        ),
        row=1,
        col=col,
    )
    fig.update_xaxes(
        range=[0, 1.18], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%", row=1, col=col
    )


def _share_ci(stats: tuple[float, float, float]) -> str:
    """'59.0% [49.0% – 69.0%]': a probability and its confidence interval."""
    return f"{percent(stats[0])} {interval(stats[1], stats[2], 'share')}"


def scenario_thresholds(results: Results) -> dict[str, dict[str, float] | None]:
    """Each scenario's bottom-line thresholds as the batch applied them (from the manifest).

    None for a scenario whose manifest records none (a batch written before thresholds
    were recorded).
    """
    recorded = results.manifest.get("thresholds", {})
    return {name: recorded.get(name) for name in results.scenarios}


def bottom_lines_section(page: Page) -> str:
    """Breach probabilities with CIs against thresholds, and when the pressure peaks."""
    res = page.results
    groups = res.summary.groupby("scenario")
    thresholds = scenario_thresholds(res)
    params = parameter_table()["thresholds"]
    names = [page.name(line) for line in BOTTOM_LINES]
    fig = make_subplots(
        rows=1, cols=3, shared_yaxes=True, subplot_titles=names, horizontal_spacing=0.03
    )
    rows = {s: [f'<td class="name">{html.escape(page.label(s))}</td>'] for s in res.scenarios}
    frame = {s: {"scenario": s} for s in res.scenarios}
    for col, line in enumerate(BOTTOM_LINES, start=1):
        unit = params[line.threshold].unit
        stats, hover = {}, {}
        for s in res.scenarios:
            stats[s] = breach_probability(groups.get_group(s)[f"breach_{line.name}"].to_numpy())
            limit = (thresholds[s] or {}).get(line.threshold)
            shown = page.t("not_recorded") if limit is None else page.unit_text(limit, unit)
            hover[s] = (
                f"{html.escape(page.label(s))}<br>{page.t('breach')}: {_share_ci(stats[s])}<br>"
                f"{page.t('threshold')}: {html.escape(shown)}"
            )
            rows[s] += [f"<td>{_share_ci(stats[s])}</td>", f"<td>{html.escape(shown)}</td>"]
            frame[s] |= {
                f"{line.name}_probability": stats[s][0],
                f"{line.name}_ci_low": stats[s][1],
                f"{line.name}_ci_high": stats[s][2],
                f"{line.name}_threshold": np.nan if limit is None else limit,
                f"{line.name}_threshold_unit": unit,
            }
        _probability_bars(page, fig, stats, col, hover)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin_l=230)
    sub = f"<th>{page.t('breach')} [{page.t('ci')}]</th><th>{page.t('threshold')}</th>" * 3
    head = (
        f"<tr><th rowspan='2'>{page.t('scenario')}</th>"
        + "".join(f"<th colspan='2'>{html.escape(n)}</th>" for n in names)
        + f"</tr><tr>{sub}</tr>"
    )
    formats = {
        f"{line.name}_{k}": "percent"
        for line in BOTTOM_LINES
        for k in ("probability", "ci_low", "ci_high")
    }
    grid = Grid(
        "bottom_lines",
        pd.DataFrame(list(frame.values())),
        head,
        ["".join(r) for r in rows.values()],
        formats,
        label=page.t("bottom"),
    )
    worst = page.figure(worst_month_figure(page, names), 150 + 3 * (70 + 34 * len(res.scenarios)))
    return section(
        "bottom-lines",
        page.t("bottom"),
        page.t("bottom_note"),
        page.figure(fig, 110 + 48 * len(res.scenarios))
        + grid.html()
        + figure_block(
            page.t("worst"), f'<p class="note">{html.escape(page.t("worst_note"))}</p>{worst}'
        ),
    )


def worst_month_figure(page: Page, names: list[str]) -> go.Figure:
    """Heatmaps (a row per bottom line): share of replications whose worst month is m."""
    res = page.results
    horizon = max(res.horizons.values())
    months = np.arange(horizon + 1)
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, subplot_titles=names, vertical_spacing=0.08
    )
    for row, line in enumerate(BOTTOM_LINES, start=1):
        z = []
        for s in res.scenarios:
            worst = res.summary.loc[res.summary["scenario"] == s, f"worst_month_{line.name}"]
            counts = worst.value_counts().reindex(months, fill_value=0).to_numpy()
            z.append(counts / max(len(worst), 1))
        fig.add_trace(
            go.Heatmap(
                x=dates(months),
                y=[wrap(page.label(s), page.lang) for s in res.scenarios],
                z=np.array(z),
                coloraxis="coloraxis",
                hovertemplate="%{y}<br>%{x|%Y-%m}: %{z:.0%}<extra></extra>",
            ),
            row=row,
            col=1,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        coloraxis={
            "colorscale": "Blues",
            "cmin": 0,
            "colorbar": {"title": {"text": page.t("share_reps")}, "tickformat": ".0%"},
        },
        margin_l=220,
    )
    page.deadline(fig, rows=3)
    return fig


def timetable_section(page: Page) -> str:
    """Share of replications completed by each month, and P(completed by end-2023)."""
    res = page.results
    horizon = max(res.horizons.values())
    months = np.arange(horizon + 1)
    cdf = go.Figure()
    stats, hover = {}, {}
    for s in res.scenarios:
        rows = res.summary[res.summary["scenario"] == s]
        done = rows["completion_month"].to_numpy()
        share = [(done <= m).mean() for m in months]
        cdf.add_trace(
            go.Scatter(
                x=dates(months),
                y=share,
                mode="lines",
                line={"color": page.colors[s], "width": 2, "shape": "hv"},
                name=wrap(page.label(s), page.lang),
                hovertemplate="%{x|%Y-%m}: %{y:.0%}",
            )
        )
        stats[s] = breach_probability(rows["deadline_met"].to_numpy())
        hover[s] = f"{html.escape(page.label(s))}<br>{_share_ci(stats[s])}"
    cdf.update_yaxes(range=[0, 1.12], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1], tickformat=".0%")
    cdf.update_layout(hovermode="x")
    page.deadline(cdf)
    bars = make_subplots(rows=1, cols=1)
    _probability_bars(page, bars, stats, 1, hover)
    bars.update_yaxes(autorange="reversed")
    bars.update_layout(margin_l=220)
    body = figure_block(page.t("completed_by"), page.figure(cdf, 430)) + figure_block(
        page.t("p_deadline"), page.figure(bars, 90 + 44 * len(res.scenarios))
    )
    return section("timetable", page.t("timetable"), page.t("timetable_note"), body)
