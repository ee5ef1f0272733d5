"""The interactive view of the agent model: Mesa's SolaraViz page.

``python run.py explore SCENARIO.toml`` serves this module with ``solara run`` on
127.0.0.1; the scenario file and seed come in the environment (``SOE_SIM_SCENARIO``,
``SOE_SIM_SEED``) and the page (:func:`Page`) is built when first served, not at
import. The sidebar has sliders for the main levers (starting at the scenario's values)
and a reset that rebuilds the model with them (a share moves by 0.01, so the scenario's
value shows as written); the page shows the enterprises (who holds the state's equity,
private stakes, condition), which change as the run steps, and a live plot per headline
measure, named with its unit, over months labelled with their dates.

Needs the optional ``viz`` extra (solara, matplotlib, networkx).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from mesa.visualization import Slider, SolaraViz, make_plot_component

from sim.abm.model import SOEReformModel
from sim.measures import headline, registry
from sim.parameters import table
from sim.population import COUNTS, LEVELS
from sim.scenario import derive, load
from sim.summary import calendar

ENV_SCENARIO = "SOE_SIM_SCENARIO"
ENV_SEED = "SOE_SIM_SEED"
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "city_plan.toml"
SUPERVISION = ("rules_before", "monitoring_during", "accountability_after")
SLIDERS = (  # the main levers, in the order of MODEL.md
    "plans_per_month",
    "max_private_stake_competitive",
    "max_private_stake_strategic",
    "board_share",
    "market_selected_share",
    "pay_performance_sensitivity",
    "labour_adjustment_speed",
    "reemployment_support",
    "investment_companies",
    "departments_per_month",
    "closures_per_month",
    "handover_city_subsidy",
)
SHARE_STEP = 0.01  # a slider over a share moves by one point, so 0.33 shows as 0.33
COLUMNS = 20  # enterprises per row in the view
HOLDER_COLOURS = {
    "department": "#9e9e9e",
    "oversight": "#c5a3d9",
    "county": "#bcaaa4",
    "central": "#90caf9",
    "provincial": "#80deea",
    "closed": "#212121",
    "merged": "#ffffff",
}
COMPANY_COLOURS = (  # one per investment company slot
    "#2e7d32",
    "#1565c0",
    "#6d4c41",
    "#00838f",
    "#827717",
    "#6a1b9a",
    "#37474f",
    "#ad1457",
)
CONDITION_COLOURS = ("#4caf50", "#fdd835", "#e53935")  # performing, marginal, hopeless-loss


class ExploreModel(SOEReformModel):
    """The agent model of a scenario file with some levers overridden from the sidebar."""

    def __init__(
        self,
        scenario_path: str = str(DEFAULT_SCENARIO),
        seed: int = 3,
        supervision: bool = True,
        **kwargs: float,
    ) -> None:
        """``kwargs`` are lever values; ``supervision`` turns all three parts of 管资本 on or off."""
        base = load(scenario_path)
        levers = {**kwargs, **dict.fromkeys(SUPERVISION, bool(supervision))}
        super().__init__(derive(base, base.name, levers=levers), int(seed))


def holder(f) -> str:
    """Who holds the state's equity, for the colour of an enterprise."""
    if f.closed or f.merged:
        return "closed" if f.closed else "merged"
    if f.company >= 0:
        return f"company {f.company}"
    if f.municipal:
        return "oversight" if f.oversight else "department"
    return f.level


def positions() -> tuple[np.ndarray, np.ndarray, list[tuple[float, str]]]:
    """Grid positions of the 340 enterprises, a block of rows per level, and row labels."""
    x, y, labels, row = [], [], [], 0
    for level in LEVELS:
        n = COUNTS[level]
        x.extend(i % COLUMNS for i in range(n))
        y.extend(row + i // COLUMNS for i in range(n))
        rows = -(-n // COLUMNS)
        labels.append((row + (rows - 1) / 2, f"{level} ({n})"))
        row += rows + 1
    return np.array(x), -np.array(y), [(-r, text) for r, text in labels]


def enterprise_figure(model: SOEReformModel) -> Figure:
    """Two panels of the enterprises: who holds the state's equity, and condition."""
    x, y, labels = positions()
    firms = model.firm_list
    kinds = [holder(f) for f in firms]
    owner = [
        COMPANY_COLOURS[int(k.split()[1]) % len(COMPANY_COLOURS)]
        if k.startswith("company")
        else HOLDER_COLOURS[k]
        for k in kinds
    ]
    condition = ["#e0e0e0" if not f.active else CONDITION_COLOURS[f.condition] for f in firms]
    fig = Figure(figsize=(10, 4.4))
    left, right = fig.subplots(1, 2)
    left.scatter(x, y, c=owner, marker="s", s=30, edgecolors="#616161", linewidths=0.3)
    mixed = np.array([f.active and f.investor >= 0 for f in firms])
    minority = np.array([f.state_share < 0.5 for f in firms]) & mixed
    left.scatter(x[mixed & ~minority], y[mixed & ~minority], c="#fb8c00", marker="o", s=8)
    left.scatter(x[minority], y[minority], c="#d50000", marker="o", s=8)
    right.scatter(x, y, c=condition, marker="s", s=30, edgecolors="#616161", linewidths=0.3)
    for ax, title in ((left, "Who holds the state's equity"), (right, "Condition")):
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([r for r, _ in labels], [text for _, text in labels], fontsize=8)
        ax.set_frame_on(False)
        ax.set_aspect("equal")
    companies = sorted({k for k in kinds if k.startswith("company")})

    def patch(colour: str, label: str, marker: str = "s") -> Line2D:
        return Line2D(
            [],
            [],
            marker=marker,
            linestyle="",
            color=colour,
            label=label,
            markeredgecolor="#616161",
            markersize=7,
        )

    left.legend(
        handles=[
            *(patch(HOLDER_COLOURS[k], k) for k in ("department", "oversight", "county")),
            *(
                patch(COMPANY_COLOURS[int(k.split()[1]) % len(COMPANY_COLOURS)], k)
                for k in companies
            ),
            *(patch(HOLDER_COLOURS[k], k) for k in ("central", "provincial", "closed", "merged")),
            patch("#fb8c00", "mixed, state control", "o"),
            patch("#d50000", "mixed, state minority", "o"),
        ],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    right.legend(
        handles=[
            patch(CONDITION_COLOURS[0], "performing"),
            patch(CONDITION_COLOURS[1], "marginal"),
            patch(CONDITION_COLOURS[2], "hopeless-loss"),
            patch("#e0e0e0", "closed or merged"),
        ],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    fig.suptitle(f"{model.scenario.name}: month {model.steps} of {model.horizon}", fontsize=11)
    fig.tight_layout()
    return fig


def EnterpriseView(model: SOEReformModel):  # noqa: N802 - a Solara component
    """The enterprises, redrawn every step."""
    return solara.FigureMatplotlib(enterprise_figure(model), format="png", bbox_inches="tight")


def month_label(month: float, _: object = None) -> str:
    """A tick of the month axis: the month and its date, '18\n2023-12' (whole months only)."""
    return f"{int(month)}\n{calendar(int(month))}" if month >= 0 and month == int(month) else ""


# Mesa's sidebar puts a long label and its slider on one line, which leaves the slider no
# width, and shows a slider's value only while it is dragged: the label gets a line of its
# own above a full-width slider, and the value stays shown beside the thumb.
SIDEBAR_CSS = """
.v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-input__slider .v-input__slot > .v-label {
  flex: 1 0 100%; max-width: 100%; white-space: normal; height: auto; margin-bottom: 22px;
}
.v-input__slider .v-slider { flex: 1 0 100%; min-width: 160px; }
.v-input__slider .v-slider__thumb-label-container { display: block !important; }
.v-input__slider .v-slider__thumb-label { transform: translateY(-20%) translateY(-12px)
  translateX(-50%) rotate(45deg) !important; }
"""


def SidebarStyle(model: SOEReformModel):  # noqa: N802 - a Solara component
    """The sidebar's style (a component of the page, so that Solara serves it)."""
    return solara.Style(SIDEBAR_CSS)


def plot(name: str):
    """A live plot of one measure (measures of different size never share an axis), titled
    and labelled with its name and unit, the month axis with its dates."""
    m = registry()[name]

    def label(ax) -> None:
        ax.set_title(m.en, fontsize=9)
        unit = m.unit.replace("亿元", "100m yuan")
        ax.set_ylabel(unit)
        ax.set_xlabel("month (0 = end of June 2022)")
        ax.xaxis.set_major_formatter(FuncFormatter(month_label))
        for line in ax.get_lines():
            line.set_label(f"{m.en} ({unit})")
        if ax.get_legend() is not None:
            ax.get_legend().remove()

    return make_plot_component(name, post_process=label)


def model_params(scenario_path: str, seed: int) -> dict:
    """The sidebar: the scenario (fixed), the seed, supervision, and a slider per lever."""
    lv = load(scenario_path).levers
    params: dict = {
        "scenario_path": scenario_path,
        "seed": Slider("Seed", value=seed, min=0, max=999, step=1),
        "supervision": {
            "type": "Checkbox",
            "value": all(lv[k] for k in SUPERVISION),
            "label": "管资本 supervision (rules, monitoring, accountability)",
        },
    }
    for name in SLIDERS:
        p = table()["levers"][name]
        lo, hi = p.range
        if p.type == "int":
            params[name] = Slider(p.en, value=int(lv[name]), min=int(lo), max=int(hi), step=1)
        else:
            step = 1.0 if hi > 5 else SHARE_STEP
            params[name] = Slider(p.en, value=float(lv[name]), min=lo, max=hi, step=step)
    return params


def make_page(scenario_path: str, seed: int):
    """The SolaraViz page of a scenario."""
    params = model_params(scenario_path, seed)
    start = {
        k: (v.value if isinstance(v, Slider) else v["value"] if isinstance(v, dict) else v)
        for k, v in params.items()
    }
    return SolaraViz(
        ExploreModel(**start),
        components=[
            (SidebarStyle, 0),
            (EnterpriseView, 0),
            *(plot(name) for name in headline()),
        ],
        model_params=params,
        name="SOE reform: the agent model (Mesa)",
        play_interval=200,
    )


@solara.component
def Page():  # noqa: N802 - the component `solara run` serves
    """The page of the scenario and seed in the environment, built when first served (never
    at import)."""
    path = os.environ.get(ENV_SCENARIO, str(DEFAULT_SCENARIO))
    seed = int(os.environ.get(ENV_SEED, "3"))
    return solara.use_memo(lambda: make_page(path, seed), [])
