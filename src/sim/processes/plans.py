"""Child protection plans and child in need plans.

Visits, core groups and plan actions are done by the worker's weekly plan (casework);
these processes hold the plan's reviews and decide how it ends.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, Priority, State, worker_id
from sim.processes import conference, exits, legal
from sim.processes.decisions import accuracy_for, known_need_decision

if TYPE_CHECKING:
    from sim.model import Model


@dataclass(frozen=True)
class Prepopulated:
    """A plan already open on day 0 (demand.prepopulate).

    Attributes:
        start_day: The plan's back-dated start (before day 0).
        next_review_day: The day of its next review (on or after day 0).
        reviews_held: Reviews held since it started (a CPP's first review ends it with
            ``rcpc_first_end_prob``, later ones with ``rcpc_later_end_prob``).

    """

    start_day: float
    next_review_day: int
    reviews_held: int


def _start_plan(
    m: Model, child: Child, state: State, visit_interval_wd: int, ongoing: bool
) -> None:
    """Plan bookkeeping; an ``ongoing`` (pre-populated) plan has its next visit staggered."""
    wd = m.now_wd()
    m.set_state(child, state)
    child.plan_start_wd = wd
    stagger = 1 + int(child.rng.uniform() * visit_interval_wd) if ongoing else visit_interval_wd
    child.next_visit_due_wd = wd + stagger
    child.visit_due_recorded = False
    child.last_seen_wd = wd
    child.last_progress_wd = wd
    child.plan_serial += 1
    exits.plan_started(m, child)


def _end_plan(child: Child) -> None:
    """The plan is over: anything waiting to act on it (legal planning, a move) lets go."""
    child.plan_serial += 1


def _end_cin(m: Model, child: Child, outcome: str) -> None:
    """The CiN plan ends: the week's planned visits and meetings go with it."""
    _end_plan(child)
    m.events.emit(ev.EpisodeEnded(child.id, "cin", m.env.now, worker_id(child), outcome))
    m.services.plan_ended(child)
    m.events.cancel_planned(child.id, (ev.VisitMade, ev.VisitNoAccess, ev.CoreGroupHeld), m.env.now)


def _may_end(m: Model, child: Child, margin: float = 0.0) -> bool:
    """Whether a review may end the plan: not while need is seen to be high (policy).

    "High" here is ``margin`` below the high-need threshold: for a review conference,
    ``policy.end_plan_need_margin``, how much improvement the authority's conferences wait
    for before ending a child protection plan.
    """
    if not m.cfg.policy.close_only_when_need_low:
        return True
    return child.perceived_need < m.cfg.need.high_threshold - margin


REVIEW_OUTCOMES = ("close", "cin", "continue", "legal_planning")
"""What a review conference decides, least to most serious."""


def review_decision(m: Model, child: Child, first: bool) -> str:
    """The review conference's decision, ranked on what is known of the child's need.

    On average a review ends the plan with ``rcpc_first_end_prob`` (first review) or
    ``rcpc_later_end_prob`` (stepping down to a CiN plan with ``cpp_end_to_cin_prob``,
    closing otherwise); a plan that goes on is also sent to legal planning with
    ``review_legal_planning_prob``. Children known to be at higher need get the more
    serious decisions (decisions.py). A plan does not end while need is seen to be high
    when the policy says so (``policy.close_only_when_need_low``).
    """
    p = m.cfg.pathway
    end = p.rcpc_first_end_prob if first else p.rcpc_later_end_prob
    probs = (
        end * (1.0 - p.cpp_end_to_cin_prob),
        end * p.cpp_end_to_cin_prob,
        (1.0 - end) * (1.0 - p.review_legal_planning_prob),
    )
    accuracy = accuracy_for(m, child, p.review_decision_accuracy)
    outcome = REVIEW_OUTCOMES[known_need_decision(child, m.ranker("review"), probs, accuracy)]
    if outcome in ("close", "cin") and not _may_end(m, child, m.cfg.policy.end_plan_need_margin):
        return "continue"
    return outcome


def cpp(
    m: Model, child: Child, prepopulated: Prepopulated | None = None
) -> Generator[simpy.Event, object, str]:
    """Stage: a child protection plan with review conferences; returns the next stage.

    A review decides whether the plan goes on (:func:`review_decision`); between reviews
    the plan can end at once (``Model.end_plan``): care proceedings after legal planning
    (legal.py), the family moving away or the child turning 18 (exits.py).
    ``prepopulated`` puts in place a plan that started before day 0.
    """
    p = m.cfg.pathway
    ongoing = prepopulated is not None
    _start_plan(m, child, State.CPP, p.cpp_visit_interval_wd, ongoing)
    if ongoing:
        child.core_group_due_wd = (
            m.now_wd() + 1 + int(child.rng.uniform() * p.core_group_interval_wd)
        )
    else:
        child.core_group_due_wd = m.now_wd() + p.first_core_group_due_wd
    child.first_core_group_pending = not ongoing
    child.cpp_plans += 1
    start_day = m.env.now if prepopulated is None else prepopulated.start_day
    m.events.emit(
        ev.EpisodeStarted(
            child.id,
            "cpp",
            start_day,
            worker_id(child),
            prepopulated=ongoing,
            plan_number=child.cpp_plans,
        )
    )
    m.services.plan_started(child, True, ongoing)
    m.workforce.request(child, Priority.CPP)
    if prepopulated is None:
        due_day = m.cal.add_months(m.env.now, p.first_rcpc_due_months)
        first = True
    else:
        due_day = prepopulated.next_review_day
        first = prepopulated.reviews_held == 0
    try:
        while True:
            decide = partial(review_decision, m, child, first)
            decision = yield from conference.review(m, child, due_day, decide)
            if decision in ("close", "cin"):
                outcome = decision
                break
            if decision == "legal_planning":
                legal.start(m, child, "review")
            due_day = m.cal.add_months(m.env.now, p.rcpc_interval_months)
            first = False
    except simpy.Interrupt as stop:
        outcome = str(stop.cause)
        conference.cancel_booking(m, child)
    child.core_group_due_wd = None
    child.legal_stage = None
    child.known_high_weeks = 0
    _end_plan(child)
    m.events.emit(ev.EpisodeEnded(child.id, "cpp", m.env.now, worker_id(child), outcome))
    step_down = outcome == "cin" and not exits.is_adult(child, m.env.now)
    m.services.plan_ended(child, keep=step_down)
    m.events.cancel_planned(child.id, (ev.CoreGroupHeld,), m.env.now)
    return outcome


def cin(
    m: Model, child: Child, prepopulated: Prepopulated | None = None
) -> Generator[simpy.Event, object, str]:
    """Stage: a child in need plan with periodic reviews; returns the next stage.

    High need seen on a visit, or reported from outside and acted on, escalates the case
    to a strategy discussion (``child.escalation``, triggered by casework). Between
    reviews the plan can also end through exits.py (a move away, the 18th birthday).
    ``prepopulated`` puts in place a plan that started before day 0.
    """
    p = m.cfg.pathway
    ongoing = prepopulated is not None
    _start_plan(m, child, State.CIN, p.cin_visit_interval_wd, ongoing)
    start_day = m.env.now if prepopulated is None else prepopulated.start_day
    m.events.emit(
        ev.EpisodeStarted(child.id, "cin", start_day, worker_id(child), prepopulated=ongoing)
    )
    m.services.plan_started(child, False, ongoing)
    m.workforce.request(child, Priority.CIN)
    child.escalation = m.env.event()
    try:
        next_review_wd = m.now_wd() + p.cin_review_interval_wd
        if prepopulated is not None:
            next_review_wd = m.cal.wd_on_or_after(prepopulated.next_review_day)
        while True:
            yield m.first_of(m.wait_until_wd(next_review_wd), child.escalation)
            if child.escalation.triggered:
                _end_cin(m, child, "escalated")
                return "strategy"
            child.week_progress_wd = m.now_wd()
            if _may_end(m, child) and child.rng.bernoulli(p.cin_review_close_prob):
                _end_cin(m, child, "closed")
                return "close"
            m.events.emit(ev.CinPlanReviewed(child.id, m.env.now, worker_id(child)))
            next_review_wd = m.now_wd() + p.cin_review_interval_wd
    except simpy.Interrupt as stop:
        outcome = str(stop.cause)
        _end_cin(m, child, outcome)
        return outcome
    finally:
        child.escalation = None
