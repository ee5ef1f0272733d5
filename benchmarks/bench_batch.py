"""Wall time and peak memory of one batch on 1 worker, 2 workers and a local Dask cluster.

    python benchmarks/bench_batch.py [--reps 400] [--seed 1]

Each configuration runs in its own process (so that peak RSS is its own) on the same
batch (city_plan and baseline, full horizon) into a fresh directory; the script then
checks that every configuration wrote the same tables and prints times, speed-ups
relative to one worker and peak resident memory (``resource.getrusage``), with the
load average before the run: other work on the machine lowers the speed-ups. Speed
is measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [ROOT / "scenarios" / "city_plan.toml", ROOT / "scenarios" / "baseline.toml"]
CONFIGS = ["workers=1", "workers=2", "dask=2"]


def peak_rss_mb(who: int) -> float:
    """Peak resident set size in MB of this process or of its largest finished child."""
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def run_one(config: str, reps: int, seed: int, out: Path) -> dict:
    """Run the batch in this process under ``config``; return its measurements."""
    from sim.batch import MALLOC_TRIM, dask_executor, run_batch
    from sim.scenario import load

    scenarios = [load(p) for p in SCENARIOS]
    kind, n = config.split("=")
    startup = 0.0
    if kind == "workers":
        t0 = time.perf_counter()
        result = run_batch(scenarios, reps, seed, out, workers=int(n), progress=False)
        seconds = time.perf_counter() - t0
    else:
        import dask
        from distributed import LocalCluster

        dask.config.set({MALLOC_TRIM: None})
        t0 = time.perf_counter()
        with (
            LocalCluster(
                n_workers=int(n),
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
                processes=True,
            ) as cluster,
            dask_executor(cluster.scheduler_address) as (executor, slots),
        ):
            startup = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = run_batch(
                scenarios, reps, seed, out, executor=executor, workers=slots, progress=False
            )
            seconds = time.perf_counter() - t0
    assert result.complete, result.failures
    return {
        "config": config,
        "seconds": seconds,
        "startup": startup,
        "main_rss_mb": peak_rss_mb(resource.RUSAGE_SELF),
        "worker_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
    }


def same_tables(a: Path, b: Path) -> bool:
    import pandas as pd

    from sim.tables import TABLES

    for name in TABLES:
        x, y = pd.read_parquet(a / name), pd.read_parquet(b / name)
        keys = [k for k in ("scenario", "replication", "month") if k in x]
        x, y = x.sort_values(keys, ignore_index=True), y.sort_values(keys, ignore_index=True)
        if not x.equals(y):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400, help="replications per scenario")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.reps, args.seed, args.out)))
        return

    configs = CONFIGS if find_spec("distributed") else CONFIGS[:2]
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            out = Path(tmp) / config.replace("=", "")
            command = [sys.executable, __file__, "--one", config, "--reps", str(args.reps)]
            command += ["--seed", str(args.seed), "--out", str(out)]
            proc = subprocess.run(command, capture_output=True, text=True, check=True)
            rows.append({**json.loads(proc.stdout.splitlines()[-1]), "out": out})
        identical = all(same_tables(rows[0]["out"], row["out"]) for row in rows[1:])
    base = rows[0]["seconds"]
    chunks = len(SCENARIOS) * -(-args.reps // 50)
    print(f"batch: {len(SCENARIOS)} scenarios x {args.reps} replications ({chunks} chunks)")
    print(f"cores: {os.cpu_count()}, load average before: {load:.2f}")
    print("seconds: run_batch (local pools start their processes inside it); startup: the")
    print("Dask cluster; speed-up: 1 worker's seconds over these, without and with startup")
    header = ["config", "seconds", "startup", "speed-up", "with startup", "main MB", "worker MB"]
    print(f"{header[0]:<10}" + "".join(f"{h:>13}" for h in header[1:]))
    for r in rows:
        cells = [
            f"{r['seconds']:.2f}",
            f"{r['startup']:.2f}",
            f"{base / r['seconds']:.2f}",
            f"{base / (r['seconds'] + r['startup']):.2f}",
            f"{r['main_rss_mb']:.0f}",
            f"{r['worker_rss_mb']:.0f}",
        ]
        print(f"{r['config']:<10}" + "".join(f"{c:>13}" for c in cells))
    print(f"identical results across configurations: {identical}")


if __name__ == "__main__":
    main()
