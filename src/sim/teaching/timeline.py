"""Timeline figures of a chronology: one child's case drawn as lanes over time.

Lanes, top to bottom: the pathway (assessment, enquiry and plan periods as coloured
bars, referrals as dashed lines), conferences and meetings, visits (ticks for the child
seen, crosses for no access, red spans where the gap between visits went past the
standard), the allocated social worker (a bar per worker, labelled; grey while the case
waits for one), manager reviews (ticks, with lapsed gaps shaded) and complaint stages.
Each handover is marked on the worker lane with the days the child then waited for a
visit. Under the lanes, when the story kept it (``needtrace.py``), a need panel draws the
child's latent need beside what the service last saw of it, the high-need threshold, high
need the service did not know of, and the weeks the plan was in drift as ``drift_share``
counts them.

Sized and lettered for a slide (text at least 11 pt at 13.3 x 7.5 in).
``two_systems_figure`` draws two versions of one child's story one above the other, each
with its tallies and the settings that differ; ``projection_figure`` draws the same with
three lanes and type large enough for a room. The legend on the figures is short; the
full key (:func:`legend_handles` and :data:`MARKS`) is the legend card of the workshop
pack (teaching/pack.py).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from sim.case_events import CaseEvent
from sim.needtrace import NeedWeek

LANES = ("Pathway", "Conferences", "Visits", "Social worker", "Manager reviews", "Complaints")
PROJECTION_LANES = ("Pathway", "Visits", "Social worker")
"""The three lanes of the projection figure: the plans, the visits and gaps, the workers."""
PROJECTION_MARKS = ("visit", "no_access")
"""The only marks the projection figure draws."""
SLIDE_INCHES = (13.33, 7.5)
"""A 16:9 slide; at 144 dpi it is 1920 x 1080 pixels."""
PROJECTION_DPI = 144
SLIDE_PT = 11
"""The smallest text on the slide figures, in points at :data:`SLIDE_INCHES`."""
PROJECTION_PT = 16
"""The smallest text on the projection figure, in points at 1920 x 1080."""
HANDOVER_COLOR = "#000000"
NEED_COLOR = "#6a3d9a"
SEEN_COLOR = "#ff7f0e"
HIDDEN_COLOR = "#d62728"
DRIFT_FILL, DRIFT_HATCH = "#8c564b20", "#8c564b80"
"""Weeks of a plan in drift: brown hatching (pink is a gap, grey a wait for a worker)."""
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
CASE_ENDS = {"closure", "care", "transfer_out"}
"""Events after which the child has no social worker to visit them."""
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


def is_handover(e: CaseEvent) -> bool:
    """Whether ``e`` gives the case a new worker because the last one went (not a first one).

    The case log words such a ``worker_change`` "handover: the previous worker left"
    (moved team, went on long absence, or the case moved team; caselog.HANDOVER_TEXT).
    """
    return e.event == "worker_change" and "handover" in e.detail


@dataclass(frozen=True)
class Handover:
    """A handover: the day the child lost their worker, and their next visit after it."""

    left: date
    next_visit: date | None

    @property
    def days(self) -> int | None:
        """Days from losing the worker to the next visit (None: no visit before the end)."""
        return None if self.next_visit is None else (self.next_visit - self.left).days

    @property
    def label(self) -> str:
        """The gap as the figure writes it beside the handover."""
        return "no visit" if self.days is None else f"{self.days} days"


def handovers(events: Sequence[CaseEvent]) -> list[Handover]:
    """Every handover of a chronology with the wait to the child's next visit.

    The child loses the worker when the previous one stops holding the case: at the
    ``worker_change``, or "N days without a worker" before it. The next visit is the
    first after that (by anyone, a duty worker included) before the case ends.
    """
    out = []
    for e in events:
        if is_handover(e):
            wait = WAIT_TEXT.search(e.detail)
            left = e.date - timedelta(days=int(wait.group(1))) if wait else e.date
            out.append(Handover(left, _next_visit(events, left)))
    return out


def _next_visit(events: Sequence[CaseEvent], since: date) -> date | None:
    for e in events:
        if e.date < since:
            continue
        if e.event == "visit":
            return e.date
        if e.event in CASE_ENDS:
            return None
    return None


def drift_spans(weeks: Sequence[NeedWeek]) -> list[Span]:
    """The weeks a plan was in drift (``drift_days`` > 0), consecutive weeks joined."""
    spans: list[Span] = []
    for w in weeks:
        if w.drift_days <= 0:
            continue
        if spans and spans[-1].end == w.start:
            spans[-1] = Span(spans[-1].start, w.end)
        else:
            spans.append(Span(w.start, w.end))
    return spans


@dataclass
class Labels:
    """Texts of one timeline that can only be placed once the figure is laid out.

    Worker names must fit their bars (else the worker's number in the story, else
    nothing); handover gaps must not overlap (each takes the first free level above or
    below the worker lane, or moves right along the first).
    """

    ax: Axes
    worker_lane: float
    workers: list[tuple[Text, Span, str]] = field(default_factory=list)
    gaps: list[tuple[Annotation, Line2D, float]] = field(default_factory=list)


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
    lanes: Sequence[str] = LANES,
    fontsize: float = SLIDE_PT,
    marks: Collection[str] | None = None,
) -> Labels:
    """Draw one chronology on ``ax``, ``lanes`` from the top (any of :data:`LANES`).

    ``marks`` limits the events drawn as marks to those named (None: every one of
    :data:`MARKS`). Returns the labels :func:`place_labels` places once the figure is
    laid out.
    """
    lane = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    scale = fontsize / SLIDE_PT
    if "Visits" in lane:
        for gap in visit_gaps:
            _bar(ax, lane["Visits"], gap, GAP_COLOR, height=0.8, alpha=0.25, zorder=1)
    if "Manager reviews" in lane:
        for gap in review_gaps:
            _bar(ax, lane["Manager reviews"], gap, GAP_COLOR, height=0.8, alpha=0.25, zorder=1)
    if "Pathway" in lane:
        for kind in ("assessment", "s47", "cin", "cpp"):
            for span in periods(events, kind, end):
                _bar(ax, lane["Pathway"], span, PERIOD_COLORS[kind], zorder=2)
    labels = Labels(ax, lane.get("Social worker", -1.0))
    if "Social worker" in lane:
        _draw_workers(ax, events, end, labels, fontsize)
    for name, (row, marker, color, size) in MARKS.items():
        xs = [mdates.date2num(e.date) for e in events if e.event == name]
        if xs and row in lane and (marks is None or name in marks):
            ax.plot(
                xs,
                [lane[row]] * len(xs),
                ls="none",
                marker=marker,
                color=color,
                markersize=size * scale,
                zorder=4,
            )
    for e in events:
        if e.event == "referral":
            ax.axvline(mdates.date2num(e.date), color="#555555", ls="--", lw=1, zorder=0)
    first = start or min((e.date for e in events), default=end)
    ax.set_xlim(mdates.date2num(first - timedelta(days=10)), mdates.date2num(end))
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels(list(reversed(lanes)), fontsize=fontsize)
    # room under the bottom lane for a handover's label when the workers are at the bottom
    ax.set_ylim(-0.95 if lane.get("Social worker") == 0 else -0.6, len(lanes) - 0.4)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.tick_params(axis="x", labelsize=fontsize)
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)
    return labels


def _draw_workers(
    ax: Axes, events: Sequence[CaseEvent], end: date, labels: Labels, fontsize: float
) -> None:
    """The worker lane: a bar per worker (named), the waits, each handover and its gap."""
    y = labels.worker_lane
    names: list[str] = []
    for span in worker_spans(events, end):
        if span.label == UNALLOCATED:
            color = PERIOD_COLORS["unallocated"]
        else:
            if span.label not in names:
                names.append(span.label)
            color = WORKER_COLORS[names.index(span.label) % len(WORKER_COLORS)]
        _bar(ax, int(y), span, color, edgecolor="white", linewidth=1.5, zorder=2)
        if span.label != UNALLOCATED:
            middle = (mdates.date2num(span.start) + mdates.date2num(span.end)) / 2
            text = ax.text(
                middle,
                y,
                span.label,
                ha="center",
                va="center",
                color="white",
                fontsize=fontsize,
                fontweight="bold",
                zorder=3,
            )
            text.set_in_layout(False)
            labels.workers.append((text, span, str(names.index(span.label) + 1)))
    for handover in handovers(events):
        x = mdates.date2num(handover.left)
        ax.plot(
            [x],
            [y + 0.3],
            ls="none",
            marker="v",
            color=HANDOVER_COLOR,
            markersize=fontsize * 0.8,
            zorder=6,
        )
        (leader,) = ax.plot([x, x], [y + 0.3, y + 0.5], color=HANDOVER_COLOR, lw=1, zorder=5)
        text = ax.annotate(
            handover.label,
            xy=(x, y + 0.5),
            xytext=(2, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=fontsize,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            zorder=7,
        )
        text.set_in_layout(False)
        labels.gaps.append((text, leader, x))


def fit_legend(fig: Figure, handles: Sequence, fontsize: float) -> None:
    """A legend under the figure in as many columns as fit its width (at most 6)."""
    for ncol in range(min(6, len(handles)), 0, -1):
        legend = fig.legend(
            handles=handles, loc="outside lower center", ncol=ncol, fontsize=fontsize, frameon=False
        )
        fig.draw_without_rendering()
        box = legend.get_window_extent()
        if ncol == 1 or (box.x0 >= 0 and box.x1 <= fig.bbox.width):
            return
        legend.remove()


def place_labels(fig: Figure, all_labels: Sequence[Labels]) -> None:
    """Lay the figure out, then fit worker names to their bars and keep gap labels apart."""
    fig.draw_without_rendering()
    for labels in all_labels:
        _fit_worker_names(labels)
        _place_gaps(labels)


def _fit_worker_names(labels: Labels) -> None:
    """Centre each name on the visible part of its bar; shorten or drop it if it does not fit."""
    ax = labels.ax
    lo, hi = ax.get_xlim()
    for text, span, number in labels.workers:
        x0 = max(mdates.date2num(span.start), lo)
        x1 = min(mdates.date2num(span.end), hi)
        text.set_x((x0 + x1) / 2)
        room = ax.transData.transform((x1, 0))[0] - ax.transData.transform((x0, 0))[0] - 4
        for candidate in (text.get_text(), number):
            text.set_text(candidate)
            if text.get_window_extent().width <= room:
                break
        else:
            text.remove()


def _place_gaps(labels: Labels) -> None:
    """Give each handover's gap label the first free level, or move it right until free."""
    ax = labels.ax
    y = labels.worker_lane
    levels = (y + 0.5, y - 0.5)
    placed: list[Bbox] = []
    right_edge = ax.get_window_extent().x1
    for text, leader, x in sorted(labels.gaps, key=lambda g: g[2]):
        box = None
        for level in levels:
            text.xy = (x, level)
            box = text.get_window_extent().padded(2)
            if not any(box.overlaps(b) for b in placed) and box.x1 <= right_edge:
                break
        else:
            text.xy = (x, levels[0])
            box = text.get_window_extent().padded(2)
            while hits := [b for b in placed if box.overlaps(b)]:
                shift = max(b.x1 for b in hits) - box.x0 + 1
                px = ax.transData.transform(text.xy)[0] + shift
                text.xy = (ax.transData.inverted().transform((px, 0))[0], levels[0])
                box = text.get_window_extent().padded(2)
        assert box is not None
        placed.append(box)
        level = text.xy[1]
        leader.set_data([x, text.xy[0]], [y + (0.3 if level > y else -0.3), level])


def draw_need(ax: Axes, weeks: Sequence[NeedWeek], high: float, fontsize: float = SLIDE_PT) -> None:
    """The need panel: the child's latent need, need as last seen, and the plan's drift.

    The latent need is a solid line, what the service last saw of it a dashed one (from
    the first time anyone looked); red fill where the need was at or above ``high`` and
    the service did not know; brown shading over the weeks the plan was in drift
    (:func:`drift_spans`). Weeks the case was closed are left empty.
    """
    values = [high]
    for run in _runs(weeks):
        xs = [mdates.date2num(w.start) for w in run] + [mdates.date2num(run[-1].end)]
        need = [w.need for w in run]
        seen = [math.nan if w.seen is None else w.seen for w in run]
        ax.step(xs, [*need, need[-1]], where="post", color=NEED_COLOR, lw=2, zorder=3)
        ax.step(xs, [*seen, seen[-1]], where="post", color=SEEN_COLOR, lw=2, ls="--", zorder=3)
        for hidden in _runs(run, lambda w: _hidden(w, high)):
            hx = [mdates.date2num(w.start) for w in hidden] + [mdates.date2num(hidden[-1].end)]
            hn = [w.need for w in hidden]
            ax.fill_between(
                hx, high, [*hn, hn[-1]], step="post", color=HIDDEN_COLOR, alpha=0.35, lw=0
            )
        values += need + [v for v in seen if not math.isnan(v)]
    for span in drift_spans(weeks):
        ax.axvspan(
            mdates.date2num(span.start),
            mdates.date2num(span.end),
            zorder=1,
            gid="drift",
            facecolor=DRIFT_FILL,
            edgecolor=DRIFT_HATCH,
            hatch="//",
            lw=0,
        )
    ax.axhline(high, color=HIDDEN_COLOR, ls=":", lw=1.5, zorder=2)
    ax.set_ylim(min(values) - 0.3, max(values) + 0.3)
    ax.set_yticks([high], ["high need"], fontsize=fontsize)
    ax.tick_params(axis="x", labelsize=fontsize)
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)


def _hidden(w: NeedWeek, high: float) -> bool:
    """High need the service did not know of (never seen, or last seen below high)."""
    return w.need >= high and (w.seen is None or w.seen < high)


def _runs(
    weeks: Sequence[NeedWeek], keep: Callable[[NeedWeek], bool] | None = None
) -> list[list[NeedWeek]]:
    """Consecutive weeks (each starting where the last ended), optionally only some."""
    runs: list[list[NeedWeek]] = []
    for w in weeks:
        if keep is not None and not keep(w):
            continue
        if runs and runs[-1][-1].end == w.start:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def need_handles() -> list:
    """Legend entries of the need panel."""
    return [
        Line2D([], [], color=NEED_COLOR, lw=2, label="Child's need (not seen by the file)"),
        Line2D([], [], color=SEEN_COLOR, lw=2, ls="--", label="Need as the service last saw it"),
        Line2D([], [], color=HIDDEN_COLOR, ls=":", lw=1.5, label="High-need threshold"),
        Patch(color=HIDDEN_COLOR, alpha=0.35, label="High need not known"),
        Patch(facecolor=DRIFT_FILL, edgecolor=DRIFT_HATCH, hatch="//", lw=0, label="Plan in drift"),
    ]


def _handover_handle() -> Line2D:
    return Line2D(
        [], [], color=HANDOVER_COLOR, lw=1, marker="v", label="Handover: days to the next visit"
    )


def _pathway_handles() -> list[Patch]:
    """The pathway lane's bars, first in both legends."""
    return [
        Patch(color=PERIOD_COLORS["assessment"], label="Assessment"),
        Patch(color=PERIOD_COLORS["s47"], label="Section 47 enquiry"),
        Patch(color=PERIOD_COLORS["cpp"], label="Child protection plan"),
        Patch(color=PERIOD_COLORS["cin"], label="Child in need plan"),
    ]


def legend_handles() -> list:
    """The full key: every bar, line and mark a timeline can draw (the pack's legend card)."""
    return [
        *_pathway_handles(),
        Patch(color=GAP_COLOR, alpha=0.25, label="Gap beyond the standard"),
        Patch(color=PERIOD_COLORS["unallocated"], label="No allocated worker"),
        Line2D([], [], color="#555555", ls="--", label="Referral"),
        _handover_handle(),
        *need_handles(),
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


def short_legend_handles() -> list:
    """The few entries a slide's legend shows; the legend card has the full key."""
    visits = [
        Line2D([], [], ls="none", marker="|", color="#2b2b2b", markersize=12, label="Visit"),
        Line2D([], [], ls="none", marker="x", color=GAP_COLOR, label="No access"),
    ]
    return [
        *_pathway_handles(),
        *visits,
        Patch(color=GAP_COLOR, alpha=0.25, label="Gap beyond the standard"),
        Patch(color=PERIOD_COLORS["unallocated"], label="No allocated worker"),
        _handover_handle(),
    ]


def timeline_figure(
    events: Sequence[CaseEvent],
    title: str,
    end: date,
    visit_gaps: Sequence[Span] = (),
    review_gaps: Sequence[Span] = (),
    need: Sequence[NeedWeek] = (),
    high_need: float = 1.0,
) -> Figure:
    """One child's timeline, slide-sized, with the full key underneath.

    With ``need`` (the child's weeks from the need trace) a need panel under the lanes
    (:func:`draw_need`, ``high_need`` its threshold) and the figure a whole slide high.
    """
    if need:
        fig = Figure(figsize=SLIDE_INCHES, layout="constrained")
        ax, need_ax = fig.subplots(2, 1, sharex=True, height_ratios=(5, 1.6))
    else:
        fig = Figure(figsize=(13.3, 5.6), layout="constrained")
        ax = fig.subplots()
    labels = draw_timeline(ax, events, end, visit_gaps, review_gaps, lanes=lanes_used(events))
    handles = legend_handles()
    if need:
        draw_need(need_ax, need, high_need)
        need_ax.set_xlabel("Date", fontsize=SLIDE_PT)
    else:
        handles = [h for h in handles if h.get_label() not in _labels(need_handles())]
        ax.set_xlabel("Date", fontsize=SLIDE_PT)
    ax.set_title(title, fontsize=14, loc="left")
    fit_legend(fig, handles, SLIDE_PT)
    place_labels(fig, [labels])
    return fig


def _labels(handles: Sequence) -> set[str]:
    return {h.get_label() for h in handles}


@dataclass(frozen=True)
class Tally:
    """What one version of the story adds up to, for a figure's title."""

    workers: int
    """Social workers the child had."""
    weeks_unseen: int
    """Weeks beyond the visit standard without a visit (the audit's visit gaps)."""
    lapsed_reviews: int
    """Manager reviews that lapsed (the audit's lapsed manager reviews)."""

    def text(self) -> str:
        """``9 social workers, 34 weeks unseen beyond the visit standard, 5 lapsed ...``."""
        return (
            f"{_n(self.workers, 'social worker')}, "
            f"{_n(self.weeks_unseen, 'week')} unseen beyond the visit standard, "
            f"{_n(self.lapsed_reviews, 'lapsed manager review')}"
        )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class System:
    """One version of a child's story as the two-systems figures draw it."""

    label: str
    events: Sequence[CaseEvent]
    visit_gaps: Sequence[Span]
    review_gaps: Sequence[Span]
    tally: Tally
    settings: Sequence[str] = ()
    """The settings that differ from the other system, in plain words with values."""


def headline(child_id: int, a: System, b: System) -> str:
    """The two-systems figures' title: the tallies side by side."""
    ta, tb = a.tally, b.tally
    return (
        f"Child {child_id} in two systems: {ta.workers} social workers against {tb.workers}, "
        f"{ta.weeks_unseen} weeks unseen against {tb.weeks_unseen}, "
        f"{ta.lapsed_reviews} lapsed manager reviews against {tb.lapsed_reviews}"
    )


def lanes_used(*stories: Sequence[CaseEvent]) -> tuple[str, ...]:
    """:data:`LANES` without the complaints lane when no story has a complaint."""
    complaints = {name for name, style in MARKS.items() if style[0] == "Complaints"}
    if any(e.event in complaints for events in stories for e in events):
        return LANES
    return tuple(lane for lane in LANES if lane != "Complaints")


def two_systems_figure(child_id: int, a: System, b: System, end: date) -> Figure:
    """Both timelines, one above the other on one time axis, on one slide.

    The title sets the two tallies side by side; each panel's title gives its own, and
    under each panel are the settings that differ from the other system. Each handover
    is marked with the days the child then waited for a visit.
    """
    fig = Figure(figsize=SLIDE_INCHES, layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    start = min(e.date for e in [*a.events, *b.events])
    lanes = lanes_used(a.events, b.events)
    placed = []
    for ax, system in zip(axes, (a, b), strict=True):
        placed.append(
            draw_timeline(
                ax, system.events, end, system.visit_gaps, system.review_gaps, start, lanes
            )
        )
        ax.set_title(
            f"{system.label}: {system.tally.text()}", fontsize=12, loc="left", fontweight="bold"
        )
        other = b if system is a else a
        ax.set_xlabel(settings_text(system.settings, other.label), fontsize=SLIDE_PT, loc="left")
    fig.suptitle(headline(child_id, a, b), fontsize=14)
    fit_legend(fig, short_legend_handles(), SLIDE_PT)
    place_labels(fig, placed)
    return fig


def settings_text(settings: Sequence[str], other: str, width: int = 125) -> str:
    """The settings that differ from system ``other``, as a wrapped paragraph under a panel.

    ``width`` characters of 11 pt text fit the slide's width.
    """
    if not settings:
        return f"Settings: the same as in {other}."
    return textwrap.fill(f"Set unlike {other}: " + "; ".join(settings) + ".", width=width)


def projection_figure(child_id: int, a: System, b: System, end: date) -> Figure:
    """The two systems for a projector: three lanes, large type, 1920 x 1080 pixels.

    Lanes :data:`PROJECTION_LANES`; text at least :data:`PROJECTION_PT` points on a
    13.33 x 7.5 inch figure drawn at :data:`PROJECTION_DPI` dpi. No settings (they are
    on the slide figure and in the notes).
    """
    fig = Figure(figsize=SLIDE_INCHES, dpi=PROJECTION_DPI, layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    start = min(e.date for e in [*a.events, *b.events])
    placed = []
    for ax, system in zip(axes, (a, b), strict=True):
        placed.append(
            draw_timeline(
                ax,
                system.events,
                end,
                system.visit_gaps,
                (),
                start,
                PROJECTION_LANES,
                PROJECTION_PT,
                PROJECTION_MARKS,
            )
        )
        t = system.tally
        ax.set_title(
            f"{system.label}: {_n(t.workers, 'social worker')}, "
            f"{_n(t.weeks_unseen, 'week')} unseen",
            fontsize=PROJECTION_PT + 2,
            loc="left",
            fontweight="bold",
        )
    fig.suptitle(f"Child {child_id}: one child, two systems", fontsize=PROJECTION_PT + 6)
    fit_legend(fig, short_legend_handles(), PROJECTION_PT)
    place_labels(fig, placed)
    return fig
