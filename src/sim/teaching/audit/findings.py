"""What the audit reports: the kinds of finding, and a finding with the events it cites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FINDING_KINDS: dict[str, str] = {
    "late_front_door_decision": "front-door decision later than front_door_due_wd after the "
    "referral, or none recorded",
    "late_assessment": "assessment completed later than assessment_due_wd after the referral, "
    "or not completed",
    "late_icpc": "initial conference later than icpc_due_wd after the strategy discussion "
    "(or, when none is recorded, after the section 47 enquiry started)",
    "late_rcpc": "review conference later than first_rcpc_due_months after the ICPC, or "
    "rcpc_interval_months after the last review",
    "late_transfer": "the new authority notified (transfer_notified, else transfer_out) later "
    "than transfer_notify_due_wd after the family moved (family_moved), or the transfer-in "
    "conference (else the transfer out) later than transfer_in_conference_due_wd after the "
    "notification (transfer_notified or transfer_in)",
    "visit_gap": "a child on a CPP (CiN plan) not seen for longer than cpp_visit_interval_wd "
    "(cin_visit_interval_wd)",
    "month_without_visit": "a calendar month wholly inside a plan with no visit, the visits "
    "either side of it further apart than the plan's visit standard",
    "core_group_gap": "no core group within first_core_group_due_wd of the CPP start or "
    "core_group_interval_wd of the last one",
    "lapsed_manager_review": "an open case without a manager review for longer than "
    "manager_review_interval_wd",
    "worker_changes": "the child had more than one social worker: how many, and each change",
    "complaint_stage_late": "a complaint stage answered after its timescale, or not at all",
}
"""Every kind of finding, in the order reports list them."""


@dataclass(frozen=True)
class Citation:
    """An event a finding rests on: its row in the file, date and type."""

    row: int
    date: date
    event: str
    when: str

    def __str__(self) -> str:
        return f"row {self.row} {self.event} {self.when}"


@dataclass(frozen=True)
class Finding:
    """One breach: its kind, a one-line message and the events it rests on.

    ``working_days`` is the interval measured on the dates as written; ``sure`` says the
    breach holds whatever the exact days within approximate dates (always for exact ones).
    """

    kind: str
    message: str
    events: tuple[Citation, ...]
    working_days: int | None = None
    standard: str = ""
    sure: bool = True

    @property
    def first_date(self) -> date | None:
        """The earliest date among the cited events."""
        return min((c.date for c in self.events), default=None)
