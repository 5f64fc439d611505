"""Plain data for the things the model moves around: children, work items and workers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import simpy

from sim.rng import ChildStream


def worker_id(child: Child) -> int | None:
    """The id of ``child``'s social worker, or None while the case has none."""
    worker = child.worker
    return None if worker is None else worker.id


class State(StrEnum):
    """Where a referred child is. Every referred child is in exactly one state."""

    FRONT_DOOR = "front_door"
    ASSESSMENT = "assessment"
    SECTION_47 = "section_47"
    AWAITING_ICPC = "awaiting_icpc"
    CPP = "cpp"
    CIN = "cin"
    CLOSED = "closed"
    CARE = "care"


OPEN_STATES = frozenset(
    {
        State.FRONT_DOOR,
        State.ASSESSMENT,
        State.SECTION_47,
        State.AWAITING_ICPC,
        State.CPP,
        State.CIN,
    }
)
PLAN_STATES = frozenset({State.CPP, State.CIN})


class Priority:
    """Allocation priority of an unallocated case (lower is served first)."""

    SECTION_47: Final = 0
    CPP: Final = 1
    ASSESSMENT: Final = 2
    CIN: Final = 3


@dataclass(slots=True, eq=False)
class WorkItem:
    """A piece of stage work (an assessment or a section 47 enquiry) that needs hours.

    It finishes when its hours are done *and* its earliest end (the elapsed time it needs
    whatever the worker does, e.g. waiting for other agencies) has passed.
    """

    kind: str
    hours_left: float
    earliest_end_wd: int
    done: simpy.Event
    finished_wd: int | None = None


@dataclass(slots=True, eq=False)
class Booking:
    """A child protection conference booked in the chairs' diary (processes/conference.py).

    ``kind`` is ``icpc`` or ``rcpc``; ``wd`` the working day it is booked for (it moves
    when the conference is postponed or brought forward, and ``version`` counts the
    moves); ``due_wd`` its statutory due day. ``held`` fires when it is held, on ``wd``.
    ``ready_wd``: for an ICPC, the first day the enquiry's report can be ready (None
    while the enquiry goes on). ``made_wd``: the day the booking was made (for a review,
    the day of the conference before it).
    """

    kind: str
    wd: int
    due_wd: int
    held: simpy.Event
    made_wd: int = 0
    ready_wd: int | None = None
    version: int = 0


@dataclass(slots=True, eq=False)
class Worker:
    """A case-holding social worker in a post (see workforce.py)."""

    id: int
    cap: int
    hours_per_week: float
    kind: str = "permanent"
    start_day: float = 0.0
    """The start of their service here (tenure counts from it, across internal moves)."""
    post: int = 0
    team: int = 0
    full_cap: int = 0
    """The cap once inducted and present; ``cap`` is lower while they build up a caseload."""
    away_until: float | None = None
    """The end of a long absence under way (None when at work)."""
    ramp_from: float = -math.inf
    """When they started building up a caseload (a start, or a return from long absence)."""
    newly_qualified_until: float | None = None
    rng: ChildStream | None = None
    cases: dict[int, Child] = field(default_factory=dict)
    pressure: float = 0.0
    last_overload: float = 0.0
    sustained_overload: float = 0.0
    weeks_observed: int = 0
    """Weeks whose overload has been measured (``last_overload``): the moving average
    starts from the first, not from zero (workforce.py ``weekly_update``)."""
    leaving: bool = False
    absent_days: int = 0
    extra_hours_due: float = 0.0
    """Priority hours owed next week: handovers received, complaint work."""

    @property
    def caseload(self) -> int:
        """Open cases held."""
        return len(self.cases)


@dataclass(slots=True, eq=False)
class Child:
    """A child, the case about them, and where their case stands.

    ``need`` is the latent need/risk score (standard-normal scale at first referral);
    ``underlying_need`` is the family's level without the service (its need at first
    referral), which drift cannot take the baseline above;
    ``perceived_need`` is what the service last saw of it (-inf before anyone looked).
    Working-day fields end in ``_wd`` and hold working-day indices.
    """

    id: int
    rng: ChildStream
    need: float
    baseline_need: float
    underlying_need: float = math.nan
    """Set to ``baseline_need`` when not given."""
    state: State = State.FRONT_DOOR
    perceived_need: float = -math.inf
    referral_day: float = 0.0
    previous_referral_day: float | None = None
    assessed_referral_day: float | None = None
    """``referral_day`` of the case in which the child last had a child and family assessment."""
    rating: str = ""
    """The front door's priority rating of the latest referral: ``red``, ``amber``, ``green``."""
    referrals: int = 0
    cpp_plans: int = 0
    """Child protection plans the child has started, those before day 0 included."""
    patch: float = 0.0
    """Where the family lives, as a point of [0, 1): it picks the team covering the area."""
    team: int = 0
    """The team holding the case: its worker's, or while it waits, the team covering it."""
    long_term: bool = False
    """Held by a long-term team (split structure): from a plan's start until the case closes."""
    worker: Worker | None = None
    worker_since_wd: int = 0
    handover_pending: bool = False
    review_due_wd: int | None = None
    review_due_recorded: bool = False
    priority_flag: bool = False
    non_resident_parent: bool = False
    parent_involved: bool = False
    """The service involves the non-resident parent in this case (informs and invites them),
    drawn at each referral with ``policy.invite_non_resident_parent_prob``."""
    disengaged: bool = False
    escalated_visit: bool = False
    complaint_open: bool = False
    complaint_actions: list = field(default_factory=list)
    waiting_since_day: float | None = None
    work: WorkItem | None = None
    strategy_day: float = 0.0
    conference: Booking | None = None
    decision: simpy.Event | None = None
    escalation: simpy.Event | None = None
    episode: simpy.Process | None = None
    """The process taking the child through the current referral (interrupted to end a plan)."""
    plan_serial: int = 0
    """Counts plan starts and ends, so that a late event knows whether its plan is still open."""
    known_high_weeks: int = 0
    """Consecutive weeks on a CPP with known (perceived) need at or above the high threshold."""
    legal_stage: str | None = None
    """``planning`` or ``pre_proceedings`` while legal planning is under way on a CPP."""
    adult_day: float = math.inf
    """The simulation day the child turns 18 (processes/exits.py): a plan ends then."""
    moved_day: float | None = None
    closed_day: float | None = None
    """When the case last closed (None while open, or never closed)."""
    """The day the family moved to another authority's area while the case was open here."""
    # plan bookkeeping (CPP or CiN)
    plan_start_wd: int = 0
    next_visit_due_wd: int = 0
    visit_due_recorded: bool = False
    last_seen_wd: int = 0
    last_progress_wd: int = 0
    core_group_due_wd: int | None = None
    first_core_group_pending: bool = False
    progress_factor: float = 1.0
    """Multiplies the plan's weekly progress effect: set by services.py while the family
    waits for a service (below 1) or attends one."""
    # this week's planned work, read and cleared by the weekly accounting
    week_visit_wd: int | None = None
    week_seen_alone: bool = False
    week_progress_wd: int | None = None
    """This week's earliest purposeful contact (a visit, meeting, conference or plan work)."""
    week_plan_work: bool = False
    """Whether work on the plan itself was done this week: plan actions, a core group, a
    complaint action. A visit alone is contact, not work that changes the family's need."""
    week_core_group_wd: int | None = None

    def __post_init__(self) -> None:
        """A child made without an underlying need has its baseline as one."""
        if math.isnan(self.underlying_need):
            self.underlying_need = self.baseline_need
