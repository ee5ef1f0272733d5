"""The interactive report: one self-contained HTML file with plotly.js embedded.

The answer comes first (:mod:`sim.report.sections.summary`), before any chart; then what
each scenario is, the headline table, the charts over time, the bottom lines and the
timetable, ownership, people and how to reproduce the batch (a sweep's batch shows its
response curves instead of the comparison of scenarios). Words and style are data
(``static/``); quantiles and shares are aggregated in pandas first, so the page holds a
few numbers per (scenario, month); every table downloads as CSV from the page itself.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from sim.report.compare import ReportError, Results, load_results
from sim.report.page import FONT, Page
from sim.report.sections.analyses import (
    Analysis,
    analysis_section,
    failure_boxes,
    failures_section,
    read_analysis,
)
from sim.report.sections.bottom import bottom_lines_section, timetable_section
from sim.report.sections.charts import (
    fans_section,
    ownership_section,
    people_section,
    scenario_statistics,
)
from sim.report.sections.headline import headline_section
from sim.report.sections.reproduce import reproduce_section
from sim.report.sections.scenarios import scenarios_section
from sim.report.sections.summary import summary_section
from sim.report.sections.sweep import sweep_section
from sim.report.text import LANGS, css
from sim.results import MANIFEST, OUTPUTS, REPORT, atomic_write_bytes, claim_output
from sim.summary import calendar

NAV = (
    ("summary", "summary"),
    ("scenarios", "scenarios"),
    ("headline", "headline"),
    ("fans", "fans"),
    ("bottom-lines", "bottom"),
    ("timetable", "timetable"),
    ("failures", "failures"),
    ("ownership", "ownership"),
    ("people", "people"),
    ("sensitivity", "sensitivity"),
    ("attribution", "attribution"),
    ("optimize", "optimize"),
    ("reproduce", "reproduce"),
)


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ReportError(f"--lang '{lang}' is not supported; allowed: {', '.join(LANGS)}")


def render(results: Results, lang: str = "en", analyses: Sequence[Analysis] = ()) -> str:
    """The whole report as one HTML page; ``analyses`` (``report --with DIR``) add their
    sections before the instructions to reproduce."""
    check_lang(lang)
    page = Page(results, lang)
    if results.manifest.get("sweep"):
        nav = (("sweep", "sweep"), ("reproduce", "reproduce"))
        return document(page, [sweep_section(page), reproduce_section(page)], nav)
    boxes = failure_boxes(page)
    sections = [summary_section(page, boxes), scenarios_section(page), headline_section(page)]
    q, mean = scenario_statistics(results)
    sections += [
        fans_section(page, q),
        bottom_lines_section(page),
        timetable_section(page),
        failures_section(page, boxes),
        ownership_section(page, mean, q),
        people_section(page, q),
        *(analysis_section(page, found) for found in analyses),
        reproduce_section(page),
    ]
    return document(page, sections, NAV)


def analysis_page(folder: Path, lang: str = "en") -> str:
    """The page of a ``sensitivity`` or ``attribute`` folder: its one section."""
    check_lang(lang)
    found = read_analysis(folder)
    page = Page(load_results(folder), lang)
    nav = ((found.kind, found.kind), ("reproduce", "reproduce"))
    return document(page, [analysis_section(page, found), reproduce_section(page)], nav, False)


def document(
    page: Page, sections: list[str], nav_keys: tuple[tuple[str, str], ...], about: bool = True
) -> str:
    """The page around its sections: head, title, navigation to the sections present and,
    when ``about``, the batch in a sentence, its reference and its uncertainty mode."""
    results = page.results
    body = "".join(sections)
    ident = results.manifest["identity"]
    horizon = max(results.horizons.values())
    status = results.manifest.get("status", "")
    warning = (
        ""
        if status == "complete"
        else f'<p class="warning">{page.t("incomplete", status=html.escape(status))}</p>'
    )
    nav = "".join(
        f'<a href="#{a}">{html.escape(page.t(k))}</a>'
        for a, k in nav_keys
        if f'<section id="{a}">' in body
    )
    intro = page.t("intro", n=ident["replications"], seed=ident["seed"], end=calendar(horizon))
    base = results.baseline
    ref = page.t("reference_is", base=page.label(base)) if base else page.t("no_reference")
    title = html.escape(page.t("title"))
    mode = results.manifest.get("uncertainty", {"mode": "fixed"})
    laws = mode.get("parameters", {})
    worlds = page.t(f"uncertainty_{mode['mode']}", k=len(laws))
    head = (
        f"<p>{html.escape(intro)} <b>{html.escape(ref)}</b></p>"
        f'<p class="uncertainty">{html.escape(worlds)}</p>'
        if about
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if page.lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>body {{ font-family: {FONT}; }}{css()}</style></head>"
        f"<body><main><header><h1>{title}</h1>{head}{warning}<nav>{nav}</nav></header>"
        f"{body}</main></body></html>"
    )


def write_report(
    out: Path,
    baseline: str | None = None,
    lang: str = "en",
    output: Path | None = None,
    analyses: Sequence[Path] = (),
) -> Path:
    """Write the report of the batch in ``out`` (default ``out/report.html``); return its path.

    ``output`` may be any file but a folder or a file of the batch; the default is
    recorded in the manifest before it is first written, and a file there that this
    program did not write is refused. ``analyses``: folders of ``sensitivity`` or
    ``attribute`` whose results the report shows too.
    """
    out = Path(out)
    check_lang(lang)
    found = [read_analysis(folder) for folder in analyses]
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
    page = render(results, lang, found).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, page)
    return path
