"""Scenario discovery: PRIM on synthetic data with a planted box, and the ``discover``
command on a tiny deep-mode batch (whose worlds it must recompute exactly)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import deep
from sim.batch import run_batch
from sim.deep import world_table
from sim.prim import Box, prim, quasi_p
from sim.results import read_manifest
from sim.scenario import load
from tests.conftest import SEED
from tests.folders import assert_one_line_error, cli, short_scenarios

REPS = 30


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(SEED)
    x = rng.random((5000, 10))
    y = (x[:, 0] > 0.7) & (x[:, 1] < 0.3)
    found = prim(x, y, [f"x{i}" for i in range(10)])
    box = found.box
    assert box.coverage > 0.8 and box.density > 0.8
    ranges = found.box_frame().set_index("parameter")
    assert list(ranges.index) == ["x0", "x1"]
    assert ranges.loc["x0", "low"] == pytest.approx(0.7, abs=0.03)
    assert ranges.loc["x1", "high"] == pytest.approx(0.3, abs=0.03)
    path = found.trajectory_frame()
    assert path["support"].is_monotonic_decreasing and path["support"].iloc[-1] >= 0.05
    assert path["coverage"].iloc[0] == 1 and path["chosen"].sum() == 1
    assert (ranges["quasi_p"] < 1e-6).all()


def test_a_restriction_peeled_on_noise_has_a_larger_quasi_p_than_the_planted_one():
    rng = np.random.default_rng(SEED)
    x = rng.random((200, 30))
    y = (x[:, 0] > 0.5) ^ (rng.random(200) < 0.2)  # one real condition, 20% of labels flipped
    box = prim(x, y, [f"x{i}" for i in range(30)]).box_frame().set_index("parameter")
    assert box.loc["x0", "quasi_p"] < 0.001
    assert len(box) > 1 and box["quasi_p"].idxmin() == "x0"


def test_prim_peels_as_ema_workbench_does_and_computes_its_quasi_p():
    """Our PRIM against EMA Workbench's (original objective, same alpha and mass floor) on
    a planted box with 5% of the labels flipped: the same peeling trajectory while the box
    holds at least 10% of the points; on EMA's own chosen box, our quasi-p equals its
    quasi-p for every parameter restricted on one side."""
    from ema_workbench.analysis import prim as ema_prim

    rng = np.random.default_rng(SEED)
    x = rng.random((2000, 6))
    y = ((x[:, 0] > 0.7) & (x[:, 1] < 0.3)) ^ (rng.random(2000) < 0.05)
    names = [f"x{i}" for i in range(6)]
    ours = prim(x, y, names).trajectory_frame()
    theirs = ema_prim.Prim(
        pd.DataFrame(x, columns=names),
        y.astype(int),
        threshold=0.5,
        peel_alpha=0.05,
        mass_min=0.05,
        obj_function=ema_prim.PRIMObjectiveFunctions.ORIGINAL,
    ).find_box()
    path = theirs.peeling_trajectory
    steps = int((path["mass"] >= 0.1).sum())
    assert steps > 20 and (ours["support"].iloc[:steps] >= 0.1).all()
    for ours_col, their_col in (
        ("coverage", "coverage"),
        ("density", "density"),
        ("support", "mass"),
    ):
        np.testing.assert_allclose(
            ours[ours_col].iloc[:steps], path[their_col].iloc[:steps], atol=1e-12
        )
    step = steps - 1
    theirs.select(step)
    lims = theirs.box_lims[step]
    box = Box(lims.iloc[0].to_numpy(), lims.iloc[1].to_numpy(), 0, 0, 0)
    qp = quasi_p(x, y, box, x.min(axis=0), x.max(axis=0))
    for j, name in enumerate(names):
        sides = [p for p in theirs.qp[step].get(name, []) if p >= 0]
        if len(sides) == 1:
            assert qp[j] == pytest.approx(sides[0], rel=1e-9), name


def test_prim_with_no_signal_keeps_coverage_at_least_a_half():
    rng = np.random.default_rng(2)
    x = rng.random((2000, 4))
    found = prim(x, rng.random(2000) < 0.3, list("abcd"))
    assert found.box.coverage >= 0.5


@pytest.fixture(scope="module")
def deep_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenarios")
    paths = short_scenarios(folder, ("baseline", "city_plan"))
    out = tmp_path_factory.mktemp("batch") / "out"
    scenarios = [load(p) for p in paths]
    assert run_batch(scenarios, REPS, SEED, out, progress=False, uncertainty="deep").complete
    return out


def test_the_worlds_are_recomputed_from_the_manifest(deep_batch):
    manifest = read_manifest(deep_batch)
    found = world_table(manifest)
    (base,) = deep.with_mode(
        [load(short_scenarios(deep_batch.parent / "s", ("baseline",))[0])], "deep", REPS
    )
    _, values = deep.world_values(base, SEED, range(REPS))
    assert list(found.columns) == list(manifest["uncertainty"]["parameters"])
    for key, v in values.items():
        np.testing.assert_array_equal(found[key].to_numpy(), v, err_msg=key)


def test_discover_prints_a_box_and_writes_it(deep_batch, capsys):
    code, out, err = cli(
        capsys,
        "discover",
        str(deep_batch),
        "--scenario",
        "city_plan",
        "--outcome",
        "regret:state_equity",
    )
    assert code == 0, err
    assert "city_plan: regret:state_equity in" in out
    frame = pd.read_csv(deep_batch / "discovery.csv")
    assert set(frame["section"]) <= {"box", "trajectory"} and "trajectory" in set(frame["section"])
    code, _, err = cli(
        capsys,
        "discover",
        str(deep_batch),
        "--scenario",
        "city_plan",
        "--outcome",
        "deadline_missed",
    )
    assert code == 0, err  # discover replaces its own file


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["--scenario", "city_plan", "--outcome", "breach_nothing"], "allowed"),
        (["--scenario", "nowhere", "--outcome", "deadline_missed"], "nowhere"),
    ],
)
def test_discover_bad_input_is_a_one_line_error(deep_batch, capsys, argv, hint):
    code, _, err = cli(capsys, "discover", str(deep_batch), *argv)
    assert_one_line_error(code, err, hint)


def test_discover_never_replaces_a_file_it_did_not_write(deep_batch, tmp_path, capsys):
    mine = tmp_path / "mine.csv"
    mine.write_text("my own numbers\n", encoding="utf-8")
    argv = ["--scenario", "city_plan", "--outcome", "deadline_missed", "--output", str(mine)]
    code, _, err = cli(capsys, "discover", str(deep_batch), *argv)
    assert_one_line_error(code, err, str(mine))
    assert mine.read_text(encoding="utf-8") == "my own numbers\n"


def test_discover_needs_a_deep_batch(tmp_path, capsys):
    paths = short_scenarios(tmp_path / "s", ("baseline",))
    out = tmp_path / "fixed"
    assert run_batch([load(paths[0])], 4, SEED, out, progress=False).complete
    code, _, err = cli(
        capsys, "discover", str(out), "--scenario", "baseline", "--outcome", "deadline_missed"
    )
    assert_one_line_error(code, err, "deep")
