"""The command line end to end, as a user runs it."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import measures
from sim.deep import with_mode
from sim.engine import simulate
from tests.conftest import ROOT, SCENARIOS, col, scenario


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "mine"
    files = [str(SCENARIOS / "city_plan.toml"), str(SCENARIOS / "baseline.toml")]
    proc = cli("run", *files, "--reps", "60", "--seed", "7", "--out", str(out))
    return out, proc, files


def test_run_writes_parquet_manifest_and_prints_the_table(batch):
    out, proc, _ = batch
    assert proc.returncode == 0, proc.stderr
    ts = pd.read_parquet(out / "timeseries")
    assert list(ts.columns[:3]) == ["scenario", "replication", "month"]
    assert set(measures.registry()) <= set(ts.columns)
    assert set(ts["scenario"]) == {"city_plan", "baseline"}
    assert len(ts) == 2 * 60 * 67
    assert not ts.duplicated(["scenario", "replication", "month"]).any()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert manifest["identity"]["seed"] == 7 and manifest["identity"]["replications"] == 60
    assert "city_plan" in manifest["scenario_files"] and manifest["versions"]["numpy"]
    assert "--reps 60" in manifest["command"]
    assert "end-2023 (m18)" in proc.stdout and "2027-12 (m66)" in proc.stdout
    assert "The answer (executive summary)" in proc.stdout
    assert "Private capital brought in" in proc.stdout


def test_results_are_those_of_the_core(batch):
    out, _, _ = batch
    ts = pd.read_parquet(out / "timeseries")
    [deep_plan] = with_mode([scenario("city_plan")], "deep", 60)  # the CLI's default mode
    direct = simulate(deep_plan, 7, range(60))
    mine = ts[ts["scenario"] == "city_plan"].sort_values(["replication", "month"])
    got = mine["mixed_firms"].to_numpy().reshape(60, 67)
    assert np.array_equal(got, col(direct, "mixed_firms"))


def test_summary_table_numbers_come_from_the_parquet(batch):
    out, _, _ = batch
    ts = pd.read_parquet(out / "timeseries")
    table = pd.read_csv(out / "summary_table.csv")
    row = table[(table["measure"] == "mixed_firms") & (table["scenario"] == "city_plan")].iloc[0]
    at18 = ts[(ts["scenario"] == "city_plan") & (ts["month"] == 18)]["mixed_firms"]
    assert row["deadline_median"] == at18.median()
    assert row["deadline_p95"] == at18.quantile(0.95)


def test_rerun_resumes_and_a_different_batch_is_refused(batch):
    out, _, files = batch
    again = cli("run", *files, "--reps", "60", "--seed", "7", "--out", str(out), "--quiet")
    assert again.returncode == 0 and "0 chunks run" in again.stdout
    other = cli("run", *files, "--reps", "60", "--seed", "8", "--out", str(out), "--quiet")
    assert other.returncode == 2
    assert "holds a different batch (changed: seed)" in other.stderr
    assert other.stderr.count("\n") == 1
    assert len(pd.read_parquet(out / "timeseries")) == 2 * 60 * 67


def test_overwrite_replaces_the_batch(tmp_path):
    out = tmp_path / "o"
    f = str(SCENARIOS / "baseline.toml")
    assert cli("run", f, "--reps", "3", "--out", str(out), "--quiet").returncode == 0
    proc = cli("run", f, "--reps", "4", "--out", str(out), "--quiet", "--overwrite")
    assert proc.returncode == 0
    assert pd.read_parquet(out / "timeseries")["replication"].nunique() == 4


def test_no_command_runs_every_bundled_scenario(tmp_path):
    out = tmp_path / "default"
    proc = cli("--reps", "2", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    names = {p.stem for p in SCENARIOS.glob("*.toml")}
    assert set(pd.read_parquet(out / "timeseries")["scenario"]) == names
    assert {"baseline", "city_plan", "bold_mixed", "incentives_first", "lockstep"} <= names


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["validate"],
        ["measures"],
        ["parameters"],
        ["report"],
        ["compare"],
        ["inspect"],
        ["explore"],
    ],
)
def test_every_command_explains_itself(command):
    proc = cli(*command, "--help")
    assert proc.returncode == 0 and "usage: run.py" in proc.stdout
    assert len(proc.stdout.splitlines()) > 4


@pytest.mark.parametrize("command", ["run", "sweep", "attribute", "sensitivity", "optimize"])
def test_run_options_are_uniform(command):
    text = " ".join(cli(command, "--help").stdout.split())
    for option in ("--reps", "--seed", "--out", "--workers", "--scheduler", "--overwrite"):
        assert option in text, (command, option)
    assert "results do not depend on it" in text  # one declaration: sim/options.py


def test_scenario_files_without_a_command_are_run(tmp_path):
    out = tmp_path / "files"
    proc = cli(str(SCENARIOS / "baseline.toml"), "--reps", "2", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert set(pd.read_parquet(out / "summary")["scenario"]) == {"baseline"}


def test_workers_and_scheduler_exclude_each_other():
    proc = cli("run", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "--scheduler: not allowed with argument --workers" in proc.stderr
    bad = cli("run", "--workers", "0")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--workers" in bad.stderr


def test_bad_options_get_one_line():
    proc = cli("run", "--reps", "0")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--reps" in proc.stderr


def test_validate_and_measures():
    proc = cli("validate", *map(str, sorted(SCENARIOS.glob("*.toml"))))
    assert proc.returncode == 0 and proc.stdout.count(": ok") == len(list(SCENARIOS.glob("*.toml")))
    listing = cli("measures").stdout
    for m in measures.registry().values():
        assert m.name in listing and m.zh in listing and m.en in listing and m.unit in listing


def test_run_prints_bottom_lines_from_the_summary_and_writes_the_report(batch):
    out, proc, _ = batch
    assert (
        "Bottom lines (breach probability)" in proc.stdout
        and f"report: {out / 'report.html'}" in proc.stdout
    )
    assert (out / "report.html").stat().st_size > 1_000_000  # plotly.js embedded: works offline
    lines = pd.read_csv(out / "bottom_lines.csv")
    summary = pd.read_parquet(out / "summary")
    row = lines[(lines["scenario"] == "city_plan") & (lines["line"] == "stability")].iloc[0]
    flags = summary.loc[summary["scenario"] == "city_plan", "breach_stability"]
    assert row["probability"] == flags.mean() and row["replications"] == len(flags) == 60
    assert row["ci_low"] <= row["probability"] <= row["ci_high"]
    assert row["threshold_unit"] == "share of initial employment"  # a unit on every threshold
    met = lines[(lines["scenario"] == "city_plan") & (lines["line"] == "deadline_met")].iloc[0]
    assert (
        met["probability"] == summary.loc[summary["scenario"] == "city_plan", "deadline_met"].mean()
    )


def test_every_command_is_registered_with_its_handler():
    from sim.abm import cli as abm_cli
    from sim.cli import build_parser
    from sim.report import cli as report_cli

    parser = build_parser()
    commands = {
        "run": ["run"],
        "validate": ["validate", "x.toml"],
        "measures": ["measures"],
        "parameters": ["parameters"],
        "report": ["report", "OUT"],
        "compare": ["compare", "OUT"],
        "inspect": ["inspect", "x.toml"],
        "explore": ["explore", "x.toml"],
    }
    handlers = {name: parser.parse_args(argv).handler for name, argv in commands.items()}
    assert handlers["report"] is report_cli.cmd_report
    assert handlers["explore"] is abm_cli.cmd_explore
    assert len(set(handlers.values())) == len(commands)
    assert not hasattr(report_cli, "run_command") and not hasattr(abm_cli, "run_command")


NO_WORK_AT_IMPORT = """
import os, sys
calls = []
os.umask = lambda *a: calls.append("umask")
import sim.results, sim.scenario
sim.results.code_version = lambda: calls.append("code_version")
sim.scenario.load = lambda *a: calls.append("load")
import sim.batch, sim.cli, sim.abm.viz
assert not calls, calls
sim.batch.loaded_code_version()
assert calls == ["code_version"], calls
"""


def test_importing_does_no_work():
    proc = subprocess.run(
        [sys.executable, "-c", NO_WORK_AT_IMPORT], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_a_worker_refuses_a_chunk_of_another_code_version():
    from sim.batch import compute_chunk, encode_chunk

    with pytest.raises(RuntimeError, match="restart the workers with the same project"):
        encode_chunk(compute_chunk, scenario("baseline"), 1, range(1), "0" * 16)


def test_inspect_and_explore_run_one_replication_without_workers():
    for command in ("inspect", "explore"):
        text = " ".join(cli(command, "--help").stdout.split())
        assert "--workers" not in text and "one replication" in " ".join(text.split())
