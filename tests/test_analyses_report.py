"""The analyses in the report (issue 15, item 6): when each plan fails (PRIM on a deep
batch's worlds), the boxes `discover` wrote, and `report --with DIR` showing a
sensitivity or attribution folder, in English and Chinese; each table's CSV link holds
the numbers the page shows."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from sim.batch import run_batch
from sim.report.compare import load_results
from sim.report.grid import shown
from sim.report.html import render
from sim.report.page import Page
from sim.report.sections.analyses import SIGNIFICANT, parameter_name, read_analysis
from sim.report.text import words
from sim.scenario import load
from tests.conftest import SEED
from tests.folders import assert_one_line_error, attribution_files, cli, short_scenarios

REPS = 24


def tables(page: str) -> dict[str, tuple[pd.DataFrame, dict, list[str]]]:
    """Every table of the page with a CSV link: (its CSV, its formats, each data row's text)."""
    found = {}
    for block in re.findall(r'<div class="grid">.*?</table></div></div>', page, re.S):
        uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', block)[1]
        frame = pd.read_csv(io.BytesIO(base64.b64decode(uri)))
        table = re.search(r'data-csv="([^"]+)" data-formats="([^"]*)"', block)
        formats = json.loads(html.unescape(table[2]))
        rows = [
            html.unescape(re.sub(r"<[^>]+>", " ", r))
            for r in re.findall(r'<tr class="data">(.*?)</tr>', block, re.S)
        ]
        found[table[1]] = (frame, formats, rows)
    return found


def assert_page_shows_its_csv(page: str, name: str) -> pd.DataFrame:
    frame, formats, rows = tables(page)[name]
    assert len(frame) == len(rows) > 0, name
    for (_, row), text in zip(frame.iterrows(), rows, strict=True):
        for column, kind in formats.items():
            if not pd.isna(row[column]):
                assert shown(kind, row[column]) in text, (name, column, text)
    return frame


@pytest.fixture(scope="module")
def deep_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    paths = short_scenarios(folder, ("baseline", "city_plan", "fast_closures"))
    out = tmp_path_factory.mktemp("batch") / "out"
    scenarios = [load(p) for p in paths]
    assert run_batch(scenarios, REPS, SEED, out, progress=False, uncertainty="deep").complete
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_deep_batch_says_when_each_plan_fails(deep_batch, lang):
    page = render(load_results(deep_batch), lang)
    assert '<section id="failures">' in page and words()[lang]["failures"] in page
    frame = assert_page_shows_its_csv(page, "failure_conditions")
    summary = load_results(deep_batch).summary
    breach = summary.filter(like="breach_").any(axis=1).groupby(summary["scenario"]).mean()
    shares = frame.groupby("scenario")["share"].first()
    pd.testing.assert_series_equal(shares.sort_index(), breach.sort_index(), check_names=False)
    boxed = frame[frame["parameter"].fillna("") != ""]
    assert (boxed["low"] >= boxed["full_low"]).all() and (boxed["high"] <= boxed["full_high"]).all()
    assert boxed["quasi_p"].between(0, 1).all()
    # the summary names, per scenario, only the restrictions with quasi-p below 0.05
    folded = re.search(r'<details class="failing">(.*?)</details>', page, re.S)
    named = boxed[boxed["quasi_p"] < SIGNIFICANT]
    assert (folded is not None) == (len(named) > 0)
    for _, r in named.groupby("scenario").head(2).iterrows():
        assert (
            html.escape(parameter_name(Page(load_results(deep_batch), lang), r["parameter"]))
            in folded[1]
        )


def test_a_fixed_batch_has_no_worlds_to_discover(tmp_path):
    (path,) = short_scenarios(tmp_path / "s", ("city_plan",))
    out = tmp_path / "out"
    assert run_batch([load(path)], 4, SEED, out, progress=False).complete
    assert '<section id="failures">' not in render(load_results(out))


def test_discover_keeps_one_block_per_scenario_and_outcome_and_the_report_shows_them(
    deep_batch, capsys
):
    args = ["discover", str(deep_batch), "--scenario"]
    for scenario, outcome in (
        ("city_plan", "breach_stability"),
        ("fast_closures", "regret:output"),
        ("city_plan", "breach_stability"),  # again: replaces its own block
    ):
        code, _, err = cli(capsys, *args, scenario, "--outcome", outcome)
        assert code == 0, err
    written = pd.read_csv(deep_batch / "discovery.csv")
    blocks = written.groupby(["scenario", "outcome"])["section"].apply(set)
    assert blocks.to_dict() == {
        ("city_plan", "breach_stability"): {"box", "trajectory"},
        ("fast_closures", "regret:output"): {"box", "trajectory"},
    }
    assert sum((written["section"] == "trajectory") & (written["step"] == 0)) == 2
    for lang in ("en", "zh"):
        page = render(load_results(deep_batch), lang)
        shown_boxes = assert_page_shows_its_csv(page, "discovery")
        assert len(shown_boxes) == (written["section"] == "box").sum()


def test_a_damaged_discovery_file_is_named_not_trusted(deep_batch, tmp_path, capsys):
    code, _, err = cli(capsys, "discover", str(deep_batch), "--scenario", "city_plan",
                       "--outcome", "breach_stability")  # fmt: skip
    assert code == 0, err
    path = deep_batch / "discovery.csv"
    kept = path.read_bytes()
    try:
        path.write_text("section,step\nbox,1\n", encoding="utf-8")
        code, _, err = cli(capsys, "report", str(deep_batch), "--output", str(tmp_path / "r.html"))
        assert_one_line_error(code, err, "discovery.csv", "damaged")
    finally:
        path.write_bytes(kept)


@pytest.fixture(scope="module")
def attribution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("attr")
    plan, base = attribution_files(folder)
    out = folder / "out"
    code = __import__("sim.cli", fromlist=["main"]).main(
        ["attribute", str(plan), "--baseline", str(base), "--reps", "3", "--out", str(out),
         "--quiet", "--lang", "zh"]
    )  # fmt: skip
    assert code == 0
    return out


def test_attribute_writes_its_page_and_the_report_shows_it_with_the_csv_numbers(
    attribution, deep_batch, tmp_path, capsys
):
    own = (attribution / "attribution.html").read_text(encoding="utf-8")
    assert words()["zh"]["attribution"] in own and 'lang="zh-CN"' in own
    parts = pd.read_csv(attribution / "attribution.csv")
    for lang in ("en", "zh"):
        output = tmp_path / f"report_{lang}.html"
        code, _, err = cli(capsys, "report", str(deep_batch), "--with", str(attribution),
                           "--lang", lang, "--output", str(output))  # fmt: skip
        assert code == 0, err
        page = output.read_text(encoding="utf-8")
        assert '<section id="attribution">' in page and 'href="#attribution"' in page
        wide = assert_page_shows_its_csv(page, "attribution")
        long = wide.melt(id_vars="outcome", var_name="group", value_name="mean")
        merged = parts.merge(long, on=["outcome", "group"], suffixes=("", "_page"))
        assert len(merged) == len(parts)
        assert (merged["mean"] - merged["mean_page"]).abs().max() < 1e-9


def test_report_with_a_folder_that_is_no_analysis_is_one_line(deep_batch, tmp_path, capsys):
    for folder in (deep_batch, tmp_path / "nowhere"):
        code, _, err = cli(capsys, "report", str(deep_batch), "--with", str(folder),
                           "--output", str(tmp_path / "r.html"))  # fmt: skip
        assert_one_line_error(code, err, f"--with {folder}")
    assert not (tmp_path / "r.html").exists()


def test_the_sensitivity_folder_is_read_with_its_method(tmp_path, capsys):
    (path,) = short_scenarios(tmp_path / "s", ("city_plan",), horizon=18)
    out = tmp_path / "o"
    code, _, err = cli(capsys, "sensitivity", path, "--method", "morris", "--n", "2",
                       "--reps", "2", "--parameters", "implementation_friction,quit_rate",
                       "--measures", "tfp", "--out", str(out), "--quiet", "--lang", "zh")  # fmt: skip
    assert code == 0, err
    found = read_analysis(out)
    assert found.kind == "sensitivity" and found.manifest["analysis"]["method"] == "morris"
    own = (out / "sensitivity.html").read_text(encoding="utf-8")
    assert words()["zh"]["sensitivity"] in own and "sensitivity.csv" in own


def test_report_with_an_optimize_folder_shows_its_pareto_plans(deep_batch, tmp_path, capsys):
    (path,) = short_scenarios(tmp_path / "s", ("city_plan",), horizon=18)
    out = tmp_path / "opt"
    code, _, err = cli(capsys, "optimize", path, "--levers", "plans_per_month",
                       "--objective", "state_equity_end:max", "--objective", "fiscal_cost_end:min",
                       "--constraint", "breach_stability<=0.99", "--budget", "4", "--pop", "2",
                       "--reps", "4", "--out", str(out), "--quiet")  # fmt: skip
    assert code == 0, err
    plans = pd.read_csv(out / "optimize.csv")
    for lang in ("en", "zh"):
        output = tmp_path / f"r_{lang}.html"
        code, _, err = cli(capsys, "report", str(deep_batch), "--with", str(out), "--lang", lang,
                           "--output", str(output))  # fmt: skip
        assert code == 0, err
        page = output.read_text(encoding="utf-8")
        assert '<section id="optimize">' in page and words()[lang]["optimize"] in page
        shown_plans = assert_page_shows_its_csv(page, "optimize")
        assert list(shown_plans["plan"]) == list(plans["plan"])
