"""Batches: many scenarios x many replications, in chunks, resumable.

Replications are cut into chunks of ``CHUNK_SIZE`` (independent of anything else),
each run by the vectorized core and written as one Parquet part. A part on disk is
a finished chunk: running the same batch again into the same directory only runs
what is missing. A different batch (other scenarios, seed, replications or code)
into a directory that already holds one is refused unless ``overwrite`` is set.
"""

from __future__ import annotations

import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from sim.engine import simulate
from sim.results import (
    atomic_write_parquet,
    code_version,
    package_versions,
    read_manifest,
    write_manifest,
)
from sim.scenario import Scenario
from sim.tables import TABLES, chunk_tables

CHUNK_SIZE = 50


class BatchConflict(RuntimeError):
    """The output directory holds a different batch."""


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
        "code_version": code_version(),
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
    """Make ``out`` ready for this batch, refusing to mix two batches in one directory."""
    old = read_manifest(out)
    if old is not None and not overwrite:
        differs = [k for k, v in identity.items() if old.get("identity", {}).get(k) != v]
        if differs:
            raise BatchConflict(
                f"{out}: holds a different batch (changed: {', '.join(differs)}); "
                "use --overwrite to replace it or choose another --out"
            )
    if overwrite:
        for sub in TABLES:
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / "manifest.json").unlink(missing_ok=True)
    elif old is None and out.exists() and any(out.iterdir()):
        raise BatchConflict(f"{out}: exists and is not a results directory; choose another --out")
    for sub in TABLES:
        (out / sub).mkdir(parents=True, exist_ok=True)


def run_batch(
    scenarios: list[Scenario],
    reps: int,
    seed: int,
    out: Path,
    *,
    overwrite: bool = False,
    command: str = "",
    progress: bool | None = None,
) -> BatchResult:
    """Run every scenario for ``reps`` replications into ``out``; resume where parts exist."""
    check_names(scenarios)
    identity = batch_identity(scenarios, reps, seed)
    prepare_output(out, identity, overwrite)
    manifest = {
        "identity": identity,
        "command": command,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "scenario_files": {sc.name: dict(sc.files) for sc in scenarios},
        "scenario_titles": {sc.name: {"en": sc.title, "zh": sc.title_zh} for sc in scenarios},
        "horizons": {sc.name: sc.horizon for sc in scenarios},
    }
    write_manifest(out, {**manifest, "status": "running"})
    result = BatchResult(out=out)
    chunks = plan_chunks(scenarios, reps)
    t0 = time.perf_counter()
    total = sum(len(ch.replications) for ch in chunks)
    disable = None if progress is None else not progress  # None: only on a terminal
    with tqdm(
        total=total, unit="rep", desc="replications", disable=disable, file=sys.stderr
    ) as bar:
        for ch in chunks:
            if all((out / name / ch.part).exists() for name in TABLES):
                result.chunks_reused += 1
            else:
                try:
                    values = simulate(ch.scenario, seed, ch.replications)
                    for name, frame in chunk_tables(ch.scenario, ch.replications, values).items():
                        atomic_write_parquet(frame, out / name / ch.part)
                    result.chunks_run += 1
                except Exception as err:  # noqa: BLE001 - one failing chunk must not stop the batch
                    result.failures.append(failure_record(ch, seed, err))
            bar.update(len(ch.replications))
    manifest.update(
        status="complete" if result.complete else "incomplete",
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - t0, 2),
        chunks_total=len(chunks),
        chunks_done=len(chunks) - len(result.failures),
        failures=result.failures,
    )
    write_manifest(out, manifest)
    return result


def failure_record(ch: Chunk, seed: int, err: Exception) -> dict:
    """What a user needs to reproduce a failed chunk."""
    return {
        "scenario": ch.scenario.name,
        "replications": [ch.replications.start, ch.replications.stop - 1],
        "seed": seed,
        "error": f"{type(err).__name__}: {err}",
        "traceback": traceback.format_exc(limit=-3),
    }
