"""Sweeps: one scenario per grid point, paired by replication (common random numbers), and
the report's figures equal to the numbers computed from the Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch import run_batch
from sim.report.compare import load_results
from sim.report.html import render
from sim.report.page import Page
from sim.report.sections.sweep import chances_curve, curve, heat, sweep_table
from sim.scenario import load
from tests.conftest import SEED
from tests.folders import assert_one_line_error, cli, short_scenarios

REPS = 4
LEVER = "labour_adjustment_speed"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> str:
    return short_scenarios(tmp_path_factory.mktemp("scenarios"), ("city_plan",))[0]


def test_one_scenario_per_value_paired_by_replication(plan, tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    code, stdout, err = cli(
        capsys, "sweep", plan, "--lever", f"{LEVER}=0:0.6:3", "--reps", str(REPS),
        "--seed", str(SEED), "--out", str(out), "--quiet",
    )  # fmt: skip
    assert code == 0, err
    assert "(3 chunks run, 0 reused)" in stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    points = manifest["sweep"]["points"]
    assert [v[LEVER] for v in points.values()] == [0.0, 0.3, 0.6]
    assert list(manifest["identity"]["scenarios"]) == list(points)
    summary = pd.read_parquet(out / "summary")
    assert (
        summary.groupby("scenario")["replication"].apply(sorted).map(list).tolist()
        == [list(range(REPS))] * 3
    )
    # common random numbers: the point at city_plan's own value is city_plan's run
    alone = tmp_path / "alone"
    run_batch([load(plan)], REPS, SEED, alone, progress=False, uncertainty="deep")  # as sweep
    own = pd.read_parquet(alone / "summary").drop(columns="scenario")
    point = summary[summary["scenario"] == "city_plan@labour_adjustment_speed=0.3"]
    pd.testing.assert_frame_equal(
        point.drop(columns="scenario").reset_index(drop=True), own.reset_index(drop=True)
    )
    # the report's figures are the numbers computed from the Parquet
    results = load_results(out)
    table = sweep_table(results)
    page = Page(results, "en")
    for name, values in points.items():
        rows = summary[summary["scenario"] == name]
        got = table[table["scenario"] == name].iloc[0]
        assert got[LEVER] == values[LEVER]
        for m in ("employment", "state_equity"):
            assert got[f"{m}_median"] == pytest.approx(np.median(rows[f"{m}_end"]))
            assert got[f"{m}_p05"] == pytest.approx(np.quantile(rows[f"{m}_end"], 0.05))
        assert got["stability_probability"] == rows["breach_stability"].mean()
        assert got["deadline_met_probability"] == rows["deadline_met"].mean()
    fig = curve(page, table, LEVER, "employment")
    assert list(fig.data[-1].y) == pytest.approx(table["employment_median"].tolist())
    assert list(fig.data[-1].x) == [0.0, 0.3, 0.6]
    chances = chances_curve(page, table, LEVER)
    assert list(chances.data[-1].y) == pytest.approx(table["deadline_met_probability"].tolist())
    assert "Sweep" in render(results) and (out / "report.html").is_file()


def test_a_grid_of_two_levers_and_heat_maps(plan, tmp_path, capsys) -> None:
    out = tmp_path / "grid"
    code, _, err = cli(
        capsys, "sweep", plan, "--lever", f"{LEVER}=0:0.6:2", "--lever",
        "reemployment_support=0:1:2", "--reps", "2", "--out", str(out), "--quiet",
        "--no-report", "--measures", "unemployed",
    )  # fmt: skip
    assert code == 0, err
    results = load_results(out)
    table = sweep_table(results)
    assert len(table) == 4 and set(results.scenarios) == set(table["scenario"])
    assert sorted(zip(table[LEVER], table["reemployment_support"], strict=True)) == [
        (0.0, 0.0), (0.0, 1.0), (0.6, 0.0), (0.6, 1.0)
    ]  # fmt: skip
    levers = [LEVER, "reemployment_support"]
    fig = heat(Page(results, "en"), table, levers, "unemployed_median", ",~r")
    z = table.pivot(index=levers[1], columns=levers[0], values="unemployed_median").to_numpy()
    assert np.array_equal(np.asarray(fig.data[0].z), z)
    assert results.manifest["sweep"]["measures"] == ["unemployed"]


@pytest.mark.parametrize(
    ("lever", "hint"),
    [
        ("nope=0:1:3", "unknown lever 'nope'"),
        ("pilots_first=0:1:2", "not numeric"),
        ("equity_incentive_form=0:1:2", "not numeric"),
        (f"{LEVER}=0:2:3", "out of range"),
        (f"{LEVER}=1:0:3", "LO < HI"),
        (f"{LEVER}=0:1", "LO:HI:N"),
        (f"{LEVER}=a:1:3", "LO:HI:N"),
        ("investment_companies=0:8:4", "integer"),
    ],
)
def test_bad_levers_are_one_line(plan, tmp_path: Path, capsys, lever: str, hint: str) -> None:
    out = tmp_path / "out"
    code, _, err = cli(capsys, "sweep", plan, "--lever", lever, "--out", str(out))
    assert_one_line_error(code, err, "--lever", hint)
    assert not out.exists()
