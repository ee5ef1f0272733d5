"""optimize: NSGA-II over the levers on the batch machinery, chance constraints on the 95%
interval's bound, Pareto plans as scenario files, a re-check on fresh worlds, resume.

Toys plug an analytic runner into the same machinery (every generation a batch of
scenarios named after their lever values): ZDT1 with a known Pareto front, and a planted
breach probability p(x) = 0.2 x, so the plans reported feasible can be checked against the
truth. A few tiny real runs (18 months, a handful of replications) check the command end
to end: plan files that validate and reproduce their figures, an infeasible problem.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import optimize as opt
from sim import optimize_cli
from sim.commands import Interrupted
from sim.results import ResultsError, read_manifest, write_manifest
from tests.conftest import ROOT
from tests.folders import assert_one_line_error, cli, short_scenarios
from tests.helpers import scenario

X1, X2, XI = "labour_adjustment_speed", "reemployment_support", "investment_companies"


def frame(scenario, replications: range, **columns) -> dict[str, pd.DataFrame]:
    """The tables a runner returns: an empty time series and the given summary columns."""
    n = len(replications)
    summary = pd.DataFrame(
        {
            "scenario": [scenario.name] * n,
            "replication": np.asarray(replications, dtype="int32"),
            **{k: np.broadcast_to(np.asarray(v, dtype=float), n) for k, v in columns.items()},
        }
    )
    empty = pd.DataFrame(
        {"scenario": pd.Series(dtype=object), "replication": pd.Series(dtype="int32")}
    )
    return {"timeseries": empty, "summary": summary}


def zdt1(scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """ZDT1 over two real levers and an integer one (x3 = investment_companies / 8):
    f1 = x1, g = 1 + 9 (x2 + x3) / 2, f2 = g (1 - sqrt(f1 / g)); the Pareto front is
    f2 = 1 - sqrt(f1), f1 in [0, 1] (x2 = x3 = 0)."""
    lv = scenario.levers
    assert float(lv[XI]).is_integer()  # the integer lever reaches the model as an integer
    x1, x2, x3 = lv[X1], lv[X2], lv[XI] / 8
    g = 1 + 9 * (x2 + x3) / 2
    return frame(scenario, replications, f1=x1, f2=g * (1 - np.sqrt(x1 / g)))


def planted(scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """A breach with true probability p = 0.2 x (x = labour_adjustment_speed) in each world:
    world i draws u_i (the same for every plan: common random numbers) and breaches when
    u_i < p. Objectives: x (to maximise, so the search presses on the constraint) and
    z = reemployment_support (to minimise)."""
    u = np.array([np.random.default_rng([seed, i]).random() for i in replications])
    x = scenario.levers[X1]
    return frame(
        scenario,
        replications,
        x=x,
        z=scenario.levers[X2],
        breach_toy=(u < 0.2 * x).astype(float),
    )


def spec(objectives, constraints=(), levers=(X1, X2), reps=1, pop=20, budget=600, seed=3):
    columns = ["f1", "f2", "x", "z", "breach_toy"]
    return opt.Spec(
        base=scenario("city_plan"),
        variables=tuple(opt.variables(list(levers))),
        objectives=tuple(opt.parse_objective(t, columns) for t in objectives),
        constraints=tuple(opt.parse_constraint(t, columns) for t in constraints),
        reps=reps,
        seed=seed,
        pop=pop,
        budget=budget,
    )


ZDT = {"objectives": ("f1:min", "f2:min"), "levers": (X1, X2, XI)}


def test_zdt1_front_found_through_the_batch_machinery_is_near_the_true_one(tmp_path):
    """30 generations of 20: every found point within 0.01 of the true front on average
    (generational distance), and the true front within 0.05 of a found point on average
    (inverted generational distance: the front is covered, not one end of it)."""
    lines = []
    found = opt.run(
        spec(**ZDT), tmp_path / "o", runner=zdt1, uncertainty="fixed", report=lines.append
    )
    assert found.generations == 30 and len(lines) == 31  # a line per generation + re-check
    assert lines[0].startswith("generation 1: 20/600 evaluations")
    f = np.array([[r.stats["f1"][0], r.stats["f2"][0]] for r in found.pareto])
    t1 = np.linspace(0, 1, 10_001)
    true = np.column_stack([t1, 1 - np.sqrt(t1)])
    dist = np.linalg.norm(f[:, None, :] - true[None, :, :], axis=2)
    gd, igd = dist.min(axis=1).mean(), dist.min(axis=0).mean()
    assert gd < 0.01 and igd < 0.05, (gd, igd, len(f))
    assert all(isinstance(r.values[XI], int) for r in found.pareto)
    assert np.ptp(f[:, 0]) > 0.9  # both ends of the front
    ends = [r.stats["f1"][0] for r in found.front]  # the 10 plans reported: spread along it
    assert len(found.front) == 10 and ends[0] == f[:, 0].min() and ends[-1] == f[:, 0].max()


def test_plans_reported_feasible_meet_the_true_constraint_and_the_recheck(tmp_path):
    """p = 0.2 x must stay <= 0.10, so x <= 0.5; maximising x presses on the bound. On the
    95% upper bound every reported plan has a true p <= 0.10 (on the point estimate this
    case would report x above 0.5: the optimiser's curse), and passes the re-check."""
    s = spec(("x:max", "z:min"), ("breach_toy<=0.10",), reps=100, budget=300)
    found = opt.run(s, tmp_path / "o", runner=planted, uncertainty="fixed", report=print)
    table = opt.plan_table(found)
    assert len(table) >= 1
    assert (0.2 * table[X1] <= 0.10).all(), table[[X1, "breach_toy", "breach_toy_high"]]
    assert (table["breach_toy_high"] <= 0.10).all()
    assert table["feasible_on_recheck"].all()
    assert (table["recheck_reps"] == 200).all() and (table["recheck_seed"] == 4).all()
    # the point estimate alone would have taken plans whose true p is above the limit
    point = [r for r in found.archive.values() if r.stats["breach_toy"][0] <= 0.10]
    assert max(r.values[X1] for r in point) > 0.5


def changing_worlds(scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """A planted case where the re-check's worlds differ: breaches only on another seed."""
    return frame(
        scenario,
        replications,
        x=scenario.levers[X1],
        z=scenario.levers[X2],
        breach_toy=0.0 if seed == 3 else 1.0,
    )


def test_a_plan_failing_a_constraint_on_the_recheck_is_flagged(tmp_path):
    s = spec(("x:max", "z:min"), ("breach_toy<=0.10",), reps=100, pop=4, budget=8)
    found = opt.run(s, tmp_path / "o", runner=changing_worlds, uncertainty="fixed")
    table = opt.plan_table(found)
    assert not table["feasible_on_recheck"].any()
    assert (table["recheck_breach_toy"] == 1.0).all() and (table["breach_toy"] == 0.0).all()


def test_an_infeasible_toy_says_which_constraint_came_closest(tmp_path):
    s = spec(("x:max", "z:min"), ("breach_toy<=0.10", "x>=2"), reps=100, pop=4, budget=8)
    with pytest.raises(opt.Infeasible) as err:
        opt.run(s, tmp_path / "o", runner=planted, uncertainty="fixed")
    assert "no plan met the constraints in 8 candidates" in str(err.value)
    assert "x>=2" in str(err.value) and "\n" not in str(err.value)


def test_a_plan_never_completed_counts_as_completing_at_the_horizon():
    """completion_month:min asks for the fastest plan: a world where the plan never
    completes is censored at the horizon, not dropped (which would flatter slow plans)."""
    rows = pd.DataFrame({"scenario": ["a"] * 4, "completion_month": [10.0, 20.0, np.nan, np.nan]})
    mean, low, high = opt.statistics(rows, ["a"], ["completion_month"], {"a": 66})["a"][
        "completion_month"
    ]
    assert mean == (10 + 20 + 66 + 66) / 4 and low < mean < high


CALLS = {"n": 0}


def interrupting(scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """zdt1, but Ctrl-C arrives in the middle of the fourth generation (the first call is
    the starting plan, then 20 a generation)."""
    CALLS["n"] += 1
    if CALLS["n"] == 1 + 3 * 20 + 7:
        raise Interrupted(signal.SIGINT)
    return zdt1(scenario, seed, replications)


def chunks(lines: list[str]) -> list[tuple[int, int]]:
    """(chunks run, chunks reused) so far, from the line of each generation."""
    found = []
    for line in lines:
        if line.startswith("generation "):
            ran, reused = line.split("(")[1].split(" chunks run, ")
            found.append((int(ran), int(reused.split(" ")[0])))
    return found


def test_an_interrupted_search_resumes_from_the_last_finished_generation(tmp_path):
    s = spec(**ZDT, budget=160)
    lines: list[str] = []
    whole = opt.run(s, tmp_path / "a", runner=zdt1, uncertainty="fixed", report=lines.append)
    CALLS["n"] = 0
    with pytest.raises(Interrupted):
        opt.run(s, tmp_path / "b", runner=interrupting, uncertainty="fixed")
    manifest = read_manifest(opt.generation_folder(tmp_path / "b", 4))
    assert manifest["status"] == "interrupted"
    first3 = chunks(lines)[2][0]  # candidates of the first three generations
    done = first3 + sum(rel.startswith("summary/") for rel in manifest["parts"])
    assert first3 < done < first3 + 20  # part of the fourth generation was finished
    again: list[str] = []
    resumed = opt.run(s, tmp_path / "b", runner=zdt1, uncertainty="fixed", report=again.append)
    assert chunks(again)[2] == (0, first3)  # the finished generations are not rerun
    assert chunks(again)[-1] == (chunks(lines)[-1][0] - done, done)
    pd.testing.assert_frame_equal(opt.plan_table(resumed), opt.plan_table(whole))


# ------------------------------------------------------------------ the command, end to end
def test_bad_input_is_one_line_naming_the_option(tmp_path, capsys):
    base = ["optimize", str(ROOT / "scenarios/city_plan.toml"), "--out", str(tmp_path / "o")]
    obj = ["--objective", "state_equity_end:max"]
    cases = [
        (["--levers", "warp_speed", *obj], ("--levers", "warp_speed", "plans_per_month")),
        (["--levers", "pilots_first", *obj], ("--levers", "not numeric")),
        (["--levers", X1, "--objective", "happiness_end:max"], ("--objective", "happiness")),
        (["--levers", X1, "--objective", "state_equity_end:up"], ("--objective", ":max")),
        (["--levers", X1, *obj, "--constraint", "breach_stability<0.1"], ("--constraint",)),
        (["--levers", X1, *obj, "--constraint", "breach_stability<=2"], ("[0, 1]",)),
        (["--levers", X1, *obj, "--bounds", f"{X1}=0:1.5"], ("--bounds", "out of range")),
        (["--levers", X1, *obj, "--bounds", f"{X2}=0:1"], ("--bounds", "not one of --levers")),
        (["--levers", X1, *obj, "--budget", "5"], ("--budget", "--pop")),
    ]
    for extra, hints in cases:
        code, _, err = cli(capsys, *base, *extra)
        assert_one_line_error(code, err, *hints)
    assert not (tmp_path / "o").exists()


REAL = ["--objective", "state_equity_end:max", "--objective", "fiscal_cost_end:min"]


def test_an_infeasible_problem_says_so_in_one_line_and_exits_2(tmp_path, capsys):
    """The city's plan meets its deadline in few worlds; the labour lever cannot make it
    meet it in all 17 (what the lower bound of 17 replications needs to reach 0.8)."""
    (path,) = short_scenarios(tmp_path / "s", ("city_plan",))
    code, _, err = cli(
        capsys,
        *("optimize", path, "--levers", X1, *REAL, "--constraint", "deadline_met>=0.8"),
        *("--pop", "2", "--budget", "2", "--reps", "17", "--out", str(tmp_path / "o")),
        "--quiet",
    )
    assert_one_line_error(code, err, "error: no plan met the constraints", "deadline_met>=0.8")


def test_a_constraint_too_few_replications_can_meet_is_refused_before_running(tmp_path, capsys):
    """With 35 replications even no breach has an exact upper bound above 0.10 (0.100);
    with 36 it is 0.097."""
    args = ["optimize", str(ROOT / "scenarios/city_plan.toml"), "--levers", X1, *REAL]
    args += ["--out", str(tmp_path / "o"), "--constraint", "breach_stability<=0.10"]
    code, _, err = cli(capsys, *args, "--reps", "35")
    assert_one_line_error(code, err, "--constraint breach_stability<=0.1", "--reps 36 or more")
    code, _, err = cli(capsys, *args, "--reps", "20", "--constraint", "breach_production<=0")
    assert_one_line_error(code, err, "--reps 36")
    code, _, err = cli(capsys, *args[:-1], "breach_production<=0", "--reps", "20")
    assert_one_line_error(code, err, "breach_production<=0", "loosen it")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_plan_files_validate_and_reproduce_the_reported_figures(tmp_path, capsys):
    (path,) = short_scenarios(tmp_path / "s", ("city_plan",))
    out = tmp_path / "o"
    code, text, err = cli(
        capsys,
        *("optimize", path, "--levers", f"plans_per_month,{X1},{XI}", *REAL),
        *("--constraint", "breach_stability<=0.95", "--constraint", "deadline_met>=0"),
        *("--pop", "4", "--budget", "8", "--reps", "4", "--recheck-reps", "6"),
        *("--out", str(out), "--workers", "2"),
    )
    assert code == 0, err
    assert err.count("generation ") == 2 and "re-check: " in err
    table = pd.read_csv(out / "optimize.csv")
    assert len(table) >= 1 and set(table["reps"]) == {4} and set(table["recheck_reps"]) == {6}
    assert {"breach_state_assets_high", "deadline_met_low", "recheck_breach_stability"} <= set(
        table.columns
    )
    files = sorted((out / "plans").glob("*.toml"))
    assert [f"plans/{p.name}" for p in files] == sorted(table["file"])
    done = subprocess.run(
        [sys.executable, "run.py", "validate", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok (") == len(files) and "changes 3:" in done.stdout
    row = table.iloc[0]
    for seed, reps, prefix in ((1, 4, ""), (2, 6, "recheck_")):
        again = tmp_path / f"run{seed}"
        code, _, err = cli(
            capsys,
            *("run", str(out / row["file"]), "--seed", str(seed), "--reps", str(reps)),
            *("--out", str(again), "--quiet", "--no-report"),
        )
        assert code == 0, err
        summary = pd.read_parquet(again / "summary")
        for column in ("state_equity_end", "fiscal_cost_end", "breach_stability", "deadline_met"):
            assert summary[column].astype(float).mean() == pytest.approx(
                row[prefix + column], rel=1e-12, abs=1e-12
            ), (prefix, column)
    manifest = read_manifest(out)
    assert manifest["analysis"]["kind"] == "optimize"
    assert {f"plans/{p.name}" for p in files} <= set(manifest["outputs"])
    page = (out / "optimize.html").read_text(encoding="utf-8")
    assert "starting plan" in page and "parcoords" in page
    assert json.loads(page.split('id="plans">')[1].split("</script>")[0].replace("&quot;", '"'))


def test_a_larger_budget_continues_the_same_search(tmp_path):
    """The budget is not part of the folder's design: 80 then 160 evaluations run the
    first four generations once and end where 160 at once does."""
    at_once = opt.run(spec(**ZDT, budget=160), tmp_path / "a", runner=zdt1, uncertainty="fixed")
    opt.run(spec(**ZDT, budget=80), tmp_path / "b", runner=zdt1, uncertainty="fixed")
    lines: list[str] = []
    more = opt.run(
        spec(**ZDT, budget=160),
        tmp_path / "b",
        runner=zdt1,
        uncertainty="fixed",
        report=lines.append,
    )
    assert chunks(lines)[3][0] == 0 and chunks(lines)[4][0] > 0
    pd.testing.assert_frame_equal(opt.plan_table(more), opt.plan_table(at_once))


def dtlz2(scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """DTLZ2 in three objectives over three levers: its Pareto front is the unit sphere's
    positive octant (x3 = 0.45, the middle of max_private_stake_competitive's range)."""
    lv = scenario.levers
    a, b = lv[X1] * np.pi / 2, lv[X2] * np.pi / 2
    g = (lv["max_private_stake_competitive"] - 0.45) ** 2
    f = (1 + g) * np.array([np.cos(a) * np.cos(b), np.cos(a) * np.sin(b), np.sin(a)])
    return frame(scenario, replications, f1=f[0], f2=f[1], f3=f[2])


def test_three_objectives_search_with_nsga3_near_the_true_front(tmp_path):
    """Every Pareto plan found is within 0.01 of the unit sphere on average, and its
    objectives span the octant (each reaches within 0.1 of 0 and of 1)."""
    s = opt.Spec(
        base=scenario("city_plan"),
        variables=tuple(opt.variables([X1, X2, "max_private_stake_competitive"])),
        objectives=tuple(opt.parse_objective(f"f{i}:min", ["f1", "f2", "f3"]) for i in (1, 2, 3)),
        constraints=(),
        reps=1,
        seed=3,
        pop=20,
        budget=400,
    )
    found = opt.run(s, tmp_path / "o", runner=dtlz2, uncertainty="fixed")
    f = np.array([[r.stats[c][0] for c in ("f1", "f2", "f3")] for r in found.pareto])
    distance = np.abs(np.linalg.norm(f, axis=1) - 1).mean()
    assert distance < 0.01, distance
    assert (f.min(axis=0) < 0.1).all() and (f.max(axis=0) > 0.9).all(), f


@pytest.mark.slow
def test_ctrl_c_on_the_command_then_rerunning_gives_the_same_plans(tmp_path):
    """SIGINT once the first generation is reported (exit 130), then the same command:
    the first generation is reused whole and the plans are those of an uninterrupted run."""
    (path,) = short_scenarios(tmp_path / "s", ("city_plan",))
    args = [sys.executable, "run.py", "optimize", path, "--levers", f"{X1},{X2}", *REAL]
    args += ["--pop", "4", "--budget", "12", "--reps", "3"]
    whole = subprocess.run([*args, "--out", str(tmp_path / "a")], cwd=ROOT, capture_output=True)
    assert whole.returncode == 0, whole.stderr
    run = subprocess.Popen(
        [*args, "--out", str(tmp_path / "b")], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    for line in run.stderr:
        if line.startswith("generation 1:"):
            run.send_signal(signal.SIGINT)
            break
    rest = run.stderr.read()
    assert run.wait(timeout=120) == 130, rest
    assert "interrupted by SIGINT" in rest
    again = subprocess.run(
        [*args, "--out", str(tmp_path / "b")], cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert "generation 1: 4/12 evaluations (0 chunks run, 4 reused)" in again.stderr
    assert (tmp_path / "a/optimize.csv").read_bytes() == (tmp_path / "b/optimize.csv").read_bytes()
    names = sorted(p.name for p in (tmp_path / "a/plans").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b/plans").iterdir())


def test_plan_files_follow_the_front_and_a_file_not_ours_is_never_replaced(tmp_path, capsys):
    """A longer search replaces the plans it wrote before (recorded in the manifest) with
    the new front's; a file of the same name the program did not write is refused."""
    out = tmp_path / "o"
    outputs = ("optimize.csv", "optimize.html")
    s = spec(**ZDT, budget=40)
    first = opt.run(s, out, runner=zdt1, uncertainty="fixed", outputs=outputs)
    optimize_cli.write_outputs(first, out)
    before = {p.name for p in (out / "plans").iterdir()}
    later = opt.run(spec(**ZDT, budget=200), out, runner=zdt1, uncertainty="fixed")
    optimize_cli.write_outputs(later, out)
    table = pd.read_csv(out / "optimize.csv")
    now = {p.name for p in (out / "plans").iterdir()}
    assert {f"plans/{n}" for n in now} == set(table["file"]) and now != before
    recorded = {n for n in read_manifest(out)["outputs"] if n.startswith("plans/")}
    assert recorded == set(table["file"])
    # a file the program did not write, under a name a plan will take
    (out / "plans" / sorted(now)[0]).unlink()
    manifest = read_manifest(out)
    manifest["outputs"].remove(f"plans/{sorted(now)[0]}")
    write_manifest(out, manifest)
    (out / "plans" / sorted(now)[0]).write_text("mine\n")
    with pytest.raises(ResultsError, match="not written by this program"):
        optimize_cli.write_outputs(later, out)
    assert (out / "plans" / sorted(now)[0]).read_text() == "mine\n"


def test_a_real_lever_moves_on_a_grid_inside_its_bounds_and_an_integer_one_on_integers():
    (real, whole) = opt.variables([X1, XI], [f"{X1}=0.12345:0.5", f"{XI}=1:7"])
    assert real.decimals == 4 and not real.integer and whole.integer
    for x in np.linspace(-1, 2, 301):
        v = real.clean(x)
        assert 0.12345 <= v <= 0.5 and v == round(v, 4), (x, v)
        assert whole.clean(x * 4) in range(1, 8)
