"""Pause and predict: decision points in one child's story, for a room to discuss.

A decision point is a place in a chronology where someone in the system decides: a
conference about to give its outcome, a team manager told that visits keep finding no
one at home, a proposed closure, a new social worker taking over, a manager review that
is overdue, the front door reading a referral. At each point the room sees the
chronology so far, answers a question written for the role who decides, and then
reveals what happened next in the simulation (the events up to the next point).

:func:`choose_points` finds the points in a chronology (deterministic; 4 to 6 when the
story has enough); :func:`points_at` pauses at dates the facilitator chose.
:func:`page_html` is the offline page ``python -m sim.story --decision-points`` writes
(``decisions.html``: one point at a time, a Reveal button); :func:`print_section` is the
same points for the printed pack, each reveal on the page after its question.

**Flagged closures.** A closure whose preceding visits (since the case's last referral)
include :data:`NO_ACCESS_RUN` or more in a row that found no one at home is always a
decision point, flagged for discussion: the case closes on a child the service has not
been able to see. Such a closure inside a reveal is flagged there too.
"""

from __future__ import annotations

import argparse
import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sim.calendar import WorkingCalendar
from sim.case_events import CaseEvent
from sim.caselog import EXIT_TEXT
from sim.config import Config, ConfigError
from sim.teaching.audit import DEFAULT_STANDARDS, Finding, standards_from_config
from sim.teaching.chronology import EVENT_LABELS

NO_ACCESS_RUN = 3
"""Visits in a row finding no one at home that make a pattern (a point; a flagged closure).

Why three: the model goes back unannounced by the due day when a booked visit gets no
access (casework.py), so two in a row can be one visit and its second try; three means
at least two separate visits failed. Seed 002 (Lambeth, para 23) shows the pattern as a
run: the mother was not at home for pre-arranged visits in December 2019 and January
2020 and for two more in March 2020, and the child was then not seen for months.
"""
MIN_POINTS = 4
"""Fewest points :func:`choose_points` aims for (fewer only when the story has fewer)."""
MAX_POINTS = 6
"""Most points :func:`choose_points` chooses: about 8 minutes each in a 45-minute part."""
MIN_GAP_DAYS = 14
"""Two automatic points less than this many days apart would leave a reveal too thin to
discuss (a fortnight: one visit interval on a child protection plan)."""

ROUTINE = frozenset({"visit", "no_access", "core_group", "manager_review", "service_start"})
"""Events that happen on a plan's rhythm rather than by a decision about the case."""
STAGES = {
    "referral": "newly referred (on {d}), waiting for the front door's decision",
    "front_door_decision": "at the front door since {d}",
    "assessment_start": "being assessed (the assessment started on {d})",
    "s47_start": "under a section 47 enquiry (started on {d})",
    "s47_end": "at the end of a section 47 enquiry (completed on {d})",
    "assessment_end": "at the end of an assessment (completed on {d})",
    "cpp_start": "on a child protection plan since {d}",
    "cin_start": "on a child in need plan since {d}",
    "closure": "closed on {d}",
    "care": "looked after since {d}",
    "transfer_out": "transferred to another authority on {d}",
}
"""Where the case is after the last of these events, in a sentence's words."""
ENDED = frozenset({"closure", "care", "transfer_out"})
"""Stages after which the case has no worker of this service."""
CLOSING_STEPS = frozenset(
    {"front_door_decision", "assessment_end", "s47_end", "icpc", "rcpc", "cpp_end", "cin_end"}
)
"""The steps whose outcome can propose closing the case."""


@dataclass(frozen=True)
class Kind:
    """A kind of decision point: its label, who decides, and the room's answer notes."""

    label: str
    role: str
    note: str


KINDS: dict[str, Kind] = {
    "closure": Kind(
        "A proposed closure",
        "Team manager",
        "Closing a case is a decision about the child's safety, not about the caseload. Ask: "
        "when was the child last seen, and seen alone? What has changed since the referral, "
        "and who says so? Who will notice if things get worse, and how would the family come "
        "back? The reveal shows whether the case came back.",
    ),
    "no_access": Kind(
        "Visits that find no one at home",
        "Team manager",
        "Visits that keep finding no one at home are a pattern, not bad luck. Ask: who else "
        "sees the child (school, health visitor, GP)? Has the family moved? Would you make an "
        "unannounced visit, ask the police for a welfare check, or hold a strategy "
        "discussion? In seed 002 (Lambeth) the mother was not at home for visit after visit "
        "in 2019 and 2020, and the child was then not seen from May to July 2020.",
    ),
    "conference": Kind(
        "Before a conference decides",
        "Conference chair",
        "A conference decides on what it is told. Ask: has the child been seen, and seen "
        "alone, since the last meeting? Is there a social work report? Has anything changed "
        "for the child, or has the plan carried on with visits and no progress (drift)? "
        "Compare the decision in the reveal with what the chronology showed.",
    ),
    "handover": Kind(
        "A new social worker",
        "New social worker",
        "A handover is a risk point: the new worker reads in, the family tells its story "
        "again, a planned visit may not happen. Ask: when is the introductory visit? Is "
        "there a transfer summary? Does the team manager know the case? In the reveal, count "
        "the days until the child is next seen, and compare them with what the story command "
        "prints for handovers across the whole run.",
    ),
    "review": Kind(
        "A manager review overdue",
        "Team manager",
        "The manager review is the one place someone reads the case as a whole, so it is "
        "where drift should be caught. Ask: what has changed for the child since the last "
        "review? Are the visits on time and the plan's actions done? In seed 002 the "
        "council's promised four-weekly reviews lapsed, and the stage 3 panel found a lack "
        "of management oversight.",
    ),
    "front_door": Kind(
        "A referral at the front door",
        "Front-door (MASH) manager",
        "The front door knows the referral and the file. A re-referral soon after a closure "
        "is information in itself: the inspection of Haringey (seed 003) found cases closed "
        "too early and then re-referred and re-assessed. Ask: what has changed since the "
        "last closure, and who has seen the child?",
    ),
    "chosen": Kind(
        "A date the facilitator chose",
        "Team manager",
        "Ask what the plan is meant to change for the child and whether it is changing: when "
        "was the child last seen and seen alone, what are the next steps, and who does them?",
    ),
}
"""The kinds of decision point, in the order :func:`choose_points` takes them."""


@dataclass(frozen=True)
class DecisionPoint:
    """A pause in a chronology: ``events[:index]`` are known, the rest is to come."""

    index: int
    date: date
    kind: str
    question: str
    flag: str = ""
    """Non-empty when the point is flagged for discussion: why, in one sentence."""

    @property
    def role(self) -> str:
        """Who decides at this point."""
        return KINDS[self.kind].role

    @property
    def note(self) -> str:
        """The room's answer notes for this kind of point."""
        return KINDS[self.kind].note


# ----------------------------------------------------------------------------- reading


def _d(day: date) -> str:
    return f"{day:%d %b %Y}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _episode_start(events: Sequence[CaseEvent], index: int) -> int:
    """Index of the last referral before ``index`` (0 when there is none)."""
    return max((i for i in range(index) if events[i].event == "referral"), default=0)


def no_access_runs(events: Sequence[CaseEvent], lo: int, hi: int) -> list[list[int]]:
    """Runs of visits in a row that found no one at home, among ``events[lo:hi]``.

    Each run is the indices of its ``no_access`` events; a visit where the child was
    seen, a closure or a new referral ends a run, other events (a manager review, a core
    group) do not.
    """
    runs: list[list[int]] = []
    current: list[int] = []
    for i in range(lo, hi):
        if events[i].event == "no_access":
            if not current:
                runs.append(current)
            current.append(i)
        elif events[i].event in ("visit", "closure", "referral"):
            current = []
    return runs


def closure_flag(events: Sequence[CaseEvent], index: int, k: int = NO_ACCESS_RUN) -> str:
    """Why the closure at ``index`` is flagged for discussion, or "" when it is not.

    Flagged when the visit attempts since the case's last referral include ``k`` or more
    in a row that found no one at home.
    """
    runs = no_access_runs(events, _episode_start(events, index), index)
    run = max(runs, key=len, default=[])
    if len(run) < k:
        return ""
    return (
        f"Flagged for discussion: the case closes after {len(run)} visits in a row found no "
        f"one at home ({_d(events[run[0]].date)} to {_d(events[run[-1]].date)})."
    )


def situation(events: Sequence[CaseEvent], index: int) -> str:
    """Where the case stands when ``events[:index]`` are known, in plain words."""
    known = events[:index]
    if not known:
        return "Nothing is known about the child yet."
    stage = next((e for e in reversed(known) if e.event in STAGES), None)
    if stage and stage.event == "assessment_start":  # carried out through an enquiry?
        stage = next((e for e in known if e.event == "s47_start" and e.date == stage.date), stage)
    parts = [f"The case is {STAGES[stage.event].format(d=_d(stage.date))}." if stage else ""]
    referrals = sum(e.event == "referral" for e in known)
    workers = [e.worker for e in known if e.event == "worker_change"]
    open_case = stage is None or stage.event not in ENDED
    parts.append(
        f"So far: {_plural(referrals, 'referral')}, "
        f"{_plural(len(dict.fromkeys(workers)), 'social worker')}"
        + (f" (now {workers[-1].split(' (')[0]})" if workers and open_case else "")
        + "."
    )
    seen = [e for e in known if e.event == "visit"]
    since = [e for e in known if e.event == "no_access" and (not seen or e.date > seen[-1].date)]
    if seen:
        alone = [e for e in seen if "seen alone" in e.detail and "not seen alone" not in e.detail]
        last = _d(seen[-1].date)
        if alone and alone[-1] is seen[-1]:
            parts.append(f"The child was last seen, and seen alone, on {last}.")
        else:
            alone_text = f" (last seen alone on {_d(alone[-1].date)})" if alone else ""
            parts.append(f"The child was last seen on {last}{alone_text}.")
    elif any(e.event in ("cpp_start", "cin_start") for e in known):
        parts.append("No visit has seen the child yet.")
    if since:
        parts.append(f"Since then, {_plural(len(since), 'visit')} found no one at home.")
    return " ".join(p for p in parts if p)


def what_followed(
    events: Sequence[CaseEvent], start: int, stop: int, pause: date, k: int = NO_ACCESS_RUN
) -> list[str]:
    """What the reveal ``events[start:stop]`` shows, in a few plain sentences.

    ``pause`` is the date of the pause the reveal follows (days are counted from it).
    """
    if start >= stop:
        return ["Nothing more happens before the record ends."]
    shown = events[start:stop]
    lines: list[str] = []
    seen = next((e for e in shown if e.event == "visit"), None)
    ended = "the next pause" if stop < len(events) else "the record ends"
    if seen:
        days = (seen.date - pause).days
        later = f"{_plural(days, 'day')} on" if days else "the same day"
        lines.append(f"The child was next seen on {_d(seen.date)}, {later}.")
    elif any(e.event in ("visit", "no_access") for e in events[:stop]):
        lines.append(f"The child was not seen before {ended}.")
    failed = sum(e.event == "no_access" for e in shown)
    if failed:
        lines.append(f"{_plural(failed, 'visit')} found no one at home.")
    for e in shown:
        if e.event in ("icpc", "rcpc", "transfer_in_conference") and e.detail:
            lines.append(f"The {EVENT_LABELS[e.event].lower()} decided: {e.detail}.")
            break
    changes = [e for e in shown if e.event == "worker_change"]
    if changes:
        lines.append(f"{_plural(len(changes), 'new social worker')}.")
    for i in range(start, stop):
        e = events[i]
        if e.event == "closure":
            lines.append(f"The case was closed on {_d(e.date)}.")
            flag = closure_flag(events, i, k)
            if flag:
                lines.append(flag)
        elif e.event == "referral":
            lines.append(f"The child was referred again on {_d(e.date)}.")
        elif e.event in ("care", "transfer_out"):
            lines.append(f"{EVENT_LABELS[e.event]} on {_d(e.date)}.")
    return lines


# ----------------------------------------------------------------------------- the points


def _last(events: Sequence[CaseEvent], index: int, keep: Callable[[CaseEvent], bool]) -> CaseEvent:
    """The last event before ``index`` that ``keep`` accepts (else the one just before)."""
    return next((e for e in reversed(events[:index]) if keep(e)), events[index - 1])


def _question(events: Sequence[CaseEvent], index: int, kind: str, when: date, extra: str) -> str:
    """The question at a pause, for ``kind``'s role, with what that role would know."""
    before = events[index - 1]
    if kind == "conference":
        if events[index].event == "icpc":
            name, options = "initial", "a child protection plan, a child in need plan, or no plan"
        else:
            name, options = "review", "the plan continues, steps down to child in need, or ends"
        return (
            f"You are the conference chair. The {name} child protection conference meets on "
            f"{_d(when)}. What will it decide: {options}? What do you need to hear first?"
        )
    if kind == "no_access":
        return (
            f"You are the team manager: {extra} visits in a row have found no one at home, "
            f"the last on {_d(before.date)}. What do you ask the social worker, and what do "
            "you decide?"
        )
    if kind == "closure":
        step = _last(events, index, lambda e: e.event not in ROUTINE)
        why = f" ({step.detail})" if step.event in CLOSING_STEPS and step.detail else ""
        return (
            f"You are the team manager: the social worker proposes to close the case{why}. "
            "What do you need to see before you agree? What do you predict happens next?"
        )
    if kind == "handover":
        # the detail without its reading-in time and the note on the model (the table has it)
        why = "; ".join(p for p in before.detail.split("; ") if "hours to read" not in p)
        why = f"{why[:1].upper()}{why[1:]}. " if why else ""
        return (
            f"You are the new social worker, taking over the case on {_d(before.date)}. "
            f"{why}What do you do in your first two weeks, and what do you ask your manager?"
        )
    if kind == "review":
        return (
            f"You are the team manager. No one has reviewed this case since {extra}, and it "
            f"is now {_d(when)}. What do you look at first, and what do you ask?"
        )
    if kind == "front_door":
        referral = _last(events, index, lambda e: e.event == "referral")
        again = "a re-referral" if "re-referral" in referral.detail else "a referral"
        return (
            f"You are the front-door (MASH) manager: {again} about this child arrived on "
            f"{_d(referral.date)}. What do you decide: no further action, an assessment, or a "
            "strategy discussion? What do you want to know first?"
        )
    return (
        f"You are the team manager, reading the file in supervision on {_d(when)}. "
        "What do you ask the social worker, and what do you expect to happen next?"
    )


def _point(
    events: Sequence[CaseEvent],
    index: int,
    kind: str,
    extra: str = "",
    when: date | None = None,
    k: int = NO_ACCESS_RUN,
) -> DecisionPoint:
    """The point pausing before ``events[index]`` (dated ``when``, else that event's date)."""
    if when is None:
        when = events[min(index, len(events) - 1)].date
    flag = closure_flag(events, index, k) if kind == "closure" else ""
    return DecisionPoint(index, when, kind, _question(events, index, kind, when, extra), flag)


def candidates(
    events: Sequence[CaseEvent],
    findings: Iterable[Finding] = (),
    review_interval_wd: int = DEFAULT_STANDARDS["manager_review_interval_wd"],
    k: int = NO_ACCESS_RUN,
) -> list[DecisionPoint]:
    """Every place in ``events`` that could be a decision point, oldest first.

    Before each conference and each front-door decision; at each proposed closure
    (before the closure, after the step that proposed it); after each handover; after
    the ``k``-th visit in a row that found no one at home; and the day after a manager
    review fell due (``review_interval_wd`` working days after the one before) in each
    lapse the case audit found (``findings``). A point needs something before it and
    something to reveal.
    """
    found: list[DecisionPoint] = []
    for i, e in enumerate(events):
        if e.event in ("icpc", "rcpc"):
            found.append(_point(events, i, "conference"))
        elif e.event == "closure" and _proposed(events, i):
            found.append(_point(events, i, "closure", k=k))
        elif e.event == "worker_change" and "handover" in e.detail:
            found.append(_point(events, i + 1, "handover", when=e.date))
        elif e.event == "front_door_decision":
            found.append(_point(events, i, "front_door"))
    for run in no_access_runs(events, 0, len(events)):
        if len(run) >= k:
            last = run[k - 1]
            found.append(_point(events, last + 1, "no_access", str(k), events[last].date))
    found += _review_points(events, findings, review_interval_wd)
    found = [p for p in found if 0 < p.index < len(events)]
    return sorted(found, key=lambda p: (p.index, list(KINDS).index(p.kind)))


def _proposed(events: Sequence[CaseEvent], index: int) -> bool:
    """Whether the closure at ``index`` followed a decision (not a move, an 18th birthday)."""
    if "before the run" in events[index].detail:
        return False
    step = _last(events, index, lambda e: e.event not in ROUTINE)
    exits = EXIT_TEXT.values()
    return step.event in CLOSING_STEPS and not any(t in step.detail for t in exits)


def _review_points(
    events: Sequence[CaseEvent], findings: Iterable[Finding], interval_wd: int
) -> list[DecisionPoint]:
    """A point the day after each lapsed manager review fell due, if events follow it."""
    lapses = [f for f in findings if f.kind == "lapsed_manager_review" and f.events]
    if not lapses or not events:
        return []
    first = events[0].date - timedelta(days=7)
    cal = WorkingCalendar(first, (events[-1].date - first).days + 30)
    points = []
    for f in lapses:
        since = f.events[0].date
        overdue = cal.due_date(since, interval_wd) + timedelta(days=1)
        index = next((i for i, e in enumerate(events) if e.date >= overdue), len(events))
        if 0 < index < len(events):
            points.append(_point(events, index, "review", _d(since), overdue))
    return points


def choose_points(
    events: Sequence[CaseEvent],
    findings: Iterable[Finding] = (),
    review_interval_wd: int = DEFAULT_STANDARDS["manager_review_interval_wd"],
    k: int = NO_ACCESS_RUN,
) -> list[DecisionPoint]:
    """Up to :data:`MAX_POINTS` decision points, oldest first, the same every time.

    Flagged closures first; then one point of each kind in turn (KINDS order), each the
    candidate of its kind farthest from the points already chosen (the earliest on a
    tie), skipping any within :data:`MIN_GAP_DAYS` of one, until there are
    :data:`MAX_POINTS` or no candidate is left.
    """
    pool = candidates(events, findings, review_interval_wd, k)
    chosen: list[DecisionPoint] = []

    def clear(p: DecisionPoint) -> bool:
        return all(abs((p.date - c.date).days) >= MIN_GAP_DAYS for c in chosen)

    def distance(p: DecisionPoint) -> float:
        return min((abs((p.date - c.date).days) for c in chosen), default=float("inf"))

    for p in pool:
        if p.flag and len(chosen) < MAX_POINTS and clear(p):
            chosen.append(p)
    added = True
    while added and len(chosen) < MAX_POINTS:
        added = False
        for kind in KINDS:
            options = [p for p in pool if p.kind == kind and p not in chosen and clear(p)]
            if options and len(chosen) < MAX_POINTS:
                chosen.append(max(options, key=lambda p: (distance(p), -p.index)))
                added = True
    return sorted(chosen, key=lambda p: p.index)


def points_at(
    events: Sequence[CaseEvent],
    dates: Sequence[date],
    findings: Iterable[Finding] = (),
    review_interval_wd: int = DEFAULT_STANDARDS["manager_review_interval_wd"],
) -> list[DecisionPoint]:
    """A point at the start of each chosen date (that day's events are still to come).

    Where an automatic point pauses at the same place, its question is kept; anywhere
    else the question is the team manager's in supervision. Two dates with no event
    between them make one point. Raises ConfigError (one line) for a date outside the
    chronology: each must fall after its first day and on or before its last.
    """
    if not events:
        raise ConfigError("--pause: the chronology is empty")
    first, last = events[0].date, events[-1].date
    pool = {p.index: p for p in candidates(events, findings, review_interval_wd)}
    points: dict[int, DecisionPoint] = {}
    for day in sorted(set(dates)):
        if not first < day <= last:
            raise ConfigError(
                f"--pause: {day.isoformat()} is outside the chronology; allowed: dates from "
                f"{(first + timedelta(days=1)).isoformat()} to {last.isoformat()}"
            )
        index = next(i for i, e in enumerate(events) if e.date >= day)
        if index in points:
            continue
        auto = pool.get(index)
        if auto is None:
            points[index] = _point(events, index, "chosen", when=day)
        else:
            points[index] = DecisionPoint(index, day, auto.kind, auto.question, auto.flag)
    return [points[i] for i in sorted(points)]


def parse_dates(text: str) -> list[date]:
    """``2021-03-01,2021-09-01`` as dates (argparse's type for ``--pause``)."""
    try:
        days = [date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give dates as YYYY-MM-DD, separated by commas ({exc})"
        ) from None
    if not days:
        raise argparse.ArgumentTypeError("give at least one date (YYYY-MM-DD)")
    return days


def reveal_bounds(points: Sequence[DecisionPoint], n: int, total: int) -> tuple[int, int]:
    """The event indices point ``n``'s reveal shows: from its pause to the next one."""
    stop = points[n + 1].index if n + 1 < len(points) else total
    return points[n].index, stop


# ----------------------------------------------------------------------------- the page


def esc(value: object) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value), quote=True)


def _rows(events: Sequence[CaseEvent], lo: int, hi: int) -> str:
    rows = []
    for i in range(lo, hi):
        e = events[i]
        rows.append(
            f'<tr data-i="{i}"><td class="date">{_d(e.date)}</td>'
            f"<td>{esc(EVENT_LABELS.get(e.event, e.event))}</td>"
            f'<td class="who">{esc(e.worker)}</td><td>{esc(e.detail)}</td></tr>'
        )
    return "".join(rows)


def events_table(events: Sequence[CaseEvent], lo: int, hi: int) -> str:
    """``events[lo:hi]`` as a dated table in plain words (empty string when none)."""
    if lo >= hi:
        return ""
    head = "<tr><th>Date</th><th>What happened</th><th>Who</th><th>Details</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{_rows(events, lo, hi)}</tbody></table>"


def _reveal_body(events: Sequence[CaseEvent], points: Sequence[DecisionPoint], n: int) -> str:
    lo, hi = reveal_bounds(points, n, len(events))
    nxt = n + 1 < len(points)
    until = f"up to {_d(points[n + 1].date)}" if nxt else "to the end of the record"
    followed = "".join(
        f"<li>{esc(line)}</li>" for line in what_followed(events, lo, hi, points[n].date)
    )
    p = points[n]
    flag = f'<p class="flag">{esc(p.flag)}</p>' if p.flag else ""
    return (
        f"<h3>What happened next ({until})</h3>"
        f"<ul>{followed}</ul>{events_table(events, lo, hi)}"
        f"<h3>For discussion</h3>{flag}<p>{esc(p.note)}</p>"
    )


def _question_body(p: DecisionPoint, n: int, total: int) -> str:
    flag = f'<p class="flag">{esc(p.flag)}</p>' if p.flag else ""
    return (
        f'<p class="kind">Decision point {n + 1} of {total}: {esc(KINDS[p.kind].label)}, '
        f"{_d(p.date)}</p>{flag}"
        f'<p class="role">{esc(p.role)}</p><p class="ask">{esc(p.question)}</p>'
    )


PAGE_CSS = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 20px;
  line-height: 1.35; color: #111; margin: 0 auto; max-width: 1200px; padding: 12px 24px; }
h1 { font-size: 30px; margin: 0 0 6px; } h2 { font-size: 26px; margin: 12px 0 6px; }
h3 { font-size: 22px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; font-size: 18px; margin: 6px 0; }
th, td { border: 1px solid #888; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e8e8e8; } td.date, td.who { white-space: nowrap; }
.question { border: 3px solid #1f4e79; background: #eef4fb; padding: 8px 16px; margin: 12px 0; }
.role { font-weight: bold; margin: 0; } .ask { font-size: 24px; margin: 4px 0 8px; }
.kind { color: #444; margin: 0; }
.flag { background: #fde2e1; border-left: 6px solid #b3261e; padding: 4px 10px; font-weight: bold; }
.reveal { border-top: 3px dashed #888; margin-top: 10px; scroll-margin-top: 70px; }
button { font-size: 20px; padding: 6px 16px; margin: 4px 8px 4px 0; cursor: pointer; }
nav { position: sticky; top: 0; background: #fff; padding: 6px 0; border-bottom: 1px solid #ccc; }
.js .point { display: none; } .js .point.current { display: block; }
.nojs nav, .nojs .reveal-button { display: none; }
details summary { cursor: pointer; color: #1f4e79; }
@media print { .js .point { display: block; } nav, button { display: none; }
  .reveal[hidden] { display: block; } .reveal, .point + .point { break-before: page; } }
"""

PAGE_JS = """
(function () {
  const body = document.body;
  body.classList.remove('nojs'); body.classList.add('js');
  const points = [...document.querySelectorAll('.point')];
  const where = document.getElementById('where');
  let n = 0;
  for (const r of document.querySelectorAll('.reveal')) r.hidden = true;
  function show(k) {
    n = Math.max(0, Math.min(points.length - 1, k));
    points.forEach((p, i) => p.classList.toggle('current', i === n));
    where.textContent = 'Decision point ' + (n + 1) + ' of ' + points.length;
    window.scrollTo(0, 0);
  }
  function reveal() {
    const r = points[n].querySelector('.reveal');
    r.hidden = false; points[n].querySelector('.reveal-button').hidden = true;
    r.scrollIntoView({behavior: 'smooth'});
  }
  document.getElementById('prev').onclick = () => show(n - 1);
  document.getElementById('next').onclick = () => show(n + 1);
  for (const b of document.querySelectorAll('.reveal-button')) b.onclick = reveal;
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'PageDown') show(n + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') show(n - 1);
    else if (e.key === 'r' || e.key === 'R') reveal();
  });
  show(0);
})();
"""


def page_html(events: Sequence[CaseEvent], points: Sequence[DecisionPoint], title: str) -> str:
    """The offline pause-and-predict page: one point at a time, each with a Reveal button.

    Every point, question and reveal is in the page in reading order (the chronology so
    far, the question, then the reveal); the script shows one point at a time and hides
    each reveal until its button (or the R key) is pressed. Without the script, or in
    print, the page reads straight through.
    """
    if not points:
        raise ConfigError("no decision points in this chronology: choose dates with --pause")
    parts = []
    for n, p in enumerate(points):
        prev = points[n - 1].index if n else 0
        earlier = events_table(events, 0, prev)
        if earlier:
            earlier = (
                f"<details><summary>Earlier in the story ({_plural(prev, 'entry', 'entries')})"
                f"</summary>{earlier}</details>"
            )
        since = "Since the last pause" if n else "The story so far"
        parts.append(
            f'<article class="point" id="point-{n + 1}">'
            f"<h2>Decision point {n + 1}: {_d(p.date)}</h2>"
            f'<p class="situation">{esc(situation(events, p.index))}</p>{earlier}'
            f"<h3>{since}</h3>{events_table(events, prev, p.index)}"
            f'<div class="question" id="question-{n + 1}">{_question_body(p, n, len(points))}'
            "</div>"
            f'<button class="reveal-button" type="button">Reveal what happened</button>'
            f'<div class="reveal" id="reveal-{n + 1}">{_reveal_body(events, points, n)}</div>'
            "</article>"
        )
    nav = (
        '<nav><button id="prev" type="button">&larr; Previous</button>'
        '<button id="next" type="button">Next &rarr;</button> <span id="where"></span></nav>'
    )
    intro = (
        "<p>Pause and predict. At each point, read the story so far, answer the question "
        "for the role named, then press <b>Reveal</b> (or R) to see what happened next in "
        "the simulation. Arrow keys move between points. The child is simulated, not a "
        "real child.</p>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}: decision points</title>\n<style>{PAGE_CSS}</style></head>\n"
        f'<body class="nojs">\n<h1>{esc(title)}: decision points</h1>{intro}{nav}\n'
        f"{''.join(parts)}\n"
        f"<script>{PAGE_JS}</script>\n</body></html>\n"
    )


# ----------------------------------------------------------------------------- print

BREAK = ' style="break-before: page"'
"""Starts an element on a new printed page (the pack's print styles)."""
BOX = ' style="border: 1.5pt solid #1f4e79; padding: 2mm 3mm; margin: 3mm 0; font-size: 12pt"'
"""The printed question's box: it stands out from the chronology above it."""


def print_section(
    events: Sequence[CaseEvent],
    points: Sequence[DecisionPoint],
    heading: str,
    key: str = "decisions",
) -> str:
    """The points as one printed section: each question on a page, its reveal on the next.

    The first question page carries the chronology up to the first point; each later
    question page follows the previous reveal, which carries the chronology up to it.
    """
    pages = []
    for n, p in enumerate(points):
        so_far = (
            f"<h3>The story so far</h3>{events_table(events, 0, p.index)}"
            if n == 0
            else "<p>The story so far: the chronology on the earlier pages of this section.</p>"
        )
        pages.append(
            f'<div class="decision"{BREAK if n else ""}>'
            f"<h3>Decision point {n + 1}: {_d(p.date)}</h3>"
            f"<p>{esc(situation(events, p.index))}</p>{so_far}"
            f'<div class="question" id="print-question-{n + 1}"{BOX}>'
            f"{_question_body(p, n, len(points))}</div>"
            "<p>Write your answer and your prediction before you turn the page.</p></div>"
            f'<div class="reveal" id="print-reveal-{n + 1}"{BREAK}>'
            f"<h3>Decision point {n + 1}: what happened</h3>{_reveal_body(events, points, n)}"
            "</div>"
        )
    intro = (
        "<p>Pause and predict, on paper. Hand out one page at a time: each decision point's "
        "question is on one page and what happened next is on the page after it.</p>"
    )
    return f'<section id="{key}">\n<h2>{esc(heading)}</h2>\n{intro}{"".join(pages)}\n</section>\n'


def pack_section(
    events: Sequence[CaseEvent],
    findings: Iterable[Finding],
    standards: Mapping[str, int],
    heading: str,
) -> str:
    """The printed pack's section: the points chosen from the pack's story (pack.Story)."""
    points = choose_points(events, findings, standards["manager_review_interval_wd"])
    return print_section(events, points, heading)


@dataclass(frozen=True)
class Paused:
    """One child's chronology with its decision points, ready to write as a page."""

    title: str
    events: list[CaseEvent]
    points: list[DecisionPoint]

    def write(self, path: Path) -> Path:
        """Write the pause-and-predict page (:func:`page_html`) to ``path``."""
        path.write_text(page_html(self.events, self.points, self.title), encoding="utf-8")
        return path


def paused_story(
    events: Sequence[CaseEvent],
    findings: Iterable[Finding],
    cfg: Config,
    title: str,
    dates: Sequence[date] | None = None,
) -> Paused:
    """A story's points: at ``dates`` when given, else chosen from the chronology.

    The manager review standard is the scenario's own (``cfg``). Raises ConfigError (one
    line) for a date outside the chronology, or when there is no point to make.
    """
    interval = standards_from_config(cfg)["manager_review_interval_wd"]
    findings = list(findings)
    if dates:
        points = points_at(events, dates, findings, interval)
    else:
        points = choose_points(events, findings, interval)
    if not points:
        raise ConfigError("--decision-points: no decision point in this chronology; use --pause")
    return Paused(title, list(events), points)
