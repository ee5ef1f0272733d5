"""What every section of the report shares: the page (results, language, colours, figures)
and small HTML and date helpers."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, qualitative

from sim.measures import registry
from sim.numbers import is_share, with_unit
from sim.report.compare import Results
from sim.report.text import units, words
from sim.summary import DEADLINE_MONTH, START

BASELINE_COLOR = "#4d4d4d"
PALETTE = qualitative.D3
FONT = (
    'system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", '
    '"Microsoft YaHei", sans-serif'
)
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
FIRST_SHOWN = "city_plan"  # the scenario the time charts open on, when the batch has it


def rgba(color: str, alpha: float) -> str:
    r, g, b = hex_to_rgb(color)
    return f"rgba({r},{g},{b},{alpha})"


def dates(months: Iterable[int]) -> list[str]:
    """Month m as the last day of its calendar month (month 18 -> 2023-12-31)."""
    return [(START + int(m)).end_time.strftime("%Y-%m-%d") for m in months]


def wrap(label: str, lang: str) -> str:
    """A long scenario title on several lines (for legends and axes)."""
    if lang == "zh":
        head, colon, tail = label.partition("：")
        if len(label) > 16 and colon:
            return f"{head}{colon}<br>{tail}"
        return "<br>".join(label[i : i + 16] for i in range(0, len(label), 16))
    return "<br>".join(textwrap.wrap(label, 28))


def section(anchor: str, title: str, note: str, body: str) -> str:
    return (
        f'<section id="{anchor}"><h2>{html.escape(title)}</h2>'
        f'<p class="note">{html.escape(note)}</p>{body}</section>'
    )


def figure_block(title: str, div: str) -> str:
    return f'<div class="figure"><h3>{html.escape(title)}</h3>{div}</div>'


@dataclass
class Page:
    """What every section needs: the results, the language, colours and the figure count."""

    results: Results
    lang: str
    figures: int = 0
    colors: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        base = self.results.baseline
        self.colors = {base: BASELINE_COLOR} if base else {}
        self.colors.update({s: PALETTE[i % len(PALETTE)] for i, s in enumerate(self.others())})

    def t(self, key: str, **kw: object) -> str:
        return words()[self.lang][key].format(**kw)

    def label(self, scenario: str) -> str:
        return self.results.title(scenario, self.lang)

    def name(self, item: object) -> str:
        """The English or Chinese name of a measure or bottom line."""
        return getattr(item, self.lang)

    def unit(self, unit: str) -> str:
        return units(self.lang).get(unit, unit)

    def measure(self, name: str) -> str:
        """A measure's name and unit."""
        m = registry()[name]
        return f"{self.name(m)} ({self.unit(m.unit)})"

    def unit_text(self, x: float, unit: str) -> str:
        """A threshold with its unit, in the page's language."""
        return with_unit(x, self.unit(unit)) if not is_share(unit) else with_unit(x, unit)

    def d3_format(self, unit: str) -> str:
        """How plotly writes a value of ``unit``: as the report's formatter does (thousands
        separators, percentages for shares, never scientific notation)."""
        return ".1%" if is_share(unit) else ",~r"

    def others(self) -> list[str]:
        return [s for s in self.results.scenarios if s != self.results.baseline]

    def first_shown(self) -> str:
        """The scenario a chart opens on: city_plan, else the first one not the reference."""
        others = self.others()
        return FIRST_SHOWN if FIRST_SHOWN in others else (others or self.results.scenarios)[0]

    def figure(self, fig: go.Figure, height: int) -> str:
        """The figure as a div; plotly.js is embedded with the first one only."""
        fig.update_layout(
            height=height,
            template="plotly_white",
            font={"family": FONT, "size": 13},
            margin={"l": 70, "r": 20, "t": 50, "b": 50},
            hoverlabel={"font": {"family": FONT}},
        )
        self.figures += 1
        return fig.to_html(
            full_html=False,
            include_plotlyjs=self.figures == 1,
            config=CONFIG,
            default_height=f"{height}px",
            div_id=f"figure-{self.figures}",
        )

    def deadline(self, fig: go.Figure, rows: int = 1) -> None:
        """A vertical line at month 18 labelled end-2023, on every row of ``fig``."""
        x = dates([DEADLINE_MONTH])[0]
        for row in range(1, rows + 1):
            suffix = "" if row == 1 else str(row)
            fig.add_shape(
                type="line",
                x0=x,
                x1=x,
                y0=0,
                y1=1,
                xref=f"x{suffix}",
                yref=f"y{suffix} domain",
                line={"color": "#b22222", "dash": "dash", "width": 1.5},
            )
        fig.add_annotation(
            x=x,
            y=1,
            xref="x",
            yref="y domain",
            text=self.t("deadline"),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=3,
            bgcolor="rgba(255,255,255,0.8)",
            font={"color": "#b22222", "size": 12},
        )

    def menu(self, fig: go.Figure, buttons: list[tuple[str, list[bool]]], active: int) -> None:
        """A dropdown above the plot; each button sets which traces are visible."""
        for trace, visible in zip(fig.data, buttons[active][1], strict=True):
            trace.visible = visible
        fig.update_layout(
            updatemenus=[
                {
                    "buttons": [
                        {"label": label, "method": "restyle", "args": [{"visible": mask}]}
                        for label, mask in buttons
                    ],
                    "active": active,
                    "x": 0,
                    "y": 1.02,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "bgcolor": "white",
                    "font": {"size": 12},
                }
            ]
        )
