"""The executive summary: the first screen of the report.

In order: the conclusions that hold in at least 90% of plausible worlds
(:mod:`sim.report.robust`), one sentence per
scenario, the bottom lines and the deadline with their paired differences, and each
scenario's largest material headline changes. Every number comes from
:mod:`sim.report.verdict`.
"""

from __future__ import annotations

import html

import pandas as pd

from sim.measures import registry
from sim.numbers import estimate, interval, percent
from sim.report.grid import Grid
from sim.report.page import Page, section
from sim.report.robust import rankings, robust_first
from sim.report.sections.analyses import SIGNIFICANT, failure_lines
from sim.report.summary_text import conclusion, line_name, points, sentence
from sim.report.verdict import Verdict, chance_frame, change_frame, verdicts

SHOWN_ROBUST = 3  # robust conclusions in view above the sentences


def summary_section(page: Page, boxes: pd.DataFrame | None = None) -> str:
    """The answer first: sentences, when plans fail (``boxes``: the PRIM boxes of
    :func:`~sim.report.sections.analyses.failure_boxes`), then the two tables of numbers
    the sentences come from."""
    items = verdicts(page.results)
    base = page.results.baseline
    note = page.t("summary_note", base=page.label(base)) if base else page.t("summary_levels")
    sentences = "".join(
        f'<li><span class="swatch" style="background:{page.colors[v.scenario]}"></span>'
        f"{html.escape(sentence(v, page.results, page.lang))}</li>"
        for v in items
    )
    body = robust_block(page) + f'<ul class="verdicts">{sentences}</ul>'
    body += failing_block(page, boxes)
    body += chances_grid(page, items).html()
    if base:
        body += f"<h3>{html.escape(page.t('changes'))}</h3>"
        body += f'<p class="note">{html.escape(page.t("changes_note", base=page.label(base)))}</p>'
        body += changes_grid(page, items)
    return section("summary", page.t("summary"), note, body)


def failing_block(page: Page, boxes: pd.DataFrame | None) -> str:
    """Folded: for each scenario, the conditions most of its breaching worlds share."""
    lines = failure_lines(page, boxes) if boxes is not None else []
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (
        f'<details class="failing"><summary>{html.escape(page.t("failing", p=SIGNIFICANT))}</summary>'
        f'<ul class="robust">{items}</ul>'
        f'<p class="note"><a href="#failures">{html.escape(page.t("failures"))}</a></p></details>'
    )


def robust_block(page: Page) -> str:
    """The conclusions that hold in at least 90% of worlds, the surest first: the first
    :data:`SHOWN_ROBUST` in view (the scenarios' sentences stay on the first screen), the
    rest and the method's note folded."""
    ranked = rankings(page.results)
    if not ranked:
        return ""
    held = [html.escape(conclusion(r, page.results, page.lang)) for r in robust_first(ranked)]
    shown = "".join(f"<li>{c}</li>" for c in held[:SHOWN_ROBUST]) or (
        f"<li>{html.escape(page.t('robust_none'))}</li>"
    )
    rest = "".join(f"<li>{c}</li>" for c in held[SHOWN_ROBUST:])
    more = page.t("robust_more", k=len(held) - SHOWN_ROBUST) if rest else page.t("robust_how")
    return (
        f'<p class="robust"><b>{html.escape(page.t("robust"))}</b></p>'
        f'<ul class="robust">{shown}</ul><details><summary>{html.escape(more)}</summary>'
        f'<p class="note">{html.escape(page.t("robust_note"))}</p><ul class="robust">{rest}</ul>'
        "</details>"
    )


def chances_grid(page: Page, items: list[Verdict]) -> Grid:
    """A row per scenario: each bottom line's breach probability and the deadline's."""
    lines = [c.line for c in items[0].chances]
    head = f"<tr><th>{page.t('scenario')}</th>" + "".join(
        f"<th>{html.escape(line_name(line, page.lang))}</th>" for line in lines
    )
    rows = []
    for v in items:
        cells = [f'<td class="name">{html.escape(page.label(v.scenario))}</td>']
        for c in v.chances:
            cell = f"{percent(c.probability)} <small>{interval(c.low, c.high, 'share')}</small>"
            if c.paired.pairs:
                cell += f"<br><small>Δ {html.escape(points(c))}</small>"
            if c.flagged:
                tol = html.escape(page.t("above_tolerance", tol=percent(c.tolerance)))
                cell = f'<span class="warn" title="{tol}">⚠</span> {cell}'
            cells.append(f'<td class="flag">{cell}</td>' if c.flagged else f"<td>{cell}</td>")
        rows.append("".join(cells))
    formats = {}
    for line in lines:
        formats |= dict.fromkeys(
            [f"{line}_{k}" for k in ("probability", "ci_low", "ci_high")], "percent"
        )
        if page.results.baseline:
            formats |= dict.fromkeys(
                [f"{line}_{k}" for k in ("diff", "diff_low", "diff_high")], "points"
            )
    return Grid(
        "bottom_lines_summary",
        chance_frame(items),
        head + "</tr>",
        rows,
        formats=formats,
        css="chances",
        label=page.t("chances"),
    )


def changes_grid(page: Page, items: list[Verdict]) -> str:
    """A row per (scenario, material change): the largest changes of each scenario."""
    frame = change_frame(items)
    if frame.empty:
        return f"<p>{html.escape(page.t('no_material'))}</p>"
    reg = registry()
    head = (
        f"<tr><th>{page.t('scenario')}</th><th>{page.t('measure')}</th>"
        f"<th>{page.t('diff', base=page.label(page.results.baseline))}</th></tr>"
    )
    rows = []
    for _, r in frame.iterrows():
        m = reg[r["measure"]]
        text = estimate(r["diff"], r["diff_low"], r["diff_high"], m.unit, signed=True)
        rows.append(
            f'<td class="name">{html.escape(page.label(r["scenario"]))}</td>'
            f'<td class="name">{html.escape(page.measure(r["measure"]))}</td>'
            f'<td class="{r["verdict"]}">{text}</td>'
        )
    return Grid(
        "headline_changes",
        frame,
        head,
        rows,
        formats=dict.fromkeys(["diff", "diff_low", "diff_high"], "delta"),
        css="changes",
        label=page.t("changes"),
    ).html()
