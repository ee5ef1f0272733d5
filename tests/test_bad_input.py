"""Every bad input is one line on stderr naming the file and what is allowed, exit code 2,
no traceback and nothing written; text from a file cannot break the line or drive the
terminal."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sim import scenario as scenario_module
from sim.batch import MAX_REPS
from sim.cli import build_parser
from sim.scenario import MAX_EXTENDS, load
from tests.conftest import ROOT, SCENARIOS
from tests.folders import (
    assert_one_line_error,
    cli,
    main_unprivileged,
    short_scenarios,
    snapshot,
)

RAW = ("\n", "\x1b", "\x00", "\r", "\u202e")  # newline, ANSI escape, NUL, return, bidi override


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_refused_everywhere(capsys, path: Path, tmp_path: Path, *hints: str) -> None:
    """``validate`` and ``run`` refuse ``path`` in one line and write nothing."""
    out = tmp_path / "out"
    code, _, err = cli(capsys, "validate", str(path))
    assert_one_line_error(code, err, *hints)
    code, _, err = cli(capsys, "run", str(path), "--reps", "1", "--out", str(out))
    assert_one_line_error(code, err, *hints)
    assert not out.exists()


# --- item 4: names starting with '_' or '.' ---------------------------------------------------
@pytest.mark.parametrize("name", ["_draft.toml", ".hidden.toml"])
def test_scenario_names_starting_with_underscore_or_dot_are_refused(tmp_path, capsys, name):
    path = write(tmp_path / name, 'title = "x"\n')
    assert_refused_everywhere(capsys, path, tmp_path, str(path), "starts with '.' or '_'")


def test_a_file_starting_with_underscore_may_still_be_extended(tmp_path):
    write(tmp_path / "_shared.toml", 'extends = "city_plan"\n[levers]\nboard_share = 0.5\n')
    plan = load(write(tmp_path / "plan.toml", 'extends = "_shared.toml"\n'))
    assert plan.name == "plan" and plan.levers.board_share == 0.5


# --- item 5: one line for each bad input ------------------------------------------------------
def test_absurd_replications_are_refused_before_anything_runs(capsys):
    for reps in ("1000000000000", str(MAX_REPS + 1), "9" * 5000):
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args(["run", "--reps", reps])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--reps" in err, err
    assert build_parser().parse_args(["run", "--reps", str(MAX_REPS)]).reps == MAX_REPS


def test_a_scenario_path_that_is_a_symlink_loop(tmp_path, capsys):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(tmp_path / "other.toml")
    (tmp_path / "other.toml").symlink_to(loop)
    assert_refused_everywhere(capsys, loop, tmp_path, str(loop), "symbolic links")


def test_a_file_name_of_300_characters(tmp_path, capsys):
    long = tmp_path / ("x" * 300 + ".toml")
    assert_refused_everywhere(capsys, long, tmp_path, "x" * 300, "longer than")
    via = write(tmp_path / "via.toml", f'extends = "{"y" * 300}.toml"\n')
    assert_refused_everywhere(capsys, via, tmp_path, str(via), "File name too long")


def test_a_file_in_a_folder_without_search_permission(tmp_path):
    locked = tmp_path / "locked"
    path = write(locked / "plan.toml", 'title = "x"\n')
    other = write(tmp_path / "other.toml", f'extends = "{path}"\n')
    tmp_path.chmod(0o755)
    locked.chmod(0o600)  # readable listing, no search permission
    try:
        for code, err in main_unprivileged(["validate", str(path)], ["validate", str(other)]):
            assert_one_line_error(code, err, "Permission denied")
    finally:
        locked.chmod(0o755)


def test_an_extends_chain_1000_deep_is_capped(tmp_path, capsys):
    for i in range(1000):
        parent = f'extends = "s{i + 1}"\n' if i < 999 else ""
        write(tmp_path / f"s{i}.toml", parent)
    assert_refused_everywhere(capsys, tmp_path / "s0.toml", tmp_path, f"more than {MAX_EXTENDS}")
    assert load(tmp_path / f"s{1000 - MAX_EXTENDS}.toml").name == f"s{1000 - MAX_EXTENDS}"


HUGE = str(10**400)
BAD_VALUES = {
    "huge_int_in_int": (f"[levers]\ndeadline_month = {HUGE}\n", "levers.deadline_month"),
    "huge_int_in_float": (f"[levers]\nboard_share = {HUGE}\n", "levers.board_share"),
    "huge_int_in_law": (
        f'[uncertainties]\ninterest_rate = {{ distribution = "uniform", low = 0, high = {HUGE} }}\n',
        "uncertainties.interest_rate.high",
    ),
    "digits_beyond_python": (f"[levers]\ndeadline_month = {'9' * 5000}\n", "not valid TOML"),
    "distribution_list": (
        "[uncertainties]\ninterest_rate = { distribution = [1] }\n",
        "uncertainties.interest_rate",
    ),
    "distribution_table": (
        "[uncertainties]\ninterest_rate = { distribution = { a = 1 } }\n",
        "uncertainties.interest_rate",
    ),
    "levers_not_a_table": ("levers = [1]\n", "levers"),
    "uncertainties_a_string": ('uncertainties = "x"\n', "uncertainties"),
    "settings_a_number": ("settings = 3\n", "settings"),
    "title_a_table": ("[title]\nx = 1\n", "title"),
    "extends_a_table": ("[extends]\nx = 1\n", "extends"),
    "extends_empty": ('extends = ""\n', "extends"),
    "law_value_a_table": (
        '[uncertainties]\ninterest_rate = { distribution = "fixed", value = { a = 1 } }\n',
        "uncertainties.interest_rate.value",
    ),
    "nested_too_deep": ("x = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_values_that_used_to_raise_are_one_line(tmp_path, capsys, case):
    text, hint = BAD_VALUES[case]
    path = write(tmp_path / f"{case}.toml", text)
    assert_refused_everywhere(capsys, path, tmp_path, str(path), hint)


def test_a_scenario_file_over_1_mb_is_refused(tmp_path, capsys):
    path = write(tmp_path / "big.toml", 'title = "x"\n' + "# padding\n" * 110_000)
    assert_refused_everywhere(capsys, path, tmp_path, str(path), "larger than 1 MB")


@pytest.mark.parametrize(
    "text",
    [
        '[levers]\n"board\\n_share\\u001b[31m\\u0000\\r\\u202e" = 0.5\n',
        '"x\\ny\\u001b]0;pwned\\u0007" = 1\n',
        'extends = "a\\nb\\u001b[2J\\u0000"\n',
        'extends = "a\\nb\\u001b[2J.toml"\n',
        '[uncertainties]\ninterest_rate = { distribution = "\\u001b[31m\\n" }\n',
        '[levers]\nequity_incentive_form = "\\u001b[31m\\ncash"\n',
    ],
)
def test_control_characters_from_a_file_are_escaped_in_errors(tmp_path, capsys, text):
    path = write(tmp_path / "evil.toml", text)
    code, _, err = cli(capsys, "validate", str(path))
    assert_one_line_error(code, err, str(path))
    assert not any(ch in err[:-1] for ch in RAW), repr(err)


def test_an_escaped_key_stays_readable(tmp_path, capsys):
    path = write(tmp_path / "k.toml", '[levers]\n"board\\u001b[31m_share\\n" = 0.5\n')
    code, _, err = cli(capsys, "validate", str(path))
    assert_one_line_error(code, err, "levers.board\\x1b[31m_share\\n", "did you mean 'board_share'")


def test_a_title_with_control_characters_is_printed_escaped(tmp_path, capsys):
    path = write(tmp_path / "t.toml", 'title = "ok\\u001b[2J\\nnext"\n')
    code, out, _ = cli(capsys, "validate", str(path))
    assert code == 0 and out.count("\n") == 1 and "\x1b" not in out and "\\x1b" in out


# --- --out, report --output, inspect --out, explore --port ------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> list[str]:
    return short_scenarios(tmp_path_factory.mktemp("tiny"), ("baseline",))


def test_out_that_is_a_file_or_under_a_file(tmp_path, capsys, tiny):
    afile = write(tmp_path / "afile", "mine")
    for out, hint in ((afile, "is a file"), (afile / "sub", "Not a directory")):
        code, _, err = cli(capsys, "run", *tiny, "--reps", "1", "--out", str(out), "--quiet")
        assert_one_line_error(code, err, str(afile), hint)
    assert afile.read_text(encoding="utf-8") == "mine"


def test_out_that_is_read_only(tmp_path, tiny):
    readonly = tmp_path / "ro"
    readonly.mkdir()
    tmp_path.chmod(0o755)
    readonly.chmod(0o555)
    try:
        argv = ["run", *tiny, "--reps", "1", "--quiet", "--out"]
        for code, err in main_unprivileged([*argv, str(readonly)], [*argv, str(readonly / "sub")]):
            assert_one_line_error(code, err, str(readonly))
        assert not any(readonly.iterdir())
    finally:
        readonly.chmod(0o755)


def test_report_output_that_is_a_folder(tmp_path, capsys, tiny):
    out = tmp_path / "out"
    code, _, err = cli(
        capsys, "run", *tiny, "--reps", "1", "--out", str(out), "--quiet", "--no-report"
    )
    assert code == 0, err
    before = snapshot(tmp_path)
    for target in (tmp_path, out / "summary", out / "manifest.json"):
        code, _, err = cli(capsys, "report", str(out), "--output", str(target))
        assert_one_line_error(code, err, "--output", str(target))
    assert snapshot(tmp_path) == before


def test_inspect_out_that_is_a_file_or_a_folder_of_others(tmp_path, capsys):
    afile = write(tmp_path / "afile", "mine")
    scenario = str(SCENARIOS / "city_plan.toml")
    code, _, err = cli(capsys, "inspect", scenario, "--out", str(afile))
    assert_one_line_error(code, err, str(afile), "is a file")
    theirs = write(tmp_path / "theirs" / "timeseries.csv", "someone's")
    code, _, err = cli(capsys, "inspect", scenario, "--out", str(theirs.parent))
    assert_one_line_error(code, err, str(theirs.parent), "inspect.json")
    assert afile.read_text(encoding="utf-8") == "mine" and theirs.read_text() == "someone's"


def test_explore_on_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [
                sys.executable,
                "run.py",
                "explore",
                str(SCENARIOS / "city_plan.toml"),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert_one_line_error(proc.returncode, proc.stderr, f"--port {port}", "another --port")


# --- item 6: the extends rule -----------------------------------------------------------------
def test_a_teams_file_in_its_own_folder_extends_a_bundled_scenario_by_name(tmp_path, capsys):
    team = write(
        tmp_path / "team" / "ours.toml", 'extends = "city_plan"\n[levers]\nboard_share = 0.5\n'
    )
    sc = load(team)
    plan = load(SCENARIOS / "city_plan.toml")
    assert sc.levers.board_share == 0.5 and sc.levers.plans_per_month == plan.levers.plans_per_month
    assert [Path(p) for p, _ in sc.files] == [
        team.resolve(),
        (SCENARIOS / "city_plan.toml").resolve(),
        (SCENARIOS / "baseline.toml").resolve(),
    ]
    # a file of that name beside it comes first
    write(tmp_path / "team" / "city_plan.toml", "[levers]\nboard_share = 0.25\n")
    assert (
        load(team).levers.plans_per_month
        == load(SCENARIOS / "baseline.toml").levers.plans_per_month
    )


def test_extends_by_path_is_relative_to_the_file_and_may_leave_its_folder(tmp_path):
    write(tmp_path / "shared" / "base.toml", "[levers]\nboard_share = 0.4\n")
    write(tmp_path / "team" / "sub" / "inner.toml", "[levers]\nboard_share = 0.3\n")
    up = load(write(tmp_path / "team" / "up.toml", 'extends = "../shared/base.toml"\n'))
    down = load(write(tmp_path / "team" / "down.toml", 'extends = "sub/inner.toml"\n'))
    assert (up.levers.board_share, down.levers.board_share) == (0.4, 0.3)


def test_baseline_falls_back_to_the_built_in_one(tmp_path, monkeypatch):
    monkeypatch.setattr(scenario_module, "BUNDLED", tmp_path / "nothing")
    sc = load(write(tmp_path / "x.toml", 'extends = "baseline"\n'))
    assert sc.levers == scenario_module.baseline().levers and len(sc.files) == 1
    with pytest.raises(scenario_module.ScenarioError, match="no scenario 'city_plan'"):
        load(write(tmp_path / "y.toml", 'extends = "city_plan"\n'))


def test_the_manifest_records_each_scenarios_resolved_chain(tmp_path, capsys):
    team = write(
        tmp_path / "team" / "ours.toml",
        'extends = "../shared/base.toml"\n[settings]\nhorizon_months = 18\n',
    )
    base = write(tmp_path / "shared" / "base.toml", 'extends = "city_plan"\n')
    out = tmp_path / "out"
    code, _, err = cli(
        capsys, "run", str(team), "--reps", "1", "--out", str(out), "--quiet", "--no-report"
    )
    assert code == 0, err
    chain = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["scenario_chains"][
        "ours"
    ]
    files = [team, base, SCENARIOS / "city_plan.toml", SCENARIOS / "baseline.toml"]
    assert [c["path"] for c in chain] == [str(f.resolve()) for f in files]
    assert [c["sha256"] for c in chain] == [
        hashlib.sha256(f.read_text(encoding="utf-8").encode()).hexdigest() for f in files
    ]


def test_a_scenario_name_with_a_control_character_is_refused_escaped(tmp_path, capsys):
    path = write(tmp_path / "a\x1b[31mb.toml", 'title = "x"\n')
    assert_refused_everywhere(capsys, path, tmp_path, "a\\x1b[31mb", "control character")
