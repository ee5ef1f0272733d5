"""Writing results: Parquet parts written atomically, and the run's manifest.

A run directory holds::

    OUT/manifest.json             what was run: scenarios (texts, digests), seed,
                                  replications, chunk size, code version, chunks done,
                                  the pairing of replications, versions, command, times
    OUT/<table>/*.parquet         one part per (scenario, chunk) for each table of
                                  ``sim.tables.chunk_tables`` (e.g. timeseries)

``pandas.read_parquet(OUT / "timeseries")`` (or DuckDB's
``read_parquet('OUT/timeseries/*.parquet')``) reads the whole table. Temporary files
start with "." and end with ".tmp", so neither reader ever sees a half-written part.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    The file gets the usual permissions (not the private ones of a temporary file),
    so others can read a shared results directory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~UMASK)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    atomic_write_bytes(out / "manifest.json", text.encode("utf-8"))


def read_timeseries(out: Path, months: Iterable[int] | None = None) -> pd.DataFrame:
    """The time-series table of a run directory, or only its rows at ``months``."""
    filters = None if months is None else [("month", "in", sorted(set(months)))]
    return pd.read_parquet(out / "timeseries", filters=filters)
