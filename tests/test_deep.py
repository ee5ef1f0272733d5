"""Deep uncertainty (sim.deep): each replication a plausible world, drawn from a Latin
hypercube; replication i's world is the same in every scenario and any chunking; arrays
of per-replication constants give what scalars give; fixed mode is today's model."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import deep
from sim.abm.model import simulate as simulate_abm
from sim.batch import run_batch
from sim.commands import InputError
from sim.engine import simulate
from sim.parameters import table
from sim.report import write_report
from sim.scenario import derive
from sim.tables import chunk_tables
from tests.helpers import ROOT, SCENARIOS, scenario

SEED = 5
HORIZON = 24


def short(name: str):
    return derive(scenario(name), name, settings={"horizon_months": HORIZON})


def deep_scenario(name: str, reps: int):
    [sc] = deep.with_mode([short(name)], "deep", reps)
    return sc


def frozen_law(kind: str, law: dict):
    """The scipy distribution of a law, to test draws against."""
    if law["distribution"] == "uniform":
        return stats.uniform(law["low"], law["high"] - law["low"])
    if law["distribution"] == "normal":
        return stats.norm(law["mean"], law["sd"])
    lo, mode, hi = law["low"], law["mode"], law["high"]
    return stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)


def test_each_parameter_lies_in_its_range_and_follows_its_law():
    reps = 400
    sc = deep_scenario("baseline", reps)
    _, values = deep.world_values(sc, SEED, range(reps))
    laws = deep.manifest_entry(sc.worlds)["parameters"]
    assert set(values) == set(sc.worlds.columns) == set(laws)
    for key, v in values.items():
        kind, name = key.split(".")
        p = table()[kind][name]
        assert v.shape == (reps,)
        assert np.all((p.range[0] <= v) & (v <= p.range[1])), key
        law = laws[key]
        if p.type == "int":  # every integer of the law's interval about equally often
            if law["distribution"] == "uniform":
                values_, counts = np.unique(v, return_counts=True)
                assert list(values_) == list(range(law["low"], law["high"] + 1)), key
                assert stats.chisquare(counts).pvalue > 1e-3, key
            continue
        assert stats.kstest(v, frozen_law(kind, law).cdf).pvalue > 0.01, key


def test_calibrated_and_sourced_constants_stay_fixed():
    for name in deep.varied_constants():
        assert table()["constants"][name].source.startswith("assumption"), name
    assert "tfp_performing" not in deep.varied_constants()  # calibrated
    assert "redundant_share" not in deep.varied_constants()  # sourced (Chen & Diwan 2000)
    assert len(deep.varied_constants()) > 50


def test_replication_i_has_the_same_world_in_every_scenario_and_any_chunking():
    reps = 30
    worlds = {}
    for name in ("city_plan", "lockstep", "baseline"):
        sc = deep_scenario(name, reps)
        _, whole = deep.world_values(sc, SEED, range(reps))
        _, part = deep.world_values(sc, SEED, range(7, 19))
        for key in whole:
            np.testing.assert_array_equal(whole[key][7:19], part[key])
        worlds[name] = whole
    for key, v in worlds["baseline"].items():
        for name in ("city_plan", "lockstep"):
            np.testing.assert_array_equal(worlds[name][key], v, err_msg=f"{name} {key}")
    other_seed = deep.world_values(deep_scenario("baseline", reps), SEED + 1, range(reps))[1]
    assert not np.array_equal(
        other_seed["constants.quit_rate"], worlds["baseline"]["constants.quit_rate"]
    )


def test_a_constant_the_scenario_sets_stays_at_its_value():
    sc = derive(short("city_plan"), "set", constants={"quit_rate": 0.05})
    [sc] = deep.with_mode([sc], "deep", 10)
    _, values = deep.world_values(sc, SEED, range(10))
    assert "constants.quit_rate" not in values
    assert np.all(
        deep.apply(sc, SEED, range(3), _draws(sc, range(3)), sc.constants)["quit_rate"] == 0.05
    )


def _draws(sc, replications):
    from sim.randomness import draw

    return draw(SEED, replications, sc.horizon, sc.constants)


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in SCENARIOS.glob("*.toml")) + ["every_lever_on"]
)
def test_per_replication_arrays_give_what_scalars_give(name):
    """The core with each varied constant an (R, 1) array equals one run per world with
    that world's scalars: every use of a varied constant is valid on arrays."""
    if name == "every_lever_on":
        levers = {n: p.contrast for n, p in table()["levers"].items() if p.contrast is not None}
        base = derive(short("city_plan"), name, levers={**levers, "deadline_month": 18})
        [sc] = deep.with_mode([base], "deep", 12)
    else:
        sc = deep_scenario(name, 12)
    chunk = range(4, 7)
    out = simulate(sc, SEED, chunk)
    for i, r in enumerate(chunk):
        alone = simulate(deep.world(sc, SEED, r), SEED, range(r, r + 1))[0]
        np.testing.assert_array_equal(alone, out[i], err_msg=f"{name} replication {r}")
    np.testing.assert_array_equal(simulate(sc, SEED, range(5, 6))[0], out[1])


def test_the_agent_model_runs_the_replications_world():
    sc = derive(deep_scenario("city_plan", 8), "city_plan", settings={"horizon_months": 18})
    core = simulate(sc, SEED, range(2, 3))
    abm = simulate_abm(sc, SEED, range(2, 3))
    fixed = simulate_abm(deep.world(sc, SEED, 2), SEED, range(2, 3))
    np.testing.assert_array_equal(abm, fixed)
    np.testing.assert_allclose(abm, core, rtol=1e-6, atol=1e-6)


def test_fixed_mode_is_todays_model_bit_for_bit(tmp_path):
    sc = short("city_plan")
    reps = range(3)
    run_batch([sc], 3, SEED, tmp_path / "fixed", progress=False, uncertainty="fixed")
    expected = chunk_tables(sc, reps, simulate(sc, SEED, reps))
    for name, frame in expected.items():
        got = pd.read_parquet(tmp_path / "fixed" / name).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, frame, check_dtype=False)
    manifest = json.loads((tmp_path / "fixed" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["uncertainty"] == {"mode": "fixed"}
    assert "uncertainty" not in manifest["identity"]


def test_the_cli_runs_deep_by_default_and_records_what_varied(tmp_path):
    path = tmp_path / "city_plan.toml"
    path.write_text(f'extends = "{SCENARIOS}/city_plan.toml"\n[settings]\nhorizon_months = 18\n')
    base = [sys.executable, "run.py", "run", str(path), "--reps", "3", "--quiet", "--no-report"]
    for mode, more in (("deep", []), ("fixed", ["--uncertainty", "fixed"])):
        out = tmp_path / mode
        proc = subprocess.run(
            [*base, "--out", str(out), *more], cwd=ROOT, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["uncertainty"]["mode"] == mode
    assert "Deep uncertainty" in write_report(tmp_path / "deep").read_text(encoding="utf-8")
    assert "fixed at their defaults" in write_report(out).read_text(encoding="utf-8")
    params = manifest_of(tmp_path / "deep")["uncertainty"]["parameters"]
    assert "constants.quit_rate" in params and "uncertainties.interest_rate" in params
    deep_rows = pd.read_parquet(tmp_path / "deep" / "summary")
    fixed_rows = pd.read_parquet(tmp_path / "fixed" / "summary")
    assert not deep_rows["tfp_end"].equals(fixed_rows["tfp_end"])
    proc = subprocess.run(
        [*base, "--out", str(tmp_path / "bad"), "--uncertainty", "wide"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "deep" in proc.stderr and "Traceback" not in proc.stderr


def manifest_of(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_a_mode_not_known_is_refused():
    with pytest.raises(InputError, match="deep, fixed"):
        deep.with_mode([short("baseline")], "wide", 3)


def test_the_document_lists_every_law():
    text = (ROOT / "docs" / "UNCERTAINTY.md").read_text(encoding="utf-8")
    assert text.endswith(deep.markdown()), "docs/UNCERTAINTY.md: regenerate its table"
