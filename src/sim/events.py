"""The event stream: each happening in a run, emitted once as a small immutable record.

Processes report what happened by emitting a record (``m.events.emit(VisitMade(...))``);
they never compute a measure. Subscribers ask for the record types they want
(:meth:`EventStream.subscribe`): the KPI recorder (metrics.py) and, for chronologies, the
per-child case log (teaching/chronology.py). A record type nobody subscribes to costs one
dictionary look-up.

Records are emitted when their happening happens, never ahead of it. The weekly plan
decides on Monday what each worker does on each day of the week; what it plans for a
later day is *planned* (:meth:`EventStream.plan`) and emitted only when the clock reaches
that day, so a case that closes on Tuesday cancels Thursday's planned visit
(:meth:`EventStream.cancel_planned`) and a new worker takes over the visits their
predecessor planned (:meth:`EventStream.reassign_planned`): no subscriber ever rewrites
what it was told. Measurement records that belong to a week (a manager review or a first
core group that fell due) are emitted when the week is accounted; visits that fell due
are counted by the recorder as the stream's week observer (:class:`WeekObserver`).

Days are simulation days (calendar days from the run's start); children and workers are
named by id. When the run ends the model emits what is still open (:class:`StillWaiting`,
:class:`FrontDoorStillWaiting`,
:class:`ComplaintOpenAtEnd`), and the recorder marks open episodes censored.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

import simpy

if TYPE_CHECKING:
    from sim.entities import Child


class Record:
    """Base of every record: immutable named fields, compared and printed by value.

    Records are plain classes with ``Final`` attributes rather than frozen dataclasses:
    compiled with mypyc (sim._compiled) they are immutable native objects without a
    ``__dict__`` that cost about 25 ns to make, where a frozen dataclass costs about
    450 ns, and a run makes tens of thousands a year. As plain Python, immutability is
    checked by mypy (``Final``).
    """

    FIELDS: ClassVar[tuple[str, ...]] = ()
    __slots__ = ()

    def fields(self) -> dict[str, Any]:
        """The record's fields by name, in order."""
        return {name: getattr(self, name) for name in self.FIELDS}

    def replaced(self, **changes: Any) -> Record:
        """A copy with some fields changed."""
        return type(self)(**{**self.fields(), **changes})

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.fields().items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Record)
            and type(other) is type(self)
            and self.fields() == other.fields()
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.fields().values()))


# -- the pathway ---------------------------------------------------------------------------
class Referred(Record):
    """A referral reaches the front door (``before_run``: history of a pre-populated case).

    What the service learns of the family at a referral, for chronologies:
    ``age_years``, the child's age on ``day`` (None: not known; below 0: not yet born, a pre-birth
    referral); ``non_resident_parent``, the child has a parent living elsewhere;
    ``parent_involved``, the service involves that parent in this case (informs and
    invites them; drawn at each referral).
    """

    FIELDS = (
        "child",
        "day",
        "previous_day",
        "repeat",
        "before_run",
        "age_years",
        "non_resident_parent",
        "parent_involved",
    )
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        previous_day: float | None,
        repeat: bool,
        before_run: bool = False,
        age_years: float | None = None,
        non_resident_parent: bool = False,
        parent_involved: bool = False,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.previous_day: Final = previous_day
        self.repeat: Final = repeat
        self.before_run: Final = before_run
        self.age_years: Final = age_years
        self.non_resident_parent: Final = non_resident_parent
        self.parent_involved: Final = parent_involved


class FrontDoorDecided(Record):
    """The front door (MASH) decides on a referral: ``close``, ``assessment`` or ``strategy``.

    ``priority`` is the rating it gave the referral on arrival (``red``, ``amber`` or
    ``green``) on what the referral showed; ``need`` the child's latent need at the
    decision, which the front door does not see (for measures of misrating).
    """

    FIELDS = ("child", "day", "referral_day", "on_time", "outcome", "priority", "need")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        referral_day: float,
        on_time: bool,
        outcome: str,
        priority: str,
        need: float,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.referral_day: Final = referral_day
        self.on_time: Final = on_time
        self.outcome: Final = outcome
        self.priority: Final = priority
        self.need: Final = need


class EpisodeStarted(Record):
    """An ``assessment``, ``s47``, ``cpp`` or ``cin`` episode starts.

    ``due_day`` is the episode's deadline where it has one (the assessment's 45 working
    days, the ICPC's 15 after the strategy discussion); ``prepopulated`` marks a plan
    already in place when the run starts, whose ``day`` is its back-dated start (before
    day 0). ``plan_number`` is, for a CPP, how many CPPs the child has started, this one
    and those before the run included (1 for a first plan); 0 for other kinds.
    """

    FIELDS = ("child", "kind", "day", "worker", "due_day", "prepopulated", "plan_number")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        kind: str,
        day: float,
        worker: int | None,
        due_day: float | None = None,
        prepopulated: bool = False,
        plan_number: int = 0,
    ) -> None:
        self.child: Final = child
        self.kind: Final = kind
        self.day: Final = day
        self.worker: Final = worker
        self.due_day: Final = due_day
        self.prepopulated: Final = prepopulated
        self.plan_number: Final = plan_number


class EpisodeEnded(Record):
    """An episode ends with ``outcome`` (the next stage, or how it closed)."""

    FIELDS = ("child", "kind", "day", "worker", "outcome")
    __slots__ = FIELDS

    def __init__(self, child: int, kind: str, day: float, worker: int | None, outcome: str) -> None:
        self.child: Final = child
        self.kind: Final = kind
        self.day: Final = day
        self.worker: Final = worker
        self.outcome: Final = outcome


class ConferenceHeld(Record):
    """A child protection conference: ``kind`` ``icpc``, ``rcpc`` or ``transfer_in``.

    ``outcome``: the ICPC's decision, the review's decision, ``cpp`` for a transfer-in
    conference (the plan continues in this authority).
    """

    FIELDS = ("child", "kind", "day", "worker", "on_time", "outcome")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        kind: str,
        day: float,
        worker: int | None,
        on_time: bool,
        outcome: str = "",
    ) -> None:
        self.child: Final = child
        self.kind: Final = kind
        self.day: Final = day
        self.worker: Final = worker
        self.on_time: Final = on_time
        self.outcome: Final = outcome


class LegalPlanningMeeting(Record):
    """A legal planning meeting on a CPP: ``reason`` ``review`` or ``persistent_need``.

    ``outcome``: ``care_proceedings`` (the child leaves the model), ``pre_proceedings``
    (the Public Law Outline's letter before proceedings; the plan goes on) or
    ``no_legal_action`` (known high need not acted on by legal means).
    """

    FIELDS = ("child", "day", "worker", "reason", "outcome")
    __slots__ = FIELDS

    def __init__(
        self, child: int, day: float, worker: int | None, reason: str, outcome: str
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.reason: Final = reason
        self.outcome: Final = outcome


class PreProceedingsEnded(Record):
    """Pre-proceedings end: ``care_proceedings`` or ``stepped_back`` (legal.py says when)."""

    FIELDS = ("child", "day", "worker", "outcome")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, worker: int | None, outcome: str) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.outcome: Final = outcome


class ConferencePostponed(Record):
    """A booked conference (``kind`` ``icpc`` or ``rcpc``) does not go ahead on ``day``.

    ``reason`` says why; it is rebooked for ``new_day``.
    """

    FIELDS = ("child", "kind", "day", "worker", "new_day", "reason")
    __slots__ = FIELDS

    def __init__(
        self, child: int, kind: str, day: float, worker: int | None, new_day: float, reason: str
    ) -> None:
        self.child: Final = child
        self.kind: Final = kind
        self.day: Final = day
        self.worker: Final = worker
        self.new_day: Final = new_day
        self.reason: Final = reason


class ConferenceCancelled(Record):
    """A booked conference is no longer needed and its slot is released.

    For example the ICPC booked at the strategy discussion when the enquiry ends without
    one (no further action, or a child in need plan).
    """

    FIELDS = ("child", "kind", "day")
    __slots__ = FIELDS

    def __init__(self, child: int, kind: str, day: float) -> None:
        self.child: Final = child
        self.kind: Final = kind
        self.day: Final = day


class ConferenceWithoutReport(Record):
    """A conference goes ahead on ``day`` without the social worker's report (seed 002).

    Emitted just before the conference's :class:`ConferenceHeld`.
    """

    FIELDS = ("child", "kind", "day", "worker")
    __slots__ = FIELDS

    def __init__(self, child: int, kind: str, day: float, worker: int | None) -> None:
        self.child: Final = child
        self.kind: Final = kind
        self.day: Final = day
        self.worker: Final = worker


class ReviewBroughtForward(Record):
    """A CPP's next review conference, booked for ``from_day``, is moved to ``to_day``."""

    FIELDS = ("child", "day", "worker", "from_day", "to_day", "reason")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        worker: int | None,
        from_day: float,
        to_day: float,
        reason: str,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.from_day: Final = from_day
        self.to_day: Final = to_day
        self.reason: Final = reason


class TransferredOut(Record):
    """The family has moved away: this authority tells the new one, and the case goes.

    Emitted on the day the receiving authority is notified (``day``), ``moved_day`` being
    the day the family moved; ``on_time``: notified within
    ``pathway.transfer_notify_due_wd`` working days of the move. The ``plan`` (``cpp`` or
    ``cin``) ends then. For a CPP the receiving authority's transfer-in conference is due
    on ``conference_due_day`` (``pathway.transfer_in_conference_due_wd`` after the
    notification); a CiN plan has none (None).
    """

    FIELDS = ("child", "day", "worker", "plan", "moved_day", "on_time", "conference_due_day")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        worker: int | None,
        plan: str,
        moved_day: float,
        on_time: bool,
        conference_due_day: float | None,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.plan: Final = plan
        self.moved_day: Final = moved_day
        self.on_time: Final = on_time
        self.conference_due_day: Final = conference_due_day


class TransferredIn(Record):
    """Another authority notifies this one that a child on its CPP has moved here.

    The transfer-in conference is due on ``conference_due_day``; it is emitted as a
    :class:`ConferenceHeld` of kind ``transfer_in``.
    """

    FIELDS = ("child", "day", "conference_due_day")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, conference_due_day: float) -> None:
        self.child: Final = child
        self.day: Final = day
        self.conference_due_day: Final = conference_due_day


class Closed(Record):
    """A case closes, with the child's need at that moment.

    ``need``, ``baseline_need`` and ``underlying_need`` are the child's latent need, the
    level it is pulled to and the family's level without the service's work;
    ``perceived_need`` what the service last saw (the two levels default to ``need``).
    ``stays``: the family stays in the area
    and may be referred again (False when it moved away or the child turned 18), so what
    happens to the child's need after closure can be followed (metrics.py). ``stage``:
    the state the case closed from (``cpp``, ``cin``, ``section_47``, ...).
    """

    FIELDS = (
        "child",
        "day",
        "need",
        "before_run",
        "baseline_need",
        "underlying_need",
        "perceived_need",
        "stays",
        "stage",
    )
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        need: float,
        before_run: bool = False,
        baseline_need: float | None = None,
        underlying_need: float | None = None,
        perceived_need: float = -math.inf,
        stays: bool = True,
        stage: str = "",
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.need: Final = need
        self.before_run: Final = before_run
        self.baseline_need: Final = need if baseline_need is None else baseline_need
        self.underlying_need: Final = need if underlying_need is None else underlying_need
        self.perceived_need: Final = perceived_need
        self.stays: Final = stays
        self.stage: Final = stage


class CameIntoCare(Record):
    """Care proceedings: the child becomes looked after and leaves the model."""

    FIELDS = ("child", "day")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float) -> None:
        self.child: Final = child
        self.day: Final = day


# -- the working week ----------------------------------------------------------------------
class VisitMade(Record):
    """A statutory visit: the child was seen (``worker`` None: the duty service).

    ``announced``: the family knew the visit was coming; ``seen_alone``: the child was
    seen on their own (both change what the visit sees, need.py).
    """

    FIELDS = ("child", "day", "worker", "escalated", "announced", "seen_alone")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        worker: int | None,
        escalated: bool = False,
        announced: bool = True,
        seen_alone: bool = True,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.escalated: Final = escalated
        self.announced: Final = announced
        self.seen_alone: Final = seen_alone


class ChildSeenInEnquiry(Record):
    """An assessment or a section 47 enquiry sees the child (``stage`` ``assessment``, ``s47``).

    Emitted when the stage's work is done and what it found becomes what the service
    knows of the child (the model's assessment sees the child then). ``seen_alone``: the
    child was seen on their own. Not a statutory visit: the visit measures do not count it.
    """

    FIELDS = ("child", "day", "worker", "stage", "seen_alone")
    __slots__ = FIELDS

    def __init__(
        self, child: int, day: float, worker: int | None, stage: str, seen_alone: bool
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.stage: Final = stage
        self.seen_alone: Final = seen_alone


class CinPlanReviewed(Record):
    """A child in need plan's review decides that the plan continues.

    A review that ends the plan is the plan's :class:`EpisodeEnded` (outcome ``closed``).
    """

    FIELDS = ("child", "day", "worker")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, worker: int | None) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker


class VisitNoAccess(Record):
    """A visit was attempted but the family did not let the worker in."""

    FIELDS = ("child", "day", "worker")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, worker: int | None) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker


class OutsideInformation(Record):
    """Someone outside the household tells the service about a child (seeds 000, 002).

    ``source``: ``anonymous`` (a neighbour, an anonymous caller, another agency) or
    ``non_resident_parent``. ``acted_on``: the information was passed on and acted on
    (the service learned the child's current need); otherwise it was received and
    recorded but nothing followed.
    """

    FIELDS = ("child", "day", "source", "acted_on")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, source: str, acted_on: bool) -> None:
        self.child: Final = child
        self.day: Final = day
        self.source: Final = source
        self.acted_on: Final = acted_on


class CoreGroupHeld(Record):
    """A core group meeting of a child protection plan."""

    FIELDS = ("child", "day", "worker")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, worker: int | None) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker


class ManagerReviewed(Record):
    """A team manager reviewed the case (case supervision); ``team`` is the team's index.

    What the review found on a plan (management.py; both False off a plan):
    ``contact_gap``, no purposeful contact for longer than ``pathway.drift_threshold_wd``;
    ``visit_overdue``, the statutory visit is overdue. Either makes the case a priority
    for its worker that week (its visit and plan work come first).
    """

    FIELDS = ("child", "day", "team", "contact_gap", "visit_overdue")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        team: int,
        contact_gap: bool = False,
        visit_overdue: bool = False,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.team: Final = team
        self.contact_gap: Final = contact_gap
        self.visit_overdue: Final = visit_overdue


class FirstCoreGroupFellDue(Record):
    """The first core group of a plan fell due; ``held_day`` None: not held by the week's end."""

    FIELDS = ("child", "due_day", "held_day")
    __slots__ = FIELDS

    def __init__(self, child: int, due_day: float, held_day: float | None) -> None:
        self.child: Final = child
        self.due_day: Final = due_day
        self.held_day: Final = held_day


class ManagerReviewFellDue(Record):
    """A four-weekly manager case review fell due; ``on_time``: done by its due day.

    ``team``: the index of the team whose manager reviewed it, or should have.
    """

    FIELDS = ("child", "due_day", "on_time", "team")
    __slots__ = FIELDS

    def __init__(self, child: int, due_day: float, on_time: bool, team: int) -> None:
        self.child: Final = child
        self.due_day: Final = due_day
        self.on_time: Final = on_time
        self.team: Final = team


class WeekStarted(Record):
    """A working week starts with these stocks (the weekly snapshot)."""

    FIELDS = ("day", "stocks")
    __slots__ = FIELDS

    def __init__(self, day: float, stocks: Mapping[str, float]) -> None:
        self.day: Final = day
        self.stocks: Final = stocks


# -- the workforce -------------------------------------------------------------------------
class TeamWeek(Record):
    """One team's stocks at the weekly snapshot (emitted just after ``WeekStarted``).

    ``kind``: ``all``, ``assessment`` or ``long_term`` (teams.py); ``patch_share``: the
    share of the area its patch covers for its kind; ``posts``: funded posts;
    ``permanent`` and ``agency``: posts held by each (``agency`` also counts the team's
    agency workers beyond its posts, ``workforce.agency_extra_per_post``); ``away``: workers
    in post on a long absence; ``cases``: cases its workers hold; ``unallocated``: cases
    waiting in its queue; ``manager``: its manager post's status (managers.py).
    """

    FIELDS = (
        "day",
        "team",
        "kind",
        "patch_share",
        "posts",
        "permanent",
        "agency",
        "away",
        "cases",
        "unallocated",
        "manager",
    )
    __slots__ = FIELDS

    def __init__(
        self,
        day: float,
        team: int,
        kind: str,
        patch_share: float,
        posts: int,
        permanent: int,
        agency: int,
        away: int,
        cases: int,
        unallocated: int,
        manager: str,
    ) -> None:
        self.day: Final = day
        self.team: Final = team
        self.kind: Final = kind
        self.patch_share: Final = patch_share
        self.posts: Final = posts
        self.permanent: Final = permanent
        self.agency: Final = agency
        self.away: Final = away
        self.cases: Final = cases
        self.unallocated: Final = unallocated
        self.manager: Final = manager


class WorkerStarted(Record):
    """A worker (``kind`` ``permanent`` or ``agency``) starts in ``post`` of ``team``.

    ``start_day``: the start of their service, before day 0 for a permanent worker already
    in post when the run begins (``day`` is then 0), or the day of an internal move;
    ``newly_qualified``: a permanent recruit in their first year, with a reduced cap and
    hours; ``moved``: a colleague moving in from another team (not a starter; the
    ``WorkerLeft`` with reason ``moved`` just before it closes their old post).
    """

    FIELDS = ("worker", "day", "kind", "post", "team", "start_day", "newly_qualified", "moved")
    __slots__ = FIELDS

    def __init__(
        self,
        worker: int,
        day: float,
        kind: str,
        post: int,
        team: int,
        start_day: float,
        newly_qualified: bool,
        moved: bool = False,
    ) -> None:
        self.worker: Final = worker
        self.day: Final = day
        self.kind: Final = kind
        self.post: Final = post
        self.team: Final = team
        self.start_day: Final = start_day
        self.newly_qualified: Final = newly_qualified
        self.moved: Final = moved


class WorkerLeft(Record):
    """A worker leaves; their cases are handed over.

    ``reason``: ``resigned`` (at the end of their notice; for an agency worker, the end of
    their assignment), ``replaced`` (an agency worker whose post a permanent recruit or
    a colleague moving in has just taken) or ``moved`` (to a post in another team: not a
    leaver of the authority; a ``WorkerStarted`` with ``moved`` follows).
    """

    FIELDS = ("worker", "day", "kind", "reason")
    __slots__ = FIELDS

    def __init__(self, worker: int, day: float, kind: str, reason: str) -> None:
        self.worker: Final = worker
        self.day: Final = day
        self.kind: Final = kind
        self.reason: Final = reason


class CaseHandedOver(Record):
    """A case has to move to another worker (a change of worker).

    ``reason``: ``left`` (the worker left the authority or their assignment ended),
    ``moved`` (the worker moved to another team), ``absence`` (the worker went on a long
    absence) or ``transfer`` (split structure: the case moves from an assessment team to
    a long-term team as its plan starts).
    """

    FIELDS = ("child", "day", "reason")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, reason: str = "left") -> None:
        self.child: Final = child
        self.day: Final = day
        self.reason: Final = reason


class WorkerAway(Record):
    """A worker starts a long absence (maternity, long-term sickness) until ``return_day``.

    The post stays theirs; their cases are handed over (``CaseHandedOver``, ``absence``).
    """

    FIELDS = ("worker", "day", "return_day")
    __slots__ = FIELDS

    def __init__(self, worker: int, day: float, return_day: float) -> None:
        self.worker: Final = worker
        self.day: Final = day
        self.return_day: Final = return_day


class WorkerAllocated(Record):
    """A case waiting since ``requested_day`` gets a worker.

    ``handover``: the case changed hands (the ``CaseHandedOver`` before it says why);
    ``agency``: the new worker is agency staff.
    """

    FIELDS = ("child", "day", "worker", "requested_day", "handover", "agency")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        worker: int,
        requested_day: float,
        handover: bool,
        agency: bool,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.worker: Final = worker
        self.requested_day: Final = requested_day
        self.handover: Final = handover
        self.agency: Final = agency


class ManagerChanged(Record):
    """A team's manager post changes ``status`` (managers.py), and at the run's start.

    ``status``: ``in_post`` (a manager holds the post), ``vacant`` (no manager and no
    cover), ``acting`` (an acting manager covers) or ``stretched`` (the manager of
    ``covering_team`` covers this team too). ``manager``: the id of the team manager in
    post (for ``stretched``, of the covering manager); None otherwise.
    """

    FIELDS = ("team", "day", "status", "manager", "covering_team")
    __slots__ = FIELDS

    def __init__(
        self,
        team: int,
        day: float,
        status: str,
        manager: int | None = None,
        covering_team: int | None = None,
    ) -> None:
        self.team: Final = team
        self.day: Final = day
        self.status: Final = status
        self.manager: Final = manager
        self.covering_team: Final = covering_team


class StillWaiting(Record):
    """A case still waiting for a worker when the run ends (a censored wait)."""

    FIELDS = ("child", "requested_day")
    __slots__ = FIELDS

    def __init__(self, child: int, requested_day: float) -> None:
        self.child: Final = child
        self.requested_day: Final = requested_day


class FrontDoorStillWaiting(Record):
    """A referral still waiting for the front door's decision when the run ends (censored).

    ``due_day`` is the day the decision was due; ``priority`` the referral's rating.
    """

    FIELDS = ("child", "referral_day", "due_day", "priority")
    __slots__ = FIELDS

    def __init__(self, child: int, referral_day: float, due_day: float, priority: str) -> None:
        self.child: Final = child
        self.referral_day: Final = referral_day
        self.due_day: Final = due_day
        self.priority: Final = priority


# -- complaints ----------------------------------------------------------------------------
class ComplaintReceived(Record):
    """A complaint is received (stage 1 of its ``procedure`` starts)."""

    FIELDS = ("child", "day", "procedure", "complainant")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, procedure: str, complainant: str) -> None:
        self.child: Final = child
        self.day: Final = day
        self.procedure: Final = procedure
        self.complainant: Final = complainant


class ComplaintStageRequested(Record):
    """Stage ``stage`` of a complaint is asked for; its deadline is ``due_day``."""

    FIELDS = ("child", "day", "procedure", "stage", "due_day", "extended")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        procedure: str,
        stage: int,
        due_day: float,
        extended: bool,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.procedure: Final = procedure
        self.stage: Final = stage
        self.due_day: Final = due_day
        self.extended: Final = extended


class ReviewPanelHeld(Record):
    """The stage 3 review panel meets (``late``: after its deadline)."""

    FIELDS = ("child", "day", "late")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, late: bool) -> None:
        self.child: Final = child
        self.day: Final = day
        self.late: Final = late


class ComplaintStageAnswered(Record):
    """The council answers stage ``stage`` (for stage 3: responds to the panel)."""

    FIELDS = ("child", "day", "procedure", "stage", "request_day", "on_time", "upheld")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        procedure: str,
        stage: int,
        request_day: float,
        on_time: bool,
        upheld: bool,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.procedure: Final = procedure
        self.stage: Final = stage
        self.request_day: Final = request_day
        self.on_time: Final = on_time
        self.upheld: Final = upheld


class OmbudsmanDecided(Record):
    """The Ombudsman decides a complaint referred on ``referred_day``."""

    FIELDS = ("child", "day", "referred_day", "upheld", "remedy_gbp")
    __slots__ = FIELDS

    def __init__(
        self,
        child: int,
        day: float,
        referred_day: float,
        upheld: bool,
        remedy_gbp: float,
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.referred_day: Final = referred_day
        self.upheld: Final = upheld
        self.remedy_gbp: Final = remedy_gbp


class ComplaintClosed(Record):
    """A complaint's last step (local or the Ombudsman) is over."""

    FIELDS = ("child", "day", "received_day")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, received_day: float) -> None:
        self.child: Final = child
        self.day: Final = day
        self.received_day: Final = received_day


class ComplaintOpenAtEnd(Record):
    """A complaint still open when the run ends (a censored duration)."""

    FIELDS = ("child", "received_day")
    __slots__ = FIELDS

    def __init__(self, child: int, received_day: float) -> None:
        self.child: Final = child
        self.received_day: Final = received_day


class ComplaintActionFellDue(Record):
    """An action agreed in a complaint fell due; ``on_time``: done by then."""

    FIELDS = ("child", "due_day", "on_time")
    __slots__ = FIELDS

    def __init__(self, child: int, due_day: float, on_time: bool) -> None:
        self.child: Final = child
        self.due_day: Final = due_day
        self.on_time: Final = on_time


# -- services (seed 003) -------------------------------------------------------------------
class ServiceReferred(Record):
    """A plan refers the family to ``service``; ``waiting``: no place was free, it joins the list."""

    FIELDS = ("child", "day", "service", "waiting")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, service: str, waiting: bool) -> None:
        self.child: Final = child
        self.day: Final = day
        self.service: Final = service
        self.waiting: Final = waiting


class ServiceStarted(Record):
    """The family takes a place on ``service`` (referred on ``referred_day``)."""

    FIELDS = ("child", "day", "service", "referred_day")
    __slots__ = FIELDS

    def __init__(self, child: int, day: float, service: str, referred_day: float) -> None:
        self.child: Final = child
        self.day: Final = day
        self.service: Final = service
        self.referred_day: Final = referred_day


class ServiceEnded(Record):
    """The family's referral to ``service`` ends.

    ``outcome``: ``completed`` (the course ran its length), ``left_course`` (the plan
    ended during the course) or ``left_list`` (the plan ended while the family waited:
    it never had a place).
    """

    FIELDS = ("child", "day", "service", "referred_day", "outcome")
    __slots__ = FIELDS

    def __init__(
        self, child: int, day: float, service: str, referred_day: float, outcome: str
    ) -> None:
        self.child: Final = child
        self.day: Final = day
        self.service: Final = service
        self.referred_day: Final = referred_day
        self.outcome: Final = outcome


AnyRecord = (
    Referred
    | FrontDoorDecided
    | EpisodeStarted
    | EpisodeEnded
    | ConferenceHeld
    | LegalPlanningMeeting
    | PreProceedingsEnded
    | ConferencePostponed
    | ConferenceCancelled
    | ConferenceWithoutReport
    | ReviewBroughtForward
    | TransferredOut
    | TransferredIn
    | Closed
    | CameIntoCare
    | VisitMade
    | ChildSeenInEnquiry
    | CinPlanReviewed
    | VisitNoAccess
    | OutsideInformation
    | CoreGroupHeld
    | ManagerReviewed
    | FirstCoreGroupFellDue
    | ManagerReviewFellDue
    | WeekStarted
    | TeamWeek
    | WorkerStarted
    | WorkerLeft
    | CaseHandedOver
    | WorkerAway
    | WorkerAllocated
    | ManagerChanged
    | StillWaiting
    | FrontDoorStillWaiting
    | ComplaintReceived
    | ComplaintStageRequested
    | ReviewPanelHeld
    | ComplaintStageAnswered
    | OmbudsmanDecided
    | ComplaintClosed
    | ComplaintOpenAtEnd
    | ComplaintActionFellDue
    | ServiceReferred
    | ServiceStarted
    | ServiceEnded
)
"""Every record type of the stream."""

Handler = Callable[[object], None]


class WeekObserver(Protocol):
    """A subscriber that also measures the open cases' week as it is accounted.

    The weekly accounting calls ``measure_week`` with every open case just before it
    moves the cases' records on (last seen, last progress, need): the recorder counts
    drift, unseen and plan days there, from the same state the accounting reads.
    """

    def measure_week(self, children: list[Child], w0: int, w1: int) -> None:
        """Measure the week of working days ``w0..w1`` of each of ``children``."""


class _Planned:
    """A record planned for a later day of the week; ``alive`` False once cancelled."""

    __slots__ = ("alive", "record")

    def __init__(self, record: VisitMade | VisitNoAccess | CoreGroupHeld | ManagerReviewed):
        self.record = record
        self.alive = True


class EventStream:
    """Delivers each record to the handlers subscribed to its type, in the order emitted.

    Args:
        env: The run's SimPy environment (planned records are released when its clock
            reaches their day).

    """

    def __init__(self, env: simpy.Environment) -> None:
        self._env = env
        self._handlers: dict[type, list[Handler]] = {}
        self.week_observers: list[WeekObserver] = []
        self._planned: list[tuple[float, int, _Planned]] = []
        self._planned_by_child: dict[int, list[_Planned]] = {}
        self._release_days: set[float] = set()
        self._sequence = 0

    def subscribe(self, handlers: Mapping[type, Handler]) -> None:
        """Deliver every record of each type in ``handlers`` to its handler."""
        for record_type, handler in handlers.items():
            self._handlers.setdefault(record_type, []).append(handler)

    def observe_weeks(self, observer: WeekObserver) -> None:
        """Let ``observer`` measure every open case's week (see :class:`WeekObserver`)."""
        self.week_observers.append(observer)

    def wants(self, record_type: type) -> bool:
        """Whether any subscriber takes records of ``record_type``.

        The weekly plan asks before it makes its most frequent records (visits, core
        groups, manager reviews), so a run without a case log does not make them at all.
        """
        return record_type in self._handlers

    def emit(self, record: object) -> None:
        """Deliver ``record`` now to every handler subscribed to its type."""
        handlers = self._handlers.get(type(record))
        if handlers is not None:
            for handler in handlers:
                handler(record)

    # -- the week's plan ------------------------------------------------------------------
    def plan(self, record: VisitMade | VisitNoAccess | CoreGroupHeld | ManagerReviewed) -> None:
        """Emit ``record`` when the clock reaches its day, unless it is cancelled first.

        The day's planned records are released together, in the order they were planned,
        by one timeout at the start of the day (at most five a week). Records of a type
        nobody subscribes to are not kept.
        """
        if type(record) not in self._handlers:
            return
        env = self._env
        day = record.day
        if day <= env.now:
            self.emit(record)
            return
        entry = _Planned(record)
        self._sequence += 1
        heapq.heappush(self._planned, (day, self._sequence, entry))
        self._planned_by_child.setdefault(record.child, []).append(entry)
        if day not in self._release_days:
            self._release_days.add(day)
            env.timeout(day - env.now).callbacks.append(self._release_today)

    def _release_today(self, _event: simpy.Event) -> None:
        now = self._env.now
        self._release_days.discard(now)
        self.release_planned(now)

    def release_planned(self, until_day: float) -> None:
        """Emit the planned records due on or before ``until_day``, oldest first."""
        planned = self._planned
        while planned and planned[0][0] <= until_day:
            entry = heapq.heappop(planned)[2]
            if entry.alive:
                entry.alive = False
                for handler in self._handlers.get(type(entry.record), ()):
                    handler(entry.record)
        if not planned:
            self._planned_by_child.clear()

    def cancel_planned(self, child: int, types: tuple[type, ...], after_day: float) -> None:
        """Forget ``child``'s records of ``types`` planned for after ``after_day``.

        Called when the case or its plan ends on ``after_day`` (now): what was planned for
        that moment or earlier has happened.
        """
        for entry in self._planned_by_child.get(child, ()):
            if entry.alive and entry.record.day > after_day and isinstance(entry.record, types):
                entry.alive = False

    def reassign_planned(self, child: int, worker: int, after_day: float) -> None:
        """A new worker takes over the visits and meetings planned for after ``after_day``.

        Called when ``worker`` takes the case on ``after_day`` (now). Visits planned for the
        duty service and manager reviews stay as they were.
        """
        for entry in self._planned_by_child.get(child, ()):
            record = entry.record
            if (
                entry.alive
                and record.day > after_day
                and isinstance(record, (VisitMade, VisitNoAccess, CoreGroupHeld))
                and record.worker is not None
                and record.worker != worker
            ):
                entry.record = record.replaced(worker=worker)  # type: ignore[assignment]

    def close(self, end_day: float) -> None:
        """The run is over: emit whatever was planned before ``end_day``."""
        self.release_planned(end_day)
