"""Batches: many scenarios x many replications, in chunks, on any executor, resumable.

Replications are cut into chunks of ``CHUNK_SIZE`` (independent of the number of
workers). Each chunk runs on a ``concurrent.futures.Executor`` — this process
(``workers=1``), a pool of local processes, or a Dask cluster through
``distributed.Client.get_executor()`` — and comes back as Parquet bytes, one per
table of ``sim.tables.chunk_tables``, which this process writes as
``OUT/<table>/<scenario>__<chunk>.parquet``. At most ``2 x workers`` chunks are in
flight and chunks stream to disk, so the batch's memory does not grow with the
number of replications.

Each part is recorded in the manifest (name, size, SHA-256) before it is renamed
into place (see ``sim.results``). A chunk is finished when all its parts are recorded
and match their records: running the same batch again into the same directory
(after a failure, Ctrl-C or kill -9) verifies them and runs only what is missing or
damaged, and since replication ``i`` always draws from the same seed sequences (see
``sim.randomness``) the result is the same as an uninterrupted run. The program
writes only into an empty folder or one holding a valid manifest of its own, and
deletes (with ``overwrite``) only the files that manifest records. The first SIGINT
or SIGTERM stops the batch cleanly (workers are killed, the manifest says
"interrupted"), a second one at once (``sim.commands.StopSignals``).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import signal
import stat
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
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TypeVar

import pandas as pd

from sim.commands import (
    RESUME,
    Incomplete,
    InputError,
    StopSignals,
    UserError,
    printable,
    signals_deferred,
)
from sim.deep import manifest_entry as uncertainty_entry
from sim.deep import with_mode
from sim.engine import simulate
from sim.progress import ProgressBar, progress_bar
from sim.randomness import STREAMS
from sim.results import (
    FORMAT,
    MANIFEST,
    PROGRAM,
    DamagedPart,
    chunk_count,
    code_version,
    new_token,
    package_versions,
    parquet_bytes,
    part_name,
    read_manifest,
    remove_files,
    sha256_hex,
    verify_part,
    write_manifest,
    write_temp,
)
from sim.scenario import Scenario
from sim.tables import TABLES, chunk_tables

CHUNK_SIZE = 50
MAX_REPS = 100_000  # per scenario: the end-of-run table and the report read the results back
IN_FLIGHT_PER_WORKER = 2
# Python runs signal handlers in the main thread only, and a signal another thread takes
# does not interrupt the main thread's wait for a chunk: it wakes this often to run them.
WAKE_EVERY = 0.25  # seconds
MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
PAIRING = {
    "method": "common random numbers",
    "rule": "replication i of every scenario draws from SeedSequence(seed, spawn_key=(i, stream))",
    "streams": list(STREAMS),
    "meaning": "replication i of every scenario uses the same random streams, so scenario "
    "differences are paired by replication",
}

Runner = Callable[[Scenario, int, range], dict[str, pd.DataFrame]]
Outcome = dict[str, bytes] | BaseException

T = TypeVar("T")


class BatchConflict(UserError, RuntimeError):
    """The output directory cannot take this batch."""


class ClusterError(UserError, RuntimeError):
    """The Dask cluster cannot be used; the message is one line."""


@dataclass(frozen=True)
class Chunk:
    scenario: Scenario
    index: int
    replications: range

    @property
    def part(self) -> str:
        return part_name(self.scenario.name, self.index)


@dataclass
class BatchResult:
    out: Path
    chunks_run: int = 0
    chunks_reused: int = 0
    failures: list[dict] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failures


@dataclass
class Kept:
    """What an output folder keeps of earlier runs with the same seed, replications, chunk
    size and code: their scenarios (those not named again stay, with their parts)."""

    scenarios: dict[str, str] = field(default_factory=dict)  # name -> digest, in order
    entries: dict[str, dict] = field(default_factory=dict)  # PER_SCENARIO key -> entries
    parts: dict[str, dict] = field(default_factory=dict)  # its records, damaged ones too
    outputs: list[str] = field(default_factory=list)  # recorded output names
    verified: set[str] = field(default_factory=set)  # parts that match their records
    damaged: list[DamagedPart] = field(default_factory=list)  # recorded parts to rerun


def plan_chunks(scenarios: list[Scenario], reps: int) -> list[Chunk]:
    """Every (scenario, chunk) of a batch; chunk k holds replications [k*C, (k+1)*C)."""
    starts = range(0, reps, CHUNK_SIZE)
    return [
        Chunk(sc, k, range(start, min(start + CHUNK_SIZE, reps)))
        for sc in scenarios
        for k, start in enumerate(starts)
    ]


@cache
def loaded_code_version() -> str:
    """The code version of this process, computed on its first use (workers are asked too)."""
    return code_version()


def batch_identity(
    scenarios: list[Scenario], reps: int, seed: int, analysis: dict | None = None
) -> dict:
    """What makes two batches the same batch: the keys of ``SHARED`` must match for a folder
    to take more scenarios; each scenario's digest keys its own parts. Deep uncertainty
    adds ``uncertainty`` (absent in fixed mode, as in folders written before it), an analysis's
    design (``sim.sensitivity``) its digest."""
    deep = any(sc.worlds is not None for sc in scenarios)
    return {
        "seed": seed,
        "replications": reps,
        "chunk_size": CHUNK_SIZE,
        "code_version": loaded_code_version(),
        **({"uncertainty": "deep"} if deep else {}),
        **({"analysis": analysis["design"]} if analysis else {}),
        "scenarios": {sc.name: sc.digest() for sc in scenarios},
    }


# of every scenario in a folder
SHARED = ("seed", "replications", "chunk_size", "code_version", "uncertainty", "analysis")
PER_SCENARIO = (  # manifest keys holding one entry per scenario, kept for those not rerun
    "scenario_files",
    "scenario_chains",
    "scenario_titles",
    "horizons",
    "thresholds",
    "scenario_levers",
    "scenario_descriptions",
)


def check_names(scenarios: list[Scenario]) -> None:
    seen: dict[str, str] = {}
    for sc in scenarios:
        path = sc.files[0][0] if sc.files else sc.name
        if sc.name in seen:
            raise BatchConflict(
                f"{path}: two scenarios are named '{sc.name}' (also {seen[sc.name]})"
            )
        seen[sc.name] = path


def old_manifest(out: Path) -> dict | None:
    """The valid manifest of this program in ``out``; None if ``out`` is absent or empty.

    A folder holding anything else is refused (also with --overwrite): the program
    writes only into an empty folder or one of its own.
    """
    try:
        info = os.stat(out)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise BatchConflict(f"--out {out}: cannot be used ({err.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise BatchConflict(f"--out {out}: is a file, not a folder; choose another --out")
    if not os.access(out, os.W_OK | os.X_OK):
        raise BatchConflict(f"--out {out}: not writable; choose another --out")
    old = read_manifest(out)
    if old is None and any(os.scandir(out)):
        raise BatchConflict(
            f"--out {out}: holds files but no {MANIFEST} of this program; it writes only into "
            "an empty folder or one of its own results folders (--overwrite too): choose "
            "another --out"
        )
    return old


def refuse_foreign(out: Path, names: set[str], ours: set[str]) -> None:
    """Refuse a batch that would replace a file this program did not record writing."""
    for rel in sorted(names):
        try:
            info = os.lstat(out / rel)
        except FileNotFoundError:
            continue
        if rel not in ours or stat.S_ISDIR(info.st_mode):
            raise BatchConflict(
                f"{out / rel}: not written by this program, which will not replace it; "
                "move it away or choose another --out"
            )


def prepare_output(
    out: Path, identity: dict, chunks: list[Chunk], outputs: tuple[str, ...], overwrite: bool
) -> Kept:
    """Check that ``out`` can take this batch, then make it ready: remove the temporary
    files of a killed run and, with ``overwrite``, the files the old batch recorded;
    otherwise verify the recorded parts. Nothing is touched unless every check passes."""
    old = old_manifest(out)
    if old is None:
        return Kept()
    digests = old["identity"]["scenarios"]
    changed = [k for k in SHARED if old["identity"].get(k) != identity.get(k)]
    changed += [
        f"scenario {name}"
        for name, digest in identity["scenarios"].items()
        if digests.get(name, digest) != digest
    ]
    if changed and not overwrite:
        raise BatchConflict(
            f"{out}: holds a different batch (changed: {', '.join(changed)}); "
            "use --overwrite to replace it or choose another --out"
        )
    for table in {*TABLES, *old["tables"]}:
        if (out / table).is_symlink() or (out / table).exists() and not (out / table).is_dir():
            raise BatchConflict(
                f"{out / table}: not a folder this program made; choose another --out"
            )
    ours = {*old["parts"], *old["outputs"]}
    planned = {f"{t}/{ch.part}" for ch in chunks for t in TABLES} | set(outputs)
    refuse_foreign(out, planned, ours)
    temporaries = {*ours, *planned, MANIFEST}
    remove_files(out, (_temporary(rel, old["temp_token"]) for rel in temporaries))
    if overwrite:
        remove_files(out, ours)
        return Kept()
    kept = Kept(
        scenarios=dict(digests),
        entries={key: dict(old.get(key, {})) for key in PER_SCENARIO},
        parts=dict(old["parts"]),
        outputs=list(old["outputs"]),
    )
    for rel, record in old["parts"].items():
        try:
            verify_part(out, rel, record)
            kept.verified.add(rel)
        except DamagedPart as err:  # still the program's file: its rerun replaces it
            kept.damaged.append(err)
    return kept


def _temporary(rel: str, token: str) -> str:
    folder, _, name = rel.rpartition("/")
    return f"{folder}/.{name}.{token}.tmp" if folder else f".{name}.{token}.tmp"


def compute_chunk(scenario: Scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """The tables of one chunk (the default runner)."""
    return chunk_tables(scenario, replications, simulate(scenario, seed, replications))


def encode_chunk(
    runner: Runner, scenario: Scenario, seed: int, replications: range, version: str
) -> dict[str, bytes]:
    """Run one chunk where the executor puts it; return each table as Parquet bytes.

    Refuses to run if this worker's code is not the batch's ``version``.
    """
    if version != loaded_code_version():
        raise RuntimeError(
            f"this worker runs code version {loaded_code_version()}, the batch {version}; "
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
    """Start a local worker process: take its code version now, and exit when the parent
    is gone (killed with -9, a pool's idle workers would otherwise wait forever)."""
    loaded_code_version()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class QuietProcess(multiprocessing.context.SpawnProcess):
    """A spawned worker that never receives SIGINT or SIGTERM: it starts with both blocked
    (the mask is inherited through exec), so a Ctrl-C on the terminal reaches only the
    parent, which kills its workers itself. Each started worker joins ``started``."""

    def __init__(self, started: list[QuietProcess], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.started = started

    def __getstate__(self) -> dict:
        """What the child receives: not the parent's list of workers."""
        return {k: v for k, v in self.__dict__.items() if k != "started"}

    def start(self) -> None:
        with signals_deferred():  # a worker half started would print a traceback
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
            try:
                super().start()
                self.started.append(self)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)


class QuietSpawn(multiprocessing.context.SpawnContext):
    """The "spawn" context making :class:`QuietProcess` workers; remembers them."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[QuietProcess] = []

    def Process(self, *args: object, **kwargs: object) -> QuietProcess:  # noqa: N802
        return QuietProcess(self.started, *args, **kwargs)


class LocalPool(ProcessPoolExecutor):
    """Local worker processes ("spawn" is what ``import mesa`` would force anyway) that
    Ctrl-C does not reach and that :meth:`kill_workers` stops at once."""

    def __init__(self, workers: int) -> None:
        self.context = QuietSpawn()
        super().__init__(
            workers, mp_context=self.context, initializer=init_worker, initargs=(os.getpid(),)
        )

    def kill_workers(self) -> None:
        """Kill every worker still running (a chunk it runs is lost; it is not finished)."""
        for process in self.context.started:
            if process.exitcode is None:
                process.kill()


def local_executor(workers: int) -> Executor:
    """This process for one worker, otherwise a :class:`LocalPool`."""
    return InlineExecutor() if workers == 1 else LocalPool(workers)


def stop_pool(pool: Executor, at_once: bool) -> None:
    """Shut down a local pool; ``at_once`` kills its workers first instead of waiting for
    the chunks they run (their results would be thrown away)."""
    if at_once and isinstance(pool, LocalPool):
        pool.kill_workers()
    pool.shutdown(wait=not at_once, cancel_futures=True)


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
            if version != loaded_code_version():
                raise ClusterError(
                    f"Dask worker {worker} runs code version {version}, this process "
                    f"{loaded_code_version()}; install the same project on every node and "
                    "restart the workers"
                )
        yield client.get_executor(pure=False), slots


def run_on(batch: Callable[..., T], scheduler: str | None, workers: int) -> T:
    """``batch(executor=..., workers=...)`` on the Dask cluster at ``scheduler`` (its
    worker threads), or ``batch(workers=workers)`` on local processes. A worker process
    that dies raises :class:`Incomplete` (exit 3; the finished chunks are kept)."""
    try:
        if scheduler:
            with dask_executor(scheduler) as (executor, slots):
                return batch(executor=executor, workers=slots)
        return batch(workers=workers)
    except BrokenExecutor as err:
        raise Incomplete(f"a worker process died ({err}); {RESUME}") from None


def run_chunks(
    executor: Executor, chunks: list[Chunk], seed: int, runner: Runner, window: int
) -> Iterator[list[tuple[Chunk, Outcome]]]:
    """Run ``chunks`` on ``executor`` with at most ``window`` in flight; yield the chunks
    that finished since the last yield, each with its parts or its exception. A broken
    executor (a worker process died) ends the batch: it raises.

    Chunks still in flight when the caller stops are left to the executor's shutdown (a
    local pool's cancels them; a Dask client's close does): cancelling them here would
    race with a process pool marking them broken, which then prints a traceback."""
    queue = iter(chunks)
    flight: dict[Future, Chunk] = {}
    version = loaded_code_version()
    while True:
        for ch in islice(queue, window - len(flight)):
            future = executor.submit(
                encode_chunk, runner, ch.scenario, seed, ch.replications, version
            )
            flight[future] = ch
        if not flight:
            return
        done, _ = wait(flight, timeout=WAKE_EVERY, return_when=FIRST_COMPLETED)
        if not done:
            continue
        finished = []
        for future in done:
            ch = flight.pop(future)
            try:
                outcome = future.result()
            except BrokenExecutor:
                raise
            except Exception as err:  # noqa: BLE001 - the chunk's failure, for the caller
                outcome = err
            finished.append((ch, outcome))
        yield finished


def store(
    out: Path, manifest: dict, finished: list[tuple[Chunk, dict[str, bytes]]], token: str
) -> None:
    """Write the parts of finished chunks: each to a temporary file, then the manifest
    records them (name, size, SHA-256), then each is renamed into place. A crash at any
    point leaves temporary files named after the recorded token or a recorded part that
    fails verification, never an unrecorded part."""
    moves = []
    try:
        for ch, parts in finished:
            for table, data in parts.items():
                rel = f"{table}/{ch.part}"
                moves.append((write_temp(out / rel, data, token), out / rel))
                manifest["parts"][rel] = {"size": len(data), "sha256": sha256_hex(data)}
        write_manifest(out, manifest, token)
        for tmp, path in moves:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in moves:
            tmp.unlink(missing_ok=True)
        raise


def new_manifest(
    scenarios: list[Scenario], identity: dict, kept: Kept, outputs: tuple[str, ...], **run: object
) -> dict:
    """The manifest of a batch about to run: what is run, and what the folder holds (the
    scenarios of earlier runs into it too, with their parts)."""
    entries = {
        "scenario_files": {sc.name: dict(sc.files) for sc in scenarios},
        "scenario_chains": {sc.name: sc.chain() for sc in scenarios},
        "scenario_titles": {sc.name: {"en": sc.title, "zh": sc.title_zh} for sc in scenarios},
        "horizons": {sc.name: sc.horizon for sc in scenarios},
        "thresholds": {sc.name: dict(sc.thresholds) for sc in scenarios},
        "scenario_levers": {sc.name: dict(sc.levers) for sc in scenarios},
        "scenario_descriptions": {sc.name: sc.description for sc in scenarios},
    }
    for key, old in kept.entries.items():
        entries[key] = {**{n: v for n, v in old.items() if n in kept.scenarios}, **entries[key]}
    return {
        "program": PROGRAM,
        "format": FORMAT,
        "identity": {**identity, "scenarios": {**kept.scenarios, **identity["scenarios"]}},
        **run,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "pairing": PAIRING,
        "tables": list(TABLES),
        **entries,
        "status": "running",
        "failures": [],
        "parts": dict(kept.parts),
        "outputs": sorted({*kept.outputs, *outputs}),
        "temp_token": new_token(),
    }


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
    outputs: tuple[str, ...] = (),
    sweep: dict | None = None,
    uncertainty: str = "fixed",
    analysis: dict | None = None,
) -> BatchResult:
    """Run every scenario for ``reps`` replications into ``out``; resume where parts exist.

    Chunks run on ``executor`` (e.g. a Dask client's) with ``workers`` of them busy at
    once, or without one on ``workers`` local processes. ``runner`` computes a chunk's
    tables (it must be importable by the workers). ``outputs`` are the names of
    ``sim.results.OUTPUTS`` the caller will write into ``out`` afterwards (recorded now).
    ``sweep`` and ``analysis`` are recorded in the manifest (``sim.sweep``,
    ``sim.sensitivity``). ``uncertainty`` "deep" draws every guessed parameter once per
    replication (``sim.deep``); "fixed" keeps the defaults.
    ``progress``: None shows tqdm's bar on a terminal and a line every 10% or 30 s
    otherwise (CI, a log file); False shows nothing.
    """
    check_names(scenarios)
    if not 1 <= reps <= MAX_REPS:
        raise InputError(f"replications must be in [1, {MAX_REPS}], got {reps}")
    scenarios = with_mode(scenarios, uncertainty, reps)
    identity = batch_identity(scenarios, reps, seed, analysis)
    chunks = plan_chunks(scenarios, reps)
    kept = prepare_output(out, identity, chunks, outputs, overwrite)
    todo = [ch for ch in chunks if any(f"{t}/{ch.part}" not in kept.verified for t in TABLES)]
    result = BatchResult(out=out, chunks_reused=len(chunks) - len(todo))
    others = [  # the chunks of the folder's scenarios this command does not name
        part_name(name, k)
        for name in kept.scenarios
        if name not in identity["scenarios"]
        for k in range(chunk_count(reps, CHUNK_SIZE))
    ]
    others_done = sum(all(f"{t}/{part}" in kept.verified for t in TABLES) for part in others)
    manifest = new_manifest(
        scenarios,
        identity,
        kept,
        outputs,
        command=command,
        executor={
            "kind": "dask" if executor and not isinstance(executor, LocalPool) else "local",
            "workers": workers,
        },
        **({"sweep": sweep} if sweep else {}),
        **({"analysis": analysis} if analysis else {}),
        uncertainty=uncertainty_entry(scenarios[0].worlds),
        chunks_total=len(chunks) + len(others),
        chunks_done=others_done + result.chunks_reused,
    )
    token = manifest["temp_token"]
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out, manifest, token)
    for sub in TABLES:
        (out / sub).mkdir(exist_ok=True)
    if kept.damaged:
        print(
            f"warning: {len(kept.damaged)} damaged part(s) will be rerun; the first: "
            f"{kept.damaged[0]}",
            file=sys.stderr,
        )
    reused = sum(len(ch.replications) for ch in chunks) - sum(len(ch.replications) for ch in todo)
    bar = progress_bar(reps * len(scenarios), reused, progress)
    status = "interrupted"  # unless the loop ends: a signal, a dead worker process, a full disk
    with StopSignals():
        pool = executor or local_executor(workers)
        try:
            for finished in run_chunks(pool, todo, seed, runner, IN_FLIGHT_PER_WORKER * workers):
                with signals_deferred():
                    record_round(out, manifest, finished, result, bar, seed, others_done)
            status = "complete" if result.complete else "incomplete"
        finally:
            with signals_deferred():
                bar.close()
                if executor is None:
                    stop_pool(pool, at_once=status == "interrupted")
                manifest.update(
                    status=status,
                    finished=datetime.now(UTC).isoformat(timespec="seconds"),
                    chunks_done=others_done + result.chunks_reused + result.chunks_run,
                    failures=result.failures,
                )
                write_manifest(out, manifest, token)
    return result


def record_round(
    out: Path,
    manifest: dict,
    finished: list[tuple[Chunk, Outcome]],
    result: BatchResult,
    bar: ProgressBar,
    seed: int,
    others_done: int,
) -> None:
    """Store the chunks that finished together and report those that failed."""
    done = [(ch, parts) for ch, parts in finished if not isinstance(parts, BaseException)]
    for ch, outcome in finished:
        if isinstance(outcome, BaseException):
            record = failure_record(ch, seed, outcome)
            result.failures.append(record)
            bar.write(failure_message(record), file=sys.stderr)
    result.chunks_run += len(done)
    done_now = others_done + result.chunks_reused + result.chunks_run
    manifest.update(chunks_done=done_now, failures=result.failures)
    store(out, manifest, done, manifest["temp_token"])
    bar.update(sum(len(ch.replications) for ch, _ in finished))


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
    return printable(
        f"chunk failed: scenario {record['scenario']}, replications {first}-{last}, "
        f"seed {record['seed']}: {record['error']}"
    )
