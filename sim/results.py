"""Writing results: Parquet parts written atomically, and the run's manifest.

A run directory holds::

    OUT/manifest.json             what was run: scenarios (texts, digests), seed,
                                  replications, chunk size, versions, command, times
    OUT/<table>/*.parquet         one part per (scenario, chunk) for each table of
                                  ``sim.tables.chunk_tables`` (e.g. timeseries)

``pandas.read_parquet(OUT / "timeseries")`` reads the whole table.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def read_timeseries(out: Path) -> pd.DataFrame:
    """The whole time-series table of a run directory."""
    return pd.read_parquet(out / "timeseries")
