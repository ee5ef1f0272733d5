"""Ctrl-C and SIGTERM on a real ``python run.py run --workers 2``: the first stops it within 2 s
with one line and exit 130 (SIGINT) or 143 (SIGTERM), a second exits at once, no worker
traceback reaches the terminal, nothing finished is lost and the manifest says
"interrupted"; running the command again completes to the uninterrupted results.

The signal goes to the whole process group, as a terminal's Ctrl-C does. The tests wait
(polling, generously) for the moment they need — workers started, a part finished —
and time only what the issue requires: the exit after the signal.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.batch import run_batch
from sim.results import verify_part
from sim.scenario import load
from tests.conftest import ROOT
from tests.folders import cli, short_scenarios
from tests.test_batch import assert_same_results, children

REPS = 100  # 2 chunks per scenario, 4 in all: some finish before the signal, some after
CHUNKS = 4
SEED = 3
WAIT = 120  # seconds, at most, for the moment a test needs on a loaded machine


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return short_scenarios(tmp_path_factory.mktemp("scenarios"), ("baseline", "city_plan"))


@pytest.fixture(scope="module")
def reference(files: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "out"
    scenarios = [load(f) for f in files]  # in deep uncertainty, as the CLI runs them
    assert run_batch(scenarios, REPS, SEED, out, progress=False, uncertainty="deep").complete
    return out


def command(files: list[str], out: Path) -> list[str]:
    args = ["--reps", str(REPS), "--seed", str(SEED), "--out", str(out), "--workers", "2"]
    return [sys.executable, "run.py", "run", *files, *args, "--quiet", "--no-report"]


def start(files: list[str], out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command(files, out),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job on a terminal
    )


def wait_for(condition, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert proc.poll() is None, f"the batch ended before the signal: {proc.communicate()}"
        assert time.monotonic() < deadline, "the moment to send the signal never came"
        time.sleep(0.01)


def recorded_parts(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["parts"]
    except (OSError, ValueError, KeyError):
        return {}


def workers_started(proc: subprocess.Popen) -> bool:
    """Both workers exist (with the resource tracker, three children)."""
    return len(children(proc.pid)) >= 3


def interrupt(proc: subprocess.Popen, signum: int, again: bool = False) -> tuple[int, str, float]:
    """Send ``signum`` to the batch's process group (twice if ``again``); its exit code, its
    stderr and the seconds from the first signal to its exit."""
    sent = time.monotonic()
    os.killpg(proc.pid, signum)
    if again:
        time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(proc.pid, signum)
    try:
        proc.wait(timeout=WAIT)  # its stderr holds a few lines at most: no pipe fills
        seconds = time.monotonic() - sent
        _, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err, seconds


def assert_stopped_cleanly(code: int, err: str, seconds: float, *expected: int) -> None:
    assert code in expected, err
    assert "Traceback" not in err and len(err.splitlines()) <= 2, err
    assert seconds < 2, f"{seconds:.1f} s from the signal to the exit"


def assert_kept_and_interrupted(out: Path) -> dict:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    for rel, record in manifest["parts"].items():
        verify_part(out, rel, record)  # every finished part intact
    return manifest


def test_ctrl_c_while_the_program_starts(files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    time.sleep(0.2)  # still importing
    code, err, seconds = interrupt(proc, signal.SIGINT)
    assert_stopped_cleanly(code, err, seconds, 130)


def test_ctrl_c_while_workers_start(files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    wait_for(lambda: workers_started(proc), proc)
    code, err, seconds = interrupt(proc, signal.SIGINT)
    assert_stopped_cleanly(code, err, seconds, 130)
    assert "interrupted by SIGINT" in err and "rerun the same command" in err
    assert_kept_and_interrupted(out)


def test_ctrl_c_mid_batch_keeps_what_finished_and_a_rerun_completes(
    files, reference, tmp_path, capsys
):
    out = tmp_path / "out"
    proc = start(files, out)
    wait_for(lambda: recorded_parts(out), proc)
    code, err, seconds = interrupt(proc, signal.SIGINT)
    assert_stopped_cleanly(code, err, seconds, 130)
    done = len(assert_kept_and_interrupted(out)["parts"]) // 2
    assert 0 < done < CHUNKS

    rerun = command(files, out)[2:]  # the same command, in this process (results do not
    rerun[rerun.index("--workers") + 1] = "1"  # depend on the number of workers)
    code, stdout, err = cli(capsys, *rerun)
    assert code == 0, err
    assert f"({CHUNKS - done} chunks run, {done} reused)" in stdout
    assert_same_results(reference, out)


def test_sigterm_is_handled_the_same_way(files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    wait_for(lambda: workers_started(proc), proc)
    code, err, seconds = interrupt(proc, signal.SIGTERM)
    assert_stopped_cleanly(code, err, seconds, 143)
    assert "interrupted by SIGTERM" in err
    assert_kept_and_interrupted(out)


def test_a_second_ctrl_c_exits_at_once(files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    wait_for(lambda: workers_started(proc), proc)
    code, err, seconds = interrupt(proc, signal.SIGINT, again=True)
    # Exit 130 from the handler, or killed by SIGINT when the second signal comes after the
    # interpreter has let go of its handlers: a shell reports 130 for both.
    assert_stopped_cleanly(code, err, seconds, 130, -signal.SIGINT)


SECOND_SIGNAL = """
import os, signal, time
from sim.commands import Interrupted, StopSignals, signals_deferred
try:
    with StopSignals():
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
            print("the deferred block ran to its end", flush=True)
        print("not reached: the interruption comes at the end of the block", flush=True)
except Interrupted as err:
    print(f"first: {err.name}", flush=True)
    os.kill(os.getpid(), signal.SIGINT)  # a second one, while cleaning up
    time.sleep(30)
    print("not reached: the second signal exits at once", flush=True)
"""


def test_the_first_signal_waits_for_a_deferred_block_and_a_second_exits_at_once():
    proc = subprocess.run(
        [sys.executable, "-c", SECOND_SIGNAL], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.stdout.splitlines() == ["the deferred block ran to its end", "first: SIGTERM"]
    assert proc.returncode == 130 and proc.stderr == "stopped at once by a second signal\n"
