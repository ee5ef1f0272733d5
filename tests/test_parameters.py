"""The parameter table and the measures registry are complete and self-consistent."""

import subprocess
import sys

import pytest

from sim import measures
from sim.parameters import table
from tests.conftest import ROOT, TASK1_GROUPS

ALL = [p for kind in table().values() for p in kind.values()]


@pytest.mark.parametrize("p", ALL, ids=lambda p: f"{p.kind}.{p.name}")
def test_every_parameter_has_unit_source_names_and_valid_default(p):
    assert p.unit and p.source and p.en and p.zh
    if p.kind == "uncertainties":
        lo, hi = p.range
        for key in ("low", "high", "mean", "mode", "value"):
            if key in p.distribution:
                assert lo <= p.distribution[key] <= hi, key
    else:
        assert p.check(p.value) is None, p.check(p.value)


def test_levers_cover_model_md_levers_1_to_7():
    groups = {p.group for p in table()["levers"].values()}
    assert groups >= TASK1_GROUPS


def test_every_measure_has_metadata_and_a_formula():
    reg = measures.registry()
    assert set(reg) == set(measures.FORMULAS)
    for m in reg.values():
        assert m.unit and m.en and m.zh and m.scope in {"city", "all"}


def test_issue_measures_present():
    wanted = {
        "state_equity",
        "output",
        "profit",
        "employment",
        "mixed_firms",
        "private_capital_in",
        "mean_state_share",
        "market_selected_managers",
        "equity_incentive_firms",
        "separations",
        "unemployed",
        "reform_completed_share",
    }
    assert wanted <= set(measures.registry())


def test_parameter_docs_are_generated_from_the_table():
    fresh = subprocess.run(
        [sys.executable, "run.py", "parameters", "--markdown"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert fresh == committed, (
        "docs/parameters.md is stale: run `python run.py parameters --markdown > docs/parameters.md`"
    )
