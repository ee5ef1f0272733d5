"""Scenario files: TOML with levers, uncertainty overrides and inheritance.

A scenario file looks like::

    title = "The city's plan"
    extends = "baseline"          # a scenario name, or a path ending in .toml
    [settings]
    horizon_months = 66
    [levers]
    plans_per_month = 14
    [uncertainties]
    interest_rate = 0.04          # fix it, or give a law:
    reemployment_rate = { distribution = "uniform", low = 0.3, high = 0.4 }
    [constants]
    quit_rate = 0.06

``extends = "NAME"`` (no slash, no ``.toml``) is the file ``NAME.toml`` beside this
one if there is one, otherwise the bundled scenario of that name (``scenarios/``),
otherwise, for "baseline", the built-in baseline. Any other value is a path, relative
to the extending file (it may lead out of its folder) or absolute. A scenario's name
is its file name without ``.toml``.

Every problem raises :class:`ScenarioError`, whose text is one line naming the file,
the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.commands import UserError, printable
from sim.deep import Worlds
from sim.parameters import DISTRIBUTIONS, KINDS, Parameter, Values, default_values, shown, table

META_KEYS = ("title", "title_zh", "description", "extends")
TOP_KEYS = META_KEYS + KINDS
BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"
MAX_BYTES = 1_000_000  # no real scenario comes near; the text is copied into the manifest
MAX_EXTENDS = 32  # files in one extends chain
MAX_NAME_BYTES = 150  # a part's file name adds 30 bytes; file names stop at 255


class ScenarioError(UserError, ValueError):
    """A scenario file that cannot be used; ``str()`` is the one-line message, with every
    control character of the path, key or value escaped."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path, self.key, self.message = str(path), key, message
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(printable(where + message))


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario: every parameter has a value or a law."""

    name: str
    title: str
    title_zh: str
    description: str
    settings: Values
    levers: Values
    thresholds: Values
    uncertainties: Values
    constants: Values
    files: tuple[tuple[str, str], ...] = ()  # (real path, text) of the file and its ancestors
    worlds: Worlds | None = None  # deep uncertainty (sim.deep); None: parameters fixed

    @property
    def horizon(self) -> int:
        return int(self.settings.horizon_months)

    def effective(self) -> dict[str, Any]:
        """Every resolved value, as plain data (what the model actually runs)."""
        return {k: dict(getattr(self, k)) for k in KINDS}

    def digest(self) -> str:
        """SHA-256 of the resolved values: equal digests run identical models."""
        values = self.effective()
        if self.worlds is not None:
            values["worlds"] = dataclasses.asdict(self.worlds)
        blob = json.dumps(values, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def chain(self) -> list[dict[str, str]]:
        """The file and each file it extends, in order: real path and SHA-256 of the text."""
        return [
            {"path": path, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
            for path, text in self.files
        ]


def baseline() -> Scenario:
    """The built-in baseline: every lever off, every uncertainty at its default law."""
    d = default_values()
    return Scenario(
        name="baseline",
        title="Baseline: today's rules continue",
        title_zh="基准情景：延续现行做法",
        description="Every lever off.",
        **d,
    )


def _suggest(key: str, options: list[str]) -> str:
    close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listed = ", ".join(options) if len(options) <= 12 else ", ".join(options[:12]) + ", ..."
    return f"unknown key; {hint}allowed: {listed}"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a scenario, or None: the rule for file names and ``extends``."""
    if not name:
        return "is empty"
    if name[0] in "._":
        return "starts with '.' or '_'"
    if not all(ch.isprintable() and ch not in "/\\" for ch in name):
        return "holds a control character, '/' or '\\'"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None


def _stat(path: Path, owner: Path | None = None) -> os.stat_result | None:
    """``os.stat(path)``; None if there is no such file; a one-line error for any other failure
    (a symlink loop, a name too long, a folder without search permission), naming the file
    or, for the target of ``extends``, the file ``owner`` that names it."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        why = err.strerror if isinstance(err, OSError) else "a NUL in its name"
        if owner is None:
            raise ScenarioError(path, "", f"cannot read the file ({why})") from None
        raise ScenarioError(owner, "extends", f"cannot read {str(path)!r} ({why})") from None


def _read(path: Path) -> tuple[dict[str, Any], str]:
    info = _stat(path)
    if info is None:
        raise ScenarioError(path, "", "no such scenario file")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(path, "", "not a regular file")
    too_big = f"larger than {MAX_BYTES // 1_000_000} MB; a scenario file is a few lines"
    if info.st_size > MAX_BYTES:
        raise ScenarioError(path, "", too_big)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except OSError as err:
        raise ScenarioError(path, "", f"cannot read the file ({err.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "", "cannot read the file (not UTF-8 text)") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(path, "", too_big)
    try:
        return tomllib.loads(text), text
    except (ValueError, RecursionError) as err:  # TOMLDecodeError, a 5000-digit integer, ...
        why = str(err) if isinstance(err, ValueError) else "nested too deeply"
        raise ScenarioError(path, "", f"not valid TOML: {why}") from None


def _check_law(path: Path, key: str, p: Parameter, law: dict[str, Any]) -> dict[str, Any]:
    kind = law.get("distribution")
    if not isinstance(kind, str) or kind not in DISTRIBUTIONS:
        allowed = ", ".join(DISTRIBUTIONS)
        raise ScenarioError(path, key, f"distribution must be one of {allowed}, got {shown(kind)}")
    needed = set(DISTRIBUTIONS[kind])
    extra = set(law) - needed - {"distribution"}
    if extra or needed - set(law):
        want = ", ".join(sorted(needed))
        raise ScenarioError(path, key, f"a {kind} law takes exactly: distribution, {want}")
    for arg in needed:
        v = law[arg]
        sub = f"{key}.{arg}"
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ScenarioError(path, sub, f"must be a number, got {shown(v)}")
        lo, hi = (0.0, p.range[1] - p.range[0]) if arg == "sd" else p.range
        if not lo <= v <= hi:
            raise ScenarioError(path, sub, f"{shown(v)} is out of range: must be in [{lo}, {hi}]")
    order = [law[a] for a in ("low", "mode", "high") if a in law]
    if order != sorted(order):
        raise ScenarioError(path, key, "the law's bounds must satisfy low <= mode <= high")
    return dict(law)


def _apply(path: Path, data: dict[str, Any], into: dict[str, Values]) -> None:
    """Validate one file's overrides and write them into ``into``."""
    for top, section in data.items():
        if top not in TOP_KEYS:
            raise ScenarioError(path, top, _suggest(top, list(TOP_KEYS)))
        if top in META_KEYS:
            if not isinstance(section, str):
                raise ScenarioError(path, top, f"must be a string, got {shown(section)}")
            continue
        if not isinstance(section, dict):
            raise ScenarioError(path, top, "must be a table of key = value lines")
        entries = table()[top]
        for key, value in section.items():
            full = f"{top}.{key}"
            if key not in entries:
                raise ScenarioError(path, full, _suggest(key, list(entries)))
            p = entries[key]
            if top == "uncertainties":
                law = (
                    value if isinstance(value, dict) else {"distribution": "fixed", "value": value}
                )
                into[top][key] = _check_law(path, full, p, law)
                continue
            problem = p.check(value)
            if problem:
                raise ScenarioError(path, full, problem)
            into[top][key] = value


def load(path: str | Path) -> Scenario:
    """Load, validate and resolve a scenario file and everything it extends."""
    path = Path(path)
    problem = name_problem(path.stem)
    if problem:
        raise ScenarioError(
            path, "", f"the scenario name (the file name) {problem}; rename the file"
        )
    return _resolve(path, ())


def _resolve(path: Path, chain: tuple[str, ...]) -> Scenario:
    """The scenario of ``path``, reached from the files of ``chain`` (real paths)."""
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(path, "extends", f"more than {MAX_EXTENDS} files in one extends chain")
    real = os.path.realpath(path)
    if real in chain:
        cycle = " -> ".join(Path(p).name for p in (*chain, real))
        raise ScenarioError(path, "extends", f"cycle in extends ({cycle})")
    data, text = _read(path)
    parent = _parent(path, data.get("extends"), (*chain, real))
    values = {k: Values(getattr(parent, k)) for k in KINDS}
    _apply(path, data, values)
    return Scenario(
        name=path.stem,
        title=data.get("title", path.stem),
        title_zh=data.get("title_zh", data.get("title", path.stem)),
        description=data.get("description", ""),
        files=((real, text), *parent.files),
        **values,
    )


def _parent(path: Path, ref: Any, chain: tuple[str, ...]) -> Scenario:
    """The scenario ``extends = ref`` in ``path`` refers to (the built-in baseline if none)."""
    if ref is None:
        return baseline()
    if not isinstance(ref, str):
        raise ScenarioError(
            path, "extends", f"must be a scenario name or a path ending in .toml, got {shown(ref)}"
        )
    if "/" in ref or ref.endswith(".toml"):
        target = path.parent / ref
        if _stat(target, path) is None:
            raise ScenarioError(path, "extends", f"no such file {str(target)!r}")
        return _resolve(target, chain)
    problem = name_problem(ref)
    if problem:
        raise ScenarioError(path, "extends", f"the scenario name {shown(ref)} {problem}")
    for folder in (path.parent, BUNDLED):
        target = folder / f"{ref}.toml"
        if _stat(target, path) is not None:
            return _resolve(target, chain)
    if ref == "baseline":
        return baseline()
    raise ScenarioError(
        path,
        "extends",
        f"no scenario {shown(ref)} beside this file or bundled in {BUNDLED}; "
        "give one of their names or a path ending in .toml",
    )


def derive(base: Scenario, name: str, **sections: dict[str, Any]) -> Scenario:
    """A variant of ``base`` with overrides given as ``levers={...}`` etc., validated like a file."""
    values = {k: Values(getattr(base, k)) for k in KINDS}
    _apply(Path(f"<{name}>"), sections, values)
    return Scenario(
        name=name,
        title=name,
        title_zh=name,
        description=f"{base.name} with overrides",
        files=base.files,
        worlds=base.worlds,
        **values,
    )


@dataclass(frozen=True)
class Override:
    """A value a scenario file sets: the value it inherits and the new one."""

    key: str  # "levers.plans_per_month"
    inherited: Any
    value: Any
    unit: str


def overrides(path: str | Path) -> tuple[str, list[Override]]:
    """What the file at ``path`` changes relative to what it extends: the name of its parent
    and every value it sets, in file order (after :func:`load` has validated it)."""
    path = Path(path)
    data, _ = _read(path)
    parent = _parent(path, data.get("extends"), (os.path.realpath(path),))
    scenario = _resolve(path, ())
    found = []
    for kind in KINDS:
        for key in data.get(kind, {}):
            found.append(
                Override(
                    f"{kind}.{key}",
                    getattr(parent, kind)[key],
                    getattr(scenario, kind)[key],
                    table()[kind][key].unit,
                )
            )
    return parent.name, found
