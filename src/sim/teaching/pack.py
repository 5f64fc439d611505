"""``python -m sim.pack``: a print-ready A4 workshop pack that participants read on paper.

One command writes ``pack.html`` (A4 print styles: each section starts a page, body text
11 pt, tables 10 pt, nothing smaller) and, when Debian's chromium is installed,
``pack.pdf`` printed from it by ``chromium --headless --print-to-pdf``. The sections:

1. a cover with the contents;
2. one simulated child's chronology in plain words, with its timeline (the story
   command's child: ``sim.teaching.story.pick_child``), opening with the child's pen
   picture; workers have illustrative names (teaching/casefile.py);
3. the exercise copy of that chronology, with no audit findings;
4. the answer key: what the case audit finds, and the facilitator's points;
   then pause and predict: the same child's decision points, each question on a page and
   what happened next on the page after it (teaching/decisions.py);
5. a legend card for the timeline (every lane, bar and mark the figure draws);
6. the drift explorer's corner worksheet and, on its own page, the answers, computed by
   running the explorer's four corner cells (``--corner-replications`` each);
7. seed 002's case (Lambeth, the Ombudsman's decision 21 005 087) on one page: who's who,
   what happened, the remedy, and the case audit's findings on the written-out chronology
   beside what the Ombudsman recorded.

Every number comes from a run or an audit made by the command. Further arguments are
Hydra overrides applied to the story's run and to every corner cell.
"""

from __future__ import annotations

import base64
import html
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim import __version__, composition
from sim.analysis import too_few
from sim.arguments import OneLineParser
from sim.case_events import CaseEvent
from sim.config import Config, ConfigError
from sim.runner import Run
from sim.teaching import decisions, explorer
from sim.teaching.audit import (
    Chronology,
    Finding,
    effective_standards,
    load_example,
    skipped_checks,
    standards_from_config,
)
from sim.teaching.audit import audit as audit_chronology
from sim.teaching.casefile import case_file, numbered
from sim.teaching.chronology import EVENT_LABELS, chronology
from sim.teaching.story import (
    compose_config,
    end_date,
    findings_and_gaps,
    handover_cost,
    pick_child,
    record_end,
    record_start,
    run_logged,
)
from sim.teaching.timeline import LANES, MARKS, draw_timeline, legend_handles, place_labels
from sim.userfiles import check_writable, staged

PACK = Path("results") / "pack"
"""Where the pack goes without ``--out``."""
SCENARIO = "lambeth_2020"
"""The story's default scenario: the system of docs/teaching.md Part 2."""
CORNER_SCENARIO = "baseline"
"""The scenario the explorer's grid starts from (``python -m sim.explorer``'s default)."""
CORNER_REPLICATIONS = explorer.DEFAULT_REPLICATIONS
"""Replications of each corner cell for the worksheet's answers: as many as the explorer
page runs, so that the answers are the page's own corner values (same seeds, same runs)."""
MIN_FONT_PT = 10.0
"""The smallest text the print styles allow anywhere in the pack."""
CHROMIUM_NAMES = ("chromium", "chromium-browser")
"""Debian's chromium, as the explorer's browser test finds it."""
CHROMIUM_TIMEOUT_S = 180

SECTIONS: dict[str, str] = {
    "cover": "Contents",
    "chronology": "One child's chronology",
    "exercise": "Exercise copy of the chronology",
    "answers": "Answer key: what an audit of the chronology finds",
    "decisions": "Pause and predict: decision points in the same child's story",
    "legend": "Reading the timeline: a legend card",
    "worksheet": "The drift explorer: corner worksheet",
    "corner-answers": "Corner worksheet: answers",
    "lambeth": "A real case: Lambeth, 2018 to 2022",
}
"""Each section's id in pack.html and its heading; each starts on a new page."""

KIND_WORDS: dict[str, tuple[str, str]] = {
    "late_front_door_decision": ("late front-door decision", "late front-door decisions"),
    "late_assessment": ("late assessment", "late assessments"),
    "late_icpc": ("late initial conference", "late initial conferences"),
    "late_rcpc": ("late review conference", "late review conferences"),
    "late_transfer": ("late step in a transfer", "late steps in a transfer"),
    "visit_gap": (
        "gap between visits beyond the standard",
        "gaps between visits beyond the standard",
    ),
    "month_without_visit": ("month with no visit", "months with no visit"),
    "core_group_gap": ("late core group", "late core groups"),
    "lapsed_manager_review": ("lapse in manager reviews", "lapses in manager reviews"),
    "worker_changes": ("change of social worker", "changes of social worker"),
    "complaint_stage_late": ("complaint stage out of time", "complaint stages out of time"),
}
"""Each kind of audit finding (audit.FINDING_KINDS) in plain words: one, many."""

LANE_TEXT: dict[str, str] = {
    "Pathway": "where the case is: coloured bars for an assessment, a section 47 enquiry, a "
    "child in need plan and a child protection plan; a dashed line down the whole figure at "
    "each referral",
    "Conferences": "meetings about the child: strategy discussions, conferences, core groups "
    "and legal planning",
    "Visits": "statutory visits: a tick when the child was seen, a cross when no one got in; "
    "pink shading where the gap between visits went past the standard",
    "Social worker": "who held the case: one coloured bar per social worker, numbered in the "
    "order the child met them (1 is the child's first social worker); grey while the case "
    "waited with no worker",
    "Manager reviews": "a tick for each manager review of the case (supervision); pink shading "
    "where the time between reviews went past the standard",
    "Complaints": "a complaint and each stage of it, up to the Ombudsman",
}
"""What each lane of the timeline (timeline.LANES) shows, for the legend card."""


# ----------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class Story:
    """The simulated child: pen picture, the chronology (workers named), what the audit finds."""

    scenario: str
    child_id: int
    picture: list[str]
    events: list[CaseEvent]
    findings: list[Finding]
    figure_svg: str
    standards: dict[str, int]
    handover_summary: str
    notes: list[str]


@dataclass(frozen=True)
class RealCase:
    """Seed 002's written-out chronology and what the case audit finds in it."""

    chron: Chronology
    findings: list[Finding]
    standards: dict[str, int]


@dataclass(frozen=True)
class Pack:
    """Everything the pack prints, computed before anything is written."""

    story: Story
    corners: dict[str, Any]
    real: RealCase


def timeline_svg(events: Sequence[CaseEvent], end: date, findings_gaps: tuple) -> str:
    """The child's timeline drawn to the printed page's width, as SVG text.

    Drawn at the size it prints (180 mm wide), so its lettering keeps its size in points;
    social workers are numbered on their bars (names do not fit).
    """
    visit_gaps, review_gaps = findings_gaps
    fig = Figure(figsize=(7.08, 4.0), layout="constrained")
    ax = fig.subplots()
    place_labels(fig, [draw_timeline(ax, numbered(events), end, visit_gaps, review_gaps)])
    return _svg(fig)


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", transparent=True)
    return buffer.getvalue()


def build_story(
    cfg: Config, scenario: str, child: int | None = None, replication: int = 0
) -> Story:
    """Run the scenario with cases logged, pick the story's child and audit its chronology."""
    model = run_logged(cfg, replication)
    child_id = pick_child(model) if child is None else child
    if child_id not in model.log.entries:
        raise ConfigError(
            f"--child: no child {child_id} in this run; allowed: 0 to {len(model.model.children) - 1}"
        )
    case = case_file(model.log, model.cal, child_id, cfg.run.seed)
    events = case.events
    findings, visit_gaps, review_gaps = findings_and_gaps(
        events, cfg, record_end(model), record_start(model)
    )
    cost = handover_cost(chronology(model.log, model.cal, c) for c in model.log.children())
    return Story(
        scenario=scenario,
        child_id=child_id,
        picture=case.header(),
        events=events,
        findings=findings,
        figure_svg=timeline_svg(events, end_date(model), (visit_gaps, review_gaps)),
        standards=standards_from_config(cfg),
        handover_summary=cost.summary(),
        notes=_story_notes(model, scenario),
    )


def _story_notes(model: Run, scenario: str) -> list[str]:
    cfg = model.cfg
    return [
        f"Simulated by cpsim: the {scenario} scenario, seed {cfg.run.seed}, replication "
        f"{model.model.replication}, {cfg.authority.name} authority, {cfg.run.years:g} years "
        f"to {end_date(model):%d %B %Y}."
    ]


def build_corners(base: Config, replications: int, n_jobs: int | None) -> dict[str, Any]:
    """Run the explorer's four corner cells (fewest and most posts, lowest and highest turnover)."""
    staffing = (min(explorer.STAFFING), max(explorer.STAFFING))
    turnovers = (min(explorer.TURNOVERS), max(explorer.TURNOVERS))
    return explorer.build_data(base, staffing, turnovers, replications, n_jobs, progress=False)


def build_real_case() -> RealCase:
    """Audit seed 002's written-out chronology (``python -m sim.audit --example lambeth``)."""
    chron = load_example("lambeth")
    standards = effective_standards(chron)
    return RealCase(chron, audit_chronology(chron, standards), standards)


def build_pack(
    story_cfg: Config,
    corner_cfg: Config,
    scenario: str = SCENARIO,
    child: int | None = None,
    replication: int = 0,
    corner_replications: int = CORNER_REPLICATIONS,
    n_jobs: int | None = None,
) -> Pack:
    """Run and audit everything the pack prints."""
    if corner_replications < 1:
        raise ConfigError(f"--corner-replications: {corner_replications}; allowed: >= 1")
    story = build_story(story_cfg, scenario, child, replication)
    corners = build_corners(corner_cfg, corner_replications, n_jobs)
    return Pack(story, corners, build_real_case())


# ----------------------------------------------------------------------------- the page

CSS = """
@page { size: A4; margin: 14mm 15mm 15mm 15mm; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 11pt;
  line-height: 1.3; color: #111; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; }
@media screen { body { max-width: 180mm; margin: 10mm auto; }
  section + section { border-top: 2px dashed #999; margin-top: 10mm; padding-top: 6mm; } }
section { break-before: page; }
section:first-of-type { break-before: auto; }
h1 { font-size: 22pt; margin: 0 0 6mm; }
h2 { font-size: 16pt; margin: 0 0 3mm; break-after: avoid; }
h3 { font-size: 12pt; margin: 4mm 0 2mm; break-after: avoid; }
p, ul, ol { margin: 0 0 2.5mm; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; margin: 0 0 3mm; }
thead { display: table-header-group; }
tr, figure, .card { break-inside: avoid; }
th, td { border: 0.6pt solid #777; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #e8e8e8; }
td.date { white-space: nowrap; }
td.who { width: 34mm; }
td.who span { white-space: nowrap; }
td.blank { width: 30mm; }
figure { margin: 0 0 3mm; }
figure img { width: 100%; }
td.mark { width: 14mm; text-align: center; vertical-align: middle; }
td.mark img { height: 5mm; display: block; margin: auto; }
table.legend td { padding: 0.5mm 1.5mm; vertical-align: middle; }
table.legend td:nth-child(2) { white-space: nowrap; }
.worksheet td { height: 24mm; width: 42%; font-size: 11pt; }
.worksheet th[scope=row] { width: 16%; }
@page handout { margin: 10mm 12mm; }
.handout { page: handout; font-size: 10pt; line-height: 1.2; }
.handout h2 { font-size: 14pt; margin-bottom: 1.5mm; }
.handout h3 { font-size: 11pt; margin: 2mm 0 1mm; }
.handout ul { padding-left: 5mm; margin-bottom: 1mm; }
.handout table { margin-bottom: 1.5mm; }
.handout td, .handout th { padding: 0.6mm 1.2mm; }
.two { display: grid; grid-template-columns: 1fr 1fr; column-gap: 5mm; }
.lead { font-size: 12pt; }
"""


def esc(value: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value), quote=True)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """An HTML table; cells are HTML already (escape text with :func:`esc`)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(rows_) + "</tr>" for rows_ in _cells(rows))
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cells(rows: Iterable[Sequence[str]]) -> Iterable[list[str]]:
    for row in rows:
        yield [cell if cell.startswith(("<td", "<th")) else f"<td>{cell}</td>" for cell in row]


def _section(key: str, body: str, heading: str | None = None, cls: str = "") -> str:
    title = SECTIONS[key] if heading is None else heading
    klass = f' class="{cls}"' if cls else ""
    return f'<section id="{key}"{klass}>\n<h2>{esc(title)}</h2>\n{body}\n</section>\n'


def _plural(n: int, kind: str) -> str:
    one, many = KIND_WORDS[kind]
    return f"{n} {one if n == 1 else many}"


def _chronology_rows(events: Sequence[CaseEvent], blank: bool) -> list[list[str]]:
    rows = []
    for e in events:
        row = [
            f'<td class="date">{e.date:%d %b %Y}</td>',
            esc(EVENT_LABELS.get(e.event, e.event)),
            f'<td class="who">{_who(e.worker)}</td>',
            esc(e.detail),
        ]
        if blank:
            row.append('<td class="blank"></td>')
        rows.append(row)
    return rows


def _who(worker: str) -> str:
    """A name and its role, each kept whole, so the Who column wraps between them.

    A name and role kept on one line squeezed the Details column to a few words a line.
    """
    name, sep, role = worker.partition(" (")
    return " ".join(f"<span>{esc(part)}</span>" for part in (name, sep.strip() + role) if part)


def cover_html(pack: Pack) -> str:
    """The cover: what the pack is, how it was made, and the contents."""
    s, c = pack.story, pack.corners
    items = "".join(f"<li>{esc(title)}</li>" for key, title in SECTIONS.items() if key != "cover")
    body = f"""
<h1>Drift in child protection: a workshop pack</h1>
<p class="lead">Printed material for the workshop in docs/teaching.md. Participants need no
computer: everything they read is on these pages. Each section starts on a new page, so
the sections can be printed and handed out separately.</p>
<h3>Contents</h3>
<ol>{items}</ol>
<h3>How this pack was made</h3>
<p>{esc(" ".join(s.notes))} The chronology is child {s.child_id}'s, the child the story
command picks: re-referred after an early closure, with many changes of social worker.
The corner answers come from {c["replications"]} replication{
        "s" if c["replications"] != 1 else ""
    } of each of the drift explorer's four corner cells ({esc(CORNER_SCENARIO)}
scenario, seed {c["seed"]}, {c["years"]:g} years). The real case is the audit of the
chronology written out from the Ombudsman's decision on Lambeth (seed 002). Made with
<code>python -m sim.pack</code> (cpsim {esc(__version__)}).</p>
<p>The children in the simulation are not real children, and its numbers are not a
forecast for any council: use them for directions and sizes, not exact figures.</p>
"""
    return f'<section id="cover">\n{body}\n</section>\n'


def chronology_html(story: Story) -> str:
    """The facilitator's reading copy: the timeline, then the dated events in plain words."""
    workers = len({e.worker for e in story.events if e.event == "worker_change"})
    visits = sum(e.event == "visit" for e in story.events)
    referrals = sum(e.event == "referral" for e in story.events)
    image = base64.b64encode(story.figure_svg.encode()).decode()
    body = f"""
<h3>Pen picture</h3>
{_picture_html(story)}
<p>Child {story.child_id}, a simulated child in the <b>{esc(story.scenario)}</b> system:
{len(story.events)} entries, {referrals} referrals, {workers} social workers,
{visits} visits where the child was seen. On the timeline the social workers are
numbered in the order the child met them. The legend card explains the timeline.</p>
<figure><img alt="Timeline of child {story.child_id}'s case"
  src="data:image/svg+xml;base64,{image}"></figure>
{_table(("Date", "What happened", "Who", "Details"), _chronology_rows(story.events, False))}
"""
    return _section("chronology", body)


def _picture_html(story: Story) -> str:
    """The pen picture's lines as paragraphs (the last, the illustrative note, in italics)."""
    *lines, note = story.picture
    return "".join(f"<p>{esc(line)}</p>" for line in lines) + f"<p><i>{esc(note)}</i></p>"


def exercise_html(story: Story) -> str:
    """The participants' copy: the same chronology with a column to mark, and no audit."""
    st = story.standards
    body = f"""
{_picture_html(story)}
<p>Child {story.child_id}, a simulated child. Read the chronology as a whole, and mark in
the last column:</p>
<ul>
<li>each <b>new social worker</b> ("New social worker": the details say why);</li>
<li>each <b>gap between visits</b> longer than the standard: every
{st["cpp_visit_interval_wd"]} working days on a child protection plan, every
{st["cin_visit_interval_wd"]} on a child in need plan;</li>
<li>each <b>manager review</b>, and the longest time without one (the standard here: every
{st["manager_review_interval_wd"]} working days while the case is open).</li>
</ul>
{
        _table(
            ("Date", "What happened", "Who", "Details", "Your marks"),
            _chronology_rows(story.events, True),
        )
    }
"""
    return _section("exercise", body)


def facilitator_points(story: Story) -> list[str]:
    """The answer key's points for Part 2, counted from the chronology and its audit."""
    events, findings = story.events, story.findings
    changes = [e for e in events if e.event == "worker_change"]
    gaps = [f for f in findings if f.kind == "visit_gap"]
    lapses = [f for f in findings if f.kind == "lapsed_manager_review"]
    reviews = sum(e.event == "manager_review" for e in events)
    points = [
        f"{len({e.worker for e in changes})} social workers in {len(changes)} allocations; "
        f"{sum('handover' in e.detail for e in changes)} of them handovers (a worker left, "
        "moved team or went on long absence, or the case moved to the long-term team), "
        f"{sum('without a worker' in e.detail for e in changes)} after a wait with no worker."
    ]
    if gaps:
        longest = max(f.working_days or 0 for f in gaps)
        spanning = sum(_spans_a_change(f, changes) for f in gaps)
        points.append(
            f"{_plural(len(gaps), 'visit_gap')}; the longest {longest} working days. "
            f"{spanning} of the {len(gaps)} gaps span a change of social worker."
        )
    else:
        points.append("No gap between visits went past the standard.")
    if lapses:
        longest = max(f.working_days or 0 for f in lapses)
        points.append(
            f"{reviews} manager reviews; {_plural(len(lapses), 'lapsed_manager_review')}, "
            f"the longest {longest} working days without a review."
        )
    else:
        points.append(f"{reviews} manager reviews, none further apart than the standard.")
    points.append(story.handover_summary)
    return points


def _spans_a_change(f: Finding, changes: Sequence[CaseEvent]) -> bool:
    dates = [c.date for c in f.events]
    return bool(dates) and any(min(dates) < e.date <= max(dates) for e in changes)


def answers_html(story: Story) -> str:
    """The answer key: the facilitator's points, a count by kind, then every finding."""
    points = "".join(f"<li>{esc(p)}</li>" for p in facilitator_points(story))
    counts = []
    for kind in KIND_WORDS:
        of_kind = [f for f in story.findings if f.kind == kind]
        if of_kind:
            # the worker finding is one finding citing every allocation: count the changes
            n = len(of_kind[0].events) - 1 if kind == "worker_changes" else len(of_kind)
            counts.append([esc(KIND_WORDS[kind][1].capitalize()), str(n)])
    listing = [
        [str(n), esc(KIND_WORDS[f.kind][0]), esc(f.message)]
        for n, f in enumerate(story.findings, start=1)
    ]
    found = (
        _table(("Kind of finding", "How many"), counts)
        + "<h3>Every finding</h3>"
        + _table(("#", "Kind", "What the audit found"), listing)
        if story.findings
        else "<p>The audit finds no breach of the standards in this chronology.</p>"
    )
    body = f"""
<p>For the facilitator: what the tables should have marked, and what the case audit
(<code>python -m sim.audit</code>) finds in child {story.child_id}'s chronology.</p>
<h3>Points to draw out</h3>
<ul>{points}</ul>
<h3>What the audit finds</h3>
{found}
"""
    return _section("answers", body)


def _icon(handle: Any) -> str:
    """A legend handle drawn as the figure's legend draws it, as an inline image."""
    fig = Figure(figsize=(0.5, 0.3))
    fig.legend(
        handles=[handle],
        labels=[""],
        loc="center",
        frameon=False,
        handlelength=1.8,
        handletextpad=0,
        borderpad=0,
        borderaxespad=0,
    )
    data = base64.b64encode(_svg(fig).encode()).decode()
    return f'<td class="mark"><img alt="" src="data:image/svg+xml;base64,{data}"></td>'


def bar_rows() -> list[list[str]]:
    """The card's bars and lines: every one the figure's legend shows that is not a mark."""
    rows = []
    for handle in legend_handles():
        if isinstance(handle, Patch) or handle.get_linestyle() not in ("None", "none", ""):
            rows.append([_icon(handle), esc(handle.get_label())])
    return rows


def mark_rows() -> list[list[str]]:
    """The card's marks: every entry of timeline.MARKS, events drawn alike on one row."""
    groups: dict[tuple, list[str]] = {}
    for event, style in MARKS.items():
        groups.setdefault(style, []).append(EVENT_LABELS[event])
    rows = []
    for (lane, marker, color, size), labels in groups.items():
        handle = Line2D([], [], ls="none", marker=marker, color=color, markersize=size)
        rows.append([_icon(handle), esc(lane), esc("; ".join(labels))])
    return rows


def _in_pairs(rows: list[list[str]]) -> list[list[str]]:
    """Rows two to a line, so a short table takes half the height."""
    pairs = [
        rows[i] + (rows[i + 1] if i + 1 < len(rows) else ["<td></td>", ""])
        for i in range(0, len(rows), 2)
    ]
    return pairs


def legend_html() -> str:
    """The legend card: each lane, then each bar, line and mark, as the timeline draws it."""
    lanes = [[f"<b>{esc(lane)}</b>", esc(LANE_TEXT[lane])] for lane in LANES]
    body = f"""
<p>The timeline draws one child's case over time, one lane per part of the story, from the
top.</p>
{_table(("Lane", "What it shows"), lanes)}
<h3>Bars and lines</h3>
{_table(("Mark", "What it means") * 2, _in_pairs(bar_rows()), "legend")}
<h3>Marks</h3>
{_table(("Mark", "Lane", "What it means"), mark_rows(), "legend")}
"""
    return _section("legend", body)


def _corner_cells(c: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The corners as (key, posts, turnover) in words, rows fewest posts first, then turnover."""
    staffing, turnover = c["sliders"]["staffing"], c["sliders"]["turnover"]
    return [
        (f"{s_key}|{t_key}", f"{posts} funded posts", f"base turnover {rate}")
        for s_key, posts in zip(staffing["keys"], staffing["ticks"], strict=True)
        for t_key, rate in zip(turnover["keys"], turnover["ticks"], strict=True)
    ]


def _worksheet_kpis() -> tuple[str, ...]:
    """What the worksheet asks for, in the cards' own words."""
    return ("cpp_visits_on_time", "cin_visits_on_time", "drift_share")


def _grid(c: dict[str, Any], cell: Any) -> str:
    """The corners laid out as docs/teaching.md Part 3: posts down, turnovers across."""
    staffing, turnover = c["sliders"]["staffing"], c["sliders"]["turnover"]
    header = ["", *(f"base turnover set {t}" for t in turnover["ticks"])]
    rows = [
        [
            f'<th scope="row">{esc(posts)} funded posts</th>',
            *(cell(f"{s_key}|{t_key}") for t_key in turnover["keys"]),
        ]
        for s_key, posts in zip(staffing["keys"], staffing["ticks"], strict=True)
    ]
    return _table(header, rows, "worksheet")


def worksheet_html(c: dict[str, Any]) -> str:
    """The four corners table of docs/teaching.md Part 3, with the cards' own words."""
    labels = [c["kpis"][k]["label"] for k in _worksheet_kpis()]
    blank = "<br>".join(f"{esc(label)}: ______ %" for label in labels)
    body = f"""
<p>Open the drift explorer and set the two sliders to each corner in turn: the fewest and
most funded posts, and the lowest and highest base turnover rate. Write down what the
cards show.</p>
{_grid(c, lambda key: blank)}
<h3>Question A</h3>
<p>Which corner is worst for the children, and why? Which visits slip first when posts are
short, and what does turnover add that fewer posts do not?</p>
<p>______________________________________________________________________________</p>
<p>______________________________________________________________________________</p>
<p>______________________________________________________________________________</p>
"""
    return _section("worksheet", body)


def _value(c: dict[str, Any], key: str, kpi: str) -> float | None:
    values = c["cells"][key]["kpis"].get(kpi)
    return None if values is None or values[0] != values[0] else float(values[0])


def _shown(c: dict[str, Any], key: str, kpi: str) -> str:
    value = _value(c, key, kpi)
    if value is None:
        return "n/a"
    unit = c["kpis"][kpi]["unit"]
    text = f"{value:.1f}{unit if unit.startswith('%') else ' ' + unit}"
    if not too_few(c["replications"]):
        low, high = c["cells"][key]["kpis"][kpi][1:]
        text += f" ({low:.1f} to {high:.1f})"
    return text


def corner_points(c: dict[str, Any]) -> list[str]:
    """Which corner is worst for each worksheet KPI, read from the corner cells."""
    corners = _corner_cells(c)
    points = []
    for kpi in _worksheet_kpis():
        info = c["kpis"][kpi]
        known = [(k, cap, t) for k, cap, t in corners if _value(c, k, kpi) is not None]
        if not known:
            continue
        worst = (min if info["higher_is_better"] else max)(
            known, key=lambda cell: _value(c, cell[0], kpi)
        )
        best = (max if info["higher_is_better"] else min)(
            known, key=lambda cell: _value(c, cell[0], kpi)
        )
        points.append(
            f"{info['label']}: worst with {worst[1]} and {worst[2]} "
            f"({_shown(c, worst[0], kpi)}), best with {best[1]} and {best[2]} "
            f"({_shown(c, best[0], kpi)})."
        )
    return points


def _same_as_page(c: dict[str, Any]) -> str:
    """Whether the answers are the explorer page's own values (same replications)."""
    if c["replications"] == explorer.DEFAULT_REPLICATIONS:
        return "These are the values the explorer page's cards show in the corners."
    return (
        f"The explorer page runs {explorer.DEFAULT_REPLICATIONS} replications, so its cards "
        "can differ a little."
    )


def corner_answers_html(c: dict[str, Any]) -> str:
    """The worksheet's answers: every card's value in each corner, and the worst corners."""
    kpis = list(c["kpis"])
    rows = []
    for key, cap, t in _corner_cells(c):
        rows.append([f"{cap}, {t}", *(esc(_shown(c, key, k)) for k in kpis)])
    header = ["Corner", *(esc(c["kpis"][k]["label"]) for k in kpis)]
    spread = (
        "95% intervals in brackets"
        if not too_few(c["replications"])
        else f"no intervals: {c['replications']} replication"
        f"{'s are' if c['replications'] != 1 else ' is'} too few to trust one"
    )
    points = "".join(f"<li>{esc(p)}</li>" for p in corner_points(c))
    body = f"""
<p>Computed by running the explorer's four corner cells: {c["replications"]}
replication{"s" if c["replications"] != 1 else ""} each of the {esc(CORNER_SCENARIO)}
scenario ({esc(c["authority"])} authority, seed {c["seed"]}, {c["years"]:g} years); means
over the replications, {spread}. {_same_as_page(c)}</p>
{
        _grid(
            c,
            lambda key: "<br>".join(
                f"{esc(c['kpis'][k]['label'])}: <b>{esc(_shown(c, key, k))}</b>"
                for k in _worksheet_kpis()
            ),
        )
    }
<h3>Points to draw out</h3>
<ul>{points}</ul>
<h3>Every card in each corner</h3>
{_table(header, rows)}
"""
    return _section("corner-answers", body)


WHOS_WHO: tuple[tuple[str, str], ...] = (
    ("C", "the child, living with her mother"),
    ("Mr B", "C's father, who complained; C did not live with him"),
    ("Ms X", "C's mother; concerns about her drinking"),
    ("Mr Y", "Ms X's partner, a known sex offender"),
    ("The Council", "Lambeth's children's services"),
    ("The new authority", "the London borough C and Ms X moved to in 2020"),
    ("Investigator, panel", "the complaint's independent stage 2 and stage 3 reviews"),
    ("The Ombudsman", "decision 21 005 087, 29 August 2022"),
)
"""Who's who in seed 002's decision (paras 1, 18, 22-36 and 31 of the seed text)."""

WHAT_HAPPENED: tuple[str, ...] = (
    "2018: the case opens after a hospital referral (Ms X intoxicated with C present); in "
    "April C goes on a child protection plan for neglect (paras 19, 23).",
    "May 2019: the plan ends and C steps down to a child in need plan (para 23).",
    "Late 2019 to spring 2020: visits where no one is in; a report that Mr Y will move in, "
    "not acted on; in January 2020 C and Ms X move to a neighbouring borough (paras 23, 31).",
    "March to May 2020: new section 47 enquiries; a delayed initial conference puts C back "
    "on a plan; then C is not seen from May to July (paras 23, 24).",
    "June 2020: Mr B complains. The stage 2 report (October) finds \u201csignificant drift "
    "and delay\u201d; the Council takes about two months to reply (paras 18, 24, 47).",
    "2021: the stage 3 panel finds \u201ca lack of management oversight\u201d; promised "
    "four-weekly manager reviews lapse; the new authority is told of the move only in May "
    "2021, and the case transfers in May 2022 (paras 29, 41, 46, 48).",
)
"""What happened in seed 002's case, in plain words from the seed text."""

REMEDY: tuple[str, ...] = (
    "A further apology to Mr B and \u00a31,150 for his distress, time and trouble; the "
    "decision sent to the authority now responsible for C (para 64).",
    "Within three months: check that actions agreed after stage 2 complaints get done; brief "
    "all staff on working with sex offenders (MAPPA) and on transferring cases when a child "
    "moves; review how it keeps in touch with parents who do not live with their child "
    "(para 65).",
)
"""The agreed remedy in seed 002's decision."""


def audit_beside(real: RealCase, kinds: Sequence[str]) -> str:
    """The audit's findings of ``kinds`` on the written-out chronology, in plain words."""
    if not kinds:
        return "not something the audit measures"
    skipped = skipped_checks(real.chron)
    parts = []
    for kind in kinds:
        of_kind = [f for f in real.findings if f.kind == kind]
        if kind == "worker_changes" and of_kind:
            rows = {c.row for c in of_kind[0].events}
            names = {e.event.worker for e in real.chron.entries if e.row in rows}
            parts.append(f"{len(names)} social workers, {_plural(len(rows) - 1, kind)}")
        elif of_kind:
            sure = sum(f.sure for f in of_kind)
            text = f"{_plural(len(of_kind), kind)} ({sure} certain whatever the exact days)"
            measured = [f for f in of_kind if f.working_days is not None]
            if measured:
                worst = max(measured, key=lambda f: f.working_days or 0)
                text += f"; the longest {worst.working_days} working days"
            parts.append(text)
        elif kind in skipped:
            parts.append(f"{KIND_WORDS[kind][1]}: not checked (the decision does not date them)")
        else:
            parts.append(f"no {KIND_WORDS[kind][1]}")
    return "; ".join(parts)


def handout_rows(real: RealCase) -> list[list[str]]:
    """What the decision records beside what the audit found.

    Findings of the decision that the audit answers with the same kinds share a row.
    """
    grouped: dict[tuple[str, ...], list[str]] = {}
    for df in real.chron.document_findings:
        key = df.kinds or (df.found,)  # the unmeasured ones keep a row each
        grouped.setdefault(key, []).append(f"{df.found} ({df.source})")
    rows = []
    covered: set[str] = set()
    for key, found in grouped.items():
        kinds = [k for k in key if k in KIND_WORDS]
        covered.update(kinds)
        rows.append([esc("; ".join(found)), esc(audit_beside(real, kinds))])
    extra = [k for k in KIND_WORDS if k not in covered and any(f.kind == k for f in real.findings)]
    for kind in extra:
        rows.append(["not in the decision", esc(audit_beside(real, [kind]))])
    return rows


def handout_html(real: RealCase) -> str:
    """Seed 002's case on one page: who's who, what happened, remedy, findings side by side."""
    who = "".join(f"<li><b>{esc(name)}</b>: {esc(text)}</li>" for name, text in WHOS_WHO)
    happened = "".join(f"<li>{esc(line)}</li>" for line in WHAT_HAPPENED)
    remedy = "".join(f"<li>{esc(line)}</li>" for line in REMEDY)
    table = _table(
        ("What the decision records (paragraph)", "What the case audit finds in the chronology"),
        handout_rows(real),
    )
    body = f"""
<p>From the Ombudsman's decision on a complaint by C's father (seed 002). The decision
gives most dates as a month; the audit's \u201ccertain\u201d findings hold whatever the
exact days were.</p>
<div class="two"><div><h3>Who's who</h3><ul>{who}</ul></div>
<div><h3>The remedy</h3><ul>{remedy}</ul></div></div>
<h3>What happened</h3>
<ul>{happened}</ul>
<h3>What the Ombudsman found, beside the audit of the written-out chronology</h3>
{table}
"""
    return _section("lambeth", body, cls="handout")


def render_html(pack: Pack) -> str:
    """The whole pack as one self-contained HTML page with A4 print styles."""
    parts = [
        cover_html(pack),
        chronology_html(pack.story),
        exercise_html(pack.story),
        answers_html(pack.story),
        decisions.pack_section(
            pack.story.events, pack.story.findings, pack.story.standards, SECTIONS["decisions"]
        ),
        legend_html(),
        worksheet_html(pack.corners),
        corner_answers_html(pack.corners),
        handout_html(pack.real),
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        "<title>Drift in child protection: a workshop pack</title>\n"
        f"<style>{CSS}</style></head>\n<body>\n{''.join(parts)}</body></html>\n"
    )


# ----------------------------------------------------------------------------- printing


def find_chromium() -> str | None:
    """Debian's chromium on the PATH, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(chromium: str, page: Path, pdf: Path) -> str | None:
    """Print ``page`` to ``pdf`` with headless Chromium; None, or why it failed (one line)."""
    with tempfile.TemporaryDirectory(prefix="cpsim-chromium-") as profile:
        args = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # chromium refuses to start as root without it
        try:
            done = subprocess.run(
                [*args, page.resolve().as_uri()],
                capture_output=True,
                text=True,
                timeout=CHROMIUM_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return " ".join(str(exc).splitlines())
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no PDF written"])[-1]
        return f"exit status {done.returncode}: {last}"
    return None


def write_pack(pack: Pack, out: Path, pdf: bool = True) -> tuple[dict[str, Path], str]:
    """Write pack.html (and pack.pdf) into ``out`` together; return the paths and a note.

    Both are written to a staging folder and moved into place only when all is written
    (userfiles.staged). Without a PDF, an older pack.pdf in ``out`` is removed, so the
    folder never pairs a new page with an old print. The note says why there is no PDF.
    """
    chromium = find_chromium() if pdf else None
    note = ""
    printed = False
    with staged(out) as staging:
        page = staging / "pack.html"
        page.write_text(render_html(pack), encoding="utf-8")
        if pdf and chromium is None:
            note = "chromium not found: wrote pack.html only (print it from a browser)"
        elif chromium is not None:
            failed = print_pdf(chromium, page, staging / "pack.pdf")
            printed = failed is None
            if failed:
                (staging / "pack.pdf").unlink(missing_ok=True)
                note = f"chromium could not print the PDF ({failed}): wrote pack.html only"
    paths = {"html": out / "pack.html"}
    if printed:
        paths["pdf"] = out / "pack.pdf"
    else:
        (out / "pack.pdf").unlink(missing_ok=True)
    return paths, note


def _refuse_ignored(overrides: Sequence[str]) -> None:
    """Refuse overrides the pack would ignore (Hydra's own settings, run.replications)."""
    composition.refuse_ignored(
        overrides,
        "the pack",
        {"run.replications": "use --corner-replications", "run.n_jobs": "use --n-jobs"},
        "--out FOLDER",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(
        prog="python -m sim.pack", description=__doc__.splitlines()[0].split(": ", 1)[1]
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. run.seed=7")
    parser.add_argument("--scenario", default=SCENARIO, help="the story's scenario")
    parser.add_argument("--child", type=int, default=None, help="child id (default: pick one)")
    parser.add_argument("--replication", type=int, default=0, help="the story's replication")
    parser.add_argument(
        "--corner-replications",
        type=int,
        default=CORNER_REPLICATIONS,
        help="replications of each explorer corner cell",
    )
    parser.add_argument("--n-jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--no-pdf", action="store_true", help="write pack.html only")
    parser.add_argument("--out", type=Path, default=PACK, help="output folder")
    args = parser.parse_args(argv)
    try:
        if args.replication < 0:
            raise ConfigError(f"--replication: {args.replication} is negative; allowed: >= 0")
        if args.corner_replications < 1:
            raise ConfigError(f"--corner-replications: {args.corner_replications}; allowed: >= 1")
        _refuse_ignored(args.overrides)
        story_cfg = compose_config(args.scenario, args.overrides)
        corner_cfg = compose_config(CORNER_SCENARIO, args.overrides)
        check_writable(args.out)  # before the runs, not after
        print(
            f"Running {args.scenario} for the story, then the explorer's corners...",
            file=sys.stderr,
        )
        pack = build_pack(
            story_cfg,
            corner_cfg,
            args.scenario,
            args.child,
            args.replication,
            args.corner_replications,
            args.n_jobs,
        )
        paths, note = write_pack(pack, args.out, pdf=not args.no_pdf)
    except (ConfigError, OSError) as exc:
        message = " ".join(str(exc).splitlines())
        print(f"sim.pack: error: {message}", file=sys.stderr)
        return 2
    if note:
        print(f"sim.pack: {note}", file=sys.stderr)
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
