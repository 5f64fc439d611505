"""Child protection plans and child in need plans.

Visits, core groups and plan actions are done by the worker's weekly plan (casework);
these processes hold the plan's reviews and decide how it ends.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, Priority, State, worker_id
from sim.processes import conference

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


def _end_cin(m: Model, child: Child, outcome: str) -> None:
    """The CiN plan ends: the week's planned visits and meetings go with it."""
    m.events.emit(ev.EpisodeEnded(child.id, "cin", m.env.now, worker_id(child), outcome))
    m.events.cancel_planned(child.id, (ev.VisitMade, ev.VisitNoAccess, ev.CoreGroupHeld), m.env.now)


def _may_end(m: Model, child: Child) -> bool:
    """Whether a review may end the plan: not while need is seen to be high (policy)."""
    if not m.cfg.policy.close_only_when_need_low:
        return True
    return child.perceived_need < m.cfg.need.high_threshold


def cpp(
    m: Model, child: Child, prepopulated: Prepopulated | None = None
) -> Generator[simpy.Event, object, str]:
    """Stage: a child protection plan with review conferences; returns the next stage.

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
    m.workforce.request(child, Priority.CPP)
    if prepopulated is None:
        due_day = m.cal.add_months(m.env.now, p.first_rcpc_due_months)
        end_prob = p.rcpc_first_end_prob
    else:
        due_day = prepopulated.next_review_day
        first = prepopulated.reviews_held == 0
        end_prob = p.rcpc_first_end_prob if first else p.rcpc_later_end_prob
    while True:
        yield from conference.review(m, child, due_day)
        if _may_end(m, child) and child.rng.bernoulli(end_prob):
            break
        due_day = m.cal.add_months(m.env.now, p.rcpc_interval_months)
        end_prob = p.rcpc_later_end_prob
    child.core_group_due_wd = None
    choice = child.rng.choice((p.cpp_end_to_cin_prob, p.cpp_end_to_care_prob))
    outcome = ("cin", "care", "close")[choice]
    m.events.emit(ev.EpisodeEnded(child.id, "cpp", m.env.now, worker_id(child), outcome))
    m.events.cancel_planned(child.id, (ev.CoreGroupHeld,), m.env.now)
    return outcome


def cin(
    m: Model, child: Child, prepopulated: Prepopulated | None = None
) -> Generator[simpy.Event, object, str]:
    """Stage: a child in need plan with periodic reviews; returns the next stage.

    High need seen on a visit, or reported from outside and acted on, escalates the case
    to a strategy discussion (``child.escalation``, triggered by casework).
    ``prepopulated`` puts in place a plan that started before day 0.
    """
    p = m.cfg.pathway
    ongoing = prepopulated is not None
    _start_plan(m, child, State.CIN, p.cin_visit_interval_wd, ongoing)
    start_day = m.env.now if prepopulated is None else prepopulated.start_day
    m.events.emit(
        ev.EpisodeStarted(child.id, "cin", start_day, worker_id(child), prepopulated=ongoing)
    )
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
            next_review_wd = m.now_wd() + p.cin_review_interval_wd
    finally:
        child.escalation = None
