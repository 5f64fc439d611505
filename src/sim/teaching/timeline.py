"""Timeline figures of a chronology: one child's case drawn as lanes over time.

Lanes, top to bottom: the pathway (assessment, enquiry and plan periods as coloured
bars, referrals as dashed lines), conferences and meetings, visits (ticks for the child
seen, crosses for no access, red spans where the gap between visits went past the
standard), the allocated social worker (a bar per worker, labelled; grey while the case
waits for one), manager reviews (ticks, with lapsed gaps shaded) and complaint stages.
Sized and lettered for a slide. ``two_systems_figure`` draws two versions of one child's
story one above the other, with the points where they part marked.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.case_events import CaseEvent

LANES = ("Pathway", "Conferences", "Visits", "Social worker", "Manager reviews", "Complaints")
PERIOD_COLORS = {
    "assessment": "#9ecae1",
    "s47": "#fdae6b",
    "cpp": "#d62728",
    "cin": "#f2c12e",
    "unallocated": "#bbbbbb",
}
GAP_COLOR = "#d62728"
WORKER_COLORS = ("#4c72b0", "#55a868", "#8172b2", "#64b5cd", "#937860", "#da8bc3", "#2f4b7c")
PERIOD_EVENTS = {
    "assessment": ("assessment_start", "assessment_end"),
    "s47": ("s47_start", "s47_end"),
    "cpp": ("cpp_start", "cpp_end"),
    "cin": ("cin_start", "cin_end"),
}
CLOSING_EVENTS = {"closure", "care", "transfer_out", "step_down"}
UNALLOCATED = "unallocated"
"""Label of a span with no allocated worker (the wait a ``worker_change`` detail reports)."""
WAIT_TEXT = re.compile(r"after (\d+) days without a worker")
"""How a ``worker_change`` detail says the case waited for the worker (workforce.py)."""
MARKS: dict[str, tuple[str, str, str, float]] = {
    "front_door_decision": ("Pathway", "v", "#2b2b2b", 7),
    "outside_information": ("Pathway", "*", "#17becf", 10),
    "visit": ("Visits", "|", "#2b2b2b", 14),
    "no_access": ("Visits", "x", GAP_COLOR, 9),
    "icpc": ("Conferences", "D", "#d62728", 9),
    "rcpc": ("Conferences", "d", "#7f7f7f", 9),
    "legal_planning": ("Conferences", "P", "#8c564b", 9),
    "conference_postponed": ("Conferences", "x", GAP_COLOR, 9),
    "conference_brought_forward": ("Conferences", ">", "#7f7f7f", 8),
    "core_group": ("Conferences", "o", "#1f77b4", 5),
    "strategy_discussion": ("Conferences", "s", "#ff7f0e", 7),
    "manager_review": ("Manager reviews", "|", "#2b2b2b", 14),
    "complaint": ("Complaints", "*", "#9467bd", 12),
    "stage1_response": ("Complaints", "^", "#9467bd", 8),
    "stage2_request": ("Complaints", "^", "#9467bd", 8),
    "stage2_response": ("Complaints", "^", "#9467bd", 8),
    "stage3_request": ("Complaints", "^", "#9467bd", 8),
    "stage3_panel": ("Complaints", "^", "#9467bd", 8),
    "stage3_response": ("Complaints", "^", "#9467bd", 8),
    "ombudsman_complaint": ("Complaints", "P", "#000000", 10),
    "ombudsman_decision": ("Complaints", "P", "#000000", 10),
}
"""Each event drawn as a mark: event -> (lane, marker, colour, size). The workshop pack's
legend card (teaching/pack.py) lists every entry, so a mark added here is on the card."""


@dataclass(frozen=True)
class Span:
    """A dated period drawn as a bar: a plan, a worker's time holding the case, a gap."""

    start: date
    end: date
    label: str = ""


def periods(events: Sequence[CaseEvent], kind: str, end: date) -> list[Span]:
    """Periods between each start event of ``kind`` and its end (or ``end``)."""
    start_name, end_name = PERIOD_EVENTS[kind]
    spans: list[Span] = []
    opened: date | None = None
    for e in events:
        if e.event == start_name and opened is None:
            opened = e.date
        elif (e.event == end_name or e.event in CLOSING_EVENTS) and opened is not None:
            spans.append(Span(opened, e.date))
            opened = None
    if opened is not None:
        spans.append(Span(opened, end, "open at the end"))
    return spans


def worker_spans(events: Sequence[CaseEvent], end: date) -> list[Span]:
    """Who held the case when: from each worker_change to the next one or to closure.

    A ``worker_change`` whose detail says the case waited "after N days without a
    worker" ends the previous worker's span N days earlier, and the wait is a span
    labelled :data:`UNALLOCATED`.
    """
    spans: list[Span] = []
    current: tuple[date, str] | None = None
    for e in events:
        if e.event == "worker_change":
            wait = WAIT_TEXT.search(e.detail)
            since = e.date - timedelta(days=int(wait.group(1))) if wait else e.date
            if current is not None:
                since = max(since, current[0])
                spans.append(Span(current[0], since, current[1]))
            if since < e.date:
                spans.append(Span(since, e.date, UNALLOCATED))
            current = (e.date, e.worker)
        elif e.event in CLOSING_EVENTS and current is not None:
            spans.append(Span(current[0], e.date, current[1]))
            current = None
    if current is not None:
        spans.append(Span(current[0], end, current[1]))
    return spans


def _bar(ax: Axes, lane: int, span: Span, color: str, height: float = 0.6, **kw) -> None:
    start = mdates.date2num(span.start)
    width = max(mdates.date2num(span.end) - start, 1.0)
    ax.broken_barh([(start, width)], (lane - height / 2, height), facecolors=color, **kw)


def draw_timeline(
    ax: Axes,
    events: Sequence[CaseEvent],
    end: date,
    visit_gaps: Sequence[Span] = (),
    review_gaps: Sequence[Span] = (),
    start: date | None = None,
) -> None:
    """Draw one chronology on ``ax``; lanes are :data:`LANES` from the top."""
    lane = {name: len(LANES) - 1 - i for i, name in enumerate(LANES)}
    for gap in visit_gaps:
        _bar(ax, lane["Visits"], gap, GAP_COLOR, height=0.8, alpha=0.25, zorder=1)
    for gap in review_gaps:
        _bar(ax, lane["Manager reviews"], gap, GAP_COLOR, height=0.8, alpha=0.25, zorder=1)
    for kind in ("assessment", "s47", "cin", "cpp"):
        for span in periods(events, kind, end):
            _bar(ax, lane["Pathway"], span, PERIOD_COLORS[kind], zorder=2)
    names: list[str] = []
    for span in worker_spans(events, end):
        if span.label == UNALLOCATED:
            color = PERIOD_COLORS["unallocated"]
        else:
            if span.label not in names:
                names.append(span.label)
            color = WORKER_COLORS[names.index(span.label) % len(WORKER_COLORS)]
        _bar(ax, lane["Social worker"], span, color, edgecolor="white", linewidth=1.5, zorder=2)
        middle = (
            mdates.date2num(span.start)
            + (mdates.date2num(span.end) - mdates.date2num(span.start)) / 2
        )
        if (span.end - span.start).days >= 45:
            ax.text(
                middle,
                lane["Social worker"],
                span.label,
                ha="center",
                va="center",
                color="white",
                fontsize=10,
                fontweight="bold",
                zorder=3,
            )
    for name, (row, marker, color, size) in MARKS.items():
        xs = [mdates.date2num(e.date) for e in events if e.event == name]
        if xs:
            ax.plot(
                xs,
                [lane[row]] * len(xs),
                ls="none",
                marker=marker,
                color=color,
                markersize=size,
                zorder=4,
            )
    for e in events:
        if e.event == "referral":
            ax.axvline(mdates.date2num(e.date), color="#555555", ls="--", lw=1, zorder=0)
    first = start or min((e.date for e in events), default=end)
    ax.set_xlim(mdates.date2num(first - timedelta(days=10)), mdates.date2num(end))
    ax.set_yticks(range(len(LANES)))
    ax.set_yticklabels(list(reversed(LANES)), fontsize=11)
    ax.set_ylim(-0.6, len(LANES) - 0.4)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.tick_params(axis="x", labelsize=10)
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)


def legend_handles() -> list:
    """Legend entries shared by every timeline figure."""
    return [
        Patch(color=PERIOD_COLORS["assessment"], label="Assessment"),
        Patch(color=PERIOD_COLORS["s47"], label="Section 47 enquiry"),
        Patch(color=PERIOD_COLORS["cpp"], label="Child protection plan"),
        Patch(color=PERIOD_COLORS["cin"], label="Child in need plan"),
        Patch(color=GAP_COLOR, alpha=0.25, label="Gap beyond the standard"),
        Patch(color=PERIOD_COLORS["unallocated"], label="No allocated worker"),
        Line2D([], [], color="#555555", ls="--", label="Referral"),
        Line2D([], [], ls="none", marker="v", color="#2b2b2b", label="Front-door decision"),
        Line2D(
            [], [], ls="none", marker="|", color="#2b2b2b", markersize=12, label="Visit / review"
        ),
        Line2D([], [], ls="none", marker="x", color=GAP_COLOR, label="No access"),
        Line2D([], [], ls="none", marker="D", color="#d62728", label="ICPC"),
        Line2D([], [], ls="none", marker="d", color="#7f7f7f", label="Review conference"),
        Line2D([], [], ls="none", marker="s", color="#ff7f0e", label="Strategy discussion"),
        Line2D([], [], ls="none", marker="o", color="#1f77b4", markersize=5, label="Core group"),
        Line2D([], [], ls="none", marker="^", color="#9467bd", label="Complaint stage"),
        Line2D([], [], ls="none", marker="P", color="#000000", label="Ombudsman"),
        Line2D([], [], ls="none", marker="*", color="#9467bd", markersize=10, label="Complaint"),
    ]


def timeline_figure(
    events: Sequence[CaseEvent],
    title: str,
    end: date,
    visit_gaps: Sequence[Span] = (),
    review_gaps: Sequence[Span] = (),
) -> Figure:
    """One child's timeline, slide-sized (13.3 x 5.6 in), with a legend underneath."""
    fig = Figure(figsize=(13.3, 5.6), layout="constrained")
    ax = fig.subplots()
    draw_timeline(ax, events, end, visit_gaps, review_gaps)
    ax.set_title(title, fontsize=14, loc="left")
    ax.set_xlabel("Date", fontsize=11)
    fig.legend(
        handles=legend_handles(), loc="outside lower center", ncol=6, fontsize=10, frameon=False
    )
    return fig


def two_systems_figure(
    a: Sequence[CaseEvent],
    b: Sequence[CaseEvent],
    labels: tuple[str, str],
    end: date,
    gaps: tuple[tuple[list[Span], list[Span]], tuple[list[Span], list[Span]]],
    child_id: int,
    points: Sequence[tuple[date, str]],
) -> Figure:
    """Both timelines, one above the other on one time axis, parting points marked.

    ``points`` are where the two stories part, first the first difference
    (``sim.teaching.story.parting_points``).
    """
    fig = Figure(figsize=(13.3, 9.0), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    start = min(e.date for e in [*a, *b])
    for ax, events, label, (visit_gaps, review_gaps) in zip(
        axes, (a, b), labels, gaps, strict=True
    ):
        draw_timeline(ax, events, end, visit_gaps, review_gaps, start=start)
        ax.set_title(f"{label}", fontsize=13, loc="left")
    for i, (when, _text) in enumerate(points):
        x = mdates.date2num(when)
        for ax in axes:
            ax.axvline(
                x, color="#2ca02c", lw=2 if i == 0 else 1, alpha=0.9 if i == 0 else 0.5, zorder=5
            )
        axes[1].annotate(
            "1" if i == 0 else str(i + 1),
            xy=(x, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=9,
            color="#2ca02c",
        )
    axes[1].set_xlabel("Date", fontsize=11)
    axes[0].set_xlim(mdates.date2num(start - timedelta(days=10)), mdates.date2num(end))
    fig.suptitle(
        f"Child {child_id}, one child in two systems: {labels[0]} (top) and {labels[1]} (bottom)",
        fontsize=14,
    )
    handles = [*legend_handles(), Line2D([], [], color="#2ca02c", lw=2, label="Stories part")]
    fig.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=10, frameon=False)
    if points:
        lines = [f"{i + 1}: {when:%d %b %Y}, {text}" for i, (when, text) in enumerate(points)]
        wrapped = textwrap.fill("Where the stories part - " + "; ".join(lines), width=150)
        axes[1].set_xlabel(f"Date\n\n{wrapped}", fontsize=11)
    return fig
