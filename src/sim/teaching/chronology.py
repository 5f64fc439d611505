"""One simulated child's chronology: the dated events of their case, as a practitioner reads it.

A run with a case log attached (caselog.py; ``runner.run_one(..., case_log=True)``) keeps
every child's dated entries. :func:`chronology` turns one child's entries into
:class:`CaseEvent` rows (the vocabulary in case_events.py), which :func:`write_csv` and
:func:`to_markdown` write out and the case audit (teaching/audit) checks against the
standards.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.case_events import COLUMNS, CaseEvent
from sim.caselog import CaseLog

if TYPE_CHECKING:
    from sim.calendar import WorkingCalendar


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
    "legal_planning": "Legal planning",
    "conference_postponed": "Conference postponed",
    "conference_brought_forward": "Review conference brought forward",
    "cpp_start": "Child protection plan starts",
    "cpp_end": "Child protection plan ends",
    "cin_start": "Child in need plan starts",
    "cin_end": "Child in need plan ends",
    "cin_review": "Child in need plan review",
    "visit": "Visit: child seen",
    "child_seen": "Child seen in the assessment or enquiry",
    "no_access": "Visit: no access, child not seen",
    "core_group": "Core group meeting",
    "outside_information": "Information from outside the household",
    "worker_change": "New social worker",
    "worker_leaves": "Social worker leaves the case",
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
    "family_moved": "Family moves to another authority's area",
    "transfer_notified": "New authority notified of the move",
    "transfer_out": "Transferred to another authority",
    "transfer_in": "Plan transferring in from another authority",
    "transfer_in_conference": "Transfer-in child protection conference",
    "care": "Child becomes looked after",
    "service_referral": "Referred to a service",
    "service_start": "Service starts",
    "service_end": "Service ends",
}
"""Plain-English labels for the chronology table (every EVENT_TYPES name has one)."""


def to_markdown(
    events: Sequence[CaseEvent],
    title: str,
    notes: Sequence[str] = (),
    findings: Sequence = (),
    picture: Sequence[str] = (),
) -> str:
    """A chronology as a Markdown page: the pen picture, a dated table, then any findings.

    ``picture`` (the child's pen picture, teaching/casefile.py) and ``notes`` are printed
    one paragraph each before the table.
    """
    lines = [f"# {title}", ""]
    if picture:
        lines += ["## Pen picture", ""]
        for line in picture:
            lines += [line, ""]
    for note in notes:
        lines += [note, ""]
    if picture:
        lines += ["## Chronology", ""]
    lines += ["| date | event | worker | detail |", "|---|---|---|---|"]
    for e in events:
        detail = e.detail.replace("|", "/")
        lines.append(f"| {e.date:%d %b %Y} | {EVENT_LABELS[e.event]} | {e.worker} | {detail} |")
    if findings:
        lines += ["", "## What an audit of this chronology finds", ""]
        lines += [f"- {getattr(f, 'message', f)}" for f in findings]
    return "\n".join(lines) + "\n"
