"""The Mesa agent model: one model with the core, agent-level tables, the commands and the
interactive page."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import engine, measures, schedule
from sim.abm import SOEReformModel, simulate
from sim.abm.cli import COMMANDS, cmd_explore, main
from sim.abm.inspection import run_inspection, tables
from sim.codes import DEADLINE_MONTH
from sim.commands import register
from sim.parameters import table
from sim.population import N_FIRMS
from sim.scenario import derive, load
from sim.state import Companies, Departments, Firms, Investors, Ledgers, Projects, State, fields_of
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
NAMES = list(measures.registry())
SEED = 3


def short(name: str, months: int = 24):
    return derive(scenario(name), name, settings={"horizon_months": months})


@cache
def inspected() -> SOEReformModel:
    return run_inspection(short("city_plan"), SEED)


def column(values: np.ndarray, name: str) -> np.ndarray:
    return values[..., NAMES.index(name)]


# --- one model: the agent model replays the core ------------------------------------------------
STATE_GROUPS = {
    "firms": Firms,
    "investors": Investors,
    "companies": Companies,
    "departments": Departments,
    "projects": Projects,
    "city": Ledgers,
}


def state_differences(core: State, agents: State) -> list[str]:
    """Every field of every part of the state where the two engines differ (beyond rounding)."""
    out = []
    for group, kind in STATE_GROUPS.items():
        for name in fields_of(kind):
            x = np.asarray(getattr(getattr(core, group), name), dtype=float)
            y = np.asarray(getattr(getattr(agents, group), name), dtype=float)
            if not np.allclose(x, y, rtol=1e-9, atol=1e-9):
                out.append(f"{group}.{name}")
    return out


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.toml")))
def test_agent_model_replays_the_core_on_the_full_state(name):
    """On the same seed and replication both engines hold the same state every month: every
    field of the enterprises (the retired ones too), investors, companies, departments,
    projects and the city's ledgers. Same population, draws, equations and schedule, so
    any changed rule shows up here."""
    sc = short(name)
    model = SOEReformModel(sc, SEED, 2)
    for month, (s, _) in enumerate(engine.trajectory(sc, SEED, range(2, 3))):
        if month > 0:
            model.step()
        differs = state_differences(s, model.state)
        assert not differs, f"{name}, month {month}: the engines differ in {differs[:6]}"
    assert model.steps == sc.horizon
    model.release()


def test_agent_model_replays_the_core_over_the_full_horizon(city_plan):
    core, agents = engine.simulate(city_plan, SEED, range(1)), simulate(city_plan, SEED, range(1))
    assert core.shape == agents.shape == (1, city_plan.horizon + 1, len(NAMES))
    np.testing.assert_allclose(agents, core, rtol=1e-9, atol=1e-9)


def test_the_replay_check_sees_a_changed_variable():
    """The full-state comparison is not vacuous: one changed field of one firm fails it."""
    sc = short("city_plan", DEADLINE_MONTH)
    s, _ = next(engine.trajectory(sc, SEED, range(1)))
    model = SOEReformModel(sc, SEED, 0)
    assert state_differences(s, model.state) == []
    model.firm_list[5].wage += 1.0
    model.refresh_state()
    assert state_differences(s, model.state) == ["firms.wage"]


def test_both_engines_run_the_steps_of_the_one_schedule():
    steps = [step.name for step in schedule.MONTH]
    assert set(engine.STEPS) == set(steps)
    assert all(callable(getattr(SOEReformModel, name, None)) for name in steps)


def test_activation_order_does_not_change_results():
    """shuffle_do orders agents with Mesa's generator; results must not depend on it."""
    sc = short("city_plan", DEADLINE_MONTH)
    runs = []
    for order_seed in (None, 12345):
        model = SOEReformModel(sc, SEED, 0)
        if order_seed is not None:
            model.random.seed(order_seed)
        model.run_model()
        runs.append(model.measures_array())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_mesa_idioms_agent_sets_and_data_collector():
    model = inspected()
    kinds = {kind.__name__: len(agents) for kind, agents in model.agents_by_type.items()}
    assert kinds["Enterprise"] == N_FIRMS
    assert kinds["SupervisingDepartment"] == 34
    assert kinds["ReformOffice"] == 1
    assert kinds["InvestmentCompany"] == model.lv["investment_companies"]
    assert kinds["CooperationProject"] == model.c["cooperation_projects"]
    assert 0 < kinds["PrivateInvestor"] <= model.c["investor_slots"]
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == NAMES and len(frame) == model.horizon + 1
    assert not model.running


# --- the agent table adds up to the measures ------------------------------------------------------
def test_agent_table_aggregates_equal_the_measures():
    model = inspected()
    t = tables(model)
    agents, events, ts = t["agents"], t["events"], t["timeseries"].set_index("month")
    assert len(agents) == N_FIRMS * (model.horizon + 1)
    by_month = agents.groupby("month")
    live = agents[agents["active"]].groupby("month")
    checks = {
        "employment": by_month["employees"].sum(),
        "output": by_month["value_added"].sum(),
        "profit": by_month["profit"].sum(),
        "mixed_firms": live["investor"].apply(lambda x: (x >= 0).sum()),
        "boards_built": live["board"].sum(),
        "market_selected_managers": live["manager"].apply(lambda x: (x == "market-selected").sum()),
        "firms_closed": by_month["closed"].sum(),
        "firms_merged": by_month["merged"].sum(),
        "firms_transferred": by_month["company"].apply(lambda x: (x >= 0).sum()),
        "firms_under_oversight": live["oversight"].sum(),
        "managers_replaced": by_month["manager_replacements"].sum(),
    }
    for name, value in checks.items():
        expected = ts[name].reindex(value.index)
        np.testing.assert_allclose(
            value.to_numpy(float), expected.to_numpy(), rtol=1e-9, err_msg=name
        )
    closing = ts["firms_closed"] + ts["firms_in_liquidation"]
    assert closing.iloc[-1] > 0 and ts["mixed_firms"].iloc[-1] > 0  # not vacuous

    # the events log counts the same deals, closures, mergers, transfers and hand-overs
    last = ts.iloc[-1]
    count = events["event"].value_counts()
    closures = count.get("closure", 0) + count.get("bankruptcy", 0)
    assert closures == last["firms_closed"] + last["firms_in_liquidation"]
    assert count.get("liquidated", 0) == last["firms_closed"]
    assert count["merger"] == last["firms_merged"]
    assert count["transfer"] == last["firms_transferred"]
    assert count["deal"] == (agents[agents["month"] == model.horizon]["investor"] >= 0).sum()
    assert count["handover_completed"] == last["handovers_completed"]
    deals = events[events["event"] == "deal"]
    assert (deals["value"] >= deals["reserve"] - 1e-12).all()  # no deal below the reserve
    employee = model.lv["employee_stake"]
    paid = deals["value"] * (deals["detail"] + employee) / deals["detail"]
    assert paid.sum() == pytest.approx(last["private_capital_in"], rel=1e-9)


def test_inspect_command_writes_the_tables(tmp_path):
    out = tmp_path / "one"
    assert (
        main(["inspect", str(SCENARIOS / "city_plan.toml"), "--seed", str(SEED), "--out", str(out)])
        == 0
    )
    for name in ("timeseries", "agents", "events"):
        for suffix in (".parquet", ".csv"):
            assert (out / f"{name}{suffix}").stat().st_size > 0
    meta = json.loads((out / "inspect.json").read_text())
    assert (meta["engine"], meta["seed"], meta["replication"]) == ("mesa", SEED, 0)
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["scenario", "replication", "month", *NAMES]
    agents = pd.read_csv(out / "agents.csv")
    assert len(agents) == N_FIRMS * (meta["months"] + 1)
    assert {"class", "condition", "owner", "state_share", "investor", "manager"} <= set(agents)
    # the same measures as the core's replication 0 of that seed
    core = engine.simulate(scenario("city_plan"), SEED, range(1))[0]
    np.testing.assert_allclose(ts[NAMES].to_numpy(), core, rtol=1e-9, atol=1e-9)


def test_inspect_takes_one_replication_only(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["inspect", str(SCENARIOS / "city_plan.toml"), "--reps", "5"])
    assert exit_.value.code == 2
    assert "one replication" in capsys.readouterr().err


def test_inspect_reports_a_bad_scenario_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[levers]\nboard_shares = 0.5\n")
    assert main(["inspect", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "board_shares" in err


def test_commands_plug_into_a_parser():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("measures")
    register(sub, COMMANDS)
    args = parser.parse_args(["explore", "x.toml"])
    assert (args.port, args.scenario) == (8765, Path("x.toml"))
    assert args.handler is cmd_explore


# --- the interactive page ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the explore server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"no answer from {url} within {timeout} s")


@pytest.fixture
def explore_server(tmp_path):
    """``explore`` in its own process group; the whole group is killed at the end."""
    pytest.importorskip("solara", reason="needs the viz extra")
    port = free_port()
    log = (tmp_path / "explore.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.abm.cli",
            "explore",
            str(SCENARIOS / "city_plan.toml"),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        log.close()


def outside_address() -> str | None:
    """This machine's address on its default route, if it has one besides loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent for UDP
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


SLIDER_BOXES = """() => [...document.querySelectorAll('.v-slider')].map(e =>
  [e.getBoundingClientRect().width, e.closest('.v-input').innerText.trim()])"""


def test_explore_page_answers_and_renders(explore_server):
    url, proc = explore_server
    assert wait_for_http(url, proc, timeout=90) == 200
    outside = outside_address()
    if outside is not None:  # served on 127.0.0.1 only
        port = int(url.rsplit(":", 1)[1].strip("/"))
        with pytest.raises(OSError):
            socket.create_connection((outside, port), timeout=3).close()
    playwright = pytest.importorskip("playwright.sync_api", reason="needs Playwright")
    if not CHROMIUM.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as profile, playwright.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(url, timeout=60_000)
            page.get_by_text("SOE reform: the agent model").first.wait_for(timeout=90_000)
            page.get_by_text("Step: 0").first.wait_for(timeout=60_000)
            # the enterprise view and one plot per group of headline measures
            page.wait_for_function("document.querySelectorAll('img').length >= 10", timeout=60_000)
            page.get_by_text("Reform plans processed per month").first.wait_for(timeout=10_000)
            sliders = page.evaluate(SLIDER_BOXES)
            page.get_by_role("button", name="Step").click()
            page.get_by_text("Step: 1").first.wait_for(timeout=60_000)
        finally:
            browser.close()
    # every lever slider is wide enough to use and shows its value, as the file says
    from sim.abm.viz import SLIDERS as SLIDER_NAMES

    levers = load(SCENARIOS / "city_plan.toml").levers
    shown = {label.split("\n")[0]: (width, label.split("\n")[-1]) for width, label in sliders}
    for name in SLIDER_NAMES:
        width, value = shown[table()["levers"][name].en]
        assert width > 100, (name, width)
        assert float(value) == pytest.approx(float(levers[name])), (name, value)
