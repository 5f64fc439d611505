"""Child protection plans and child in need plans.

Visits, core groups and plan actions are done by the worker's weekly plan (casework);
these processes hold the plan's reviews and decide how it ends.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim.entities import Child, Priority, State
from sim.processes import conference

if TYPE_CHECKING:
    from sim.model import Model


ONGOING_TEXT = "plan already in place when the run starts"
CPP_END_TEXT = {
    "cin": "stepped down to a child in need plan",
    "care": "care proceedings",
    "close": "plan ended: case to close",
}


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


def _may_end(m: Model, child: Child) -> bool:
    """Whether a review may end the plan: not while need is seen to be high (policy)."""
    if not m.cfg.policy.close_only_when_need_low:
        return True
    return child.perceived_need < m.cfg.need.high_threshold


def cpp(
    m: Model, child: Child, first_review_day: int | None = None
) -> Generator[simpy.Event, object, str]:
    """Stage: a child protection plan with review conferences; returns the next stage.

    ``first_review_day`` overrides the first review's due day (pre-populated plans).
    """
    p = m.cfg.pathway
    ongoing = first_review_day is not None
    _start_plan(m, child, State.CPP, p.cpp_visit_interval_wd, ongoing)
    if ongoing:
        child.core_group_due_wd = (
            m.now_wd() + 1 + int(child.rng.uniform() * p.core_group_interval_wd)
        )
    else:
        child.core_group_due_wd = m.now_wd() + p.first_core_group_due_wd
    child.first_core_group_pending = not ongoing
    m.rec.on_episode_start(child.id, "cpp", m.env.now)
    m.log(child, "cpp_start", child.worker, ONGOING_TEXT if ongoing else "")
    m.workforce.request(child, Priority.CPP)
    due_day = (
        m.cal.add_months(m.env.now, p.first_rcpc_due_months)
        if first_review_day is None
        else first_review_day
    )
    end_prob = p.rcpc_first_end_prob if first_review_day is None else p.rcpc_later_end_prob
    while True:
        yield from conference.review(m, child, due_day)
        if _may_end(m, child) and child.rng.bernoulli(end_prob):
            break
        due_day = m.cal.add_months(m.env.now, p.rcpc_interval_months)
        end_prob = p.rcpc_later_end_prob
    child.core_group_due_wd = None
    choice = child.rng.choice((p.cpp_end_to_cin_prob, p.cpp_end_to_care_prob))
    outcome = ("cin", "care", "close")[choice]
    m.rec.on_episode_end(child.id, "cpp", m.env.now, outcome)
    m.log(child, "cpp_end", child.worker, CPP_END_TEXT[outcome])
    return outcome


def cin(
    m: Model, child: Child, first_review_day: int | None = None
) -> Generator[simpy.Event, object, str]:
    """Stage: a child in need plan with periodic reviews; returns the next stage.

    High need seen on a visit, or reported from outside and acted on, escalates the case
    to a strategy discussion (``child.escalation``, triggered by casework).
    ``first_review_day`` overrides the first review's day (pre-populated plans).
    """
    p = m.cfg.pathway
    _start_plan(m, child, State.CIN, p.cin_visit_interval_wd, first_review_day is not None)
    m.rec.on_episode_start(child.id, "cin", m.env.now)
    m.log(child, "cin_start", child.worker, ONGOING_TEXT if first_review_day is not None else "")
    m.workforce.request(child, Priority.CIN)
    child.escalation = m.env.event()
    try:
        next_review_wd = m.now_wd() + p.cin_review_interval_wd
        if first_review_day is not None:
            next_review_wd = m.cal.wd_on_or_after(first_review_day)
        while True:
            yield m.first_of(m.wait_until_wd(next_review_wd), child.escalation)
            if child.escalation.triggered:
                m.rec.on_episode_end(child.id, "cin", m.env.now, "escalated")
                m.log(child, "cin_end", child.worker, "escalated to a strategy discussion")
                return "strategy"
            child.week_progress_wd = m.now_wd()
            if _may_end(m, child) and child.rng.bernoulli(p.cin_review_close_prob):
                m.rec.on_episode_end(child.id, "cin", m.env.now, "closed")
                m.log(child, "cin_end", child.worker, "plan review: case to close")
                return "close"
            next_review_wd = m.now_wd() + p.cin_review_interval_wd
    finally:
        child.escalation = None
