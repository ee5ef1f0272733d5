"""Results on disk: parts recorded in the manifest, written atomically, verified when read.

A results folder (``--out``) holds::

    OUT/manifest.json             what was run: scenarios (texts, extends chains with
                                  digests), seed, replications, chunk size, code version,
                                  the pairing of replications, versions, command, times,
                                  status; and every file this program wrote there: each
                                  part with its size and SHA-256, and the outputs
    OUT/<table>/*.parquet         one part per (scenario, chunk) for each table of
                                  ``sim.tables.chunk_tables`` (e.g. timeseries)
    OUT/summary_table.csv, OUT/bottom_lines.csv, OUT/report.html

The program reads, replaces and deletes only files the manifest records: a part is
recorded (name, size, SHA-256) before it is renamed into place, an output's name
before it is first written, and a part is read only when its size and checksum match
the record. A manifest that is not a valid one of this program is an error, never a
list of files. Temporary files are named ``.<name>.<token>.tmp`` after a token the
manifest records before any of them exists, so leftovers of a killed run are known.

``pandas.read_parquet(OUT / "timeseries")`` reads a whole table of an undamaged folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.commands import UserError
from sim.measures import registry
from sim.parameters import DISTRIBUTIONS
from sim.parameters import table as parameter_table
from sim.scenario import name_problem

PROGRAM = "soe-reform-sim"
FORMAT = 2  # of the manifest; format 1 (no recorded parts) is not trusted
MANIFEST = "manifest.json"
HEADLINE_CSV, BOTTOM_LINES_CSV, REPORT = "summary_table.csv", "bottom_lines.csv", "report.html"
OUTPUTS = (HEADLINE_CSV, BOTTOM_LINES_CSV, REPORT)  # the files besides the parts
SENSITIVITY_CSV, SENSITIVITY_PAGE = "sensitivity.csv", "sensitivity.html"
ATTRIBUTION_CSV, ATTRIBUTION_PAGE = "attribution.csv", "attribution.html"
DISCOVERY_CSV = "discovery.csv"
DISCOVERY_COLUMNS = (  # of DISCOVERY_CSV: a block of rows per (scenario, outcome)
    *("scenario", "outcome", "section", "step", "parameter", "low", "high"),
    *("full_low", "full_high", "coverage", "density", "support", "quasi_p"),
)
OPTIMIZE_CSV, OPTIMIZE_PAGE = "optimize.csv", "optimize.html"
# of `sensitivity` (sim.sensitivity), `attribute` (sim.attribution), `discover` (sim.prim)
# and `optimize` (sim.optimize)
ANALYSIS_OUTPUTS = (
    SENSITIVITY_CSV,
    SENSITIVITY_PAGE,
    ATTRIBUTION_CSV,
    ATTRIBUTION_PAGE,
    DISCOVERY_CSV,
    OPTIMIZE_CSV,
    OPTIMIZE_PAGE,
)
PLAN_FILE = re.compile(r"plans/opt_[0-9a-f]{12}\.toml")  # a Pareto plan `optimize` writes
STATUSES = ("running", "complete", "incomplete", "interrupted")
MAX_MANIFEST_BYTES = 2**30  # far beyond a real one (1 MB scenario texts, a record per part)
MAX_MONTHS = 10_000  # a horizon beyond any the parameters allow, within the calendar's range
TOKEN = re.compile(r"[0-9a-f]{8}")
SHA256 = re.compile(r"[0-9a-f]{64}")
TABLE = re.compile(r"[a-z][a-z_]{0,39}")
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class ResultsError(UserError, ValueError):
    """A results folder the program cannot trust or use; ``str()`` is one line."""


class DamagedPart(ResultsError):
    """A recorded part whose file is missing or differs from its record."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: damaged part ({reason})")


def part_name(scenario: str, index: int) -> str:
    """The file name of chunk ``index`` of ``scenario`` in every table."""
    return f"{scenario}__{index:05d}.parquet"


def chunk_count(replications: int, chunk_size: int) -> int:
    return -(-replications // chunk_size)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_token() -> str:
    """A fresh token for the temporary files of one run."""
    return secrets.token_hex(4)


def temp_path(path: Path, token: str) -> Path:
    return path.with_name(f".{path.name}.{token}.tmp")


def write_temp(path: Path, data: bytes, token: str) -> Path:
    """Write ``data`` to a new temporary file beside ``path`` and flush it to disk.

    The file is created exclusively (never over an existing file or through a symlink)
    with the usual permissions (the umask applies), so others can read a shared folder.
    """
    tmp = temp_path(path, token)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def atomic_write_bytes(path: Path, data: bytes, token: str | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never half-written."""
    tmp = write_temp(path, data, token or new_token())
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as the bytes of a Parquet file (made where the chunk ran, written here)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def code_version() -> str:
    """SHA-256 over the package's source and data files: changes whenever the model does."""
    digest = hashlib.sha256()
    root = resources.files("sim")
    for path in sorted(Path(str(root)).rglob("*")):
        if path.suffix in {".py", ".toml"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(Path(str(root))).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def package_versions() -> dict[str, str]:
    names = ("soe-reform-sim", "numpy", "scipy", "pandas", "pyarrow", "mesa", "plotly")
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# --- the manifest's schema -------------------------------------------------------------------
Check = Callable[[Any], bool]


def _int(low: int = 0, high: int = 2**63) -> Check:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _number(v: Any) -> bool:
    return isinstance(v, float) or _int(-(2**63))(v)


def _match(pattern: re.Pattern) -> Check:
    return lambda v: isinstance(v, str) and pattern.fullmatch(v) is not None


def _map(value: Check, key: Check = _str) -> Check:
    return lambda v: isinstance(v, dict) and all(key(k) and value(x) for k, x in v.items())


def _list(item: Check) -> Check:
    return lambda v: isinstance(v, list) and all(item(x) for x in v)


def _fields(**checks: Check) -> Check:
    return lambda v: isinstance(v, dict) and all(k in v and c(v[k]) for k, c in checks.items())


def _scenario_name(v: Any) -> bool:
    return isinstance(v, str) and name_problem(v) is None


SCHEMA: dict[str, Check] = {
    "program": lambda v: v == PROGRAM,
    "format": lambda v: v == FORMAT,
    "identity": _fields(
        seed=_int(),
        replications=_int(1),
        chunk_size=_int(1),
        code_version=_str,
        scenarios=_map(_str, key=_scenario_name),
    ),
    "command": _str,
    "status": lambda v: v in STATUSES,
    "tables": _list(_match(TABLE)),
    "parts": _map(_fields(size=_int(), sha256=_match(SHA256))),
    "outputs": _list(lambda v: v in OUTPUTS or v in ANALYSIS_OUTPUTS or _match(PLAN_FILE)(v)),
    "temp_token": _match(TOKEN),
    "horizons": _map(_int(1, MAX_MONTHS)),
    "thresholds": _map(lambda v: v is None or _map(_number)(v)),
    "scenario_titles": _map(_map(_str)),
    "scenario_files": _map(_map(_str)),
    "scenario_chains": _map(_list(_fields(path=_str, sha256=_match(SHA256)))),
    "versions": _map(_str),
    "chunks_total": _int(),
    "chunks_done": _int(),
    "failures": _list(lambda v: isinstance(v, dict)),
}


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | bool) or _number(v)


def _sweep(v: Any) -> bool:
    """A sweep's entry (``sim.sweep.manifest_entry``): known levers and measures only."""
    ok = _fields(
        base=_str,
        levers=_map(_list(_number)),
        points=_map(_map(_number)),
        measures=_list(_str),
    )
    if not ok(v) or not v["levers"]:
        return False
    levers = set(v["levers"])
    return (
        levers <= set(parameter_table()["levers"])
        and set(v["measures"]) <= set(registry())
        and all(set(point) == levers for point in v["points"].values())
    )


def _law(key: Any, law: Any) -> bool:
    """A varied parameter's law as deep mode records it: a parameter of the table and a
    distribution with its finite numbers in order (sim.randomness.sample_law)."""
    kind, _, name = str(key).partition(".")
    if kind not in ("uncertainties", "constants") or name not in parameter_table()[kind]:
        return False
    if not isinstance(law, dict) or law.get("distribution") not in DISTRIBUTIONS:
        return False
    needed = DISTRIBUTIONS[law["distribution"]]
    if not all(_number(law.get(k)) and math.isfinite(law[k]) for k in needed):
        return False
    if law["distribution"] == "normal":
        return law["sd"] >= 0
    ordered = [law[k] for k in ("low", "mode", "high") if k in needed]
    return ordered == sorted(ordered)


def _uncertainty(v: Any) -> bool:
    """Deep or fixed, and every varied parameter's law (sim.deep.manifest_entry)."""
    if not _fields(mode=lambda m: m in ("deep", "fixed"))(v):
        return False
    laws = v.get("parameters", {})
    return isinstance(laws, dict) and all(_law(k, law) for k, law in laws.items())


OPTIONAL: dict[str, Check] = {  # keys a manifest may lack (written before they were recorded)
    "scenario_levers": _map(_map(_scalar)),
    "scenario_descriptions": _map(_str),
    "sweep": _sweep,
    "uncertainty": _uncertainty,
    "analysis": lambda v: isinstance(v, dict) and isinstance(v.get("design"), str),
}


def manifest_problem(m: Any) -> str | None:
    """Why ``m`` is not a manifest of this program (for this version), or None."""
    if not isinstance(m, dict):
        return f"a JSON {type(m).__name__}, not an object"
    if m.get("program") != PROGRAM or m.get("format") != FORMAT:
        return f"not written by this version of {PROGRAM} (format {FORMAT})"
    for key, check in SCHEMA.items():
        if key not in m:
            return f"key '{key}' is missing"
        if not check(m[key]):
            return f"key '{key}' is malformed"
    for key, check in OPTIONAL.items():
        if key in m and not check(m[key]):
            return f"key '{key}' is malformed"
    scenarios = m["identity"]["scenarios"]
    if set(m["horizons"]) != set(scenarios):
        return "key 'horizons' does not name the batch's scenarios"
    if len(set(m["tables"])) != len(m["tables"]):
        return "key 'tables' names a table twice"
    planned = _Planned(m)
    unknown = next((rel for rel in m["parts"] if rel not in planned), None)
    if unknown is not None:
        return f"key 'parts' names {unknown!r}, not a part of this batch"
    return None


class _Planned:
    """Membership in the part names a manifest's batch can have, without listing them."""

    def __init__(self, m: dict[str, Any]) -> None:
        ident = m["identity"]
        self.tables = set(m["tables"])
        self.scenarios = set(ident["scenarios"])
        self.chunks = chunk_count(ident["replications"], ident["chunk_size"])

    def __contains__(self, rel: str) -> bool:
        table, _, name = rel.partition("/")
        scenario, _, rest = name.rpartition("__")
        index = rest.removesuffix(".parquet")
        return (
            table in self.tables
            and scenario in self.scenarios
            and index.isascii()
            and index.isdigit()
            and int(index) < self.chunks
            and name == part_name(scenario, int(index))
        )


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest in ``out``, validated; None if there is none.

    Raises ResultsError (one line) for anything else: unreadable, not JSON, a symlink,
    another program's or version's, or tampered (a key missing or malformed, a part
    name that is not one of the batch's).
    """
    path = Path(out) / MANIFEST
    try:
        fd = os.open(path, OPEN_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise ResultsError(f"{path}: cannot be read ({err.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ResultsError(f"{path}: not a regular file; it cannot be trusted")
        raw = fh.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ResultsError(f"{path}: larger than any manifest this program writes")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deeply
        problem: str | None = "not UTF-8 JSON"
    else:
        problem = manifest_problem(manifest)
    if problem:
        raise ResultsError(
            f"{path}: not a valid manifest of this program ({problem}); it cannot be trusted, "
            f"so nothing in {out} is used or deleted"
        )
    return manifest


def write_manifest(out: Path, manifest: dict[str, Any], token: str | None = None) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    atomic_write_bytes(Path(out) / MANIFEST, text.encode("utf-8"), token)


def claim_output(out: Path, manifest: dict[str, Any], name: str) -> None:
    """Record in the manifest that this program writes ``out/name``, before it does; a file
    there that it did not write is refused."""
    if name in manifest["outputs"]:
        return
    if os.path.lexists(Path(out) / name):
        raise ResultsError(
            f"{Path(out) / name}: not written by this program, which will not replace it; "
            "move it away"
        )
    manifest["outputs"].append(name)
    write_manifest(out, manifest)


# --- parts -------------------------------------------------------------------------------------
def verify_part(out: Path, rel: str, record: dict[str, Any]) -> bytes:
    """The bytes of the recorded part ``rel``; DamagedPart if they are not what was recorded."""
    path = Path(out) / rel
    try:
        fd = os.open(path, OPEN_FLAGS)
    except FileNotFoundError:
        raise DamagedPart(path, "missing") from None
    except OSError as err:
        raise DamagedPart(path, err.strerror or "cannot be read") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DamagedPart(path, "not a regular file")
        data = fh.read(record["size"] + 1)
    if len(data) != record["size"]:
        size = f"more than {record['size']}" if len(data) > record["size"] else len(data)
        raise DamagedPart(path, f"{size} bytes where {record['size']} were written")
    if sha256_hex(data) != record["sha256"]:
        raise DamagedPart(path, "its checksum differs from the one recorded when it was written")
    return data


def finished_parts(
    manifest: dict[str, Any], table: str, scenarios: Iterable[str] | None = None
) -> Iterator[str]:
    """The recorded parts of ``table`` whose chunk is recorded in every table, in the batch's
    order (scenario, then chunk)."""
    ident, parts = manifest["identity"], manifest["parts"]
    chunks = chunk_count(ident["replications"], ident["chunk_size"])
    for scenario in ident["scenarios"] if scenarios is None else scenarios:
        for index in range(chunks):
            name = part_name(scenario, index)
            if all(f"{t}/{name}" in parts for t in manifest["tables"]):
                yield f"{table}/{name}"


def verify_parts(out: Path, manifest: dict[str, Any]) -> None:
    """Check every recorded part of a finished chunk; DamagedPart names the first bad one."""
    for table in manifest["tables"]:
        for rel in finished_parts(manifest, table):
            verify_part(out, rel, manifest["parts"][rel])


def read_table(
    out: Path,
    manifest: dict[str, Any],
    table: str,
    *,
    scenarios: Iterable[str] | None = None,
    columns: list[str] | None = None,
    months: Iterable[int] | None = None,
) -> pd.DataFrame:
    """A table of the batch in ``out`` from its verified parts only (never a glob of the
    folder): optionally only some scenarios, columns and months."""
    filters = None if months is None else [("month", "in", sorted(set(months)))]
    frames = [
        pq.read_table(
            pa.BufferReader(verify_part(out, rel, manifest["parts"][rel])),
            columns=columns,
            filters=filters,
        )
        for rel in finished_parts(manifest, table, scenarios)
    ]
    return pa.concat_tables(frames).to_pandas() if frames else pd.DataFrame(columns=columns)


def remove_files(out: Path, names: Iterable[str]) -> None:
    """Delete the files ``names`` (recorded, relative to ``out``): regular files only, each
    reached from ``out`` without following a symlink, never a directory."""
    by_folder: dict[str, list[str]] = {}
    for rel in names:
        folder, _, name = rel.rpartition("/")
        by_folder.setdefault(folder, []).append(name)
    top = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for folder, files in by_folder.items():
            with contextlib.suppress(FileNotFoundError):
                fd = os.open(folder or ".", OPEN_FLAGS | os.O_DIRECTORY, dir_fd=top)
                try:
                    for name in files:
                        with contextlib.suppress(FileNotFoundError):
                            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                            if stat.S_ISREG(info.st_mode):
                                os.unlink(name, dir_fd=fd)
                finally:
                    os.close(fd)
    finally:
        os.close(top)
