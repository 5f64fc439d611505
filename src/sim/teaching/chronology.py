"""One simulated child's chronology: the dated events of their case, as a practitioner reads it.

During a run with the case log switched on (``Model(..., case_log=True)``), the pathway,
casework, management, workforce and complaint processes add a dated entry for each child
each time something happens to them: a referral, a front-door decision, a visit, a change
of social worker, a manager review, a complaint stage. Logging draws no random numbers,
so a run with the log on gives the same results as one with it off.

After the run, :func:`chronology` turns one child's entries into :class:`CaseEvent` rows
(the vocabulary in events.py), which :func:`write_csv` and :func:`to_markdown` write out
and the case audit (audit.py) checks against the standards.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.teaching.case_events import COLUMNS, CaseEvent, check_event_name

if TYPE_CHECKING:
    from sim.calendar import WorkingCalendar
    from sim.entities import Worker


PLANNED_EVENTS = frozenset({"visit", "no_access", "core_group", "manager_review"})
"""Events the weekly plan logs ahead (on Monday), on the day they are planned for."""
DROPPED_BY: dict[str, frozenset[str]] = {
    "closure": PLANNED_EVENTS,
    "care": PLANNED_EVENTS,
    "cin_end": frozenset({"visit", "no_access", "core_group"}),
    "cpp_end": frozenset({"core_group"}),
}
"""Planned events that an event earlier in the same week cancels.

A case that closes (or a child who comes into care) takes every planned visit, meeting
and manager review with it. A CiN plan that ends (escalation or closure) takes its
visits. A CPP that ends takes its core groups, but not its visits: after a step-down to a
CiN plan the model still counts the week's visit (casework.py sets the next CiN visit from
it), and a CPP that ends in closure or care loses them to that event the same day.
"""
VISIT_EVENTS = frozenset({"visit", "no_access"})
"""Events done by the duty service when ``worker`` is None; for others None means unallocated."""


def worker_name(worker: Worker | None) -> str:
    """How a chronology names a worker: ``SW<id>``, or ``duty`` for the duty service."""
    return "duty" if worker is None else f"SW{worker.id}"


class CaseLog:
    """Per-child dated entries, kept only when ``enabled`` (a story or chronology run)."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self.entries: dict[int, list[tuple[float, str, str, str]]] = defaultdict(list)

    def add(
        self,
        child_id: int,
        day: float,
        event: str,
        worker: Worker | None | str = "",
        detail: str = "",
    ) -> None:
        """Log ``event`` for ``child_id`` on simulation day ``day`` (no-op when disabled).

        ``worker`` None is the duty service for a visit and nobody (a blank worker: the
        case is waiting for one) for any other event.
        """
        if not self.enabled:
            return
        if isinstance(worker, str):
            name = worker
        elif worker is None and event not in VISIT_EVENTS:
            name = ""
        else:
            name = worker_name(worker)
        check_event_name(event, "case log")
        if event in DROPPED_BY:
            self.drop_planned(child_id, day, DROPPED_BY[event])
        elif event == "worker_change":
            self._hand_over_planned(child_id, day, name)
        self.entries[child_id].append((day, event, name, detail))

    def drop_planned(
        self, child_id: int, after_day: float, events: frozenset[str] = PLANNED_EVENTS
    ) -> None:
        """Forget planned ``events`` for after ``after_day`` (the plan or case ended first).

        Workers plan the week's visits and managers their reviews on Monday; a plan or
        case that ends mid-week takes the rest of the week's planned events with it.
        """
        rows = self.entries.get(child_id)
        if rows:
            rows[:] = [r for r in rows if not (r[0] > after_day and r[1] in events)]

    def _hand_over_planned(self, child_id: int, day: float, name: str) -> None:
        """A new worker takes over the visits and meetings their predecessor planned.

        A worker who leaves mid-week (an agency worker whose post is filled) planned the
        week's visits on Monday; the model still counts them, so the chronology shows
        them done by the worker who holds the case on the day.
        """
        rows = self.entries.get(child_id)
        if not rows:
            return
        for i, (when, event, who, detail) in enumerate(rows):
            if when > day and event in PLANNED_EVENTS and who.startswith("SW") and who != name:
                rows[i] = (when, event, name, detail)

    def children(self) -> list[int]:
        """Ids of the children with at least one entry."""
        return sorted(self.entries)


def chronology(log: CaseLog, cal: WorkingCalendar, child_id: int) -> list[CaseEvent]:
    """One child's events, oldest first (same-day events keep the order they happened)."""
    if child_id not in log.entries:
        raise KeyError(f"child {child_id} has no logged events")
    rows = sorted(log.entries[child_id], key=lambda e: e[0])
    return [
        CaseEvent(date=cal.date_of(day), event=event, worker=worker, detail=detail)
        for day, event, worker, detail in rows
    ]


def write_csv(events: Iterable[CaseEvent], path: Path) -> Path:
    """Write a chronology as CSV in the audit's file format (events.COLUMNS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for event in events:
            writer.writerow(event.as_row())
    return path


EVENT_LABELS: dict[str, str] = {
    "referral": "Referral received",
    "front_door_decision": "Front door (MASH) decision",
    "assessment_start": "Assessment started",
    "assessment_end": "Assessment completed",
    "strategy_discussion": "Strategy discussion",
    "s47_start": "Section 47 enquiry started",
    "s47_end": "Section 47 enquiry completed",
    "icpc": "Initial child protection conference",
    "rcpc": "Review child protection conference",
    "cpp_start": "Child protection plan starts",
    "cpp_end": "Child protection plan ends",
    "cin_start": "Child in need plan starts",
    "cin_end": "Child in need plan ends",
    "visit": "Visit: child seen",
    "no_access": "Visit: no access, child not seen",
    "core_group": "Core group meeting",
    "worker_change": "New social worker",
    "manager_review": "Manager review",
    "complaint": "Complaint received",
    "stage1_request": "Complaint stage 1 starts",
    "stage1_response": "Stage 1 response",
    "stage2_request": "Complaint escalated to stage 2",
    "stage2_response": "Stage 2 response",
    "stage3_request": "Stage 3 review panel requested",
    "stage3_panel": "Stage 3 review panel",
    "stage3_response": "Council's response to the panel",
    "ombudsman_complaint": "Complaint to the Ombudsman",
    "ombudsman_decision": "Ombudsman's decision",
    "closure": "Case closed",
    "step_down": "Stepped down",
    "transfer_out": "Transferred to another authority",
    "care": "Child becomes looked after",
}
"""Plain-English labels for the chronology table (every EVENT_TYPES name has one)."""


def to_markdown(
    events: Sequence[CaseEvent], title: str, notes: Sequence[str] = (), findings: Sequence = ()
) -> str:
    """A chronology as a Markdown page: a dated table, then any audit findings."""
    lines = [f"# {title}", ""]
    lines += [f"{note}" for note in notes]
    if notes:
        lines.append("")
    lines += ["| date | event | worker | detail |", "|---|---|---|---|"]
    for e in events:
        detail = e.detail.replace("|", "/")
        lines.append(f"| {e.date:%d %b %Y} | {EVENT_LABELS[e.event]} | {e.worker} | {detail} |")
    if findings:
        lines += ["", "## What an audit of this chronology finds", ""]
        lines += [f"- {getattr(f, 'message', f)}" for f in findings]
    return "\n".join(lines) + "\n"
