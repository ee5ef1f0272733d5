"""The interactive report: one self-contained HTML file with plotly.js embedded.

Quantiles and shares are aggregated in pandas first, so the page holds a few numbers
per (scenario, month), never per-replication series. plotly.js is embedded once, with
the first figure; the page works offline, from a file or an e-mail attachment.
"""

from __future__ import annotations

import html
import json
import os
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, qualitative
from plotly.subplots import make_subplots

from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.measures import headline, registry
from sim.parameters import table as parameter_table
from sim.population import IN_PLAN
from sim.report.compare import (
    AT,
    GOOD_DIRECTION,
    NO_AGREED_DIRECTION,
    ReportError,
    Results,
    comparison_table,
    difference,
    interval,
    load_results,
    percent,
)
from sim.results import MANIFEST, OUTPUTS, REPORT, atomic_write_bytes, claim_output, read_table
from sim.summary import DEADLINE_MONTH, START, calendar

LANGS = ("en", "zh")
FAN_Q = (0.05, 0.25, 0.5, 0.75, 0.95)
OWNERSHIP_FANS = ("private_capital_in", "priority_industry_share")
PEOPLE = ("employment", "separations", "layoffs", "unemployed", "mean_wage")
COMPOSITION = ("state_controlled_mixed", "state_minority_firms", "firms_merged", "firms_closed")
WHOLLY = "wholly_state_owned"
CITY_FIRMS = int(IN_PLAN.sum())
BASELINE_COLOR = "#4d4d4d"
PALETTE = qualitative.D3
COMPOSITION_COLORS = ("#1f77b4", "#6baed6", "#fd8d3c", "#9e9ac8", "#d62728")
FONT = 'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "SOE reform scenarios: outcomes and their uncertainty",
        "intro": "{n} replications per scenario (seed {seed}), monthly from June 2022 (month 0) "
        "to {end}. Replication i of every scenario shares its random numbers, so differences "
        "from the baseline are paired.",
        "incomplete": "This batch is {status}: the figures use only the chunks that finished.",
        "scenarios": "Scenarios",
        "headline": "Headline comparison",
        "headline_note": "Median [5%, 95%] across replications. Δ: mean paired difference from "
        "the baseline ({base}) with its 95% confidence interval, green when the interval lies "
        "wholly on the better side, red when wholly on the worse side. P(better): share of "
        "replications in which the scenario does better than the baseline.",
        "headline_levels": "Median [5%, 95%] across replications. No differences are shown: the "
        "batch has no scenario named baseline and none was chosen with --baseline NAME.",
        "more_is_better": "“better” here means more",
        "scenario": "Scenario",
        "median": "Median [5%, 95%]",
        "diff": "Δ vs baseline [95% CI]",
        "p_better": "P(better)",
        "end2023": "End-2023 (month 18)",
        "at_horizon": "{date} (month {month})",
        "fans": "Over time",
        "fans_note": "Line: median across replications; shaded: 50% and 90% bands of one "
        "scenario and the baseline. The menu picks the scenario or shows every scenario's "
        "median; click a legend entry to hide or show a scenario.",
        "deadline": "end-2023 deadline",
        "all": "All scenarios (medians)",
        "vs": "{s} vs baseline",
        "bottom": "The three bottom lines",
        "bottom_note": "Probability that each bottom line is breached during the horizon, with "
        "its exact 95% confidence interval, against the scenario's threshold.",
        "breach": "P(breach)",
        "ci": "95% CI",
        "threshold": "threshold",
        "not_recorded": "not recorded",
        "worst": "When the pressure peaks",
        "worst_note": "Share of replications whose largest drain, disruption or stress falls "
        "in each month; a row sums to the share of replications with any.",
        "timetable": "The timetable",
        "timetable_note": "Share of replications in which every reform task is completed, by "
        "month, and the probability of completing them all by end-2023 with its exact 95% "
        "confidence interval.",
        "completed_by": "Share of replications with every reform task completed",
        "p_deadline": "P(every reform task completed by end-2023)",
        "ownership": "Ownership",
        "ownership_note": "Mean number of the city's {n} municipal and county SOEs in each "
        "state; choose the scenario in the menu. Below: private capital brought in and the "
        "share of state capital in the 16 priority industries (the rest sits in other "
        "industries).",
        WHOLLY: "Wholly state-owned",
        "composition": "The city's firms by ownership (mean number)",
        "firms": "firms",
        "people": "People",
        "people_note": "Employment, monthly separations and layoffs, dismissed workers still "
        "unemployed, and wages, in all the enterprises of the city.",
        "reproduce": "Reproduce",
        "reproduce_note": "Install this version of the project (pip install -e .) and run:",
        "batch": "Batch",
        "seed": "Seed",
        "replications": "Replications per scenario",
        "code_version": "Code version",
        "status": "Status",
        "versions": "Versions",
        "scenario_files": "Scenario files",
        "used_by": "used by",
        "manifest": "Manifest (manifest.json)",
        "month": "Month",
        "share_reps": "share of replications",
    },
    "zh": {
        "title": "国有企业改革情景：结果及其不确定性",
        "intro": "每个情景 {n} 次重复模拟（随机种子 {seed}），按月从2022年6月（第0月）至{end}。"
        "各情景的第 i 次模拟使用相同的随机数，因此与基准情景的差异是配对比较。",
        "incomplete": "本批次状态为 {status}：图表仅使用已完成的部分。",
        "scenarios": "情景",
        "headline": "主要指标比较",
        "headline_note": "各次模拟的中位数 [5%, 95%]。Δ：与基准情景（{base}）的配对差异均值及其95%"
        "置信区间，区间完全落在较好一侧时为绿色，完全落在较差一侧时为红色。P(更好)：该情景优于基准情景的模拟次数占比。",
        "headline_levels": "各次模拟的中位数 [5%, 95%]。未显示差异：本批次没有名为 baseline 的情景，"
        "也未用 --baseline NAME 指定参照情景。",
        "more_is_better": "此处“更好”指更多",
        "scenario": "情景",
        "median": "中位数 [5%, 95%]",
        "diff": "与基准差异 [95%置信区间]",
        "p_better": "P(更好)",
        "end2023": "2023年底（第18月）",
        "at_horizon": "{date}（第{month}月）",
        "fans": "随时间变化",
        "fans_note": "线：各次模拟的中位数；阴影：某一情景与基准情景的50%和90%区间。"
        "菜单可选择情景或显示全部情景的中位数；点击图例可隐藏或显示情景。",
        "deadline": "2023年底期限",
        "all": "全部情景（中位数）",
        "vs": "{s} 对比基准",
        "bottom": "三条底线",
        "bottom_note": "模拟期内突破各条底线的概率及其95%精确置信区间，对照该情景设定的底线阈值。",
        "breach": "P(突破)",
        "ci": "95%置信区间",
        "threshold": "阈值",
        "not_recorded": "未记录",
        "worst": "压力最大的月份",
        "worst_note": "流失、生产中断或稳定压力最大的月份落在各月的模拟次数占比；每行之和为出现压力的模拟次数占比。",
        "timetable": "时间表",
        "timetable_note": "各月已完成全部改革任务的模拟次数占比，以及2023年底前完成全部任务的概率及其95%精确置信区间。",
        "completed_by": "已完成全部改革任务的模拟次数占比",
        "p_deadline": "P(2023年底前完成全部改革任务)",
        "ownership": "所有制结构",
        "ownership_note": "全市 {n} 家市属和县属国有企业中处于各状态的平均企业数；在菜单中选择情景。"
        "下方：引入的非国有资本，以及16个重点产业的国有资本占比（其余在其他产业）。",
        WHOLLY: "国有独资",
        "composition": "全市企业按所有制划分（平均企业数）",
        "firms": "家",
        "people": "职工",
        "people_note": "全市各类企业的从业人数、每月离职与下岗人数、仍未再就业的分流人员和工资。",
        "reproduce": "复现",
        "reproduce_note": "安装本版本项目（pip install -e .）后运行：",
        "batch": "批次",
        "seed": "随机种子",
        "replications": "每个情景的模拟次数",
        "code_version": "代码版本",
        "status": "状态",
        "versions": "软件版本",
        "scenario_files": "情景文件",
        "used_by": "使用者",
        "manifest": "清单（manifest.json）",
        "month": "月份",
        "share_reps": "模拟次数占比",
    },
}
UNITS: dict[str, dict[str, str]] = {
    "en": {"亿元": "100m yuan", "亿元/month": "100m yuan/month"},
    "zh": {
        "亿元/month": "亿元/月",
        "index": "指数",
        "firms": "家",
        "persons": "人",
        "persons/month": "人/月",
        "share": "比例",
        "share of output": "占产出比例",
        "share of initial employment": "占初始职工比例",
        "yuan/yr": "元/年",
    },
}


def _rgba(color: str, alpha: float) -> str:
    r, g, b = hex_to_rgb(color)
    return f"rgba({r},{g},{b},{alpha})"


def _dates(months: Iterable[int]) -> list[str]:
    """Month m as the last day of its calendar month (month 18 -> 2023-12-31)."""
    return [(START + int(m)).end_time.strftime("%Y-%m-%d") for m in months]


def _wrap(label: str, lang: str) -> str:
    """A long scenario title on several lines (for legends and axes)."""
    if lang == "zh":
        head, colon, tail = label.partition("：")
        if len(label) > 16 and colon:
            return f"{head}{colon}<br>{tail}"
        return "<br>".join(label[i : i + 16] for i in range(0, len(label), 16))
    return "<br>".join(textwrap.wrap(label, 28))


def scenario_thresholds(results: Results) -> dict[str, dict[str, float] | None]:
    """Each scenario's bottom-line thresholds as the batch applied them (from the manifest).

    None for a scenario whose manifest records none (a batch written before thresholds
    were recorded).
    """
    recorded = results.manifest.get("thresholds", {})
    return {name: recorded.get(name) for name in results.scenarios}


@dataclass
class Page:
    """What every section needs: the results, the language, colours and the figure count."""

    results: Results
    lang: str
    figures: int = 0
    colors: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        base = self.results.baseline
        self.colors = {base: BASELINE_COLOR} if base else {}
        self.colors.update({s: PALETTE[i % len(PALETTE)] for i, s in enumerate(self.others())})

    def t(self, key: str, **kw: object) -> str:
        return TEXT[self.lang][key].format(**kw)

    def label(self, scenario: str) -> str:
        return self.results.title(scenario, self.lang)

    def name(self, item: object) -> str:
        """The English or Chinese name of a measure or bottom line."""
        return getattr(item, self.lang)

    def measure(self, name: str) -> str:
        """A measure's name and unit."""
        m = registry()[name]
        return f"{self.name(m)} ({UNITS[self.lang].get(m.unit, m.unit)})"

    def figure(self, fig: go.Figure, height: int) -> str:
        """The figure as a div; plotly.js is embedded with the first one only."""
        fig.update_layout(
            height=height,
            template="plotly_white",
            font={"family": FONT, "size": 13},
            margin={"l": 70, "r": 20, "t": 50, "b": 50},
            hoverlabel={"font": {"family": FONT}},
        )
        self.figures += 1
        return fig.to_html(
            full_html=False,
            include_plotlyjs=self.figures == 1,
            config=CONFIG,
            default_height=f"{height}px",
            div_id=f"figure-{self.figures}",
        )

    def deadline(self, fig: go.Figure, rows: int = 1) -> None:
        """A vertical line at month 18 labelled end-2023, on every row of ``fig``."""
        x = _dates([DEADLINE_MONTH])[0]
        for row in range(1, rows + 1):
            suffix = "" if row == 1 else str(row)
            fig.add_shape(
                type="line",
                x0=x,
                x1=x,
                y0=0,
                y1=1,
                xref=f"x{suffix}",
                yref=f"y{suffix} domain",
                line={"color": "#b22222", "dash": "dash", "width": 1.5},
            )
        fig.add_annotation(
            x=x,
            y=1,
            xref="x",
            yref="y domain",
            text=self.t("deadline"),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=3,
            bgcolor="rgba(255,255,255,0.8)",
            font={"color": "#b22222", "size": 12},
        )

    def others(self) -> list[str]:
        return [s for s in self.results.scenarios if s != self.results.baseline]

    def menu(self, fig: go.Figure, buttons: list[tuple[str, list[bool]]], active: int) -> None:
        """A dropdown above the plot; each button sets which traces are visible."""
        for trace, visible in zip(fig.data, buttons[active][1], strict=True):
            trace.visible = visible
        fig.update_layout(
            updatemenus=[
                {
                    "buttons": [
                        {"label": label, "method": "restyle", "args": [{"visible": mask}]}
                        for label, mask in buttons
                    ],
                    "active": active,
                    "x": 0,
                    "y": 1.02,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "bgcolor": "white",
                    "font": {"size": 12},
                }
            ]
        )


def timeseries_quantiles(ts: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Index (scenario, month); columns (measure, quantile) for ``FAN_Q``."""
    q = ts.groupby(["scenario", "month"])[measures].quantile(list(FAN_Q))
    return q.unstack(-1)


def fan_figure(page: Page, q: pd.DataFrame, measure: str) -> go.Figure:
    """Median line and 50%/90% bands of ``measure`` per scenario, deadline marked."""
    fig = go.Figure()
    for s in page.results.scenarios:
        d = q.loc[s, measure]
        x = _dates(d.index)
        color, name = page.colors[s], _wrap(page.label(s), page.lang)
        for lo, hi, alpha in ((0.05, 0.95, 0.10), (0.25, 0.75, 0.22)):
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=np.concatenate([d[hi].to_numpy(), d[lo].to_numpy()[::-1]]),
                    fill="toself",
                    fillcolor=_rgba(color, alpha),
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
                hovertemplate="%{x|%Y-%m}: %{y:.4g} [%{customdata[0]:.4g}, %{customdata[1]:.4g}]",
            )
        )
    names = page.results.scenarios
    medians = [kind == "median" for _ in names for kind in ("band", "band", "median")]
    buttons = [(page.t("all"), medians)]
    base = page.results.baseline
    for s in page.others():
        label = page.t("vs", s=page.label(s)) if base else page.label(s)
        buttons.append((label, [n in (s, base) for n in names for _ in range(3)]))
    page.menu(fig, buttons, active=1 if len(buttons) > 1 else 0)
    page.deadline(fig)
    fig.update_layout(hovermode="x", legend={"font": {"size": 11}})
    return fig


def _section(anchor: str, title: str, note: str, body: str) -> str:
    return (
        f'<section id="{anchor}"><h2>{html.escape(title)}</h2>'
        f'<p class="note">{html.escape(note)}</p>{body}</section>'
    )


def _figure_block(title: str, div: str) -> str:
    return f'<div class="figure"><h3>{html.escape(title)}</h3>{div}</div>'


def headline_section(page: Page) -> str:
    """The headline table as HTML: a block of rows per measure, a row per scenario."""
    res = page.results
    table = comparison_table(res)
    horizon = res.horizons[res.scenarios[0]]
    ats = {
        "deadline": page.t("end2023"),
        "horizon": page.t("at_horizon", date=calendar(horizon), month=horizon),
    }
    paired = bool(res.baseline)
    span = 3 if paired else 1
    columns = f"<th>{page.t('median')}</th>" + (
        f"<th>{page.t('diff')}</th><th>{page.t('p_better')}</th>" if paired else ""
    )
    head = (
        f'<tr><th rowspan="2">{page.t("scenario")}</th>'
        + "".join(f'<th colspan="{span}">{html.escape(ats[at])}</th>' for at in AT)
        + f"</tr><tr>{columns * len(AT)}</tr>"
    )
    body = []
    for measure, block in table.groupby("measure", sort=False):
        note = f" — {page.t('more_is_better')}" if paired and measure in NO_AGREED_DIRECTION else ""
        body.append(
            f'<tr class="measure"><td colspan="{1 + span * len(AT)}">'
            f"{html.escape(page.measure(measure) + note)}</td></tr>"
        )
        for scenario, rows in block.groupby("scenario", sort=False):
            cells = [f'<td class="name">{html.escape(page.label(scenario))}</td>']
            for at in AT:
                r = rows[rows["at"] == at].iloc[0]
                cells.append(f"<td>{interval(r['median'], r['p05'], r['p95'])}</td>")
                if paired:
                    cells += _paired_cells(measure, r)
            body.append(f"<tr>{''.join(cells)}</tr>")
    html_table = f'<div class="scroll"><table class="headline">{head}{"".join(body)}</table></div>'
    note = (
        page.t("headline_note", base=page.label(res.baseline))
        if paired
        else page.t("headline_levels")
    )
    return _section("headline", page.t("headline"), note, html_table)


def _paired_cells(measure: str, r: pd.Series) -> list[str]:
    """The difference from the reference (shaded by its side) and P(better)."""
    side = GOOD_DIRECTION[measure] * np.sign([r["diff_low"], r["diff_high"]])
    css = "good" if (side > 0).all() else "bad" if (side < 0).all() else ""
    return [
        f'<td class="{css}">{difference(r["diff_mean"], r["diff_low"], r["diff_high"])}</td>',
        f"<td>{percent(r['p_better'])}</td>",
    ]


def fans_section(page: Page, q: pd.DataFrame) -> str:
    shown = set(OWNERSHIP_FANS) | set(PEOPLE)
    blocks = [
        _figure_block(page.measure(m), page.figure(fan_figure(page, q, m), 430))
        for m in headline()
        if m not in shown
    ]
    return _section("fans", page.t("fans"), page.t("fans_note"), "".join(blocks))


def _probability_bars(
    page: Page,
    fig: go.Figure,
    stats: dict[str, tuple[float, float, float]],
    col: int,
    hover: dict[str, str],
) -> None:
    """Horizontal bars of probabilities with exact CIs (a bar per scenario) in column ``col``."""
    names = page.results.scenarios
    labels = [_wrap(page.label(s), page.lang) for s in names]
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
    """'59% [49%, 69%]': a probability and its confidence interval."""
    return f"{percent(stats[0])} [{percent(stats[1])}, {percent(stats[2])}]"


def _threshold_text(page: Page, value: float | None, unit: str) -> str:
    return page.t("not_recorded") if value is None else f"{value:g} ({unit})"


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
    heads: list[str] = []
    rows = {s: [f'<td class="name">{html.escape(page.label(s))}</td>'] for s in res.scenarios}
    for col, line in enumerate(BOTTOM_LINES, start=1):
        unit = UNITS[page.lang].get(params[line.threshold].unit, params[line.threshold].unit)
        limits = {s: (thresholds[s] or {}).get(line.threshold) for s in res.scenarios}
        uniform = len(set(limits.values())) == 1
        head = html.escape(names[col - 1])
        if uniform:
            shown = _threshold_text(page, next(iter(limits.values())), unit)
            head += f"<br><small>{page.t('threshold')}: {html.escape(shown)}</small>"
        heads.append(head)
        stats, hover = {}, {}
        for s in res.scenarios:
            stats[s] = breach_probability(groups.get_group(s)[f"breach_{line.name}"].to_numpy())
            ci = _share_ci(stats[s])
            limit = _threshold_text(page, limits[s], unit)
            hover[s] = (
                f"{html.escape(page.label(s))}<br>{page.t('breach')}: {ci}<br>"
                f"{page.t('threshold')}: {html.escape(limit)}"
            )
            rows[s].append(
                f"<td>{ci}</td>"
                if uniform
                else f"<td>{ci}; {page.t('threshold')} {html.escape(limit)}</td>"
            )
        _probability_bars(page, fig, stats, col, hover)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin_l=230)
    sub = f"<th>{page.t('breach')} [{page.t('ci')}]</th>" * 3
    head = (
        f"<tr><th rowspan='2'>{page.t('scenario')}</th>"
        + "".join(f"<th>{h}</th>" for h in heads)
        + f"</tr><tr>{sub}</tr>"
    )
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows.values())
    worst = page.figure(worst_month_figure(page, names), 150 + 3 * (70 + 34 * len(res.scenarios)))
    return _section(
        "bottom-lines",
        page.t("bottom"),
        page.t("bottom_note"),
        page.figure(fig, 110 + 48 * len(res.scenarios))
        + f'<div class="scroll"><table>{head}{body}</table></div>'
        + _figure_block(
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
                x=_dates(months),
                y=[_wrap(page.label(s), page.lang) for s in res.scenarios],
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
                x=_dates(months),
                y=share,
                mode="lines",
                line={"color": page.colors[s], "width": 2, "shape": "hv"},
                name=_wrap(page.label(s), page.lang),
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
    body = _figure_block(page.t("completed_by"), page.figure(cdf, 430)) + _figure_block(
        page.t("p_deadline"), page.figure(bars, 90 + 44 * len(res.scenarios))
    )
    return _section("timetable", page.t("timetable"), page.t("timetable_note"), body)


def composition_figure(page: Page, mean: pd.DataFrame) -> go.Figure:
    """Stacked mean counts of the city's firms by ownership state, one scenario at a time."""
    res = page.results
    start = (page.others() or [res.baseline])[0]
    parts = (WHOLLY, *COMPOSITION)
    fig = go.Figure()
    for s in res.scenarios:
        d = mean.loc[s]
        x = _dates(d.index)
        for part, color in zip(parts, COMPOSITION_COLORS, strict=True):
            name = page.t(WHOLLY) if part == WHOLLY else page.name(registry()[part])
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=d[part].to_numpy(),
                    stackgroup=s,
                    name=name,
                    line={"width": 0.5, "color": color},
                    fillcolor=_rgba(color, 0.75),
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
    blocks = [
        _figure_block(page.t("composition"), page.figure(composition_figure(page, mean), 460))
    ]
    blocks += [
        _figure_block(page.measure(m), page.figure(fan_figure(page, q, m), 430))
        for m in OWNERSHIP_FANS
    ]
    return _section(
        "ownership", page.t("ownership"), page.t("ownership_note", n=CITY_FIRMS), "".join(blocks)
    )


def people_section(page: Page, q: pd.DataFrame) -> str:
    blocks = [
        _figure_block(page.measure(m), page.figure(fan_figure(page, q, m), 430)) for m in PEOPLE
    ]
    return _section("people", page.t("people"), page.t("people_note"), "".join(blocks))


def reproduce_section(page: Page) -> str:
    m = page.results.manifest
    ident = m["identity"]
    facts = [
        (page.t("seed"), ident["seed"]),
        (page.t("replications"), ident["replications"]),
        (page.t("code_version"), ident["code_version"]),
        (page.t("status"), m.get("status", "")),
        (page.t("versions"), ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())),
    ]
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts
    )
    users: dict[tuple[str, str], list[str]] = {}
    for name in page.results.scenarios:
        for path, text in m.get("scenario_files", {}).get(name, {}).items():
            users.setdefault((path, text), []).append(name)
    files = [
        f"<details><summary>{html.escape(path)} <small>({page.t('used_by')}: "
        f"{html.escape(', '.join(names))})</small></summary><pre>{html.escape(text)}</pre></details>"
        for (path, text), names in users.items()
    ]
    manifest = json.dumps(m, indent=2, ensure_ascii=False, default=str)
    body = (
        f"<pre class='command'>{html.escape(m.get('command', ''))}</pre>"
        f"<table class='facts'>{rows}</table>"
        f"<h3>{page.t('scenario_files')}</h3>{''.join(files)}"
        f"<details><summary>{page.t('manifest')}</summary><pre>{html.escape(manifest)}</pre></details>"
    )
    return _section("reproduce", page.t("reproduce"), page.t("reproduce_note"), body)


CSS = """
body { color: #222; margin: 0; background: #fafafa; }
main { max-width: 1320px; margin: 0 auto; padding: 0 24px 48px; background: white; }
header { padding: 24px 0 8px; }
h1 { font-size: 1.6em; margin: 0 0 8px; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 40px; }
h3 { font-size: 1.05em; margin: 24px 0 4px; }
nav a { margin-right: 14px; color: #1f5fa8; text-decoration: none; }
.note { color: #555; font-size: 0.92em; max-width: 900px; }
.warning { background: #fff3cd; border: 1px solid #e0c060; padding: 8px 12px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.86em; margin: 8px 0 16px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; text-align: center; }
td.name, table.facts th { text-align: left; }
td.name { white-space: normal; min-width: 170px; max-width: 250px; }
table.facts td { text-align: left; white-space: normal; }
tr.measure td { text-align: left; font-weight: 600; background: #eef3f9; padding-top: 8px; }
td.good { background: #e3f4e1; }
td.bad { background: #fbe3e1; }
ul.scenarios li { margin: 2px 0; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 0.85em; }
pre.command { white-space: pre-wrap; word-break: break-all; }
details { margin: 4px 0; }
summary { cursor: pointer; }
"""


def render(results: Results, lang: str = "en") -> str:
    """The whole report as one HTML page."""
    if lang not in LANGS:
        raise ReportError(f"--lang '{lang}' is not supported; allowed: {', '.join(LANGS)}")
    page = Page(results, lang)
    q, mean = scenario_statistics(results)
    ident = results.manifest["identity"]
    horizon = max(results.horizons.values())
    scenarios = "".join(
        f'<li><span class="swatch" style="background:{page.colors[s]}"></span>'
        f"<b>{html.escape(page.label(s))}</b> ({html.escape(s)})</li>"
        for s in results.scenarios
    )
    status = results.manifest.get("status", "")
    warning = (
        ""
        if status == "complete"
        else f'<p class="warning">{page.t("incomplete", status=html.escape(status))}</p>'
    )
    sections = [
        headline_section(page),
        fans_section(page, q),
        bottom_lines_section(page),
        timetable_section(page),
        ownership_section(page, mean, q),
        people_section(page, q),
        reproduce_section(page),
    ]
    nav_keys = (
        ("headline", "headline"),
        ("fans", "fans"),
        ("bottom-lines", "bottom"),
        ("timetable", "timetable"),
        ("ownership", "ownership"),
        ("people", "people"),
        ("reproduce", "reproduce"),
    )
    nav = "".join(f'<a href="#{a}">{html.escape(page.t(k))}</a>' for a, k in nav_keys)
    intro = page.t("intro", n=ident["replications"], seed=ident["seed"], end=calendar(horizon))
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(page.t('title'))}</title>"
        f"<style>body {{ font-family: {FONT}; }}{CSS}</style></head><body><main>"
        f"<header><h1>{html.escape(page.t('title'))}</h1><p>{html.escape(intro)}</p>{warning}"
        f"<nav>{nav}</nav><h3>{page.t('scenarios')}</h3><ul class='scenarios'>{scenarios}</ul></header>"
        f"{''.join(sections)}</main></body></html>"
    )


def write_report(
    out: Path, baseline: str | None = None, lang: str = "en", output: Path | None = None
) -> Path:
    """Write the report of the batch in ``out`` (default ``out/report.html``); return its path.

    ``output`` may be any file but a folder or a file of the batch; the default is
    recorded in the manifest before it is first written, and a file there that this
    program did not write is refused.
    """
    out = Path(out)
    if lang not in LANGS:
        raise ReportError(f"--lang '{lang}' is not supported; allowed: {', '.join(LANGS)}")
    results = load_results(out, baseline)
    path = out / REPORT if output is None else Path(output)
    if path.is_dir():
        raise ReportError(
            f"--output {path}: is a folder; give a file name, e.g. {path / 'report.html'}"
        )
    inside = Path(os.path.relpath(path.resolve(), out.resolve())).as_posix()
    if inside in {MANIFEST, *results.manifest["parts"], *OUTPUTS} - {REPORT}:
        raise ReportError(f"--output {path}: is a file of the batch; give another file name")
    if inside == REPORT:
        claim_output(out, results.manifest, REPORT)
    page = render(results, lang).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, page)
    return path
