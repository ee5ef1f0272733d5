"""One way to write a number, for the report, ``compare`` and every terminal table.

About three significant digits, a thousands separator on every number of four digits or
more, never scientific notation, a true minus sign; shares and probabilities as
percentages and their differences in percentage points; a unit on every threshold.
Terminal columns are padded by display width, so Chinese text (two columns a character)
stays aligned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from wcwidth import wcswidth

DASH = "—"  # a value that does not exist (no reference, no pairs)
MINUS = "−"
MAX_DECIMALS = 9  # below 1e-9 a value prints as 0


def is_share(unit: str) -> bool:
    """Whether a unit is a share of something (printed as a percentage)."""
    return unit == "share" or unit.startswith("share of ") or unit == "0/1"


def number(x: float, signed: bool = False) -> str:
    """Whole numbers from 100 on, else three significant digits: 4,034 / 12.3 / 0.5 / 0.0000365; '+' when ``signed``."""
    if x is None or not math.isfinite(x):
        return DASH
    a = abs(float(x))
    a = round(a) if a >= 99.5 else float(f"{a:.3g}")  # rounded first: 99.96 is 100, not 100.0
    decimals = 0 if a >= 100 or a.is_integer() else 2 - math.floor(math.log10(a))
    text = f"{a:,.{min(decimals, MAX_DECIMALS)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "0":
        return "0"
    sign = MINUS if x < 0 else "+" if signed else ""
    return sign + text


def percent(p: float, signed: bool = False) -> str:
    """A share or probability: 38.5%; signed differences as points: +30.5 pp."""
    if p is None or not math.isfinite(p):
        return DASH
    text = f"{abs(100 * p):,.1f}"
    if float(text.replace(",", "")) == 0:
        return "0 pp" if signed else "0.0%"
    sign = MINUS if p < 0 else "+" if signed else ""
    return f"{sign}{text} pp" if signed else f"{sign}{text}%"


def value(x: float, unit: str, signed: bool = False) -> str:
    """A measure's value (``signed``: a difference) in its unit's style, without the unit."""
    return percent(x, signed) if is_share(unit) else number(x, signed)


def interval(low: float, high: float, unit: str = "", signed: bool = False) -> str:
    """'[2,603 – 6,882]' (an en dash between spaces, whatever the language)."""
    return f"[{value(low, unit, signed)} – {value(high, unit, signed)}]"


def estimate(mid: float, low: float, high: float, unit: str = "", signed: bool = False) -> str:
    """'4,034 [2,603 – 6,882]'; a dash alone when there is no estimate."""
    if mid is None or not math.isfinite(mid):
        return DASH
    return f"{value(mid, unit, signed)} {interval(low, high, unit, signed)}"


def with_unit(x: float, unit: str) -> str:
    """A threshold with its unit: '5 亿元', '1.5% of output', 'month 18'."""
    if unit == "share":
        return percent(x)
    if unit.startswith("share of "):
        return f"{percent(x)} of {unit.removeprefix('share of ')}"
    if unit in ("month", "months"):
        return f"month {number(x)}"
    return f"{number(x)} {unit}"


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    w = wcswidth(text)
    return len(text) if w < 0 else w


def pad(text: str, columns: int) -> str:
    """``text`` followed by spaces up to ``columns`` display columns."""
    return text + " " * max(columns - width(text), 0)


def aligned(rows: Sequence[Sequence[str]], indent: str = "  ", gap: str = "  ") -> list[str]:
    """Rows of cells as lines whose columns line up on a terminal, Chinese text too."""
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (indent + gap.join(pad(c, w) for c, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]
