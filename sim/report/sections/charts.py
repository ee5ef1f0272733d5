"""The charts over time: headline measures, ownership and people, each scenario's median and
bands, opening on the city's plan (or the first scenario that is not the reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.measures import headline, registry
from sim.population import IN_PLAN
from sim.report.compare import Results
from sim.report.page import Page, dates, figure_block, rgba, section, wrap
from sim.results import read_table

FAN_Q = (0.05, 0.25, 0.5, 0.75, 0.95)
OWNERSHIP_FANS = ("private_capital_in", "priority_industry_share")
PEOPLE = ("employment", "separations", "layoffs", "unemployed", "mean_wage")
COMPOSITION = ("state_controlled_mixed", "state_minority_firms", "firms_merged", "firms_closed")
WHOLLY = "wholly_state_owned"
CITY_FIRMS = int(IN_PLAN.sum())
COMPOSITION_COLORS = ("#1f77b4", "#6baed6", "#fd8d3c", "#9e9ac8", "#d62728")


def timeseries_quantiles(ts: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Index (scenario, month); columns (measure, quantile) for ``FAN_Q``."""
    q = ts.groupby(["scenario", "month"])[measures].quantile(list(FAN_Q))
    return q.unstack(-1)


def fan_figure(page: Page, q: pd.DataFrame, measure: str) -> go.Figure:
    """Median line and 50%/90% bands of ``measure`` per scenario, deadline marked."""
    fig = go.Figure()
    f = page.d3_format(registry()[measure].unit)
    for s in page.results.scenarios:
        d = q.loc[s, measure]
        x = dates(d.index)
        color, name = page.colors[s], wrap(page.label(s), page.lang)
        for lo, hi, alpha in ((0.05, 0.95, 0.10), (0.25, 0.75, 0.22)):
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=np.concatenate([d[hi].to_numpy(), d[lo].to_numpy()[::-1]]),
                    fill="toself",
                    fillcolor=rgba(color, alpha),
                    line={"width": 0},
                    hoverinfo="skip",
                    legendgroup=s,
                    showlegend=False,
                    name=name,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=d[0.5].to_numpy(),
                customdata=np.column_stack([d[0.05].to_numpy(), d[0.95].to_numpy()]),
                mode="lines",
                line={"color": color, "width": 2},
                name=name,
                legendgroup=s,
                hovertemplate=f"%{{x|%Y-%m}}: %{{y:{f}}} [%{{customdata[0]:{f}}} – "
                f"%{{customdata[1]:{f}}}]",
            )
        )
    names = page.results.scenarios
    medians = [kind == "median" for _ in names for kind in ("band", "band", "median")]
    buttons = [(page.t("all"), medians)]
    base = page.results.baseline
    for s in page.others():
        label = page.t("vs", s=page.label(s)) if base else page.label(s)
        buttons.append((label, [n in (s, base) for n in names for _ in range(3)]))
    start = page.first_shown()
    page.menu(fig, buttons, active=1 + page.others().index(start) if start in page.others() else 0)
    page.deadline(fig)
    fig.update_yaxes(tickformat=f)
    fig.update_layout(hovermode="x", legend={"font": {"size": 11}})
    return fig


def fans_section(page: Page, q: pd.DataFrame) -> str:
    shown = set(OWNERSHIP_FANS) | set(PEOPLE)
    blocks = [
        figure_block(page.measure(m), page.figure(fan_figure(page, q, m), 430))
        for m in headline()
        if m not in shown
    ]
    return section("fans", page.t("fans"), page.t("fans_note"), "".join(blocks))


def composition_figure(page: Page, mean: pd.DataFrame) -> go.Figure:
    """Stacked mean counts of the city's firms by ownership state, one scenario at a time."""
    res = page.results
    start = page.first_shown()
    parts = (WHOLLY, *COMPOSITION)
    fig = go.Figure()
    for s in res.scenarios:
        d = mean.loc[s]
        x = dates(d.index)
        for part, color in zip(parts, COMPOSITION_COLORS, strict=True):
            name = page.t(WHOLLY) if part == WHOLLY else page.name(registry()[part])
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=d[part].to_numpy(),
                    stackgroup=s,
                    name=name,
                    line={"width": 0.5, "color": color},
                    fillcolor=rgba(color, 0.75),
                    hovertemplate="%{x|%Y-%m}: %{y:.1f}",
                )
            )
    buttons = [
        (page.label(s), [n == s for n in res.scenarios for _ in parts]) for s in res.scenarios
    ]
    page.menu(fig, buttons, active=res.scenarios.index(start))
    fig.update_yaxes(title_text=page.t("firms"), range=[0, CITY_FIRMS])
    fig.update_layout(hovermode="x", legend={"traceorder": "normal"})
    page.deadline(fig)
    return fig


def ownership_means(ts: pd.DataFrame) -> pd.DataFrame:
    """Mean number of the city's firms in each ownership state, by (scenario, month)."""
    frame = ts[["scenario", "month", *COMPOSITION]].copy()
    frame[WHOLLY] = CITY_FIRMS - ts["mixed_firms"] - ts["firms_merged"] - ts["firms_closed"]
    return frame.groupby(["scenario", "month"]).mean()


def scenario_statistics(results: Results) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fans' quantiles and the ownership means, reading the time series of one
    scenario at a time (memory grows with the replications of one scenario only)."""
    fans = sorted({*headline(), *PEOPLE})
    columns = ["scenario", "month", *sorted({*fans, *COMPOSITION, "mixed_firms"})]
    quantiles, means = [], []
    for s in results.scenarios:
        ts = read_table(results.out, results.manifest, "timeseries", scenarios=[s], columns=columns)
        quantiles.append(timeseries_quantiles(ts, fans))
        means.append(ownership_means(ts))
    return pd.concat(quantiles), pd.concat(means)


def ownership_section(page: Page, mean: pd.DataFrame, q: pd.DataFrame) -> str:
    blocks = [figure_block(page.t("composition"), page.figure(composition_figure(page, mean), 460))]
    blocks += [
        figure_block(page.measure(m), page.figure(fan_figure(page, q, m), 430))
        for m in OWNERSHIP_FANS
    ]
    return section(
        "ownership", page.t("ownership"), page.t("ownership_note", n=CITY_FIRMS), "".join(blocks)
    )


def people_section(page: Page, q: pd.DataFrame) -> str:
    blocks = [
        figure_block(page.measure(m), page.figure(fan_figure(page, q, m), 430)) for m in PEOPLE
    ]
    return section("people", page.t("people"), page.t("people_note"), "".join(blocks))
