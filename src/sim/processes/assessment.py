"""Child and family assessment: due 45 working days after the referral."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, Priority, State, worker_id
from sim.processes import complaints
from sim.processes.decisions import ranked_decision

if TYPE_CHECKING:
    from sim.model import Model

OUTCOMES = ("close", "close", "cin", "strategy")
"""Least to most serious: not in need, in need but closed after help, CiN plan, strategy."""


def run(m: Model, child: Child) -> Generator[simpy.Event, object, str]:
    """Stage: assess the child; returns the next stage."""
    p = m.cfg.pathway
    m.set_state(child, State.ASSESSMENT)
    due_wd = m.cal.due_wd(child.referral_day, p.assessment_due_wd)
    m.workforce.request(child, Priority.ASSESSMENT)
    m.events.emit(
        ev.EpisodeStarted(
            child.id, "assessment", m.env.now, worker_id(child), due_day=m.cal.day_of_wd(due_wd)
        )
    )
    earliest = m.now_wd() + round(
        child.rng.lognormal(p.assessment_min_wd_median, p.assessment_min_wd_sigma)
    )
    yield m.start_work(child, "assessment", p.assessment_hours, earliest)
    if m.now_wd() > due_wd:
        complaints.failure(m, child, m.cfg.complaints.breach_prob)
    child.perceived_need = child.need
    not_in_need = p.assessment_not_in_need_prob
    closed_after_help = 1.0 - not_in_need - p.assessment_strategy_prob - p.assessment_cin_prob
    choice = ranked_decision(
        child,
        (not_in_need, closed_after_help, p.assessment_cin_prob),
        m.cfg.pathway.screening_accuracy,
    )
    outcome = ("not_in_need", "closed_after_help", "cin_plan", "strategy")[choice]
    m.events.emit(ev.EpisodeEnded(child.id, "assessment", m.env.now, worker_id(child), outcome))
    return OUTCOMES[choice]
