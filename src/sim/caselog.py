"""The per-child case log: every child's dated events, in a practitioner's words.

A subscriber to the model's event stream (events.py), attached only for runs that need
chronologies (stories, the explorer, tests): :meth:`CaseLog.attach`. It turns each record
into one or two entries ``(day, event, worker, detail)`` of a child's log, with the event
names of the chronology vocabulary (case_events.py) and the wording a chronology shows.
The log draws no random numbers and changes nothing, so a run with it gives the same
results as one without.

Records reach the log when they happen: a visit planned on Monday for Thursday arrives on
Thursday, unless the case closed first (events.py), so the log only ever appends.
teaching/chronology.py turns one child's entries into a chronology.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim import events as ev
from sim.case_events import check_event_name
from sim.services import SERVICE_NAMES

if TYPE_CHECKING:
    from sim.calendar import WorkingCalendar
    from sim.model import Model

Entry = tuple[float, str, str, str]
"""``(day, event, worker, detail)``: one line of a child's log."""

FRONT_DOOR_TEXT = {
    "close": "no further action",
    "assessment": "to a child and family assessment",
    "strategy": "to a strategy discussion (significant harm)",
}
PRIORITY_TEXT = {
    "red": "rated high priority (red)",
    "amber": "rated medium priority (amber)",
    "green": "rated low priority (green)",
}
"""The front door's priority rating of the referral, in a chronology's words."""
ASSESSMENT_TEXT = {
    "not_in_need": "not in need: no further action",
    "closed_after_help": "in need: help given, case to close",
    "cin_plan": "to a child in need plan",
    "strategy": "to a strategy discussion (significant harm)",
}
S47_TEXT = {
    "icpc": "concerns substantiated: to an initial conference",
    "cin": "to a child in need plan",
    "close": "no further action",
}
ASSESSMENT_TEXT.update(
    {f"s47_{k}": f"made through the section 47 enquiry: {v}" for k, v in S47_TEXT.items()}
)
"""The assessment a section 47 enquiry is carried out through ends with the enquiry."""
ICPC_TEXT = {
    "cpp": "child protection plan",
    "cin": "child in need plan",
    "close": "no plan",
}
EXIT_TEXT = {
    "moved": "the family has moved away: the plan transfers to the new authority",
    "aged_out": "the child turns 18: the plan ends",
}
CPP_END_TEXT = {
    "cin": "stepped down to a child in need plan",
    "care": "care proceedings",
    "close": "plan ended: case to close",
    **EXIT_TEXT,
}
RCPC_TEXT = {
    "continue": "plan continues",
    "cin": "plan ends: step down to a child in need plan",
    "close": "plan ends: case to close",
    "legal_planning": "plan continues; referred to a legal planning meeting",
}
LEGAL_REASON_TEXT = {
    "review": "asked for by the review conference",
    "persistent_need": "need known to be high for months",
}
LEGAL_OUTCOME_TEXT = {
    "care_proceedings": "care proceedings to be issued",
    "pre_proceedings": "pre-proceedings (letter before proceedings)",
    "no_legal_action": "threshold not met: no legal action, plan continues",
}
PRE_PROCEEDINGS_END_TEXT = {
    "care_proceedings": "pre-proceedings end: need still high, care proceedings issued",
    "stepped_back": "pre-proceedings end: stepped back to the plan",
}
CIN_END_TEXT = {
    "escalated": "escalated to a strategy discussion",
    "closed": "plan review: case to close",
    **EXIT_TEXT,
}
ENDED_TEXT = {
    "assessment": ASSESSMENT_TEXT,
    "s47": S47_TEXT,
    "cpp": CPP_END_TEXT,
    "cin": CIN_END_TEXT,
}
CONFERENCE_TEXT = {"icpc": "initial conference", "rcpc": "review conference"}
NO_REPORT_TEXT = "held without the social worker's report"
ONGOING_TEXT = "plan already in place when the run starts"
HANDOVER_TEXT = {
    "left": "the previous worker left",
    "moved": "the previous worker moved to another team",
    "absence": "the previous worker is on long absence",
    "transfer": "the case moved to the long-term team",
}
"""How a ``worker_change`` says why the case changed hands (CaseHandedOver reasons)."""
OUTSIDE_SOURCE_TEXT = {
    "anonymous": "an anonymous caller raises concerns about the child",
    "non_resident_parent": "the child's non-resident parent raises concerns",
}
NOT_ACTED_TEXT = "recorded, not passed on or acted on"
DUTY_TEXT = "duty social worker (the child's own worker is away or there is none)"
PLANNED_EVENTS = frozenset({"visit", "no_access", "core_group", "manager_review"})
"""Events the weekly plan decides on Monday for a day of the week (events.EventStream.plan)."""


def worker_name(worker: int | None, visit: bool = False) -> str:
    """How a chronology names a worker: ``SW<id>``; None is the duty service on a visit.

    On any other event None means nobody: the case is waiting for a worker.
    """
    if worker is None:
        return "duty" if visit else ""
    return f"SW{worker}"


class CaseLog:
    """Per-child dated entries, from the records of one run.

    Args:
        cal: The run's calendar (complaint deadlines are written as dates).

    """

    def __init__(self, cal: WorkingCalendar | None = None) -> None:
        self.cal = cal
        self.entries: dict[int, list[Entry]] = defaultdict(list)
        self._without_report: set[int] = set()
        self._handover_reason: dict[int, str] = {}  # child -> why their worker changes

    @classmethod
    def attach(cls, model: Model) -> CaseLog:
        """A case log subscribed to ``model``'s events (before the model runs)."""
        log = cls(model.cal)
        model.events.subscribe(log.handlers())
        return log

    def add(self, child: int, day: float, event: str, worker: str = "", detail: str = "") -> None:
        """Append one entry to ``child``'s log (``event`` must be a chronology event name)."""
        check_event_name(event, "case log")
        self.entries[child].append((day, event, worker, detail))

    def children(self) -> list[int]:
        """Ids of the children with at least one entry."""
        return sorted(self.entries)

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The record types the log takes, each with its handler."""
        return {
            ev.Referred: self._referred,
            ev.FrontDoorDecided: self._front_door,
            ev.EpisodeStarted: self._started,
            ev.EpisodeEnded: self._ended,
            ev.ConferenceHeld: self._conference,
            ev.ConferencePostponed: self._postponed,
            ev.ConferenceWithoutReport: lambda r: self._without_report.add(r.child),
            ev.ReviewBroughtForward: self._brought_forward,
            ev.Closed: self._closed,
            ev.TransferredOut: self._transferred_out,
            ev.TransferredIn: lambda r: self.add(
                r.child,
                r.day,
                "transfer_in",
                detail=f"transfer-in conference due {self._date(r.conference_due_day)}",
            ),
            ev.CameIntoCare: lambda r: self.add(r.child, r.day, "care"),
            ev.VisitMade: self._visit,
            ev.VisitNoAccess: lambda r: self.add(
                r.child, r.day, "no_access", worker_name(r.worker, visit=True)
            ),
            ev.CoreGroupHeld: lambda r: self.add(r.child, r.day, "core_group", _sw(r.worker)),
            ev.OutsideInformation: lambda r: self.add(
                r.child,
                r.day,
                "outside_information",
                detail=f"{OUTSIDE_SOURCE_TEXT[r.source]}; "
                + (
                    "acted on: the child's need is looked at again"
                    if r.acted_on
                    else NOT_ACTED_TEXT
                ),
            ),
            ev.ManagerReviewed: lambda r: self.add(
                r.child, r.day, "manager_review", f"TM{r.team + 1}"
            ),
            ev.WorkerAllocated: self._allocated,
            ev.CaseHandedOver: self._handed_over,
            ev.ComplaintReceived: self._complaint,
            ev.ComplaintStageRequested: self._stage_requested,
            ev.ReviewPanelHeld: lambda r: self.add(
                r.child, r.day, "stage3_panel", detail="late" if r.late else ""
            ),
            ev.ComplaintStageAnswered: self._stage_answered,
            ev.OmbudsmanDecided: self._ombudsman,
            ev.LegalPlanningMeeting: lambda r: self.add(
                r.child,
                r.day,
                "legal_planning",
                _sw(r.worker),
                f"{LEGAL_OUTCOME_TEXT[r.outcome]} ({LEGAL_REASON_TEXT[r.reason]})",
            ),
            ev.PreProceedingsEnded: lambda r: self.add(
                r.child, r.day, "legal_planning", _sw(r.worker), PRE_PROCEEDINGS_END_TEXT[r.outcome]
            ),
            ev.ServiceReferred: lambda r: self.add(
                r.child,
                r.day,
                "service_referral",
                detail=f"referred to {SERVICE_NAMES[r.service]}; "
                + ("waiting" if r.waiting else "a place is free"),
            ),
            ev.ServiceStarted: self._service_started,
            ev.ServiceEnded: self._service_ended,
        }

    def _referred(self, r: ev.Referred) -> None:
        if r.before_run:
            detail = "before the run starts"
        else:
            detail = "re-referral" if r.repeat else "first referral"
        self.add(r.child, r.day, "referral", detail=detail)

    def _front_door(self, r: ev.FrontDoorDecided) -> None:
        detail = f"{PRIORITY_TEXT[r.priority]}: {FRONT_DOOR_TEXT[r.outcome]}"
        self.add(r.child, r.day, "front_door_decision", detail=detail)

    def _started(self, r: ev.EpisodeStarted) -> None:
        worker = _sw(r.worker)
        if r.kind == "s47":
            self.add(r.child, r.day, "strategy_discussion", worker)
        detail = ONGOING_TEXT if r.prepopulated else ""
        self.add(r.child, r.day, f"{r.kind}_start", worker, detail)

    def _ended(self, r: ev.EpisodeEnded) -> None:
        text = ENDED_TEXT[r.kind][r.outcome]
        self.add(r.child, r.day, f"{r.kind}_end", _sw(r.worker), text)

    def _conference(self, r: ev.ConferenceHeld) -> None:
        event = r.kind
        if r.kind == "icpc":
            detail = ICPC_TEXT[r.outcome]
        elif r.kind == "transfer_in":
            event = "transfer_in_conference"
            detail = "the plan continues here" + ("" if r.on_time else "; late")
        else:
            detail = RCPC_TEXT[r.outcome] if r.outcome else ""
            if not r.on_time:
                detail = f"late; {detail}" if detail else "late"
        if r.child in self._without_report:
            self._without_report.discard(r.child)
            detail = f"{detail}; {NO_REPORT_TEXT}" if detail else NO_REPORT_TEXT
        self.add(r.child, r.day, event, _sw(r.worker), detail)

    def _transferred_out(self, r: ev.TransferredOut) -> None:
        self.add(r.child, r.moved_day, "family_moved", detail="not known to the service then")
        if self.cal is None:
            waited = f"{r.day - r.moved_day:.0f} days"
        else:
            waited = f"{self.cal.working_days_between(r.moved_day, r.day)} working days"
        detail = f"the new authority is notified {waited} after the move"
        if r.conference_due_day is not None:
            detail += f"; its transfer-in conference is due {self._date(r.conference_due_day)}"
        self.add(r.child, r.day, "transfer_out", _sw(r.worker), detail)

    def _postponed(self, r: ev.ConferencePostponed) -> None:
        detail = f"{CONFERENCE_TEXT[r.kind]}: {r.reason}; rebooked for {self._date(r.new_day)}"
        self.add(r.child, r.day, "conference_postponed", _sw(r.worker), detail)

    def _brought_forward(self, r: ev.ReviewBroughtForward) -> None:
        detail = f"{r.reason}: from {self._date(r.from_day)} to {self._date(r.to_day)}"
        self.add(r.child, r.day, "conference_brought_forward", _sw(r.worker), detail)

    def _closed(self, r: ev.Closed) -> None:
        self.add(
            r.child, r.day, "closure", detail="closed before the run starts" if r.before_run else ""
        )

    def _visit(self, r: ev.VisitMade) -> None:
        parts = ["announced" if r.announced else "unannounced"]
        parts.append("child seen alone" if r.seen_alone else "child not seen alone")
        if r.worker is None:
            parts.append(DUTY_TEXT)
        elif r.escalated:
            parts.append("escalated: not-seen list")
        self.add(r.child, r.day, "visit", worker_name(r.worker, visit=True), "; ".join(parts))

    def _handed_over(self, r: ev.CaseHandedOver) -> None:
        self._handover_reason[r.child] = r.reason

    def _allocated(self, r: ev.WorkerAllocated) -> None:
        reason = self._handover_reason.pop(r.child, "left")
        parts = [f"handover: {HANDOVER_TEXT[reason]}" if r.handover else "allocated"]
        if r.agency:
            parts.append("agency worker")
        waited = r.day - r.requested_day
        if waited >= 7:
            parts.append(f"after {waited:.0f} days without a worker")
        self.add(r.child, r.day, "worker_change", _sw(r.worker), "; ".join(parts))

    def _complaint(self, r: ev.ComplaintReceived) -> None:
        detail = f"{r.procedure} procedure; from the {r.complainant.replace('_', ' ')}"
        self.add(r.child, r.day, "complaint", detail=detail)

    def _stage_requested(self, r: ev.ComplaintStageRequested) -> None:
        # stage 3's deadline is for the review panel, not a response
        due = "panel due" if r.stage == 3 else "response due"
        detail = f"{due} {self._date(r.due_day)}"
        if r.extended:
            detail += "; complex: deadline extended"
        self.add(r.child, r.day, f"stage{r.stage}_request", detail=detail)

    def _stage_answered(self, r: ev.ComplaintStageAnswered) -> None:
        detail = ("upheld" if r.upheld else "not upheld") + ("" if r.on_time else " (late)")
        self.add(r.child, r.day, f"stage{r.stage}_response", detail=detail)

    def _ombudsman(self, r: ev.OmbudsmanDecided) -> None:
        self.add(r.child, r.referred_day, "ombudsman_complaint")
        outcome = f"upheld: remedy £{r.remedy_gbp:,.0f}" if r.upheld else "not upheld"
        self.add(r.child, r.day, "ombudsman_decision", detail=outcome)

    def _service_started(self, r: ev.ServiceStarted) -> None:
        detail = f"started {SERVICE_NAMES[r.service]}"
        waited = r.day - r.referred_day
        if waited >= 7:
            detail += f" after {waited / 7:.0f} weeks on the waiting list"
        self.add(r.child, r.day, "service_start", detail=detail)

    def _service_ended(self, r: ev.ServiceEnded) -> None:
        name = SERVICE_NAMES[r.service]
        if r.outcome == "completed":
            detail = f"finished {name}"
        elif r.outcome == "left_course":
            detail = f"left {name}: the plan ended"
        else:
            weeks = (r.day - r.referred_day) / 7
            detail = f"left the waiting list for {name} after {weeks:.0f} weeks: the plan ended"
        self.add(r.child, r.day, "service_end", detail=detail)

    def _date(self, day: float) -> str:
        if self.cal is None:
            return f"day {day:.0f}"
        return f"{self.cal.date_of(day):%d %b %Y}"


def _sw(worker: int | None) -> str:
    return worker_name(worker)
