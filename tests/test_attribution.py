"""Lever attribution: Shapley parts over the lever groups a scenario changes.

Planted toys check the arithmetic exactly; one tiny real run (two groups, four
coalitions, 18 months, 3 replications) checks the command end to end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import attribution as at
from sim.scenario import derive, load
from tests.conftest import SCENARIOS
from tests.folders import assert_one_line_error, attribution_files, cli

REPS = 50


def toy(effects: dict[str, np.ndarray], interaction: float = 0.0):
    """A pluggable evaluation: a shared noise per replication, plus each group's effect when
    it is in the coalition, plus ``interaction`` times the product of the first two."""
    groups = list(effects)
    noise = np.random.default_rng(3).normal(size=REPS)

    def evaluate(mask: int) -> pd.DataFrame:
        on = [mask >> j & 1 for j in range(len(groups))]
        y = noise + sum(o * effects[g] for o, g in zip(on, groups, strict=True))
        both = on[0] * on[1] if len(on) > 1 else 0
        return pd.DataFrame({"y": y + interaction * both, "z": 2 * y})

    return groups, evaluate


def test_on_an_additive_toy_each_group_gets_its_own_effect_exactly():
    rng = np.random.default_rng(1)
    effects = {g: rng.normal(loc=i, size=REPS) for i, g in enumerate(["pace", "task2", "task4"])}
    groups, evaluate = toy(effects)
    table, phi = at.attribute(groups, evaluate)
    for j, g in enumerate(groups):
        np.testing.assert_allclose(phi[j, :, 0], effects[g], rtol=0, atol=1e-12)
        row = table[(table["outcome"] == "y") & (table["group"] == g)].iloc[0]
        assert row["mean"] == pytest.approx(effects[g].mean(), abs=1e-12)
        assert row["low"] < row["mean"] < row["high"]


@pytest.mark.parametrize("k", [1, 2, 4])
def test_the_parts_sum_to_the_whole_even_with_an_interaction(k):
    rng = np.random.default_rng(k)
    groups, evaluate = toy({f"g{i}": rng.normal(size=REPS) for i in range(k)}, interaction=1.5)
    table, phi = at.attribute(groups, evaluate)
    whole = evaluate(2**k - 1).to_numpy() - evaluate(0).to_numpy()
    np.testing.assert_allclose(phi.sum(axis=0), whole, rtol=0, atol=1e-9)
    for _, rows in table.groupby("outcome"):
        parts = rows[rows["group"] != "total"]["mean"].sum()
        assert parts == pytest.approx(rows[rows["group"] == "total"]["mean"].iloc[0], abs=1e-9)
    if k >= 2:  # the interaction is shared equally by the two groups in it
        assert phi[0, :, 0] - phi[1, :, 0] == pytest.approx(
            np.asarray(evaluate(1)["y"] - evaluate(2)["y"])
        )


def test_only_the_groups_the_scenario_changes_are_attributed():
    base = load(SCENARIOS / "baseline.toml")
    sc = derive(
        base,
        "two",
        levers={"plans_per_month": 24.0, "board_share": 0.5, "pay_differentiation": True},
    )
    changed = at.changed_groups(sc, base)
    assert list(changed) == ["task1_pace", "task1_governance", "task1_incentives"]
    assert at.changed_groups(base, base) == {}
    mixes = at.coalitions(sc, base, list(changed))
    assert len(mixes) == 8
    assert mixes[0].levers == base.levers and mixes[-1].levers == sc.levers
    assert mixes[0b010].levers["board_share"] == 0.5
    assert mixes[0b010].levers["plans_per_month"] == base.levers["plans_per_month"]


def test_every_lever_group_is_mapped():
    from sim.parameters import table

    groups = {p.group for p in table()["levers"].values()}
    assert groups == set(at.GROUPS)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return attribution_files(tmp_path_factory.mktemp("attr"))


def test_attribute_writes_parts_that_sum_to_the_total(files, tmp_path, capsys):
    plan, base = files
    out = tmp_path / "out"
    code, text, err = cli(
        capsys,
        "attribute",
        str(plan),
        "--baseline",
        str(base),
        "--reps",
        "3",
        "--out",
        str(out),
        "--quiet",
    )
    assert code == 0, err
    assert "2 lever groups" in err and "Shapley" in text
    table = pd.read_csv(out / "attribution.csv")
    assert set(table["group"]) == {"task1_pace", "task1_labour", "total"}
    for outcome, rows in table.groupby("outcome"):
        total = rows[rows["group"] == "total"]["mean"].iloc[0]
        parts = rows[rows["group"] != "total"]["mean"]
        if np.isfinite(total):
            assert parts.sum() == pytest.approx(total, abs=1e-9), outcome


def test_attribute_with_an_unknown_baseline_is_a_one_line_error(files, tmp_path, capsys):
    code, _, err = cli(
        capsys, "attribute", str(files[0]), "--baseline", "nowhere", "--out", str(tmp_path / "o")
    )
    assert_one_line_error(code, err, "--baseline", "nowhere", "allowed")
