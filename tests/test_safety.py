"""The user's files are never destroyed and a damaged result is never trusted.

The program deletes or replaces only files it recorded writing, inside --out; a folder
without a valid manifest of this program is refused unless empty; every recorded part is
verified (size and SHA-256) before it is reused or read.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim import batch
from sim.tables import TABLES
from tests.folders import assert_one_line_error, cli, short_scenarios, snapshot

REPS = 60  # two chunks per scenario: 50 and 10 replications
SEED = 5


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return short_scenarios(tmp_path_factory.mktemp("scenarios"), ("baseline", "city_plan"))


@pytest.fixture(scope="module")
def finished(files: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished batch (without its report, for speed), copied by each test."""
    out = tmp_path_factory.mktemp("finished") / "out"
    assert batch_main(files, out, "--no-report") == 0
    return out


def batch_main(files: list[str], out: Path, *more: str, reps: int = REPS) -> int:
    from sim.cli import main

    args = ["run", *files, "--reps", str(reps), "--seed", str(SEED), "--out", str(out)]
    return main([*args, "--quiet", *more])


def run_args(files: list[str], out: Path, *more: str, reps: int = REPS) -> list[str]:
    args = ["run", *files, "--reps", str(reps), "--seed", str(SEED), "--out", str(out)]
    return [*args, "--quiet", "--no-report", *more]


@pytest.fixture
def home(tmp_path: Path, finished: Path) -> tuple[Path, Path]:
    """``tmp_path/out`` (a copy of the finished batch) beside ``tmp_path/victim`` (a user's)."""
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.txt").write_text("years of work", encoding="utf-8")
    (victim / "timeseries").mkdir()
    (victim / "timeseries" / "baseline__00000.parquet").write_bytes(b"the user's own data")
    return out, victim


def manifest_of(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of a folder from its recorded parts, in a canonical order."""
    m = manifest_of(out)
    frames = {}
    for name in TABLES:
        parts = sorted(out / rel for rel in m["parts"] if rel.startswith(f"{name}/"))
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        keys = [k for k in ("scenario", "replication", "month") if k in frame]
        frames[name] = frame.sort_values(keys, ignore_index=True)
    return frames


def assert_same_tables(expected: Path, got: Path) -> None:
    want, have = tables(expected), tables(got)
    for name in TABLES:
        pd.testing.assert_frame_equal(have[name], want[name])


# --- item 1: deletion only of recorded files inside --out -------------------------------------
def test_the_issue_attack_deletes_nothing_outside_out(home, files, capsys):
    out, victim = home
    m = manifest_of(out)
    m["tables"] += ["../victim", str(victim)]
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    before = snapshot(out.parent)
    code, _, err = cli(capsys, *run_args(files, out, "--overwrite", reps=2 * REPS))
    assert_one_line_error(code, err, "manifest.json", "tables", "not a valid manifest")
    assert snapshot(out.parent) == before


TAMPERED = {
    "parts_up": lambda m: m["parts"].update(
        {"../victim/thesis.txt": {"size": 13, "sha256": "0" * 64}}
    ),
    "parts_absolute": lambda m: m["parts"].update(
        {"/etc/hostname": {"size": 1, "sha256": "0" * 64}}
    ),
    "parts_dotdot": lambda m: m["parts"].update({"..": {"size": 1, "sha256": "0" * 64}}),
    "parts_in_table_up": lambda m: m["parts"].update(
        {"timeseries/../../victim/thesis.txt": {"size": 13, "sha256": "0" * 64}}
    ),
    "tables_dotdot": lambda m: m["tables"].append(".."),
    "outputs_up": lambda m: m["outputs"].append("../victim/thesis.txt"),
    "scenario_up": lambda m: m["identity"]["scenarios"].update({"../victim": "x"}),
    "token_path": lambda m: m.update(temp_token="../../victim/thesis"),
}


@pytest.mark.parametrize("overwrite", [False, True], ids=["resume", "overwrite"])
@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_manifest_naming_files_outside_out_is_an_error_not_a_deletion_list(
    home, files, capsys, case, overwrite
):
    out, _ = home
    m = manifest_of(out)
    TAMPERED[case](m)
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    before = snapshot(out.parent)
    more = ("--overwrite",) if overwrite else ()
    code, _, err = cli(capsys, *run_args(files, out, *more))
    assert_one_line_error(code, err, "manifest.json", "not a valid manifest")
    assert snapshot(out.parent) == before


UNREADABLE = {
    "invalid_json": b'{"program": "soe-reform-sim", ',
    "binary": bytes(range(256)),
    "a_list": b"[1, 2, 3]",
    "empty_object": b"{}",
    "deep": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("case", [*sorted(UNREADABLE), "no_horizons", "older_format"])
def test_an_unreadable_manifest_is_one_line_for_every_command(home, files, capsys, case):
    out, _ = home
    m = manifest_of(out)
    if case == "no_horizons":
        del m["horizons"]
        text = json.dumps(m).encode()
    elif case == "older_format":
        del m["format"], m["parts"]  # what an older version wrote
        text = json.dumps(m).encode()
    else:
        text = UNREADABLE[case]
    (out / "manifest.json").write_bytes(text)
    before = snapshot(out.parent)
    for argv in (
        run_args(files, out),
        run_args(files, out, "--overwrite"),
        ["report", str(out)],
        ["compare", str(out)],
    ):
        code, _, err = cli(capsys, *argv)
        assert_one_line_error(code, err, "manifest.json")
    assert snapshot(out.parent) == before


def test_a_folder_that_is_not_a_results_folder_is_refused_even_with_overwrite(
    tmp_path, files, capsys
):
    out = tmp_path / "mine"
    for sub in ("timeseries", "summary"):
        (out / sub).mkdir(parents=True)
        (out / sub / "data.parquet").write_bytes(b"the user's table")
    (out / ".x.tmp").write_bytes(b"a user's hidden file")
    (out / "report.html").write_text("<p>the user's report</p>", encoding="utf-8")
    before = snapshot(tmp_path)
    for more in ((), ("--overwrite",)):
        code, _, err = cli(capsys, *run_args(files, out, *more))
        assert_one_line_error(code, err, str(out), "no manifest.json of this program")
    assert snapshot(tmp_path) == before


def test_overwrite_deletes_only_the_files_the_old_manifest_records(home, files, capsys):
    out, _ = home
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "timeseries" / "mine.parquet").write_bytes(b"mine too")
    (out / "timeseries" / "sub").mkdir()
    old = set(manifest_of(out)["parts"])
    code, _, err = cli(capsys, *run_args(files, out, "--overwrite", reps=REPS - 20))
    assert code == 0, err
    new = set(manifest_of(out)["parts"])
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "timeseries" / "mine.parquet").read_bytes() == b"mine too"
    assert (out / "timeseries" / "sub").is_dir()
    assert old - new and all(not (out / rel).exists() for rel in old - new)
    assert all((out / rel).is_file() for rel in new)


def test_a_symlinked_table_folder_is_refused_and_never_written_through(home, files, capsys):
    out, victim = home
    shutil.rmtree(out / "timeseries")
    (out / "timeseries").symlink_to(victim / "timeseries")
    before = snapshot(out.parent)
    for more in ((), ("--overwrite",)):
        code, _, err = cli(capsys, *run_args(files, out, *more))
        assert_one_line_error(code, err, "timeseries", "not a folder this program made")
    assert snapshot(out.parent) == before


def test_a_file_the_program_did_not_write_is_never_replaced(home, files, capsys, tmp_path):
    out, _ = home
    more = [*files, *short_scenarios(tmp_path / "more", ("fast_closures",))]
    foreign = out / "summary" / "fast_closures__00000.parquet"
    foreign.write_bytes(b"the user's file, at a name the new batch would write")
    before = snapshot(out.parent)
    code, _, err = cli(capsys, *run_args(more, out, "--overwrite"))
    assert_one_line_error(code, err, str(foreign), "not written by this program")
    assert snapshot(out.parent) == before

    foreign.unlink()
    m = manifest_of(out)
    m["outputs"].remove("bottom_lines.csv")  # as if the program had never written it
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    (out / "bottom_lines.csv").write_text("the user's csv", encoding="utf-8")
    before = snapshot(out.parent)
    code, _, err = cli(capsys, *run_args(more, out, "--overwrite"))
    assert_one_line_error(code, err, "bottom_lines.csv", "not written by this program")
    assert snapshot(out.parent) == before


# --- item 2: damaged results ------------------------------------------------------------------
def foreign_schema() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"scenario": ["other"], "x": [1.0]}).to_parquet(buffer, index=False)
    return buffer.getvalue()


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "zero_bytes": lambda data: b"",
    "random_bytes": lambda data: os.urandom(len(data)),
    "one_byte_flipped": lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:],
    "foreign_schema": lambda data: foreign_schema(),
}
DAMAGED = "summary/city_plan__00001.parquet"


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_part_is_named_by_report_and_compare_and_rerun_by_run(
    home, files, finished, capsys, case
):
    out, _ = home
    part = out / DAMAGED
    part.write_bytes(DAMAGE[case](part.read_bytes()))
    for argv in (["report", str(out), "--output", str(out / "r.html")], ["compare", str(out)]):
        code, _, err = cli(capsys, *argv)
        assert_one_line_error(code, err, str(part), "damaged", "python run.py run")
    assert not (out / "r.html").exists()

    code, stdout, err = cli(capsys, *run_args(files, out))
    assert code == 0, err
    assert "(1 chunks run, 3 reused)" in stdout
    assert "damaged" in err and err.count("\n") == 1
    assert_same_tables(finished, out)
    assert cli(capsys, "compare", str(out))[0] == 0


def test_a_missing_part_is_rerun(home, files, finished, capsys):
    out, _ = home
    (out / DAMAGED).unlink()
    code, stdout, err = cli(capsys, *run_args(files, out))
    assert code == 0 and "(1 chunks run, 3 reused)" in stdout, err
    assert_same_tables(finished, out)


def test_duplicated_and_unknown_parts_are_never_read(home, files, finished, capsys):
    out, _ = home
    for name in ("city_plan__00000 (copy).parquet", "zz__00000.parquet", "_x.parquet"):
        shutil.copy(out / "summary" / "city_plan__00000.parquet", out / "summary" / name)
        shutil.copy(out / "timeseries" / "city_plan__00000.parquet", out / "timeseries" / name)
    code, expected, _ = cli(capsys, "compare", str(finished))
    code_, got, err = cli(capsys, "compare", str(out))
    assert code == code_ == 0 and got == expected, err
    code, stdout, err = cli(capsys, *run_args(files, out))
    assert code == 0 and "(0 chunks run, 4 reused)" in stdout, err
    assert (out / "summary" / "zz__00000.parquet").is_file()  # not the program's: kept


def test_every_part_is_recorded_with_its_size_and_checksum(finished):
    parts = manifest_of(finished)["parts"]
    on_disk = {p.relative_to(finished).as_posix() for p in finished.glob("*/*.parquet")}
    assert set(parts) == on_disk and len(parts) == 2 * 2 * len(TABLES)
    for rel, record in parts.items():
        data = (finished / rel).read_bytes()
        assert record == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_a_full_disk_is_one_line_keeps_what_finished_and_a_rerun_completes(
    tmp_path, files, finished, capsys, monkeypatch
):
    out = tmp_path / "full"
    written = []

    def fill_up(path: Path, data: bytes, token: str) -> Path:
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(path)
        return original(path, data, token)

    original = batch.write_temp
    monkeypatch.setattr(batch, "write_temp", fill_up)
    code, _, err = cli(capsys, *run_args(files, out))
    assert_one_line_error(code, err, "No space left on device", str(out))
    m = manifest_of(out)
    assert m["status"] == "interrupted" and not list(out.rglob("*.tmp"))
    monkeypatch.undo()
    code, stdout, err = cli(capsys, *run_args(files, out))
    assert code == 0 and "chunks run" in stdout, err
    assert_same_tables(finished, out)


def test_report_records_its_default_output_and_never_replaces_a_users_file(home, capsys):
    out, _ = home  # run with --no-report: the program never wrote OUT/report.html
    assert "report.html" not in manifest_of(out)["outputs"]
    (out / "report.html").write_text("the user's page", encoding="utf-8")
    code, _, err = cli(capsys, "report", str(out))
    assert_one_line_error(code, err, "report.html", "not written by this program")
    assert (out / "report.html").read_text(encoding="utf-8") == "the user's page"
    (out / "report.html").unlink()
    code, stdout, err = cli(capsys, "report", str(out))
    assert code == 0 and stdout.strip() == str(out / "report.html"), err
    assert "report.html" in manifest_of(out)["outputs"]


def test_a_damaged_part_stays_the_programs_until_it_is_rerun(
    home, files, finished, capsys, monkeypatch
):
    out, _ = home
    (out / DAMAGED).write_bytes(b"damaged")

    def full(path: Path, data: bytes, token: str) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(batch, "write_temp", full)  # the rerun stops before replacing it
    code, _, err = cli(capsys, *run_args(files, out))
    assert code == 2 and "No space left on device" in err
    monkeypatch.undo()
    code, stdout, err = cli(capsys, *run_args(files, out))
    assert code == 0 and "(1 chunks run, 3 reused)" in stdout, err
    assert_same_tables(finished, out)
