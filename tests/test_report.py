"""The scenario comparison and the HTML report, on a small real batch.

The batch: a 24-month baseline, the city's plan and fast closures, 40 replications
each, run through ``sim.batch.run_batch``. The browser test drives Debian's Chromium
through Playwright with the network blocked; it fails (never skips) without them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t

from sim.batch import run_batch
from sim.cli import build_parser, main
from sim.measures import headline, registry
from sim.report.cli import cmd_compare, cmd_report
from sim.report.compare import (
    ReportError,
    comparison_table,
    format_comparison,
    level_cell,
    load_results,
)
from sim.report.grid import shown
from sim.report.html import render, write_report
from sim.report.sections.bottom import scenario_thresholds
from sim.report.text import words
from sim.scenario import derive, load
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, SCENARIOS, SEED
from tests.folders import assert_one_line_error, cli, short_scenarios

REPS = 40
HORIZON = 24
BASELINE = f"""title = "Baseline, {HORIZON} months"
title_zh = "基准情景（{HORIZON}个月）"

[settings]
horizon_months = {HORIZON}
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch: scenario files copied beside a short baseline, then run."""
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "baseline.toml").write_text(BASELINE, encoding="utf-8")
    for name in ("city_plan", "fast_closures"):
        text = (SCENARIOS / f"{name}.toml").read_text(encoding="utf-8")
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    scenarios = [load(folder / f"{n}.toml") for n in ("baseline", "city_plan", "fast_closures")]
    out = tmp_path_factory.mktemp("batch") / "out"
    result = run_batch(scenarios, REPS, SEED, out, command="pytest report batch", progress=False)
    assert result.complete
    return out


def test_every_headline_measure_has_a_good_direction_and_a_material_change() -> None:
    reg = registry()
    for name in headline():
        assert reg[name].better in ("higher", "lower", "either"), name
        assert reg[name].material is not None and reg[name].material > 0, name


@pytest.mark.parametrize(("measure", "better"), [("state_equity", 1), ("unemployed", -1)])
def test_headline_numbers_equal_those_computed_from_the_parquet(
    batch: Path, measure: str, better: int
) -> None:
    results = load_results(batch)
    table = comparison_table(results)
    text = format_comparison(results, table)
    ts = pd.read_parquet(batch / "timeseries")
    for at, month in (("deadline", 18), ("horizon", HORIZON)):
        wide = ts[ts["month"] == month].pivot(index="replication", columns="scenario")[measure]
        base = wide["baseline"].to_numpy()
        for scenario in ("baseline", "city_plan", "fast_closures"):
            row = table[
                (table["measure"] == measure)
                & (table["scenario"] == scenario)
                & (table["at"] == at)
            ].iloc[0]
            x = wide[scenario].to_numpy()
            assert len(x) == REPS
            assert row["median"] == pytest.approx(np.median(x))
            assert row["p05"] == pytest.approx(np.quantile(x, 0.05))
            assert row["p95"] == pytest.approx(np.quantile(x, 0.95))
            assert level_cell(row) in text
            if scenario == "baseline":
                assert np.isnan(
                    row[["diff_mean", "diff_low", "diff_high", "p_better"]].astype(float)
                ).all()
                continue
            d = x - base  # paired by replication
            half = student_t.ppf(0.975, REPS - 1) * d.std(ddof=1) / np.sqrt(REPS)
            assert row["pairs"] == REPS
            assert row["diff_mean"] == pytest.approx(d.mean())
            assert row["diff_low"] == pytest.approx(d.mean() - half)
            assert row["diff_high"] == pytest.approx(d.mean() + half)
            assert row["p_better"] == pytest.approx(np.mean(better * d > 0))
            material = abs(d.mean()) >= registry()[measure].material and (
                d.mean() - half > 0 or d.mean() + half < 0
            )
            assert row["material"] == material


def test_thresholds_are_those_the_batch_applied(batch: Path, tmp_path: Path) -> None:
    results = load_results(batch)
    manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
    expected = {
        name: dict(load(Path(next(iter(files)))).thresholds)
        for name, files in manifest["scenario_files"].items()
    }
    assert scenario_thresholds(results) == expected
    older = {k: v for k, v in manifest.items() if k != "thresholds"}
    assert set(scenario_thresholds(dataclasses.replace(results, manifest=older)).values()) == {None}
    # a scenario built in code (no file to re-read) still shows the thresholds it ran with
    strict = derive(load(SCENARIOS / "city_plan.toml"), "strict", thresholds={"drain_max": 1.0})
    out = tmp_path / "derived"
    run_batch([strict], 2, SEED, out, progress=False)
    assert scenario_thresholds(load_results(out, baseline="strict"))["strict"]["drain_max"] == 1.0


def test_bad_input_is_one_line_naming_what_is_allowed(batch: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no such results directory") as err:
        write_report(tmp_path / "missing")
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
    with pytest.raises(ReportError, match="manifest.json: missing"):
        load_results(tmp_path)
    with pytest.raises(ReportError, match="allowed: baseline, city_plan, fast_closures"):
        load_results(batch, baseline="city")
    with pytest.raises(ReportError, match="allowed: en, zh"):
        write_report(batch, lang="fr", output=tmp_path / "r.html")


def test_cli_commands(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["compare", str(batch), "--baseline", "city_plan"]) == 0
    shown = capsys.readouterr().out
    assert "Reference: city_plan." in shown and registry()["state_equity"].en in shown
    target = tmp_path / "sub" / "r.html"
    assert main(["report", str(batch), "--lang", "zh", "--output", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target) and target.is_file()
    assert build_parser().parse_args(["report", str(batch)]).handler is cmd_report
    assert build_parser().parse_args(["compare", str(batch)]).handler is cmd_compare
    assert main(["compare", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_offline_in_chromium(batch: Path, tmp_path: Path, lang: str) -> None:
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs Playwright: pip install -e '.[test]'")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (Debian package)")
    report = write_report(batch, lang=lang, output=tmp_path / f"report_{lang}.html")
    source = report.read_text(encoding="utf-8")
    declared = source.count('class="plotly-graph-div"')
    assert declared >= 15
    remote = re.search(r"""src=["']?(https?:)?//[^"' >]*""", source)
    assert remote is None, f"the report loads a remote file: {remote.group()}"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            offline=True,
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request", lambda r: None if r.url.startswith("file:") else requests.append(r.url)
            )
            page.goto(report.as_uri(), wait_until="load")
            rendered = (
                "[...document.querySelectorAll('.js-plotly-plot')]"
                ".filter(d => d.querySelector('svg.main-svg') && d.data.length > 0).length"
            )
            with contextlib.suppress(PlaywrightTimeout):  # the count below says what is missing
                page.wait_for_function(f"{rendered} >= {declared}", timeout=15_000)
            plots = page.evaluate(rendered)
            body = page.inner_text("body")
            html_lang = page.get_attribute("html", "lang")
            first_screen = page.evaluate(FIRST_SCREEN)
            tables = page.evaluate(TABLES_AND_CSV)
        finally:
            context.close()
    # the answer is on the first screen, before any chart
    assert first_screen["summary"] < first_screen["height"], first_screen
    assert first_screen["sentence_bottom"] <= first_screen["height"], first_screen
    assert first_screen["first_chart"] > first_screen["summary"], first_screen
    assert words()[lang]["summary"] in body
    # every table's CSV link yields the numbers the page shows
    assert {t["name"] for t in tables} >= {"summary_table", "bottom_lines", "bottom_lines_summary"}
    for t in tables:
        frame = pd.read_csv(io.StringIO(t["csv"]))
        assert len(frame) == len(t["rows"]), t["name"]
        assert t["formats"] or t["name"] == "levers", t["name"]
        for (_, row), text in zip(frame.iterrows(), t["rows"], strict=True):
            for column, kind in t["formats"].items():
                if pd.isna(row[column]):  # no number (the reference's own difference)
                    continue
                expected = shown(kind, row[column], row.get("unit", ""))
                assert expected in text, (t["name"], column, expected, text)
    assert plots == declared, f"{plots} of {declared} plots rendered; console errors: {errors}"
    assert not errors, f"console errors: {errors}"
    assert not requests, f"the report asked the network for: {requests}"
    assert words()[lang]["headline"] in body
    assert getattr(registry()["state_equity"], lang) in body
    assert html_lang == ("zh-CN" if lang == "zh" else "en")


FIRST_SCREEN = """() => {
  const top = s => { const e = document.querySelector(s); return e ? e.getBoundingClientRect() : null; };
  const li = document.querySelector('#summary ul.verdicts li');
  const chart = top('.js-plotly-plot');
  return {height: window.innerHeight, summary: top('#summary').top,
          sentence_bottom: li.getBoundingClientRect().bottom,
          first_chart: chart ? chart.top : Infinity};
}"""
TABLES_AND_CSV = """async () => {
  const out = [];
  for (const table of document.querySelectorAll('table[data-csv]')) {
    const link = table.closest('.grid').querySelector('a.csv');
    const csv = await (await fetch(link.href)).text();
    out.push({name: table.dataset.csv, formats: JSON.parse(table.dataset.formats), csv,
              rows: [...table.querySelectorAll('tbody tr.data')].map(r => r.innerText)});
  }
  return out;
}"""


# --- the reference scenario: --baseline NAME, default "baseline" when in the batch ------------
def test_a_one_scenario_batch_exits_0_with_a_report(tmp_path: Path, capsys) -> None:
    files = short_scenarios(tmp_path / "scenarios", ("city_plan",))
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", *files, "--reps", "2", "--out", str(out), "--quiet")
    assert code == 0, err
    assert f"report: {out / 'report.html'}" in stdout and (out / "report.html").is_file()
    assert words()["en"]["headline_levels"].split(":")[0] in (out / "report.html").read_text(
        "utf-8"
    )


def test_without_baseline_the_report_and_compare_show_levels_unless_one_is_chosen(
    tmp_path: Path, capsys
) -> None:
    files = short_scenarios(tmp_path / "scenarios", ("city_plan", "fast_closures"))
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", *files, "--reps", "3", "--out", str(out), "--no-report")
    assert code == 0, err
    code, levels, _ = cli(capsys, "compare", str(out))
    assert code == 0 and "levels only" in levels and "Δ vs" not in levels
    code, paired, _ = cli(capsys, "compare", str(out), "--baseline", "city_plan")
    assert code == 0 and "Reference: city_plan." in paired and "Δ vs city_plan" in paired
    results = load_results(out)
    assert results.baseline is None and results.scenarios == ["city_plan", "fast_closures"]
    assert comparison_table(results)["diff_mean"].isna().all()
    page = render(results)
    assert words()["en"]["diff"] not in page and words()["en"]["headline_levels"] in page


def test_a_chosen_baseline_outside_the_batch_is_one_line(batch: Path, tmp_path: Path, capsys):
    files = short_scenarios(tmp_path / "scenarios", ("city_plan",))
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", *files, "--reps", "2", "--out", str(out), "--baseline", "x")
    assert_one_line_error(code, err, "--baseline 'x'", "allowed: city_plan")
    assert not out.exists()
    for command in ("report", "compare"):
        code, _, err = cli(capsys, command, str(batch), "--baseline", "x")
        assert_one_line_error(code, err, "--baseline 'x'", "allowed: baseline, city_plan")


def test_a_shaded_cell_is_a_material_change_and_the_style_shades_it(batch: Path) -> None:
    page = render(load_results(batch))
    for css in ("better", "worse"):
        assert f"td.{css} {{ background" in page  # the style the cells use
    section = page[page.index('<section id="headline">') :]
    section = section[: section.index("</section>")]
    shaded = re.findall(r'<td class="(better|worse|changed)">', section)
    table = comparison_table(load_results(batch))
    assert shaded and len(shaded) == int(table["material"].sum())
