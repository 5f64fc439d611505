"""Dated case events: the one vocabulary shared by chronologies and the case audit.

A chronology is a list of :class:`CaseEvent` rows, oldest first. The model writes one for
any simulated child (chronology.py) and the case audit (audit.py) reads one from a file,
so a real case written out by hand and a simulated case are checked the same way.

File formats (both documented in docs/teaching.md):

* CSV with the header ``date,event,worker,detail,source`` (only ``date`` and ``event``
  are required; ``date`` is ISO ``YYYY-MM-DD``);
* YAML with a top-level mapping ``{child: ..., source: ..., standards: {...}, events:
  [...]}`` where each event is a mapping with the same keys as the CSV columns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

EVENT_TYPES: dict[str, str] = {
    "referral": "a referral (contact) reaches the front door",
    "front_door_decision": "the front door (MASH) decides what happens next; detail says what",
    "assessment_start": "a single (child and family) assessment starts",
    "assessment_end": "the assessment is completed; detail gives the outcome",
    "strategy_discussion": "a strategy discussion (meeting) about significant harm",
    "s47_start": "a section 47 enquiry starts",
    "s47_end": "the section 47 enquiry is completed; detail gives the outcome",
    "icpc": "an initial child protection conference; detail gives the decision",
    "rcpc": "a review child protection conference; detail gives the decision",
    "legal_planning": "a legal planning meeting, or the end of pre-proceedings; detail gives "
    "the decision",
    "conference_postponed": "a booked conference does not go ahead; detail says why and when",
    "conference_brought_forward": "a review conference is brought forward; detail says why",
    "cpp_start": "a child protection plan starts",
    "cpp_end": "the child protection plan ends",
    "cin_start": "a child in need plan starts (including a step-down from a CPP)",
    "cin_end": "the child in need plan ends",
    "cin_review": "a child in need plan review that continues the plan",
    "visit": "a statutory visit: the child was seen; detail says whether alone",
    "child_seen": "an assessment or section 47 enquiry sees the child; detail says which and "
    "whether alone (not a statutory visit: the audit's visit checks do not count it)",
    "no_access": "a visit was attempted but the child was not seen",
    "core_group": "a core group meeting",
    "outside_information": "someone outside the household (an anonymous caller, a non-resident "
    "parent) tells the service about the child; detail says who and whether it was acted on",
    "worker_change": "a new social worker is allocated; worker names them; detail says why "
    "and how long the case waited",
    "worker_leaves": "the child's social worker stops holding the case (leaves, moves team, "
    "goes on long absence, or hands over to the long-term team); worker names them",
    "manager_review": "a team manager reviews the case (case supervision); detail says what "
    "was found and decided",
    "complaint": "a complaint is received; detail names the procedure",
    "stage1_request": "stage 1 of the complaint starts",
    "stage1_response": "the stage 1 response is sent",
    "stage2_request": "the complainant escalates to stage 2",
    "stage2_response": "the stage 2 investigation report and adjudication are sent",
    "stage3_request": "the complainant asks for a stage 3 review panel",
    "stage3_panel": "the review panel meets",
    "stage3_response": "the council responds to the panel's findings",
    "ombudsman_complaint": "the complainant goes to the Ombudsman",
    "ombudsman_decision": "the Ombudsman's decision",
    "closure": "the case is closed; detail says why",
    "step_down": "the case steps down (e.g. to early help)",
    "family_moved": "the family moves to another authority's area (dated when it happened, "
    "though the service may learn of it later)",
    "transfer_notified": "the authority the family has moved to is notified and asked for a "
    "transfer-in conference",
    "transfer_out": "the case transfers to another authority; with no transfer_notified "
    "before it, this is also when that authority was notified",
    "transfer_in": "another authority notifies this one that a child on its plan has moved here",
    "transfer_in_conference": "the transfer-in conference for a plan moving here; detail gives "
    "the decision",
    "care": "the child becomes looked after",
    "service_referral": "the plan refers the family to a service (parenting programme, "
    "counselling); detail says whether it waits for a place",
    "service_start": "the family takes a place on the service",
    "service_end": "the family's course ends, or it leaves the service or its waiting list",
}
"""Event names and what each means. Anything else in a file is an error."""

COLUMNS = ("date", "event", "worker", "detail", "source")


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One dated event in a child's case."""

    date: date
    event: str
    worker: str = ""
    detail: str = ""
    source: str = ""

    def as_row(self) -> dict[str, str]:
        """The event as strings, in :data:`COLUMNS` order, for CSV and Markdown."""
        row = asdict(self)
        row["date"] = self.date.isoformat()
        return {k: str(row[k]) for k in COLUMNS}


def check_event_name(name: str, where: str) -> str:
    """Return ``name`` if it is a known event type, else raise ValueError naming ``where``."""
    if name not in EVENT_TYPES:
        known = ", ".join(sorted(EVENT_TYPES))
        raise ValueError(f"{where}: unknown event {name!r} (known events: {known})")
    return name


def sort_events(events: list[CaseEvent]) -> list[CaseEvent]:
    """Events oldest first; same-day events keep their order (a stable sort)."""
    return sorted(events, key=lambda e: e.date)
