"""Scenario files: inheritance, and a one-line error for every kind of bad input."""

import subprocess
import sys

import pytest

from sim.cli import main
from sim.scenario import ScenarioError, load
from tests.conftest import ROOT, SCENARIOS


def test_bundled_scenarios_load_and_inherit():
    plan = load(SCENARIOS / "city_plan.toml")
    bold = load(SCENARIOS / "bold_mixed.toml")
    assert bold.levers.max_private_stake_competitive == 0.8
    assert bold.levers.board_share == plan.levers.board_share == 0.9
    assert len(bold.files) == 3  # bold_mixed -> city_plan -> baseline


def test_uncertainty_override_forms(tmp_path):
    f = tmp_path / "u.toml"
    f.write_text(
        "[uncertainties]\ninterest_rate = 0.04\n"
        'reemployment_rate = { distribution = "uniform", low = 0.3, high = 0.35 }\n',
        encoding="utf-8",
    )
    sc = load(f)
    assert sc.uncertainties.interest_rate == {"distribution": "fixed", "value": 0.04}
    assert sc.uncertainties.reemployment_rate["high"] == 0.35


BAD = {
    "unknown_key": (
        "[levers]\nboard_shares = 0.5\n",
        "levers.board_shares",
        "did you mean 'board_share'",
    ),
    "unknown_section": ("[lever]\nboard_share = 0.5\n", "lever", "did you mean 'levers'"),
    "wrong_type": ('[levers]\npilots_first = "yes"\n', "levers.pilots_first", "true or false"),
    "out_of_range": ("[levers]\nboard_share = 1.5\n", "levers.board_share", "out of range"),
    "bad_choice": (
        '[levers]\nequity_incentive_form = "cash"\n',
        "levers.equity_incentive_form",
        "'options'",
    ),
    "not_integer": ("[levers]\ndeadline_month = 18.5\n", "levers.deadline_month", "integer"),
    "bad_law": (
        '[uncertainties]\ninterest_rate = { distribution = "gamma", k = 1 }\n',
        "uncertainties.interest_rate",
        "uniform",
    ),
    "law_out_of_range": (
        '[uncertainties]\ninterest_rate = { distribution = "uniform", low = 0.0, high = 0.9 }\n',
        "uncertainties.interest_rate.high",
        "out of range",
    ),
    "bad_toml": ("[levers\nboard_share = 0.5\n", "", "not valid TOML"),
    "missing_parent": ('extends = "nowhere"\n', "extends", "no scenario 'nowhere'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_line_naming_file_and_key_exit_2_nothing_written(
    case, tmp_path, capsys
):
    text, key, hint = BAD[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(path), "--reps", "2", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and key in err and hint in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_and_unreadable_files(tmp_path, capsys):
    missing = tmp_path / "missing.toml"
    assert main(["validate", str(missing)]) == 2
    assert f"{missing}: no such scenario file" in capsys.readouterr().err
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    assert main(["validate", str(binary)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_cycle_in_extends_is_named(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a"\n', encoding="utf-8")
    with pytest.raises(
        ScenarioError, match=r"extends: cycle in extends \(a.toml -> b.toml -> a.toml\)"
    ):
        load(tmp_path / "a.toml")


def test_a_bad_file_among_good_ones_runs_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[levers]\nboard_share = -1\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "run.py",
            "run",
            str(SCENARIOS / "baseline.toml"),
            str(bad),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"{bad}: levers.board_share" in proc.stderr
    assert not out.exists()
