"""The parameter table (``sim/data/parameters.toml``) as typed Python objects.

Every default of the model lives in that one file with its unit, allowed range and
source; both engines, the scenario validator and the docs read it from here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

KINDS = ("settings", "levers", "thresholds", "uncertainties", "constants")
DISTRIBUTIONS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
}


@dataclass(frozen=True)
class Parameter:
    """One entry of the table: a lever, an uncertainty or a constant."""

    kind: str
    name: str
    type: str
    unit: str
    source: str
    en: str
    zh: str
    value: Any = None
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    group: str = ""
    distribution: dict[str, Any] = field(default_factory=dict)
    # levers: the measure the lever moves, its sign, the month (index) at which, and the
    # value that turns it on where the city's plan leaves it off (tests/test_levers.py)
    moves: str = ""
    direction: int = 0
    month: int = -1
    contrast: Any = None

    def allowed(self) -> str:
        """Human-readable description of the values this parameter accepts."""
        if self.type == "bool":
            return "true or false"
        if self.type == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo, hi = self.range
        return f"a{'n integer' if self.type == 'int' else ' number'} in [{lo}, {hi}] ({self.unit})"

    def check(self, value: Any) -> str | None:
        """Return why ``value`` is not allowed, or None when it is (any value, any size)."""
        if self.type == "bool":
            return None if isinstance(value, bool) else f"must be {self.allowed()}"
        if self.type == "choice":
            return None if value in self.choices else f"must be {self.allowed()}"
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or (
            self.type == "int" and isinstance(value, float) and not value.is_integer()
        ):
            return f"must be {self.allowed()}, got {shown(value)}"
        lo, hi = self.range
        if not lo <= value <= hi:  # exact for integers of any size, False for NaN
            return f"{shown(value)} is out of range: must be {self.allowed()}"
        return None

    def default_text(self) -> str:
        """The default as shown in documentation."""
        if self.kind != "uncertainties":
            return str(self.value).lower() if self.type == "bool" else str(self.value)
        args = ", ".join(f"{k}={v}" for k, v in self.distribution.items() if k != "distribution")
        return f"{self.distribution['distribution']}({args})"


def shown(value: Any, width: int = 40) -> str:
    """``repr(value)``, shortened to about ``width`` characters for a one-line message."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 5]}...{text[-2:]}"


def _parse(kind: str, name: str, raw: dict[str, Any]) -> Parameter:
    rng = tuple(raw["range"]) if "range" in raw else None
    dist = {}
    if "distribution" in raw:  # an uncertainty's law; a constant's in deep mode (sim.deep)
        law = raw["distribution"]
        dist = {"distribution": law, **{k: raw[k] for k in DISTRIBUTIONS[law]}}
    return Parameter(
        kind=kind,
        name=name,
        type=raw["type"],
        unit=raw["unit"],
        source=raw["source"],
        en=raw["en"],
        zh=raw["zh"],
        value=raw.get("value"),
        range=rng,
        choices=tuple(raw.get("choices", ())),
        group=raw.get("group", ""),
        distribution=dist,
        moves=raw.get("moves", ""),
        direction={"+": 1, "-": -1}.get(raw.get("direction", ""), 0),
        month=raw.get("month", -1),
        contrast=raw.get("contrast"),
    )


@cache
def table() -> dict[str, dict[str, Parameter]]:
    """The whole parameter table: ``table()[kind][name] -> Parameter``."""
    text = resources.files("sim").joinpath("data/parameters.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return {kind: {n: _parse(kind, n, e) for n, e in raw[kind].items()} for kind in KINDS}


class Values(dict):
    """A dict of parameter values readable as attributes (``p.levers.board_share``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as err:
            raise AttributeError(name) from err


def default_values() -> dict[str, Values]:
    """Settings, levers and constants at their defaults; uncertainties as their default laws."""
    t = table()
    return {
        "settings": Values({n: p.value for n, p in t["settings"].items()}),
        "levers": Values({n: p.value for n, p in t["levers"].items()}),
        "thresholds": Values({n: p.value for n, p in t["thresholds"].items()}),
        "uncertainties": Values({n: dict(p.distribution) for n, p in t["uncertainties"].items()}),
        "constants": Values({n: p.value for n, p in t["constants"].items()}),
    }
