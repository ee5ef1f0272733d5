"""The executive summary as words: one templated sentence per scenario, and the block that
opens ``compare``'s output. Every number comes from :mod:`sim.report.verdict`; the
templates are in ``static/text.toml``, so no conclusion is written by hand."""

from __future__ import annotations

from collections.abc import Sequence

from sim.bottom_lines import BOTTOM_LINES
from sim.measures import registry
from sim.numbers import DASH, aligned, estimate, interval, percent
from sim.report.compare import Results
from sim.report.robust import Ranking, ranking_frame, robust_first
from sim.report.text import words
from sim.report.verdict import Chance, Verdict, headline_count
from sim.summary import calendar

LINE_NAMES = {line.name: line for line in BOTTOM_LINES}


def line_name(line: str, lang: str) -> str:
    """A bottom line's name, or the deadline's, in ``lang``."""
    if line in LINE_NAMES:
        return getattr(LINE_NAMES[line], lang)
    return words()[lang]["deadline_line"]


def points(c: Chance) -> str:
    """'+30.5 pp [24.1 – 36.0]': a paired difference of probabilities."""
    p = c.paired
    return estimate(p.diff, p.low, p.high, "share", signed=True)


def chance_cell(c: Chance) -> str:
    """'38.5% [29.2 – 48.5]' and, against a reference, its paired difference."""
    text = f"{percent(c.probability)} {interval(c.low, c.high, 'share')}"
    if c.paired.pairs:
        text += f"; Δ {points(c)}"
    return text + (" ⚠" if c.flagged else "")


def sentence(v: Verdict, results: Results, lang: str) -> str:
    """One plain sentence about a scenario, filled in from its numbers."""
    w = words()[lang]
    title = results.title(v.scenario, lang)
    ref = results.title(v.reference, lang) if v.reference else ""
    above = [c for c in v.lines if c.flagged]
    tol = next((c.tolerance for c in v.lines if c.tolerance is not None), None)
    parts = []
    for c in above:
        p = c.paired
        d, ci = percent(p.diff, True), interval(p.low, p.high, "share", True)
        diff = w["diff_vs"].format(d=d, ci=ci)
        parts.append(
            w["line_above"].format(
                line=line_name(c.line, lang),
                p=percent(c.probability),
                diff=diff if c.paired.pairs else "",
                tol=percent(c.tolerance),
            )
        )
    lines = "; ".join(parts) if parts else w["lines_within"].format(tol=percent(tol))
    deadline = percent(v.deadline.probability)
    if not v.reference:
        role = w["role_reference"] if v.scenario == results.baseline else ""
        return w["sentence_alone"].format(title=title, role=role, deadline=deadline, lines=lines)
    either = len(v.material("changed"))
    return w["sentence_vs"].format(
        title=title,
        ref=ref,
        better=len(v.material("better")),
        worse=len(v.material("worse")),
        n=headline_count(v),
        changed=w["changed_either"].format(k=either) if either else "",
        date=calendar(v.month),
        deadline=deadline,
        deadline_diff=points(v.deadline),
        lines=lines,
    )


def outcome_name(r: Ranking, lang: str) -> str:
    """A ranking's outcome in ``lang``: a measure's name, a bottom line's or the deadline's."""
    return (
        getattr(registry()[r.outcome], lang) if r.kind == "measure" else line_name(r.outcome, lang)
    )


def conclusion(r: Ranking, results: Results, lang: str) -> str:
    """A robust conclusion as one sentence."""
    share = r.better if r.robust == "better" else r.worse
    return words()[lang][f"robust_{r.robust}"].format(
        title=results.title(r.scenario, lang),
        ref=results.title(r.reference, lang),
        outcome=outcome_name(r, lang),
        share=percent(share.share),
        ci=interval(*share.interval, "share"),
    )


def format_rankings(ranked: Sequence[Ranking]) -> str:
    """Every ranking as a table: the share of worlds better and worse [Wilson 95% CI]."""
    frame = ranking_frame(ranked)
    rows = [["scenario", "against", "outcome", "worlds", "better", "worse", "robust"]]
    for _, r in frame.iterrows():
        rows.append(
            [
                r["scenario"],
                r["reference"],
                r["outcome"],
                str(r["worlds"]),
                f"{percent(r['share_better'])} {interval(r['better_low'], r['better_high'], 'share')}",
                f"{percent(r['share_worse'])} {interval(r['worse_low'], r['worse_high'], 'share')}",
                r["robust"] or DASH,
            ]
        )
    head = "Robust rankings: share of plausible worlds strictly better / worse [Wilson 95% CI]"
    return "\n".join([head, *aligned(rows)])


def format_summary(results: Results, items: list[Verdict], ranked: Sequence[Ranking] = ()) -> str:
    """The executive summary for the terminal: the conclusions that hold in at least 90% of
    worlds, the sentences, then the bottom lines and the deadline per scenario, then the
    largest headline changes."""
    reg = registry()
    base = results.baseline
    w = words()["en"]
    out = ["The answer (executive summary)", ""]
    if ranked:
        held = robust_first(ranked)
        out += [w["robust"], *(f"- {conclusion(r, results, 'en')}" for r in held)]
        out += ([] if held else [w["robust_none"]]) + [""]
    out += [f"- {sentence(v, results, 'en')}" for v in items]
    heads = ["scenario", *(line_name(c.line, "en") for c in items[0].chances)]
    rows = [heads] + [[v.scenario, *(chance_cell(c) for c in v.chances)] for v in items]
    ref = f"Δ: paired difference from {base} [Newcombe 95% CI]; " if base else ""
    out += [
        "",
        "Bottom lines (breach probability) and the deadline (probability met) [exact 95% CI]; "
        f"{ref}⚠ above the scenario's breach tolerance",
        *aligned(rows),
    ]
    if base:
        out += ["", f"Largest material headline changes against {base} (mean paired Δ [95% CI])"]
        change_rows = []
        for v in items:
            if v.scenario == base:
                continue
            shown = [
                f"{reg[c.measure].en} "
                f"{estimate(c.paired.diff, c.paired.low, c.paired.high, reg[c.measure].unit, True)}"
                f" {reg[c.measure].unit}"
                for c in v.largest()
            ]
            change_rows.append([v.scenario, "; ".join(shown) or DASH])
        out += aligned(change_rows) if change_rows else []
    return "\n".join(out)
