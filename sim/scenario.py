"""Scenario files: TOML with levers, uncertainty overrides and inheritance.

A scenario file looks like::

    title = "The city's plan"
    extends = "baseline"          # another scenario in the same folder, or a path
    [settings]
    horizon_months = 66
    [levers]
    plans_per_month = 14
    [uncertainties]
    interest_rate = 0.04          # fix it, or give a law:
    reemployment_rate = { distribution = "uniform", low = 0.3, high = 0.4 }
    [constants]
    quit_rate = 0.06

Every problem raises :class:`ScenarioError`, whose text is one line naming the file,
the key and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.parameters import DISTRIBUTIONS, KINDS, Parameter, Values, default_values, table

META_KEYS = ("title", "title_zh", "description", "extends")
TOP_KEYS = META_KEYS + KINDS


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``str()`` is the one-line message."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path, self.key, self.message = str(path), key, message
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(where + message)


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
    files: tuple[tuple[str, str], ...] = ()  # (path, text) of the file and its ancestors

    @property
    def horizon(self) -> int:
        return int(self.settings.horizon_months)

    def effective(self) -> dict[str, Any]:
        """Every resolved value, as plain data (what the model actually runs)."""
        return {k: dict(getattr(self, k)) for k in KINDS}

    def digest(self) -> str:
        """SHA-256 of the resolved values: equal digests run identical models."""
        blob = json.dumps(self.effective(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


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
    shown = ", ".join(options) if len(options) <= 12 else ", ".join(options[:12]) + ", ..."
    return f"unknown key; {hint}allowed: {shown}"


def _read(path: Path) -> tuple[dict[str, Any], str]:
    if not path.is_file():
        raise ScenarioError(path, "", "no such scenario file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(path, "", f"cannot read the file ({err.__class__.__name__})") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML: {err}") from None


def _check_law(path: Path, key: str, p: Parameter, law: dict[str, Any]) -> dict[str, Any]:
    kind = law.get("distribution")
    if kind not in DISTRIBUTIONS:
        allowed = ", ".join(DISTRIBUTIONS)
        raise ScenarioError(path, key, f"distribution must be one of {allowed}, got {kind!r}")
    needed = set(DISTRIBUTIONS[kind])
    extra = set(law) - needed - {"distribution"}
    if extra or needed - set(law):
        want = ", ".join(sorted(needed))
        raise ScenarioError(path, key, f"a {kind} law takes exactly: distribution, {want}")
    for arg in needed:
        v = law[arg]
        sub = f"{key}.{arg}"
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ScenarioError(path, sub, f"must be a number, got {v!r}")
        lo, hi = (0.0, p.range[1] - p.range[0]) if arg == "sd" else p.range
        if not lo <= v <= hi:
            raise ScenarioError(path, sub, f"{v!r} is out of range: must be in [{lo}, {hi}]")
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
                raise ScenarioError(path, top, f"must be a string, got {section!r}")
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


def load(path: str | Path, _stack: tuple[Path, ...] = ()) -> Scenario:
    """Load, validate and resolve a scenario file and everything it extends."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _stack:
        cycle = " -> ".join(p.name for p in (*_stack, resolved))
        raise ScenarioError(path, "extends", f"cycle in extends ({cycle})")
    data, text = _read(path)
    parent_name = data.get("extends")
    if parent_name is None or parent_name == "baseline" and not _sibling(path, "baseline"):
        parent = baseline()
    elif isinstance(parent_name, str):
        target = _sibling(path, parent_name)
        if target is None:
            raise ScenarioError(path, "extends", f"no scenario '{parent_name}' beside this file")
        parent = load(target, (*_stack, resolved))
    else:
        raise ScenarioError(path, "extends", f"must be a scenario name, got {parent_name!r}")
    values = {k: Values(getattr(parent, k)) for k in KINDS}
    _apply(path, data, values)
    return Scenario(
        name=path.stem,
        title=data.get("title", path.stem),
        title_zh=data.get("title_zh", data.get("title", path.stem)),
        description=data.get("description", ""),
        files=((str(path), text), *parent.files),
        **values,
    )


def _sibling(path: Path, name: str) -> Path | None:
    """The file ``extends = name`` refers to, looked up beside ``path``."""
    candidate = path.parent / (name if name.endswith(".toml") else f"{name}.toml")
    return candidate if candidate.is_file() else None


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
        **values,
    )
