"""Tables of the report that leave the page: each is drawn from a DataFrame that also
downloads as CSV, embedded in the page (a data: URI), so the page works offline.

A :class:`Grid` holds the numbers (``frame``, one row per data row of the table, in the
same order), the table's head and each data row's cells. ``formats`` tells, for the
numeric columns of the CSV, how the page writes them (see :func:`shown`), which is how
the tests check that the page and its CSV hold the same numbers.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field

import pandas as pd

from sim import numbers

FORMATS = ("value", "delta", "percent", "points", "number")


def shown(kind: str, x: float, unit: str = "") -> str:
    """How the page writes ``x`` of a column of format ``kind``: a measure's value or
    difference in its ``unit``'s style, a probability, a difference of probabilities, a
    plain number."""
    if kind == "value":
        return numbers.value(x, unit)
    if kind == "delta":
        return numbers.value(x, unit, signed=True)
    if kind == "percent":
        return numbers.percent(x)
    if kind == "points":
        return numbers.percent(x, signed=True)
    return numbers.number(x)


def csv_link(name: str, frame: pd.DataFrame, label: str) -> str:
    """A link that downloads ``frame`` as ``name.csv`` from the page itself (a data: URI)."""
    csv = frame.to_csv(index=False).encode("utf-8")
    uri = "data:text/csv;charset=utf-8;base64," + base64.b64encode(csv).decode("ascii")
    return (
        f'<a class="csv" download="{name}.csv" href="{uri}">⤓ {html.escape(label)} ({name}.csv)</a>'
    )


@dataclass
class Grid:
    """A table of the page and its CSV."""

    name: str  # the CSV's file name without .csv
    frame: pd.DataFrame
    head: str  # the <tr> rows of the table's head
    rows: list[str]  # the <td> cells of each data row, in the frame's order
    formats: dict[str, str] = field(default_factory=dict)  # CSV column -> FORMATS
    groups: dict[int, str] = field(default_factory=dict)  # a heading row before data row i
    css: str = ""
    label: str = "CSV"

    def html(self) -> str:
        assert len(self.rows) == len(self.frame), (self.name, len(self.rows), len(self.frame))
        body = []
        for i, cells in enumerate(self.rows):
            if i in self.groups:
                body.append(self.groups[i])
            body.append(f'<tr class="data">{cells}</tr>')
        formats = html.escape(json.dumps(self.formats))
        return (
            f'<div class="grid">{csv_link(self.name, self.frame, self.label)}'
            f'<div class="scroll"><table class="{self.css}" data-csv="{self.name}" '
            f'data-formats="{formats}"><thead>{self.head}</thead>'
            f"<tbody>{''.join(body)}</tbody></table></div></div>"
        )
