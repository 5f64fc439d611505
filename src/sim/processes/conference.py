"""Child protection conferences: chairs' diary, the ICPC, and review conferences.

Conferences are booked as in practice (DESIGN.md section 11). The strategy discussion
books the ICPC in the chairs' diary for the last free day inside the 15-working-day
window (:func:`book_icpc`; after the window if it is full); an enquiry that ends without
a conference releases the slot (:func:`after_enquiry`). A review conference is booked,
when the plan starts or at the previous review, for its due day or the nearest free day
before it (:func:`review`). Each booking is checked on its day (:func:`_on_the_day`): an
ICPC goes ahead only if the enquiry ended at least ``pathway.icpc_prep_wd`` working days
before; any conference can fall through because the chair, the family or professionals
are unavailable, and a review's report may not be ready, more often when the worker is
new to the case or under pressure (:func:`report_late_probability`). A conference whose
report is not ready may go ahead without it (seed 002); otherwise it is postponed and
rebooked ``pathway.conference_rebook_wd`` working days on. A review can be brought
forward when circumstances change (:func:`bring_forward_review`), as when high need is
newly seen on the plan (:func:`high_need_seen`). The worker's report hours are charged
in the week the conference is booked for (casework).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Booking, Child, State, Worker, worker_id
from sim.processes import complaints
from sim.processes.decisions import accuracy_for, history_weight, known_need_decision

if TYPE_CHECKING:
    from sim.model import Model

ICPC_OUTCOMES = ("close", "cin", "cpp")
"""Least to most serious; ranked on what is known of the child's need (decisions.py)."""
UNAVAILABLE = "chair, family or professionals unavailable"
ENQUIRY_NOT_DONE = "section 47 enquiry not finished"
REPORT_NOT_READY = "social work report not ready"
HIGH_NEED_SEEN = "high need seen"
"""Reasons a conference does not go ahead, or is brought forward (records' ``reason``)."""


class ConferenceDiary:
    """The independent chairs' diary: a fixed number of conference slots per working day."""

    def __init__(self, slots_per_day: int) -> None:
        self.slots_per_day = slots_per_day
        self.booked: dict[int, int] = {}

    def is_free(self, wd: int) -> bool:
        """Whether working day ``wd`` has a free slot."""
        return self.booked.get(wd, 0) < self.slots_per_day

    def take(self, wd: int) -> int:
        """Book a slot on ``wd`` (which must be free) and return ``wd``."""
        self.booked[wd] = self.booked.get(wd, 0) + 1
        return wd

    def book(self, earliest_wd: int) -> int:
        """Book the first working day on or after ``earliest_wd`` with a free slot."""
        wd = earliest_wd
        while not self.is_free(wd):
            wd += 1
        return self.take(wd)

    def book_by(self, target_wd: int, earliest_wd: int) -> int:
        """Book the latest free day from ``earliest_wd`` to ``target_wd``, else the first after."""
        for wd in range(target_wd, earliest_wd - 1, -1):
            if self.is_free(wd):
                return self.take(wd)
        return self.book(max(target_wd, earliest_wd - 1) + 1)

    def release(self, wd: int) -> None:
        """Give back a slot booked on ``wd`` (a conference that will not be held then)."""
        if self.booked.get(wd, 0) > 0:
            self.booked[wd] -= 1


# -- bookings ------------------------------------------------------------------------------
def _book(m: Model, child: Child, kind: str, wd: int, due_wd: int) -> Booking:
    """Record a booking already taken in the diary, and check it on its day.

    A booking the child still holds from an earlier stage is cancelled first.
    """
    cancel_booking(m, child)
    booking = Booking(kind=kind, wd=wd, due_wd=due_wd, held=m.env.event(), made_wd=m.now_wd())
    child.conference = booking
    _check_on_the_day(m, child, booking)
    return booking


def _check_on_the_day(m: Model, child: Child, booking: Booking) -> None:
    """Look at ``booking`` on the day it is booked for, unless it has moved by then."""
    version = booking.version

    def on_the_day(_e: simpy.Event) -> None:
        if child.conference is booking and booking.version == version:
            _on_the_day(m, child, booking)

    m.wait_until_wd(booking.wd).callbacks.append(on_the_day)


def _move(m: Model, child: Child, booking: Booking, wd: int) -> None:
    """Move ``booking`` to ``wd`` (already taken in the diary); its old slot is freed."""
    m.chairs.release(booking.wd)
    booking.wd = wd
    booking.version += 1
    _check_on_the_day(m, child, booking)


def cancel_booking(m: Model, child: Child) -> None:
    """The child's booked conference, if any, will not be held: free the chair's slot.

    For the ICPC when the enquiry ends without one, and for a review when a plan ends
    between reviews.
    """
    booking = child.conference
    if booking is not None:
        m.chairs.release(booking.wd)
        booking.version += 1
        child.conference = None
        m.events.emit(ev.ConferenceCancelled(child.id, booking.kind, m.env.now))


def _needed(child: Child, booking: Booking) -> bool:
    """Whether the child's case is still where ``booking`` is needed."""
    if booking.kind == "icpc":
        return child.state is State.SECTION_47 or child.state is State.AWAITING_ICPC
    return child.state is State.CPP


def _on_the_day(m: Model, child: Child, booking: Booking) -> None:
    """The booked day: the conference is held, held without its report, or postponed."""
    if not _needed(child, booking):
        cancel_booking(m, child)
        return
    p = m.cfg.pathway
    if booking.kind == "icpc" and booking.ready_wd is None:
        _postpone(m, child, booking, ENQUIRY_NOT_DONE)
        return
    if child.rng.uniform() < p.conference_unavailable_prob:
        _postpone(m, child, booking, UNAVAILABLE)
        return
    if booking.kind == "icpc":
        assert booking.ready_wd is not None
        report_ready = booking.ready_wd <= booking.wd
    else:
        late = report_late_probability(m, child, child.worker, booking.wd)
        report_ready = child.rng.uniform() >= late
    if not report_ready:
        if child.rng.uniform() >= p.conference_without_report_prob:
            _postpone(m, child, booking, REPORT_NOT_READY)
            return
        m.events.emit(
            ev.ConferenceWithoutReport(child.id, booking.kind, m.env.now, worker_id(child))
        )
    child.conference = None
    wd = booking.wd
    child.week_progress_wd = (
        wd if child.week_progress_wd is None else min(child.week_progress_wd, wd)
    )
    booking.held.succeed(wd)


def _postpone(m: Model, child: Child, booking: Booking, reason: str) -> None:
    """The conference does not go ahead today: rebook it ``conference_rebook_wd`` on."""
    wd = m.chairs.book(booking.wd + m.cfg.pathway.conference_rebook_wd)
    m.events.emit(
        ev.ConferencePostponed(
            child.id, booking.kind, m.env.now, worker_id(child), m.cal.day_of_wd(wd), reason
        )
    )
    _move(m, child, booking, wd)


def report_late_probability(m: Model, child: Child, worker: Worker | None, wd: int) -> float:
    """Chance that the worker's report for a review on ``wd`` is not ready.

    ``pathway.report_late_prob``, times ``report_late_new_worker_factor`` while the worker
    has held the case for under ``need.new_worker_weeks`` (a case without a worker counts
    as new to whoever writes it), times up to ``report_late_pressure_factor`` for a worker
    whose demand last week was twice their hours (linear from none at their hours), at
    most 1: the same pattern as need.detection_probability.
    """
    p = m.cfg.pathway
    late = p.report_late_prob
    if worker is None:
        return min(1.0, late * p.report_late_new_worker_factor)
    if wd - child.worker_since_wd < 5 * m.cfg.need.new_worker_weeks:
        late *= p.report_late_new_worker_factor
    overload = min(1.0, max(0.0, worker.pressure - 1.0))
    return min(1.0, late * (1.0 + (p.report_late_pressure_factor - 1.0) * overload))


# -- the ICPC ------------------------------------------------------------------------------
def book_icpc(m: Model, child: Child) -> None:
    """At the strategy discussion: book the ICPC for the last free day of its window.

    The window runs from the day after the strategy discussion to ``pathway.icpc_due_wd``
    working days after it; if the chairs' diary is full all through it, the conference is
    booked for the first free day after it (late).
    """
    due_wd = m.cal.due_wd(child.strategy_day, m.cfg.pathway.icpc_due_wd)
    wd = m.chairs.book_by(due_wd, m.now_wd() + 1)
    _book(m, child, "icpc", wd, due_wd)


def after_enquiry(m: Model, child: Child, outcome: str) -> str:
    """The enquiry is over with ``outcome``; without a conference to follow, free its slot."""
    if outcome != "icpc":
        cancel_booking(m, child)
    return outcome


def _await_icpc(m: Model, child: Child) -> Generator[simpy.Event, object, int]:
    """Wait for the ICPC booked at the strategy discussion; return the day it is held.

    Its report can be ready ``pathway.icpc_prep_wd`` working days after the enquiry ends
    (now). A child with no ICPC booked (none was made at the strategy discussion) is
    booked now.
    """
    booking = child.conference
    if booking is None or booking.kind != "icpc":
        book_icpc(m, child)
        booking = child.conference
        assert booking is not None
    booking.ready_wd = m.now_wd() + m.cfg.pathway.icpc_prep_wd
    yield booking.held
    return booking.wd


def icpc(m: Model, child: Child) -> Generator[simpy.Event, object, str]:
    """Stage: the initial child protection conference; returns the next stage."""
    p = m.cfg.pathway
    m.set_state(child, State.AWAITING_ICPC)
    due_wd = m.cal.due_wd(child.strategy_day, p.icpc_due_wd)
    held_wd = yield from _await_icpc(m, child)
    _conference_failures(m, child, held_wd <= due_wd)
    probs = (1.0 - p.icpc_cpp_prob - p.icpc_cin_prob, p.icpc_cin_prob)
    accuracy = accuracy_for(m, child, p.icpc_decision_accuracy)
    history = history_weight(m, child)
    choice = known_need_decision(child, m.ranker("icpc"), probs, accuracy, history)
    outcome = ICPC_OUTCOMES[choice]
    on_time = held_wd <= due_wd
    m.events.emit(
        ev.ConferenceHeld(child.id, "icpc", m.env.now, worker_id(child), on_time, outcome)
    )
    return outcome


# -- transfer-in conferences --------------------------------------------------------------
def transfer_in(m: Model, child: Child) -> Generator[simpy.Event, object, str]:
    """Stage: the transfer-in conference of a CPP moving here; returns ``cpp``.

    The other authority's notification (transfer_in.py) is the child's referral day. The
    conference is due ``pathway.transfer_in_conference_due_wd`` working days after it and
    is booked at once in the chairs' diary, as an ICPC is, for the last free day of its
    window that leaves ``icpc_prep_wd`` working days to prepare (after the window if it
    is full). The sending authority's papers are taken to be ready: it goes ahead on the
    day booked. It continues the plan in this authority: a new CPP starts here (counted
    among CPP starts, not among ICPCs).
    """
    p = m.cfg.pathway
    m.set_state(child, State.AWAITING_ICPC)
    due_wd = m.cal.due_wd(child.referral_day, p.transfer_in_conference_due_wd)
    held_wd = m.chairs.book_by(due_wd, m.now_wd() + p.icpc_prep_wd)
    yield m.wait_until_wd(held_wd)
    child.week_progress_wd = (
        held_wd if child.week_progress_wd is None else min(child.week_progress_wd, held_wd)
    )
    m.events.emit(
        ev.ConferenceHeld(
            child.id, "transfer_in", m.env.now, worker_id(child), held_wd <= due_wd, "cpp"
        )
    )
    return "cpp"


# -- reviews -------------------------------------------------------------------------------
def review(
    m: Model, child: Child, due_day: int, decide: Callable[[], str]
) -> Generator[simpy.Event, object, str]:
    """A review conference due on ``due_day``: booked now for its due day, or just before.

    It is held on the day booked unless it is postponed (late) or brought forward.
    Returns the conference's decision, made by ``decide`` (plans.review_decision).
    """
    due_wd = m.cal.wd_on_or_after(due_day)
    booking = _book(m, child, "rcpc", m.chairs.book_by(due_wd, m.now_wd() + 1), due_wd)
    yield booking.held
    on_time = booking.wd <= due_wd
    decision = decide()
    m.events.emit(
        ev.ConferenceHeld(child.id, "rcpc", m.env.now, worker_id(child), on_time, decision)
    )
    _conference_failures(m, child, on_time)
    return decision


def bring_forward_review(m: Model, child: Child, reason: str) -> bool:
    """Bring ``child``'s booked review conference forward because circumstances changed.

    The review moves to the first free slot from tomorrow within
    ``pathway.review_bring_forward_wd`` working days, if that is earlier than its booking;
    returns whether it moved. A child with no review booked (not on a CPP, or the review
    is being held) is left as they are, and so is one whose last conference (the ICPC or
    the review before) was less than ``review_bring_forward_wd`` working days ago.
    """
    booking = child.conference
    within = m.cfg.pathway.review_bring_forward_wd
    if booking is None or booking.kind != "rcpc" or m.now_wd() - booking.made_wd < within:
        return False
    start = m.now_wd() + 1
    end = min(booking.wd, start + within)
    for wd in range(start, end):
        if m.chairs.is_free(wd):
            m.events.emit(
                ev.ReviewBroughtForward(
                    child.id,
                    m.env.now,
                    worker_id(child),
                    m.cal.day_of_wd(booking.wd),
                    m.cal.day_of_wd(wd),
                    reason,
                )
            )
            _move(m, child, booking, m.chairs.take(wd))
            return True
    return False


def high_need_seen(m: Model, child: Child, wd: int) -> None:
    """High need newly seen on a CPP child on ``wd``: the review may be brought forward.

    With probability ``pathway.review_bring_forward_prob`` (drawn now), on ``wd`` if the
    child is still on the plan.
    """
    if child.rng.uniform() >= m.cfg.pathway.review_bring_forward_prob:
        return

    def bring_forward(_e: simpy.Event) -> None:
        if child.state is State.CPP:
            bring_forward_review(m, child, HIGH_NEED_SEEN)

    m.wait_until_wd(wd).callbacks.append(bring_forward)


def _conference_failures(m: Model, child: Child, on_time: bool) -> None:
    """A late conference, or a non-resident parent left out of it, may bring a complaint."""
    c = m.cfg.complaints
    if not on_time:
        complaints.failure(m, child, c.breach_prob, about="conference")
    if child.non_resident_parent and not child.parent_involved:
        complaints.failure(
            m, child, c.not_invited_prob, about="conference", complainant="non_resident_parent"
        )
