"""Property tests: random bytes, random TOML and random manifests fed to ``validate``, ``run``,
``report`` and ``compare`` end with exit code 0 or 2, at most two lines on stderr, never a
traceback, and touch nothing outside --out."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.parameters import table
from sim.scenario import TOP_KEYS
from tests.folders import cli, short_scenarios, snapshot

SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure can be reproduced
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ADVERSARIAL = [
    "..",
    ".",
    "../victim",
    "../victim/precious.txt",
    "/",
    "/etc",
    "timeseries/../../victim/precious.txt",
    "summary/baseline__00000.parquet",
    "baseline",
    "city_plan",
    "_x",
    "x\n\x1b[31m\x00",
    "",
]
KEYS = st.one_of(
    st.sampled_from([*TOP_KEYS, *table()["levers"], *table()["uncertainties"]][:40]),
    st.sampled_from(["distribution", "low", "high", "mode", "value", "mean", "sd"]),
    st.sampled_from(ADVERSARIAL),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
    st.sampled_from(["uniform", "fixed", "normal", "triangular", "options", *ADVERSARIAL]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)
TROUBLE = [10**400, -(10**400), [1], {"distribution": [1]}, {"distribution": {"a": 1}}]
PLAUSIBLE_VALUES = st.one_of(
    SCALARS,
    st.floats(0, 1),
    st.integers(0, 30),
    st.sampled_from([{"distribution": "uniform", "low": 0.1, "high": 0.2}, *TROUBLE]),
)


def section(kind: str) -> st.SearchStrategy:
    return st.dictionaries(st.sampled_from(list(table()[kind])), PLAUSIBLE_VALUES, max_size=3)


PLAUSIBLE = st.fixed_dictionaries(
    {},
    optional={
        "title": SCALARS,
        "extends": st.sampled_from(["baseline", "city_plan", "nowhere", "x.toml", *ADVERSARIAL]),
        "levers": section("levers"),
        "uncertainties": section("uncertainties"),
        "thresholds": section("thresholds"),
        "constants": section("constants"),
    },
)
DOCUMENTS = st.one_of(PLAUSIBLE, st.dictionaries(KEYS, VALUES, max_size=5))
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(ADVERSARIAL),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(ADVERSARIAL) | st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_document(doc: dict) -> str:
    """``doc`` as TOML (inline tables), with a short horizon unless it sets ``settings``."""
    doc = {"settings": {"horizon_months": 18}, **doc}
    return "".join(f"{toml_value(str(k))} = {toml_value(v)}\n" for k, v in doc.items())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A finished tiny batch (one replication, 18 months) and its scenario file."""
    files = short_scenarios(tmp_path_factory.mktemp("scenarios"), ("baseline",))
    out = tmp_path_factory.mktemp("template") / "out"
    from sim.cli import main

    assert main(["run", *files, "--reps", "1", "--out", str(out), "--quiet", "--no-report"]) == 0
    return out, files


def fresh(tmp_path: Path, template: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """A new folder holding ``out`` (a copy of ``template``, if given) and ``victim``."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    victim = root / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("never touch", encoding="utf-8")
    out = root / "out"
    if template is not None:
        shutil.copytree(template, out)
    return root, out


def outside(root: Path) -> dict:
    """Everything under ``root`` but ``out``."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith("out")}


def assert_well_behaved(capsys, root: Path, *argv: str) -> None:
    before = outside(root)
    code, _, err = cli(capsys, *argv)
    assert code in (0, 2), (argv, code, err)
    assert len(err.splitlines()) <= 2 and "Traceback" not in err, (argv, err)
    assert outside(root) == before, argv


def run_args(scenario: Path | str, out: Path, *more: str) -> list[str]:
    return ["run", str(scenario), "--reps", "1", "--out", str(out), "--quiet", "--no-report", *more]


@settings(SETTINGS, max_examples=40)
@given(st.binary(max_size=300))
def test_random_bytes_as_a_scenario_file(tmp_path, capsys, data):
    root, out = fresh(tmp_path)
    scenario = root / "random.toml"
    scenario.write_bytes(data)
    assert_well_behaved(capsys, root, "validate", str(scenario))
    assert_well_behaved(capsys, root, *run_args(scenario, out))


@settings(SETTINGS, max_examples=100)
@given(DOCUMENTS)
def test_random_toml_as_a_scenario_file(tmp_path, capsys, doc):
    root, out = fresh(tmp_path)
    scenario = root / "random.toml"
    scenario.write_text(toml_document(doc), encoding="utf-8")
    assert_well_behaved(capsys, root, "validate", str(scenario))
    assert_well_behaved(capsys, root, *run_args(scenario, out))


def paths(value: object, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path (keys and indices) into a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


def mutate(manifest: dict, where: tuple, new: object, delete: bool) -> object:
    """``manifest`` with the value at ``where`` replaced by ``new`` (or deleted)."""
    if not where:
        return new
    parent = manifest
    for step in where[:-1]:
        parent = parent[step]
    if delete:
        del parent[where[-1]]
    else:
        parent[where[-1]] = new
    return manifest


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_random_manifests(tmp_path, capsys, template, data):
    done, files = template
    root, out = fresh(tmp_path, done)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kind = data.draw(st.sampled_from(["mutate", "mutate", "mutate", "json", "bytes"]))
    if kind == "bytes":
        text = data.draw(st.binary(max_size=200))
    else:
        if kind == "json":
            manifest = data.draw(JSON)
        else:
            where = data.draw(st.sampled_from(list(paths(manifest))))
            delete = bool(where) and data.draw(st.booleans())
            manifest = mutate(manifest, where, data.draw(JSON), delete)
        text = json.dumps(manifest).encode()
    (out / "manifest.json").write_bytes(text)
    assert_well_behaved(capsys, root, "compare", str(out))
    assert_well_behaved(capsys, root, "report", str(out))
    assert_well_behaved(capsys, root, *run_args(files[0], out))
    assert_well_behaved(capsys, root, *run_args(files[0], out, "--overwrite"))
