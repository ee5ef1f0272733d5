"""Helpers of the bad-input, data-safety and signal tests: tiny scenarios, folder snapshots
and the command line run in this process."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ROOT, SCENARIOS

HORIZON = 18  # the shortest horizon allowed: the fastest real runs


def short_scenarios(folder: Path, names: tuple[str, ...], horizon: int = HORIZON) -> list[str]:
    """Files ``folder/NAME.toml`` extending the bundled NAME with a short horizon."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.toml"
        path.write_text(
            f'extends = "{SCENARIOS / name}.toml"\n[settings]\nhorizon_months = {horizon}\n',
            encoding="utf-8",
        )
        paths.append(str(path))
    return paths


def attribution_files(folder: Path) -> tuple[Path, Path]:
    """(plan, base): a short baseline and a plan changing two lever groups (pace, labour)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "base.toml"
    base.write_text(
        f'extends = "{SCENARIOS / "baseline.toml"}"\n[settings]\nhorizon_months = 18\n',
        encoding="utf-8",
    )
    plan = folder / "plan.toml"
    plan.write_text(
        f'extends = "{base}"\n[levers]\nplans_per_month = 24.0\nlabour_adjustment_speed = 0.3\n',
        encoding="utf-8",
    )
    return plan, base


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (never following a symlink): its kind and content."""
    found: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = ("dir",)
            else:
                found[rel] = ("file", path.read_bytes())
    return found


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """``python run.py ARGV`` in this process: exit code, stdout, stderr."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *hints: str) -> None:
    """Exit code 2 and one line on stderr holding each hint, no traceback, nothing raw."""
    assert code == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and "\x1b" not in err and "\x00" not in err, err
    for hint in hints:
        assert hint in err, (hint, err)


UNPRIVILEGED_MAIN = """
import contextlib, io, json, sys
from sim.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        results.append((main(argv), err.getvalue()))
print(json.dumps(results))
"""


def main_unprivileged(*argvs: list[str]) -> list[tuple[int, str]]:
    """``python run.py ARGV`` for each of ``argvs``, in one new process that cannot ignore
    file permissions: as root, run through setpriv (util-linux) without CAP_DAC_OVERRIDE
    and CAP_DAC_READ_SEARCH. Each exit code and stderr."""
    command = [sys.executable, "-c", UNPRIVILEGED_MAIN, json.dumps(argvs)]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return [tuple(result) for result in json.loads(proc.stdout)]
