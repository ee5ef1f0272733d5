"""The executive summary: its numbers equal those computed from the Parquet, Newcombe's
interval covers a known difference of paired proportions, the tolerance flag, and the
one formatter."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from scipy.stats import t as student_t

from sim.batch import run_batch
from sim.bottom_lines import BOTTOM_LINES
from sim.measures import headline, registry
from sim.numbers import aligned, number, percent, width
from sim.progress import ProgressLines
from sim.report.compare import load_results
from sim.report.stats import paired_proportions, wilson
from sim.report.summary_text import format_summary, sentence
from sim.report.verdict import chance_frame, verdicts
from sim.scenario import derive, load
from tests.conftest import SCENARIOS, SEED
from tests.folders import assert_one_line_error, cli

REPS = 60  # two chunks: 50 and 10
HORIZON = 18


def short(name: str, **sections: dict) -> object:
    sc = load(SCENARIOS / f"{name}.toml")
    return derive(sc, name, settings={"horizon_months": HORIZON}, **sections)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenarios = [
        short("baseline"),
        short("city_plan"),
        derive(short("lockstep"), "strict", thresholds={"breach_tolerance": 0.0}),
    ]
    out = tmp_path_factory.mktemp("summary") / "out"
    assert run_batch(scenarios, REPS, SEED, out, progress=False).complete
    return out


def newcombe_oracle(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Newcombe's method 10 from the 2x2 table, with scipy's own Wilson intervals."""
    n = len(x)
    a, b, c, d = (int(np.sum(m)) for m in (x & y, x & ~y, ~x & y, ~x & ~y))
    p1, p2 = (a + b) / n, (a + c) / n
    ci1 = binomtest(a + b, n).proportion_ci(0.95, method="wilson")
    ci2 = binomtest(a + c, n).proportion_ci(0.95, method="wilson")
    excess = a * d - b * c
    excess = max(excess - n / 2, 0) if excess > 0 else excess
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = excess / math.sqrt(margins) if margins else 0.0
    low = (
        p1
        - p2
        - math.sqrt(
            (p1 - ci1.low) ** 2 - 2 * phi * (p1 - ci1.low) * (ci2.high - p2) + (ci2.high - p2) ** 2
        )
    )
    high = (
        p1
        - p2
        + math.sqrt(
            (ci1.high - p1) ** 2 - 2 * phi * (ci1.high - p1) * (p2 - ci2.low) + (p2 - ci2.low) ** 2
        )
    )
    return p1 - p2, max(low, -1), min(high, 1)


def test_the_summary_numbers_equal_those_computed_from_the_parquet(batch: Path) -> None:
    results = load_results(batch)
    items = {v.scenario: v for v in verdicts(results)}
    summary = pd.read_parquet(batch / "summary").set_index(["scenario", "replication"])
    text = format_summary(results, list(items.values()))
    base = summary.loc["baseline"]
    checked = 0
    for name in ("city_plan", "strict"):
        own = summary.loc[name]
        assert list(own.index) == list(base.index) == list(range(REPS))
        v = items[name]
        for c in v.chances:
            column = "deadline_met" if c.line == "deadline_met" else f"breach_{c.line}"
            x, y = own[column].to_numpy(bool), base[column].to_numpy(bool)
            exact = binomtest(int(x.sum()), REPS).proportion_ci(0.95, method="exact")
            assert (c.probability, c.low, c.high) == pytest.approx(
                (x.mean(), exact.low, exact.high)
            )
            diff, low, high = newcombe_oracle(x, y)
            assert (c.paired.diff, c.paired.low, c.paired.high) == pytest.approx((diff, low, high))
            assert c.paired.pairs == REPS
            assert percent(c.probability) in text
            checked += x.sum() != y.sum()
        for change in v.changes:
            month_col = f"{change.measure}_m18"  # the horizon is month 18
            d = own[month_col].to_numpy() - base[month_col].to_numpy()
            half = student_t.ppf(0.975, REPS - 1) * d.std(ddof=1) / math.sqrt(REPS)
            got = (change.paired.diff, change.paired.low, change.paired.high)
            assert got == pytest.approx((d.mean(), d.mean() - half, d.mean() + half))
            m = registry()[change.measure]
            material = abs(d.mean()) >= m.material and (d.mean() - half > 0 or d.mean() + half < 0)
            assert bool(change.verdict) == material
            if material and m.better != "either":
                assert change.verdict == ("better" if m.direction * d.mean() > 0 else "worse")
        assert len(v.changes) == len(headline())
        assert f"better on {len(v.material('better'))} and worse on {len(v.material('worse'))}" in (
            sentence(v, results, "en")
        )
    assert checked, "every paired difference was zero: the batch tests nothing"
    frame = chance_frame(list(items.values())).set_index("scenario")
    stability = items["city_plan"].chances[[b.name for b in BOTTOM_LINES].index("stability")]
    assert frame.loc["city_plan", "stability_diff_low"] == stability.paired.low


def test_a_breach_probability_above_the_scenarios_tolerance_is_flagged(batch: Path) -> None:
    results = load_results(batch)
    items = {v.scenario: v for v in verdicts(results)}
    for c in items["strict"].lines:  # tolerance 0: any breach is flagged
        assert c.tolerance == 0.0 and c.flagged == (c.probability > 0)
    assert any(c.flagged for c in items["strict"].lines), "no breach at all: nothing tested"
    for c in items["city_plan"].lines:  # the default tolerance, 10%
        assert c.tolerance == 0.1 and c.flagged == (c.probability > 0.1)
    assert not items["strict"].deadline.flagged
    flagged = [c for c in items["strict"].lines if c.flagged]
    assert "above the 0.0% tolerance" in sentence(items["strict"], results, "en")
    assert "超过可接受上限0.0%" in sentence(items["strict"], results, "zh")
    assert len(flagged) >= 1


def test_without_a_reference_the_summary_gives_levels_only(batch: Path) -> None:
    results = load_results(batch, baseline=None)
    plain = load_results(batch, baseline="city_plan")
    assert plain.baseline == "city_plan"
    for v in verdicts(plain):
        if v.scenario == "city_plan":
            assert v.reference is None and all(c.paired.pairs == 0 for c in v.chances)
        else:
            assert v.reference == "city_plan"
    assert results.baseline == "baseline"


@pytest.mark.parametrize(
    ("p1", "p2", "rho", "n"),
    [(0.4, 0.25, 0.5, 200), (0.385, 0.08, 0.2, 200), (0.1, 0.05, 0.3, 100), (0.5, 0.5, 0.8, 50)],
)
def test_newcombes_interval_covers_a_known_paired_difference(p1, p2, rho, n) -> None:
    """Synthetic paired binaries with a known difference: a latent uniform shared with
    probability rho makes the pairs correlated; 95% intervals cover p1 - p2 about 95% of
    the time (Newcombe's method is slightly conservative)."""
    rng = np.random.default_rng(12)
    trials, hits = 1000, 0
    for _ in range(trials):
        u = rng.random(n)
        v = np.where(rng.random(n) < rho, u, rng.random(n))
        r = paired_proportions(u < p1, v < p2)
        hits += r.low <= p1 - p2 <= r.high
    assert 0.93 <= hits / trials <= 0.985, hits / trials


def test_wilson_is_scipys() -> None:
    for k, n in ((0, 20), (7, 20), (20, 20), (13, 200)):
        ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert wilson(k, n) == pytest.approx((ci.low, ci.high))


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (4034.2, "4,034"),
        (2603, "2,603"),
        (123456.7, "123,457"),
        (12.345, "12.3"),
        (99.96, "100"),
        (0.0000365, "0.0000365"),
        (-3.65e-5, "−0.0000365"),
        (5.0, "5"),
        (float("nan"), "—"),
    ],
)
def test_one_formatter_thousands_no_scientific_notation(x: float, text: str) -> None:
    assert number(x) == text


def test_terminal_columns_align_with_chinese_text() -> None:
    lines = aligned([["情景", "a"], ["city_plan", "bb"], ["市政府方案", "c"]])
    starts = {width(line[: line.rindex(" ") + 1]) for line in lines}
    assert len(starts) == 1, lines
    assert percent(0.385) == "38.5%" and percent(-0.305, signed=True) == "−30.5 pp"


def test_progress_lines_every_tenth_or_thirty_seconds_with_the_eta() -> None:
    """Where stderr is not a terminal: a line at each 10% and after 30 s without one."""
    now = [0.0]
    log = io.StringIO()
    bar = ProgressLines(200, initial=20, file=log, clock=lambda: now[0])
    for _ in range(18):  # 10 replications every 2 s
        now[0] += 2.0
        bar.update(10)
    lines = log.getvalue().splitlines()
    assert len(lines) == 9, lines  # 20% ... 100%, one each
    assert lines[0] == "replications 40/200 (20%), elapsed 0:00:04, ETA 0:00:32"
    assert lines[-1].startswith("replications 200/200 (100%)")
    slow = io.StringIO()
    bar = ProgressLines(1000, file=slow, clock=lambda: now[0])
    for _ in range(3):
        now[0] += 31.0
        bar.update(1)  # 0.1% each time, but 31 s apart
    assert len(slow.getvalue().splitlines()) == 3
    assert "replications 3/1000 (0%)" in slow.getvalue()


def test_a_batch_whose_stderr_is_not_a_terminal_prints_progress_lines(tmp_path, capsys) -> None:
    scenarios = [short("baseline")]
    run_batch(scenarios, 3, SEED, tmp_path / "out")  # progress=None; pytest's stderr is no tty
    err = capsys.readouterr().err
    assert "replications 3/3 (100%)" in err and "ETA" in err


def test_validate_prints_what_a_file_changes_relative_to_what_it_extends(tmp_path, capsys):
    team = tmp_path / "team" / "ours.toml"
    team.parent.mkdir()
    team.write_text(
        'extends = "city_plan"\n[levers]\nplans_per_month = 30.0\npilots_first = true\n',
        encoding="utf-8",
    )
    code, out, err = cli(capsys, "validate", str(team))
    assert code == 0, err
    assert "extends city_plan, changes 2:" in out
    assert "levers.plans_per_month: 24.0 → 30.0 plans/month" in out
    assert "levers.pilots_first: true → true (as inherited)" in out


def test_parameters_takes_a_filter_and_explains_its_columns(capsys):
    code, out, _ = cli(capsys, "parameters", "--name", "stake", "--kind", "levers")
    assert code == 0 and out.startswith("Columns: name = default [unit;")
    names = [line.split(" = ")[0].strip() for line in out.splitlines() if " = " in line[:60]]
    assert names and all("stake" in n for n in names[1:]), names
    code, _, err = cli(capsys, "parameters", "--group", "nope")
    assert_one_line_error(code, err, "no entry matches", "labour")


def test_a_scenario_outside_scenarios_extending_city_plan_by_name_runs(tmp_path, capsys):
    team = tmp_path / "team" / "ours.toml"
    team.parent.mkdir()
    team.write_text(
        'extends = "city_plan"\n[settings]\nhorizon_months = 18\n[levers]\nboard_share = 0.5\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", str(team), "--reps", "2", "--out", str(out), "--quiet")
    assert code == 0, err
    assert (out / "report.html").is_file() and "(1 chunks run, 0 reused)" in stdout
    assert set(pd.read_parquet(out / "summary")["scenario"]) == {"ours"}
