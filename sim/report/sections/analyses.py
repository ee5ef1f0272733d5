"""What decides the answers.

* **When a plan fails** (every deep-uncertainty batch): for each scenario, the worlds in
  which it breaches a bottom line, and the box of parameter ranges PRIM (:mod:`sim.prim`)
  finds them concentrated in; plus the boxes ``discover`` wrote into the batch folder.
* **Which guesses decide** (``report OUT --with DIR`` on a ``sensitivity`` folder, and
  that command's own page): Morris mu* or Sobol total and first-order indices with their
  95% intervals, parameters ranked, one outcome at a time.
* **Which levers make the difference** (``--with DIR`` on an ``attribute`` folder, and its
  own page): each lever group's Shapley part of the paired difference, with 95% intervals.
* **A better plan** (``--with DIR`` on an ``optimize`` folder): the Pareto plans in the
  first two objectives, on the search's worlds and on the re-check's, and their table.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from sim import deep, numbers
from sim.bottom_lines import BOTTOM_LINES
from sim.measures import registry
from sim.parameters import table as parameter_table
from sim.prim import prim
from sim.report.compare import ReportError
from sim.report.grid import Grid, csv_link, shown
from sim.report.page import Page, section
from sim.results import (
    ATTRIBUTION_CSV,
    DISCOVERY_COLUMNS,
    DISCOVERY_CSV,
    OPTIMIZE_CSV,
    SENSITIVITY_CSV,
    read_manifest,
)

SHOWN = 4  # restrictions shown per scenario: those with the smallest quasi-p
BOX_COLUMNS = [
    "scenario", "outcome", "share", "worlds", "parameter", "low", "high", "full_low",
    "full_high", "coverage", "density", "quasi_p",
]  # fmt: skip
SIGNIFICANT = 0.01  # a restriction the summary names has a quasi-p below this (PRIM picks among ~140 parameters)
TOP = 15  # parameters drawn per sensitivity outcome
SENSITIVITY_COLUMNS = {"morris": ("mu_star",), "sobol": ("ST", "S1")}
ATTRIBUTION_COLUMNS = ("outcome", "group", "mean", "low", "high")


@dataclass(frozen=True)
class Analysis:
    """A finished ``sensitivity`` or ``attribute`` folder: its manifest and its table."""

    kind: str  # "sensitivity" or "attribution"
    folder: Path
    manifest: dict
    frame: pd.DataFrame


def read_analysis(folder: Path) -> Analysis:
    """The sensitivity or attribution results in ``folder``; a one-line ReportError if the
    folder holds neither, or holds one this program did not record or cannot read."""
    folder = Path(folder)
    manifest = read_manifest(folder) if folder.is_dir() else None
    if manifest is None:
        raise ReportError(
            f"--with {folder}: not a results folder of sensitivity, attribute or optimize "
            "(no manifest)"
        )
    kinds = (
        ("sensitivity", SENSITIVITY_CSV),
        ("attribution", ATTRIBUTION_CSV),
        ("optimize", OPTIMIZE_CSV),
    )
    for kind, name in kinds:
        if name in manifest["outputs"] and (folder / name).is_file():
            return Analysis(kind, folder, manifest, read_csv(folder / name, kind))
    raise ReportError(
        f"--with {folder}: holds no finished {SENSITIVITY_CSV}, {ATTRIBUTION_CSV} or "
        f"{OPTIMIZE_CSV}; run sensitivity, attribute or optimize into it first"
    )


def read_csv(path: Path, kind: str) -> pd.DataFrame:
    """The table at ``path`` with the columns ``kind`` needs, else a one-line ReportError."""
    need = {
        "sensitivity": ("outcome", "parameter"),
        "attribution": ATTRIBUTION_COLUMNS,
        "optimize": ("plan", "file"),
        "discovery": DISCOVERY_COLUMNS,
    }[kind]
    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as err:
        raise ReportError(
            f"{path}: unreadable ({err}); run the command that wrote it again"
        ) from None
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ReportError(
            f"{path}: damaged (no column {', '.join(missing)}); run the command that wrote it again"
        )
    return frame


# --- labels in the page's language --------------------------------------------------------
def parameter_name(page: Page, key: str) -> str:
    """'constants.quit_rate' as its name in the page's language, the key after it."""
    kind, _, name = key.partition(".")
    found = parameter_table().get(kind, {}).get(name)
    return f"{page.name(found)} ({name})" if found else key


def outcome_name(page: Page, outcome: str) -> str:
    """An outcome of sensitivity or attribution ('tfp_m18', 'P(breach stability)', ...)."""
    lines = {b.name: b for b in BOTTOM_LINES}
    inner = outcome.removeprefix("P(").removesuffix(")").replace("breach ", "breach_")
    if outcome.startswith("P(") and inner.removeprefix("breach_") in lines:
        return page.t("p_breach_of", line=page.name(lines[inner.removeprefix("breach_")]))
    if outcome in ("P(deadline)", "deadline_met"):
        return page.t("p_deadline")
    if outcome.removeprefix("breach_") in lines:
        return page.t("p_breach_of", line=page.name(lines[outcome.removeprefix("breach_")]))
    measure, _, when = outcome.rpartition("_")
    if when in ("m18", "end") and measure in registry():
        return f"{page.name(registry()[measure])}, {page.t('at_' + when)}"
    return page.name(registry()[outcome]) if outcome in registry() else outcome


# --- when a plan fails ---------------------------------------------------------------------
def failure_boxes(page: Page) -> pd.DataFrame | None:
    """A row per (scenario, parameter of its PRIM box): the share of worlds in which the
    scenario breaches a bottom line, the box's coverage and density, the parameter's range
    in the box and in all worlds, its quasi-p-value. A scenario that breaches in every
    world or none has one row without a box. None for a batch not in deep mode."""
    if not is_deep(page):
        return None
    results = page.results
    worlds = deep.world_table(results.manifest)
    if len(results.summary) and results.summary["replication"].max() >= len(worlds):
        raise ReportError(
            f"{results.out / 'manifest.json'}: records fewer replications than its parts hold; "
            f"run the batch again (its command: {results.manifest['command']})"
        )
    breach = [f"breach_{b.name}" for b in BOTTOM_LINES]
    rows = []
    for name in results.scenarios:
        own = results.summary[results.summary["scenario"] == name].sort_values("replication")
        flags = own[breach].any(axis=1).to_numpy(bool)
        head = {"scenario": name, "outcome": "breach_any", "share": flags.mean()}
        if flags.all() or not flags.any():
            rows.append(head | {"worlds": len(flags), "parameter": ""})
            continue
        x = worlds.iloc[own["replication"].to_numpy()]
        box = prim(x.to_numpy(), flags, list(x.columns)).box_frame()
        for _, r in box.sort_values("quasi_p").head(SHOWN).iterrows():
            rows.append(head | {"worlds": len(flags)} | r.drop("support").to_dict())
    return pd.DataFrame(rows, columns=BOX_COLUMNS)


def discovered_boxes(page: Page) -> pd.DataFrame:
    """The boxes ``discover`` wrote into the batch folder (none if it has not run)."""
    results = page.results
    path = results.out / DISCOVERY_CSV
    if DISCOVERY_CSV not in results.manifest["outputs"] or not path.is_file():
        return pd.DataFrame()
    found = read_csv(path, "discovery")
    return found[found["section"] == "box"].drop(columns=["section", "step", "support"])


def boxes_grid(page: Page, frame: pd.DataFrame, name: str) -> Grid:
    """A heading row per (scenario, outcome) with its box's coverage and density, then a
    row per restricted parameter: its range in the box and in all worlds, its quasi-p."""
    keys = ("parameter", "box_range", "all_range", "quasi_p")
    head = "".join(f"<th>{html.escape(page.t(k))}</th>" for k in keys)
    rows, groups = [], {}
    for i, (_, r) in enumerate(frame.iterrows()):
        if i == 0 or (r["scenario"], r["outcome"]) != tuple(
            frame.iloc[i - 1][["scenario", "outcome"]]
        ):
            groups[i] = (
                f'<tr class="measure"><td colspan="4">{html.escape(box_heading(page, r))}</td></tr>'
            )
        if not r["parameter"]:
            rows.append(f'<td colspan="4">{html.escape(page.t("no_box"))}</td>')
            continue
        rows.append(
            f"<td>{html.escape(parameter_name(page, r['parameter']))}</td>"
            f"<td>{shown('number', r['low'])} – {shown('number', r['high'])}</td>"
            f"<td>{shown('number', r['full_low'])} – {shown('number', r['full_high'])}</td>"
            f"<td>{p_text(r['quasi_p'])}</td>"
        )
    formats = {c: "number" for c in ("low", "high", "full_low", "full_high")}
    return Grid(name, frame, f"<tr>{head}</tr>", rows, formats, groups, "left", page.t(name))


def p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def box_heading(page: Page, r: pd.Series) -> str:
    """'city_plan — a bottom line breached in 61.7% of 60 worlds; box: coverage …'."""
    what = page.t("breach_any") if r["outcome"] == "breach_any" else r["outcome"]
    text = f"{page.label(r['scenario'])} — {what}"
    if "share" in r and not pd.isna(r.get("share")):
        text += ": " + page.t("in_worlds", share=numbers.percent(r["share"]), n=int(r["worlds"]))
    if r["parameter"]:
        text += "; " + page.t(
            "box_quality",
            coverage=numbers.percent(r["coverage"]),
            density=numbers.percent(r["density"]),
        )
    return text


def is_deep(page: Page) -> bool:
    return page.results.manifest.get("uncertainty", {}).get("mode") == "deep"


def failures_section(page: Page, boxes: pd.DataFrame) -> str:
    """When each plan fails: the PRIM box of its worlds that breach a bottom line
    (:func:`failure_boxes`), and the boxes ``discover`` wrote into the batch folder."""
    if not is_deep(page):
        return ""
    body = boxes_grid(page, boxes, "failure_conditions").html()
    found = discovered_boxes(page)
    if len(found):
        body += f"<h3>{html.escape(page.t('discoveries'))}</h3>"
        body += boxes_grid(page, found.reset_index(drop=True), "discovery").html()
    return section("failures", page.t("failures"), page.t("failures_note"), body)


def failure_lines(page: Page, boxes: pd.DataFrame) -> list[str]:
    """For the summary: per scenario whose box has restrictions with quasi-p below
    :data:`SIGNIFICANT`, one line naming at most two of them. The threshold is strict
    because PRIM chose the restrictions among every varied parameter: a quasi-p is not
    corrected for that choice."""
    lines = []
    for name, rows in boxes.groupby("scenario", sort=False):
        held = rows[rows["quasi_p"].fillna(1) < SIGNIFICANT].head(2)
        if held.empty:
            continue
        where = "; ".join(
            page.t(
                "range_of",
                name=parameter_name(page, r["parameter"]),
                low=shown("number", r["low"]),
                high=shown("number", r["high"]),
                all_low=shown("number", r["full_low"]),
                all_high=shown("number", r["full_high"]),
            )
            for _, r in held.iterrows()
        )
        first = rows.iloc[0]
        lines.append(
            page.t(
                "fails_where",
                scenario=page.label(name),
                share=numbers.percent(first["share"]),
                coverage=numbers.percent(first["coverage"]),
                where=where,
            )
        )
    return lines


# --- which guesses decide ------------------------------------------------------------------
def sensitivity_figure(page: Page, frame: pd.DataFrame, method: str) -> go.Figure:
    """Ranked bars with 95% intervals; the menu picks the outcome."""
    series = [(c, page.t(f"index_{c}")) for c in SENSITIVITY_COLUMNS[method]]
    key = series[0][0]
    outcomes = sorted(frame["outcome"].unique())
    fig = go.Figure()
    for outcome in outcomes:
        rows = frame[frame["outcome"] == outcome].sort_values(key, ascending=False).head(TOP)
        rows = rows[::-1]
        for col, label in series:
            fig.add_bar(
                y=[parameter_name(page, p) for p in rows["parameter"]],
                x=rows[col],
                name=label,
                orientation="h",
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": rows[f"{col}_high"] - rows[col],
                    "arrayminus": rows[col] - rows[f"{col}_low"],
                },
            )
    per = len(series)
    buttons = [
        (outcome_name(page, o), [j // per == i for j in range(per * len(outcomes))])
        for i, o in enumerate(outcomes)
    ]
    page.menu(fig, buttons, 0)
    fig.update_layout(barmode="group", margin={"l": 360, "t": 70})
    return fig


def sensitivity_section(page: Page, found: Analysis) -> str:
    meta = found.manifest.get("analysis") or {}
    method = meta.get("method", "morris")
    fig = sensitivity_figure(page, found.frame, method)
    note = page.t(
        f"sensitivity_note_{method}",
        scenario=meta.get("base", "?"),
        n=meta.get("n", "?"),
        reps=meta.get("reps_per_point", "?"),
        k=len(meta.get("parameters", [])),
    )
    body = page.figure(fig, 140 + 26 * TOP) + csv_link("sensitivity", found.frame, page.t("csv"))
    return section("sensitivity", page.t("sensitivity"), note, body)


# --- which levers make the difference -----------------------------------------------------
def attribution_figure(page: Page, frame: pd.DataFrame) -> go.Figure:
    """Each lever group's part of the paired difference; the menu picks the outcome."""
    outcomes = list(dict.fromkeys(frame["outcome"]))
    fig = go.Figure()
    for outcome in outcomes:
        rows = frame[frame["outcome"] == outcome][::-1]
        fig.add_bar(
            y=[page.t(f"group_{g}") for g in rows["group"]],
            x=rows["mean"],
            orientation="h",
            marker_color=["#4d4d4d" if g == "total" else "#1f77b4" for g in rows["group"]],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": rows["high"] - rows["mean"],
                "arrayminus": rows["mean"] - rows["low"],
            },
            showlegend=False,
        )
    buttons = [
        (outcome_name(page, o), [j == i for j in range(len(outcomes))])
        for i, o in enumerate(outcomes)
    ]
    page.menu(fig, buttons, 0)
    fig.update_layout(margin={"l": 220, "t": 70})
    return fig


def attribution_grid(page: Page, frame: pd.DataFrame) -> Grid:
    """A row per outcome, a column per lever group: its Shapley part (intervals in the chart)."""
    groups = list(dict.fromkeys(frame["group"]))
    wide = frame.pivot(index="outcome", columns="group", values="mean")
    wide = wide.loc[list(dict.fromkeys(frame["outcome"])), groups].reset_index()
    head = f"<th>{html.escape(page.t('outcome'))}</th>" + "".join(
        f"<th>{html.escape(page.t('group_' + g))}</th>" for g in groups
    )
    rows = [
        f"<td>{html.escape(outcome_name(page, r['outcome']))}</td>"
        + "".join(f"<td>{shown('number', r[g])}</td>" for g in groups)
        for _, r in wide.iterrows()
    ]
    formats = dict.fromkeys(groups, "number")
    return Grid(
        "attribution", wide, f"<tr>{head}</tr>", rows, formats, css="left", label=page.t("csv")
    )


def attribution_section(page: Page, found: Analysis) -> str:
    fig = attribution_figure(page, found.frame)
    reps = int(found.frame["replications"].iloc[0]) if "replications" in found.frame else "?"
    note = page.t("attribution_note", command=found.manifest.get("command", ""), reps=reps)
    body = page.figure(fig, 420) + attribution_grid(page, found.frame).html()
    return section("attribution", page.t("attribution"), note, body)


# --- a better plan ---------------------------------------------------------------------------
def objective_columns(found: Analysis) -> list[str]:
    """The summary columns of ``optimize``'s objectives ('state_equity_end:max' -> ...)."""
    return [o.rsplit(":", 1)[0] for o in found.manifest["analysis"]["objectives"]]


def front_figure(page: Page, found: Analysis) -> go.Figure:
    """The Pareto plans in the first two objectives with 95% intervals, on the search's
    worlds and on the re-check's (a red cross where a plan fails a constraint there)."""
    table, cols = found.frame, objective_columns(found)
    x, y = cols[0], cols[1] if len(cols) > 1 else None
    fig = go.Figure()
    for prefix, key, marker in (
        ("", "optimize_search", {"color": "#1f4e8c", "size": 10}),
        ("recheck_", "optimize_recheck", None),
    ):
        if f"{prefix}{x}" not in table:
            continue
        if marker is None:
            ok = table.get("feasible_on_recheck", pd.Series(True, index=table.index)).astype(bool)
            marker = {
                "color": ["#2a9d3a" if v else "#d62728" for v in ok],
                "symbol": ["circle-open" if v else "x" for v in ok],
                "size": 11,
            }
        fig.add_scatter(
            x=table[f"{prefix}{x}"],
            y=table[f"{prefix}{y}"] if y else [0.0] * len(table),
            error_x=error_bars(table, f"{prefix}{x}"),
            error_y=error_bars(table, f"{prefix}{y}") if y else None,
            mode="markers",
            marker=marker,
            name=page.t(key),
            text=table["plan"],
        )
    fig.update_xaxes(title_text=outcome_name(page, x))
    fig.update_yaxes(title_text=outcome_name(page, y) if y else "")
    return fig


def error_bars(table: pd.DataFrame, column: str) -> dict:
    return {
        "type": "data",
        "symmetric": False,
        "array": table[f"{column}_high"] - table[column],
        "arrayminus": table[column] - table[f"{column}_low"],
    }


def plans_grid(page: Page, found: Analysis) -> Grid:
    """A row per Pareto plan: its levers, then each objective and constrained column's
    mean [95% interval] on the search's worlds and on the re-check's."""
    meta = found.manifest["analysis"]
    levers = list(meta["levers"])
    constrained = [c.split("<=")[0].split(">=")[0].strip() for c in meta["constraints"]]
    cols = list(dict.fromkeys(objective_columns(found) + constrained))
    table = found.frame
    head = f"<th>{html.escape(page.t('plan'))}</th>" + "".join(
        f"<th>{html.escape(n)}</th>" for n in levers
    )
    head += "".join(f"<th>{html.escape(outcome_name(page, c))}</th>" for c in cols)
    head += f"<th>{html.escape(page.t('optimize_ok'))}</th>"
    rows = []
    for _, r in table.iterrows():
        cells = [html.escape(r["plan"])] + [shown("number", r[n]) for n in levers]
        for c in cols:
            cell = f"{shown('number', r[c])} [{shown('number', r[c + '_low'])}, "
            cell += f"{shown('number', r[c + '_high'])}]"
            if f"recheck_{c}" in r and not pd.isna(r[f"recheck_{c}"]):
                cell += f"<br><small>{html.escape(page.t('recheck'))} "
                cell += f"{shown('number', r['recheck_' + c])}</small>"
            cells.append(cell)
        ok = bool(r.get("feasible_on_recheck", True))
        cells.append(page.t("yes") if ok else f'<span class="warn">{page.t("no")}</span>')
        rows.append("".join(f"<td>{c}</td>" for c in cells))
    formats = dict.fromkeys(levers + cols, "number")
    return Grid(
        "optimize", table, f"<tr>{head}</tr>", rows, formats, css="left", label=page.t("csv")
    )


def optimize_section(page: Page, found: Analysis) -> str:
    meta = found.manifest["analysis"]
    table = found.frame
    note = page.t(
        "optimize_note",
        base=meta["base"],
        objectives=", ".join(meta["objectives"]),
        constraints=", ".join(meta["constraints"]) or "-",
        reps=int(table["reps"].iloc[0]) if len(table) else "?",
        seed=meta["seed"],
        recheck_reps=int(table["recheck_reps"].iloc[0]) if "recheck_reps" in table else "-",
    )
    body = page.figure(front_figure(page, found), 520) + plans_grid(page, found).html()
    return section("optimize", page.t("optimize"), note, body)


def analysis_section(page: Page, found: Analysis) -> str:
    if found.kind == "sensitivity":
        return sensitivity_section(page, found)
    if found.kind == "optimize":
        return optimize_section(page, found)
    return attribution_section(page, found)
