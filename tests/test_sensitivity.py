"""Sensitivity analysis (sim.sensitivity) through the batch machinery: the analytic Sobol
indices of the Ishigami function fall in their intervals; Morris ranks a planted
dominant parameter first; the model path gives indices for the report's outcomes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import deep, sensitivity
from sim.parameters import table
from sim.scenario import derive
from tests.helpers import ROOT, SCENARIOS, scenario

PARAMS = ("constants.quit_rate", "constants.depreciation", "constants.payout_ratio")
A, B = 7.0, 0.1


def unit_of(values: dict[str, float]) -> np.ndarray:
    """The unit-hypercube coordinates of a point of PARAMS (their laws are uniform)."""
    out = []
    for key in PARAMS:
        law = deep.constant_law(table()["constants"][key.split(".")[1]])
        out.append((values[key] - law["low"]) / (law["high"] - law["low"]))
    return np.array(out)


def ishigami(base, values: dict[str, float], seed: int, reps: range) -> pd.DataFrame:
    x = -np.pi + 2 * np.pi * unit_of(values)
    y = np.sin(x[0]) + A * np.sin(x[1]) ** 2 + B * x[2] ** 4 * np.sin(x[0])
    return pd.DataFrame({"replication": np.asarray(reps), "y": np.full(len(reps), y)})


def planted(base, values: dict[str, float], seed: int, reps: range) -> pd.DataFrame:
    u = unit_of(values)
    noise = np.random.default_rng(list(reps)).normal(0, 0.01, len(reps))  # paired over points
    return pd.DataFrame({"replication": np.asarray(reps), "y": 10 * u[1] + 0.5 * u[0] + noise})


def test_sobol_recovers_the_ishigami_indices(tmp_path):
    v = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * np.pi**8 / 18 - B**2 * np.pi**8 / 50
    s1 = np.array([v1, v2, 0.0]) / v
    st = np.array([v1 + v13, v2, v13]) / v
    prob = sensitivity.Problem(PARAMS)
    found = sensitivity.run(
        scenario("baseline"),
        "sobol",
        prob,
        1024,
        1,
        3,
        tmp_path / "o",
        evaluate=ishigami,
        progress=False,
    ).set_index("parameter")
    for j, key in enumerate(PARAMS):
        row = found.loc[key]
        assert row["S1_low"] <= s1[j] <= row["S1_high"], (key, row["S1"], s1[j])
        assert row["ST_low"] <= st[j] <= row["ST_high"], (key, row["ST"], st[j])


def test_morris_ranks_a_planted_dominant_parameter_first(tmp_path):
    prob = sensitivity.Problem(PARAMS)
    found = sensitivity.run(
        scenario("baseline"),
        "morris",
        prob,
        20,
        3,
        3,
        tmp_path / "o",
        evaluate=planted,
        progress=False,
    )
    assert list(found["parameter"])[:2] == [PARAMS[1], PARAMS[0]]
    assert found.iloc[0]["mu_star_low"] > found.iloc[1]["mu_star_high"]


def test_a_rerun_resumes_and_gives_the_same_indices(tmp_path):
    prob = sensitivity.Problem(PARAMS)
    args = (scenario("baseline"), "morris", prob, 6, 2, 3, tmp_path / "o")
    first = sensitivity.run(*args, evaluate=planted, progress=False)
    again = sensitivity.run(*args, evaluate=planted, progress=False)
    pd.testing.assert_frame_equal(first, again)


def test_the_model_gives_indices_for_each_outcome(tmp_path):
    base = derive(scenario("city_plan"), "city_plan", settings={"horizon_months": 18})
    prob = sensitivity.problem("implementation_friction,quit_rate")
    found = sensitivity.run(base, "morris", prob, 2, 2, 3, tmp_path / "o", progress=False)
    outcomes = set(found["outcome"])
    assert "P(deadline)" in outcomes or "reform_completed_share_m18" in outcomes
    assert set(found["parameter"]) == set(prob.names)


@pytest.mark.parametrize("bad", ["nonsense", "quit_rate", "quit_rate,quit_rate"])
def test_bad_parameters_are_refused(bad):
    with pytest.raises(sensitivity.InputError, match="--parameters"):
        sensitivity.problem(bad)


def test_the_command_writes_the_table_and_the_page(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(f'extends = "{SCENARIOS}/city_plan.toml"\n[settings]\nhorizon_months = 18\n')
    out = tmp_path / "o"
    args = ["sensitivity", str(path), "--method", "morris", "--n", "2", "--reps", "2"]
    args += ["--parameters", "implementation_friction,quit_rate", "--measures", "tfp"]
    proc = subprocess.run(
        [sys.executable, "run.py", *args, "--out", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    table_ = pd.read_csv(out / "sensitivity.csv")
    assert {"outcome", "parameter", "mu_star", "mu_star_low", "mu_star_high"} <= set(table_)
    assert set(table_["outcome"]) <= {"tfp_m18", "tfp_end", "P(deadline)"} | {
        f"P(breach {line})" for line in ("state_assets", "production", "stability")
    }
    assert "plotly" in (out / "sensitivity.html").read_text(encoding="utf-8")
    bad = subprocess.run(
        [
            sys.executable,
            "run.py",
            *args[:2],
            "--method",
            "sobol",
            "--parameters",
            "nope",
            "--out",
            str(tmp_path / "bad"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "nope" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad").exists()
