"""Batches: many scenarios x many replications, in chunks, on any executor, resumable.

Replications are cut into chunks of ``CHUNK_SIZE`` (independent of the number of
workers). Each chunk runs on a ``concurrent.futures.Executor`` — this process
(``workers=1``), a pool of local processes, or a Dask cluster through
``distributed.Client.get_executor()`` — and comes back as Parquet bytes, one per
table of ``sim.tables.chunk_tables``, which this process writes atomically as
``OUT/<table>/<scenario>__<chunk>.parquet``. At most ``2 x workers`` chunks are in
flight, so memory stays bounded whatever the number of replications.

A chunk is finished when all its parts exist: running the same batch again into the
same directory (after a failure, Ctrl-C or kill -9) only runs what is missing, and
since replication ``i`` always draws from the same seed sequences (see
``sim.randomness``) the result is the same as an uninterrupted run. A different batch
(other scenarios, seed, replications or code) into a directory that already holds
one is refused unless ``overwrite`` is set. A chunk that raises is reported and
recorded; the others still run.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.engine import simulate
from sim.randomness import STREAMS
from sim.results import (
    atomic_write_bytes,
    code_version,
    package_versions,
    parquet_bytes,
    read_manifest,
    write_manifest,
)
from sim.scenario import Scenario
from sim.tables import TABLES, chunk_tables

CHUNK_SIZE = 50
IN_FLIGHT_PER_WORKER = 2
MANIFEST_EVERY = 2.0  # seconds between progress updates of manifest.json
MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
PAIRING = {
    "method": "common random numbers",
    "rule": "replication i of every scenario draws from SeedSequence(seed, spawn_key=(i, stream))",
    "streams": list(STREAMS),
    "meaning": "replication i of every scenario uses the same random streams, so scenario "
    "differences are paired by replication",
}

CODE_VERSION = code_version()  # of the code this process imported, even if files change later

Runner = Callable[[Scenario, int, range], dict[str, pd.DataFrame]]


class BatchConflict(RuntimeError):
    """The output directory holds a different batch."""


class ClusterError(RuntimeError):
    """The Dask cluster cannot be used; the message is one line."""


@dataclass(frozen=True)
class Chunk:
    scenario: Scenario
    index: int
    replications: range

    @property
    def part(self) -> str:
        return f"{self.scenario.name}__{self.index:05d}.parquet"


@dataclass
class BatchResult:
    out: Path
    chunks_run: int = 0
    chunks_reused: int = 0
    failures: list[dict] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failures


def plan_chunks(scenarios: list[Scenario], reps: int) -> list[Chunk]:
    """Every (scenario, chunk) of a batch; chunk k holds replications [k*C, (k+1)*C)."""
    starts = range(0, reps, CHUNK_SIZE)
    return [
        Chunk(sc, k, range(start, min(start + CHUNK_SIZE, reps)))
        for sc in scenarios
        for k, start in enumerate(starts)
    ]


def batch_identity(scenarios: list[Scenario], reps: int, seed: int) -> dict:
    """What makes two batches the same batch."""
    return {
        "seed": seed,
        "replications": reps,
        "chunk_size": CHUNK_SIZE,
        "code_version": CODE_VERSION,
        "scenarios": {sc.name: sc.digest() for sc in scenarios},
    }


def check_names(scenarios: list[Scenario]) -> None:
    seen: dict[str, str] = {}
    for sc in scenarios:
        path = sc.files[0][0] if sc.files else sc.name
        if sc.name in seen:
            raise BatchConflict(
                f"{path}: two scenarios are named '{sc.name}' (also {seen[sc.name]})"
            )
        seen[sc.name] = path


def prepare_output(out: Path, identity: dict, overwrite: bool) -> None:
    """Make ``out`` ready for this batch, refusing to mix two batches in one directory.

    Leftover temporary files of an interrupted run are removed (readers ignore them
    anyway: they start with ".").
    """
    old = read_manifest(out)
    if old is not None and not overwrite:
        differs = [k for k, v in identity.items() if old.get("identity", {}).get(k) != v]
        if differs:
            raise BatchConflict(
                f"{out}: holds a different batch (changed: {', '.join(differs)}); "
                "use --overwrite to replace it or choose another --out"
            )
    if overwrite:
        for sub in {*TABLES, *(old or {}).get("tables", ())}:
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / "manifest.json").unlink(missing_ok=True)
    elif old is None and out.exists() and any(out.iterdir()):
        raise BatchConflict(f"{out}: exists and is not a results directory; choose another --out")
    for folder in (out, *(out / sub for sub in TABLES)):
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def chunk_done(out: Path, ch: Chunk) -> bool:
    return all((out / name / ch.part).exists() for name in TABLES)


def compute_chunk(scenario: Scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """The tables of one chunk (the default runner)."""
    return chunk_tables(scenario, replications, simulate(scenario, seed, replications))


def loaded_code_version() -> str:
    """The code version of the process this runs in (asked of Dask workers)."""
    return CODE_VERSION


def encode_chunk(
    runner: Runner, scenario: Scenario, seed: int, replications: range, version: str
) -> dict[str, bytes]:
    """Run one chunk where the executor puts it; return each table as Parquet bytes.

    Refuses to run if this worker's code is not the batch's ``version``.
    """
    if version != CODE_VERSION:
        raise RuntimeError(
            f"this worker runs code version {CODE_VERSION}, the batch {version}; "
            "restart the workers with the same project"
        )
    return {name: parquet_bytes(f) for name, f in runner(scenario, seed, replications).items()}


class InlineExecutor(Executor):
    """Runs each call in this process when it is submitted (``workers=1``)."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - delivered through the future, as a pool does
            future.set_exception(err)
        return future


def init_worker(parent: int) -> None:
    """Start a local worker process: leave Ctrl-C to the parent and exit when it is gone
    (killed with -9, a pool's idle workers would otherwise wait forever)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def local_executor(workers: int) -> Executor:
    """This process for one worker; otherwise a pool of spawned processes ("spawn" is
    what ``import mesa`` would force anyway)."""
    if workers == 1:
        return InlineExecutor()
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(os.getpid(),),
    )


@contextmanager
def dask_executor(address: str) -> Iterator[tuple[Executor, int]]:
    """An executor on the Dask cluster at ``address`` and its number of worker threads.

    Dask is imported here only, so the local path needs nothing of it. The workers
    must run the same code as this process (the project installed on every node).
    """
    try:
        import dask
        from distributed import Client
    except ImportError:
        raise ClusterError(
            f"--scheduler {address} needs Dask: pip install -e '.[cluster]'"
        ) from None
    dask.config.set({MALLOC_TRIM: None})  # Dask's default slows numpy by 20-29%
    try:
        client = Client(address)
    except (OSError, ValueError) as err:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    with client:
        slots = sum(client.nthreads().values())
        if not slots:
            raise ClusterError(f"no workers at {address}; start some with `dask worker {address}`")
        try:
            versions = client.run(loaded_code_version)
        except Exception as err:  # noqa: BLE001 - whatever a worker lacking `sim` raises
            raise ClusterError(
                f"Dask workers at {address} cannot run this simulator ({type(err).__name__}: "
                f"{err}); install the same project on every node and restart the workers"
            ) from None
        for worker, version in versions.items():
            if version != CODE_VERSION:
                raise ClusterError(
                    f"Dask worker {worker} runs code version {version}, this process "
                    f"{CODE_VERSION}; install the same project on every node and restart "
                    "the workers"
                )
        yield client.get_executor(pure=False), slots


def run_chunks(
    executor: Executor, chunks: list[Chunk], seed: int, runner: Runner, window: int
) -> Iterator[tuple[Chunk, dict[str, bytes] | BaseException]]:
    """Run ``chunks`` on ``executor`` with at most ``window`` in flight; yield each as it
    finishes, with its parts or its exception. A broken executor (a worker process died)
    ends the batch: it raises."""
    queue = iter(chunks)
    flight: dict[Future, Chunk] = {}
    try:
        while True:
            for ch in islice(queue, window - len(flight)):
                future = executor.submit(
                    encode_chunk, runner, ch.scenario, seed, ch.replications, CODE_VERSION
                )
                flight[future] = ch
            if not flight:
                return
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            for future in done:
                ch = flight.pop(future)
                try:
                    outcome = future.result()
                except BrokenExecutor:
                    raise
                except Exception as err:  # noqa: BLE001 - the chunk's failure, for the caller
                    outcome = err
                yield ch, outcome
    finally:
        for future in flight:
            future.cancel()


def run_batch(
    scenarios: list[Scenario],
    reps: int,
    seed: int,
    out: Path,
    *,
    overwrite: bool = False,
    command: str = "",
    progress: bool | None = None,
    workers: int = 1,
    executor: Executor | None = None,
    runner: Runner = compute_chunk,
) -> BatchResult:
    """Run every scenario for ``reps`` replications into ``out``; resume where parts exist.

    Chunks run on ``executor`` (e.g. a Dask client's) with ``workers`` of them busy at
    once, or without one on ``workers`` local processes. ``runner`` computes a chunk's
    tables (it must be importable by the workers). ``progress``: None shows the bar on
    a terminal only.
    """
    check_names(scenarios)
    identity = batch_identity(scenarios, reps, seed)
    prepare_output(out, identity, overwrite)
    chunks = plan_chunks(scenarios, reps)
    todo = [ch for ch in chunks if not chunk_done(out, ch)]
    result = BatchResult(out=out, chunks_reused=len(chunks) - len(todo))
    pool = executor or local_executor(workers)
    manifest = {
        "identity": identity,
        "command": command,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "executor": {"kind": type(pool).__name__, "workers": workers},
        "pairing": PAIRING,
        "tables": list(TABLES),
        "scenario_files": {sc.name: dict(sc.files) for sc in scenarios},
        "scenario_titles": {sc.name: {"en": sc.title, "zh": sc.title_zh} for sc in scenarios},
        "horizons": {sc.name: sc.horizon for sc in scenarios},
        "thresholds": {sc.name: dict(sc.thresholds) for sc in scenarios},
        "chunks_total": len(chunks),
        "chunks_done": result.chunks_reused,
        "status": "running",
    }
    write_manifest(out, manifest)
    for sub in TABLES:
        (out / sub).mkdir(parents=True, exist_ok=True)
    t0 = last_write = time.perf_counter()
    reused = sum(len(ch.replications) for ch in chunks) - sum(len(ch.replications) for ch in todo)
    bar = tqdm(
        total=reps * len(scenarios),
        initial=reused,
        unit="rep",
        desc="replications",
        disable=None if progress is None else not progress,
        file=sys.stderr,
    )
    status = "interrupted"  # unless the loop ends: Ctrl-C, a dead worker process, a full disk
    try:
        for ch, outcome in run_chunks(pool, todo, seed, runner, IN_FLIGHT_PER_WORKER * workers):
            if isinstance(outcome, BaseException):
                record = failure_record(ch, seed, outcome)
                result.failures.append(record)
                bar.write(failure_message(record), file=sys.stderr)
            else:
                for name, data in outcome.items():
                    atomic_write_bytes(out / name / ch.part, data)
                result.chunks_run += 1
            bar.update(len(ch.replications))
            if time.perf_counter() - last_write >= MANIFEST_EVERY:
                manifest["chunks_done"] = result.chunks_reused + result.chunks_run
                write_manifest(out, manifest)
                last_write = time.perf_counter()
        status = "complete" if result.complete else "incomplete"
    finally:
        bar.close()
        if executor is None:
            pool.shutdown(wait=status != "interrupted", cancel_futures=True)
        manifest.update(
            status=status,
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(time.perf_counter() - t0, 2),
            chunks_done=result.chunks_reused + result.chunks_run,
            failures=result.failures,
        )
        write_manifest(out, manifest)
    return result


def failure_record(ch: Chunk, seed: int, err: BaseException) -> dict:
    """What a user needs to reproduce a failed chunk."""
    return {
        "scenario": ch.scenario.name,
        "replications": [ch.replications.start, ch.replications.stop - 1],
        "seed": seed,
        "error": f"{type(err).__name__}: {err}",
        "traceback": "".join(traceback.format_exception(err, limit=-3)),
    }


def failure_message(record: dict) -> str:
    """One line naming the failed chunk: scenario, replications, seed and error."""
    first, last = record["replications"]
    return (
        f"chunk failed: scenario {record['scenario']}, replications {first}-{last}, "
        f"seed {record['seed']}: {record['error']}"
    )
