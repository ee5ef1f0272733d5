"""Calibration (docs/CALIBRATION.md): at the shipped defaults every target, simulated from
what the model did (never read back from an input), lies in its sourced range on other
seeds than the fit's; the fit recovers planted parameter values; the document lists the
targets the code checks."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim import calibration as cal
from tests.helpers import ROOT, SEED, Z

REPS = 60


@pytest.fixture(scope="module")
def found():
    return cal.evaluate(cal.outcomes({}, SEED, REPS)).set_index("target")


@pytest.mark.slow
@pytest.mark.parametrize("target", [t.name for t in cal.TARGETS])
def test_each_target_lies_in_its_range_at_the_shipped_defaults(found, target):
    row = found.loc[target]
    assert np.isfinite(row.simulated), f"{target} was not simulated"
    assert row.low - Z * row.se <= row.simulated <= row.high + Z * row.se, (
        f"{target}: {row.simulated:.4g} ± {row.se:.2g} outside [{row.low}, {row.high}]"
    )


def test_targets_are_computed_from_outcomes_so_a_changed_mechanism_moves_them():
    """Raising the value added per unit of assets raises the simulated return on assets;
    lengthening the spell penalty lowers the share re-employed within four years."""
    base = cal.evaluate(cal.outcomes({}, SEED, 12)).set_index("target")
    richer = cal.evaluate(cal.outcomes({"value_added_per_asset": 0.3}, SEED, 12)).set_index(
        "target"
    )
    assert richer.loc["roa", "simulated"] > base.loc["roa", "simulated"] + 0.01
    stuck = cal.evaluate(cal.outcomes({"reemployment_duration_decay": 1.0}, SEED, 12)).set_index(
        "target"
    )
    assert (
        stuck.loc["reemployed_within_4_years", "simulated"]
        < base.loc["reemployed_within_4_years", "simulated"]
    )


def test_the_fit_recovers_planted_parameters():
    """Identification: targets simulated at planted values, then fitted from elsewhere on the
    same replications, give the planted values back."""
    planted = {"value_added_per_asset": 0.22, "exec_performance_typical": 0.7}
    short = {"needs": ("baseline",), "horizon": 18}
    subset = [t for t in cal.TARGETS if t.name in ("roa", "exec_pay_ratio")]
    at_planted = cal.evaluate(cal.outcomes(planted, 7, 12, **short), subset).set_index("target")
    targets = []
    for t in subset:
        value = float(at_planted.loc[t.name, "simulated"])
        width = 0.02 * abs(value)
        targets.append(replace(t, value=value, low=value - width, high=value + width))
    fit = cal.fit(
        7,
        12,
        free=list(planted),
        targets=targets,
        start={"value_added_per_asset": 0.19, "exec_performance_typical": 0.9},
        maxiter=60,
        **short,
    )
    for name, value in planted.items():
        assert fit.parameters[name] == pytest.approx(value, rel=0.02), name


def test_the_calibration_document_lists_the_targets_the_code_checks():
    text = (ROOT / "docs" / "CALIBRATION.md").read_text(encoding="utf-8")
    for t in cal.TARGETS:
        row = re.search(rf"^\| `{t.name}` \|(.*)$", text, flags=re.M)
        assert row, f"docs/CALIBRATION.md does not list {t.name}"
        cells = [c.strip() for c in row.group(1).split("|")]
        assert cells[1] == f"{t.low:g} – {t.high:g}", f"{t.name}: range in the document differs"
    for name in cal.FREE:
        assert f"`{name}`" in text, f"docs/CALIBRATION.md does not name free parameter {name}"


def test_the_calibrate_command_writes_its_table_and_refuses_a_foreign_folder(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "cal"
    assert main(["calibrate", "--check", "--reps", "2", "--out", str(out)]) == 0
    table = pd.read_csv(out / "calibration.csv")
    assert list(table.columns[:6]) == ["target", "low", "high", "simulated", "se", "inside"]
    assert set(table["target"]) == {t.name for t in cal.TARGETS}
    assert (out / "calibration.json").is_file() and (out / "calibration.toml").is_file()
    assert main(["calibrate", "--check", "--reps", "2", "--out", str(out)]) == 0  # its own
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    capsys.readouterr()
    assert main(["calibrate", "--check", "--reps", "2", "--out", str(foreign)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did not write" in err
    assert (foreign / "notes.txt").read_text() == "keep me"
