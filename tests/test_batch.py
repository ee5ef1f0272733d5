"""Batches at scale: any number of workers or a Dask cluster, resumable, paired."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim import batch, cli
from sim.batch import (
    CHUNK_SIZE,
    MALLOC_TRIM,
    BatchConflict,
    InlineExecutor,
    compute_chunk,
    dask_executor,
    plan_chunks,
    run_chunks,
)
from sim.batch import run_batch as run_batch_in
from sim.scenario import Scenario, derive, load
from sim.tables import TABLES
from tests.conftest import ROOT, SCENARIOS, paired_gap

SEED = 11
REPS = 120  # chunks of 50, 50 and 20 replications per scenario
HORIZON = 24  # months; the shortest horizon allowed is 18
CHUNKS = 2 * 3
KEYS = ["scenario", "replication", "month"]
# in deep uncertainty, the CLI's default: workers, Dask, failures and resuming must keep each
# replication's world as well as its random numbers
run_batch = partial(run_batch_in, uncertainty="deep")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[str]:
    """city_plan and baseline with a short horizon, as files the CLI can run."""
    folder = tmp_path_factory.mktemp("scenarios")
    paths = []
    for name in ("city_plan", "baseline"):
        path = folder / f"{name}.toml"
        path.write_text(
            f'extends = "{SCENARIOS / name}.toml"\n[settings]\nhorizon_months = {HORIZON}\n',
            encoding="utf-8",
        )
        paths.append(str(path))
    return paths


@pytest.fixture(scope="module")
def scenarios(files) -> list[Scenario]:
    return [load(f) for f in files]


@pytest.fixture(scope="module")
def reference(scenarios, tmp_path_factory) -> Path:
    """The batch run uninterrupted, in this process."""
    out = tmp_path_factory.mktemp("reference") / "out"
    assert run_batch(scenarios, REPS, SEED, out).complete
    return out


def cli_args(files: list[str], out: Path, *more: str) -> list[str]:
    return ["run", *files, "--reps", str(REPS), "--seed", str(SEED), "--out", str(out), *more]


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of a run directory, in a canonical row order."""
    frames = {}
    for name in TABLES:
        frame = pd.read_parquet(out / name)
        frames[name] = frame.sort_values([k for k in KEYS if k in frame], ignore_index=True)
    return frames


def assert_same_results(expected: Path, got: Path) -> None:
    want, have = tables(expected), tables(got)
    for name in TABLES:
        pd.testing.assert_frame_equal(have[name], want[name])


def finished_chunks(out: Path) -> set[str]:
    """Parts present in every table: the chunks a rerun reuses."""
    return set.intersection(*({p.name for p in (out / t).glob("*.parquet")} for t in TABLES))


def assert_whole(out: Path) -> None:
    """Every (scenario, replication, month) exactly once."""
    ts = pd.read_parquet(out / "timeseries", columns=KEYS)
    assert not ts.duplicated().any()
    assert len(ts) == 2 * REPS * (HORIZON + 1)
    for _, group in ts.groupby("scenario"):
        assert sorted(group["replication"].unique()) == list(range(REPS))


def test_reference_is_whole_and_records_chunks_code_and_pairing(reference):
    assert_whole(reference)
    manifest = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert manifest["chunks_total"] == manifest["chunks_done"] == CHUNKS
    assert manifest["identity"]["chunk_size"] == CHUNK_SIZE
    assert manifest["identity"]["code_version"] == batch.loaded_code_version()
    assert manifest["pairing"]["method"] == "common random numbers"
    assert "replication i of every scenario" in manifest["pairing"]["meaning"]


def test_two_workers_give_identical_results(reference, scenarios, tmp_path):
    out = tmp_path / "w2"
    result = run_batch(scenarios, REPS, SEED, out, workers=2)
    assert result.complete and result.chunks_run == CHUNKS
    assert_same_results(reference, out)


def test_a_dask_cluster_gives_identical_results(reference, scenarios, files, tmp_path):
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with (
        dask.config.set({MALLOC_TRIM: None}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            processes=True,
        ) as cluster,
    ):
        with dask_executor(cluster.scheduler_address) as (executor, slots):
            assert slots == 2
            result = run_batch(
                scenarios, REPS, SEED, tmp_path / "dask", executor=executor, workers=2
            )
        assert result.complete and result.chunks_run == CHUNKS
        args = cli_args(files, tmp_path / "dask_cli", "--scheduler", cluster.scheduler_address)
        proc = subprocess.run(
            [sys.executable, "run.py", *args, "--quiet"], cwd=ROOT, capture_output=True, text=True
        )
    assert proc.returncode == 0, proc.stderr
    assert_same_results(reference, tmp_path / "dask")
    assert_same_results(reference, tmp_path / "dask_cli")


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
    return found


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    """The processes of ``pids`` still running (not zombies) after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        alive = []
        for pid in pids:
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def test_a_batch_killed_part_way_resumes_to_identical_results(reference, files, tmp_path):
    out = tmp_path / "killed"
    command = [sys.executable, "run.py", *cli_args(files, out, "--workers", "2", "--quiet")]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not finished_chunks(out):
        time.sleep(0.005)
    workers = children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)  # the main process first: its workers must notice
    proc.wait()
    done = finished_chunks(out)
    orphans = wait_gone(workers, seconds=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    assert 0 < len(done) < CHUNKS, f"the kill came at {len(done)} of {CHUNKS} chunks"
    assert workers and not orphans, f"workers {orphans} outlived their batch"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "running"

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"({CHUNKS - len(done)} chunks run, {len(done)} reused)" in again.stdout
    assert_whole(out)
    assert_same_results(reference, out)
    assert not list(out.rglob("*.tmp"))


def fail_second_baseline_chunk(
    scenario: Scenario, seed: int, replications: range
) -> dict[str, pd.DataFrame]:
    """A runner with a planted failure (module level, so that worker processes import it)."""
    if scenario.name == "baseline" and replications.start == CHUNK_SIZE:
        raise ValueError("planted failure")
    return compute_chunk(scenario, seed, replications)


def test_a_failing_chunk_is_reported_the_others_kept_and_a_rerun_completes(
    reference, scenarios, tmp_path, capsys
):
    out = tmp_path / "failing"
    result = run_batch(scenarios, REPS, SEED, out, workers=2, runner=fail_second_baseline_chunk)
    assert not result.complete and result.chunks_run == CHUNKS - 1
    [failure] = result.failures
    assert failure["scenario"] == "baseline" and failure["replications"] == [50, 99]
    assert failure["seed"] == SEED and "fail_second_baseline_chunk" in failure["traceback"]
    err = capsys.readouterr().err
    assert (
        f"chunk failed: scenario baseline, replications 50-99, seed {SEED}: "
        "ValueError: planted failure" in err
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "incomplete" and manifest["chunks_done"] == CHUNKS - 1
    assert [f["scenario"] for f in manifest["failures"]] == ["baseline"]
    names = {p.name for p in (out / "timeseries").glob("*.parquet")}
    assert len(names) == CHUNKS - 1 and "baseline__00001.parquet" not in names

    again = run_batch(scenarios, REPS, SEED, out)
    assert again.complete and (again.chunks_run, again.chunks_reused) == (1, CHUNKS - 1)
    assert_same_results(reference, out)


def fail_every_chunk(scenario: Scenario, seed: int, replications: range) -> dict:
    raise ValueError("planted failure")


def test_the_cli_exits_3_when_chunks_fail(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "run_batch", partial(run_batch, runner=fail_second_baseline_chunk))
    assert cli.main(cli_args(files, tmp_path / "o", "--quiet")) == cli.EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert f"scenario baseline, replications 50-99, seed {SEED}" in err
    assert "batch incomplete: 1 chunk(s) failed" in err
    monkeypatch.setattr(cli, "run_batch", partial(run_batch, runner=fail_every_chunk))
    assert cli.main(cli_args(files, tmp_path / "none", "--quiet")) == cli.EXIT_INCOMPLETE
    assert f"batch incomplete: {CHUNKS} chunk(s) failed" in capsys.readouterr().err


def die_in_second_baseline_chunk(
    scenario: Scenario, seed: int, replications: range
) -> dict[str, pd.DataFrame]:
    """A runner whose worker process dies (as when the kernel kills it for memory)."""
    if scenario.name == "baseline" and replications.start == CHUNK_SIZE:
        os._exit(1)
    return compute_chunk(scenario, seed, replications)


def test_a_dead_worker_process_stops_the_batch_with_exit_3_and_a_rerun_completes(
    reference, scenarios, files, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "dead"
    monkeypatch.setattr(cli, "run_batch", partial(run_batch, runner=die_in_second_baseline_chunk))
    assert cli.main(cli_args(files, out, "--workers", "2", "--quiet")) == cli.EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "a worker process died" in err and err.count("\n") == 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    assert "baseline__00001.parquet" not in finished_chunks(out)

    assert run_batch(scenarios, REPS, SEED, out).complete
    assert_same_results(reference, out)


def test_common_random_numbers_shrink_the_error_of_scenario_differences(
    reference, scenarios, tmp_path
):
    independent = tmp_path / "other_seed"
    run_batch(scenarios[1:], REPS, SEED + 1, independent)  # baseline on other random numbers
    ts = tables(reference)["timeseries"]
    other = tables(independent)["timeseries"]
    last = ts["month"] == HORIZON
    plan = ts[last & (ts["scenario"] == "city_plan")].set_index("replication")
    base = ts[last & (ts["scenario"] == "baseline")].set_index("replication")
    base_other = other[other["month"] == HORIZON].set_index("replication")
    for measure in ("tfp", "profit"):
        _, se_paired = paired_gap(plan[measure], base[measure])
        _, se_independent = paired_gap(plan[measure], base_other[measure])
        # Without pairing both would estimate the same error (ratio about 1 +- 0.2).
        assert se_paired < 0.6 * se_independent, (measure, se_paired, se_independent)


def test_resume_reuses_every_chunk_shows_them_done_and_removes_only_its_temporaries(
    reference, scenarios, tmp_path, capsys
):
    out = tmp_path / "copy"
    shutil.copytree(reference, out)
    token = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["temp_token"]
    leftover = out / "timeseries" / f".city_plan__00001.parquet.{token}.tmp"  # of a killed run
    leftover.write_bytes(b"half a part")
    foreign = out / "timeseries" / ".city_plan__00001.parquet.k1ll3d.tmp"  # not the program's
    foreign.write_bytes(b"a user's file")
    n = len(pd.read_parquet(out / "timeseries"))
    glob = (out / "timeseries" / "*.parquet").as_posix()
    assert duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall() == [(n,)]
    assert n == 2 * REPS * (HORIZON + 1)

    result = run_batch(scenarios, REPS, SEED, out, progress=True)
    assert (result.chunks_run, result.chunks_reused) == (0, CHUNKS)
    assert f"{2 * REPS}/{2 * REPS}" in capsys.readouterr().err
    assert not leftover.exists() and foreign.read_bytes() == b"a user's file"
    assert_same_results(reference, out)


def test_a_changed_scenario_or_code_version_is_refused(reference, scenarios, monkeypatch):
    before = (reference / "manifest.json").read_bytes()
    changed = [derive(scenarios[0], "city_plan", levers={"plans_per_month": 30.0}), scenarios[1]]
    with pytest.raises(BatchConflict, match=r"changed: scenario city_plan\)"):
        run_batch(changed, REPS, SEED, reference)
    monkeypatch.setattr(batch, "loaded_code_version", lambda: "0" * 16)
    with pytest.raises(BatchConflict, match=r"changed: code_version\)"):
        run_batch(scenarios, REPS, SEED, reference)
    assert (reference / "manifest.json").read_bytes() == before


def tiny_tables(scenario: Scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    return {"timeseries": pd.DataFrame({"replication": list(replications)})}


def test_at_most_two_chunks_per_worker_are_in_flight(scenarios):
    class Counting(InlineExecutor):
        submitted = 0

        def submit(self, fn, /, *args, **kwargs):
            self.submitted += 1
            return super().submit(fn, *args, **kwargs)

    pool, finished, peak = Counting(), 0, 0
    chunks = plan_chunks(scenarios * 3, REPS)
    for done in run_chunks(pool, chunks, SEED, tiny_tables, window=4):
        assert all(isinstance(parts, dict) for _, parts in done)
        peak = max(peak, pool.submitted - finished)
        finished += len(done)
    assert finished == len(chunks) == 3 * CHUNKS and peak == 4


def test_the_local_path_needs_no_dask_and_a_scheduler_without_it_is_one_line(files, tmp_path):
    no_dask = (
        "import sys; sys.modules['dask'] = sys.modules['distributed'] = None; "
        "from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    )

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", no_dask, "run", files[1], "--reps", "3", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    local = run("--out", str(tmp_path / "local"), "--workers", "2", "--quiet")
    assert local.returncode == 0, local.stderr
    cluster = run("--out", str(tmp_path / "cluster"), "--scheduler", "tcp://127.0.0.1:8786")
    assert cluster.returncode == 2 and cluster.stderr.count("\n") == 1
    assert "needs Dask" in cluster.stderr and "[cluster]" in cluster.stderr
    assert not (tmp_path / "cluster").exists()


def test_an_unreachable_scheduler_is_one_line(files, tmp_path):
    pytest.importorskip("distributed")
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    args = cli_args(files, tmp_path / "o", "--scheduler", "tcp://127.0.0.1:9")
    proc = subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_adding_a_scenario_runs_only_its_chunks_and_naming_fewer_deletes_nothing(
    reference, files, tmp_path, capsys
):
    out = tmp_path / "grown"
    shutil.copytree(reference, out)
    before = {p: p.read_bytes() for p in out.glob("*/*.parquet")}
    new = Path(files[0]).with_name("support.toml")
    new.write_text(
        'extends = "city_plan.toml"\n[levers]\nreemployment_support = 1.0\n', encoding="utf-8"
    )
    per_scenario = CHUNKS // 2
    assert cli.main(cli_args([*files, str(new)], out, "--quiet", "--no-report")) == 0
    assert f"({per_scenario} chunks run, {CHUNKS} reused)" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["identity"]["scenarios"]) == ["city_plan", "baseline", "support"]
    assert manifest["chunks_total"] == manifest["chunks_done"] == CHUNKS + per_scenario
    assert {p: p.read_bytes() for p in before} == before  # the finished parts are untouched
    ran = {rel for rel in manifest["parts"] if "support__" in rel}
    assert len(ran) == per_scenario * len(TABLES)
    # naming only the new scenario runs nothing and keeps the others, recorded and readable
    assert cli.main(cli_args([str(new)], out, "--quiet", "--no-report")) == 0
    assert f"(0 chunks run, {per_scenario} reused)" in capsys.readouterr().out
    after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(after["parts"]) == set(manifest["parts"])
    assert all(p.read_bytes() == data for p, data in before.items())
    assert set(pd.read_parquet(out / "summary")["scenario"]) == {"city_plan", "baseline", "support"}
