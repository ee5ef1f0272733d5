"""The report's words (``static/text.toml``, English and Chinese) and style (``static/report.css``),
kept as data beside the code."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGS = ("en", "zh")


def _static(name: str) -> str:
    return resources.files("sim.report").joinpath("static", name).read_text(encoding="utf-8")


@cache
def words() -> dict[str, dict[str, str]]:
    """``words()[lang][key]``: the text of every label, note and sentence template."""
    return tomllib.loads(_static("text.toml"))


def units(lang: str) -> dict[str, str]:
    """How a unit of the registry is written in ``lang`` (missing: as it is)."""
    return words()["units"][lang]


@cache
def css() -> str:
    return _static("report.css")
