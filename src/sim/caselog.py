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
from dataclasses import dataclass
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
PARENT_INVITED_TEXT = {
    True: "the parent who lives apart is invited",
    False: "the parent who lives apart is not invited",
}
"""What a conference or core group line says of a non-resident parent (child.parent_involved)."""
SEEN_STAGE_TEXT = {"assessment": "the assessment", "s47": "the section 47 enquiry"}
LEAVING_TEXT = {
    "resigned": "leaves the authority",
    "agency_resigned": "ends their agency assignment",
    "replaced": "ends their agency assignment (a permanent worker takes the post)",
    "moved": "moves to another team",
    "absence": "starts a long absence",
    "transfer": "hands the case to the long-term team as the plan starts",
}
"""Why the child's worker stops holding the case (WorkerLeft, WorkerAway, CaseHandedOver)."""
WAITS_TEXT = "the case waits for a new worker"
UNALLOCATED_TEXT = "after {days} days without a worker (unallocated)"
"""How a ``worker_change`` says how long the case waited (teaching/timeline.py reads it)."""
TAKE_OVER_TEXT = (
    "{hours:g} hours to read the file and take over (the model has no introductory visit: "
    "the new worker's first visit is listed when it happens)"
)
"""What a handover gives the new worker in the model (workforce.handover_hours)."""
REVIEW_FOUND_TEXT = {
    "contact_gap": "no purposeful contact with the family for over {wd} working days",
    "visit_overdue": "the statutory visit is overdue",
}
REVIEW_PRIORITY_TEXT = (
    "decision: the child's visit and plan work come first for the social worker this week"
)
REVIEW_ON_TRACK_TEXT = "visits and contact within the standards: no new direction"
REVIEW_NO_PLAN_TEXT = "case reviewed (no plan yet): no new direction"
CIN_REVIEW_TEXT = "child in need review: plan continues"
NO_WORKER_TEXT = "no social worker allocated"


@dataclass(frozen=True)
class ChildFacts:
    """What the service knows of the child and family at the first referral in the log.

    ``age_years``: age on ``first_day`` (None: not known; below 0: a pre-birth referral);
    ``non_resident_parent``: a parent lives elsewhere (the model's
    ``child.non_resident_parent``).
    """

    first_day: float
    age_years: float | None
    non_resident_parent: bool


PLANNED_EVENTS = frozenset({"visit", "no_access", "core_group", "manager_review"})
"""Events the weekly plan decides on Monday for a day of the week (events.EventStream.plan)."""


def worker_name(worker: int | None, visit: bool = False) -> str:
    """How a chronology names a worker: ``SW<id>``; None is the duty service on a visit.

    On any other event None means nobody: the case is waiting for a worker.
    """
    if worker is None:
        return "duty" if visit else ""
    return f"SW{worker}"


def manager_code(status: str, manager: int | None, team: int) -> str:
    """How a chronology names a team manager (``TM<id>``; acting: ``ATM<team number>``).

    ``TM<id>`` is the manager in post, or one covering from another team; an acting
    manager is not held by the model as a person, so is named by the team; empty while
    the post has no cover.
    """
    if status == "acting":
        return f"ATM{team + 1}"
    return "" if manager is None else f"TM{manager}"


class CaseLog:
    """Per-child dated entries, from the records of one run.

    Args:
        cal: The run's calendar (complaint deadlines are written as dates).

    """

    def __init__(
        self,
        cal: WorkingCalendar | None = None,
        handover_hours: float = 0.0,
        drift_threshold_wd: int = 20,
    ) -> None:
        self.cal = cal
        self.handover_hours = handover_hours
        self.drift_threshold_wd = drift_threshold_wd
        self.entries: dict[int, list[Entry]] = defaultdict(list)
        self.facts: dict[int, ChildFacts] = {}
        self._without_report: set[int] = set()
        self._handover_reason: dict[int, str] = {}  # child -> why their worker changes
        self._holder: dict[int, int] = {}  # child -> the worker holding the case
        self._left: dict[int, tuple[str, str]] = {}  # worker -> (kind, why they left)
        self._away_until: dict[int, float] = {}  # worker -> end of a long absence
        self._involved: dict[int, bool] = {}  # child -> parent living apart involved
        self._managers: dict[int, str] = {}  # team -> its manager's code

    @classmethod
    def attach(cls, model: Model) -> CaseLog:
        """A case log subscribed to ``model``'s events (before the model runs)."""
        cfg = model.cfg
        log = cls(model.cal, cfg.workforce.handover_hours, cfg.pathway.drift_threshold_wd)
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
            ev.CoreGroupHeld: lambda r: self.add(
                r.child, r.day, "core_group", _sw(r.worker), self._parent_text(r.child)
            ),
            ev.ChildSeenInEnquiry: self._seen,
            ev.CinPlanReviewed: lambda r: self.add(
                r.child,
                r.day,
                "cin_review",
                _sw(r.worker),
                CIN_REVIEW_TEXT if r.worker is not None else f"{CIN_REVIEW_TEXT}; {NO_WORKER_TEXT}",
            ),
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
            ev.ManagerReviewed: self._manager_review,
            ev.ManagerChanged: self._manager_changed,
            ev.WorkerAllocated: self._allocated,
            ev.CaseHandedOver: self._handed_over,
            ev.WorkerLeft: lambda r: self._left.__setitem__(r.worker, (r.kind, r.reason)),
            ev.WorkerAway: lambda r: self._away_until.__setitem__(r.worker, r.return_day),
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
        if r.child not in self.facts:
            self.facts[r.child] = ChildFacts(r.day, r.age_years, r.non_resident_parent)
        self._involved[r.child] = r.parent_involved
        if r.before_run:
            detail = "before the run starts"
        else:
            detail = "re-referral" if r.repeat else "first referral"
        self.add(r.child, r.day, "referral", detail=detail)

    def _front_door(self, r: ev.FrontDoorDecided) -> None:
        detail = f"{PRIORITY_TEXT[r.priority]}: {FRONT_DOOR_TEXT[r.outcome]}"
        self.add(r.child, r.day, "front_door_decision", detail=detail)

    def _started(self, r: ev.EpisodeStarted) -> None:
        if r.worker is not None:
            self._holder[r.child] = r.worker
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
        parent = self._parent_text(r.child)
        if parent:
            detail = f"{detail}; {parent}" if detail else parent
        self.add(r.child, r.day, event, _sw(r.worker), detail)

    def _parent_text(self, child: int) -> str:
        """Whether a meeting invites the parent living apart ("" when there is none)."""
        facts = self.facts.get(child)
        if facts is None or not facts.non_resident_parent:
            return ""
        return PARENT_INVITED_TEXT[self._involved.get(child, False)]

    def _seen(self, r: ev.ChildSeenInEnquiry) -> None:
        alone = "child seen alone" if r.seen_alone else "child not seen alone"
        detail = f"seen during {SEEN_STAGE_TEXT[r.stage]}; {alone}"
        self.add(r.child, r.day, "child_seen", _sw(r.worker), detail)

    def _manager_changed(self, r: ev.ManagerChanged) -> None:
        self._managers[r.team] = manager_code(r.status, r.manager, r.team)

    def _manager_review(self, r: ev.ManagerReviewed) -> None:
        found = [
            REVIEW_FOUND_TEXT[key].format(wd=self.drift_threshold_wd)
            for key, hit in (("contact_gap", r.contact_gap), ("visit_overdue", r.visit_overdue))
            if hit
        ]
        if found:
            detail = "; ".join([*found, REVIEW_PRIORITY_TEXT])
        elif self._on_plan(r.child):
            detail = REVIEW_ON_TRACK_TEXT
        else:
            detail = REVIEW_NO_PLAN_TEXT
        self.add(r.child, r.day, "manager_review", self._managers.get(r.team, ""), detail)

    def _on_plan(self, child: int) -> bool:
        """Whether the child's log shows a plan open now (its last plan start not ended)."""
        for _, event, _, _ in reversed(self.entries[child]):
            if event in {"cpp_start", "cin_start"}:
                return True
            if event in {"cpp_end", "cin_end", "closure", "care", "transfer_out"}:
                return False
        return False

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
        worker = self._holder.pop(r.child, None)
        if worker is None:
            return
        why = r.reason
        if why == "left":
            kind, why = self._left.get(worker, ("permanent", "resigned"))
            if kind == "agency" and why == "resigned":
                why = "agency_resigned"
        text = LEAVING_TEXT[why]
        if why == "absence" and worker in self._away_until:
            text += f" (back {self._date(self._away_until[worker])})"
        self.add(r.child, r.day, "worker_leaves", _sw(worker), f"{text}; {WAITS_TEXT}")

    def _allocated(self, r: ev.WorkerAllocated) -> None:
        self._holder[r.child] = r.worker
        reason = self._handover_reason.pop(r.child, "left")
        parts = [f"handover: {HANDOVER_TEXT[reason]}" if r.handover else "allocated"]
        if r.agency:
            parts.append("agency worker")
        waited = r.day - r.requested_day
        if waited >= 1:
            parts.append(UNALLOCATED_TEXT.format(days=f"{waited:.0f}"))
        elif r.handover:
            parts.append("allocated the same day")
        if r.handover and self.handover_hours > 0:
            parts.append(TAKE_OVER_TEXT.format(hours=self.handover_hours))
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
