"""Child and family assessment: due 45 working days after the referral.

An assessment is a stage of its own (:func:`run`) after a front-door decision, or the way
a section 47 enquiry is carried out (:func:`start_with_enquiry`, :func:`end_with_enquiry`)
for a child who comes to the strategy discussion without one in the same case.
"""

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
    child.assessed_referral_day = child.referral_day
    due_wd = m.cal.due_wd(child.referral_day, p.assessment_due_wd)
    m.workforce.request(child, Priority.ASSESSMENT)
    m.events.emit(
        ev.EpisodeStarted(
            child.id, "assessment", m.env.now, worker_id(child), due_day=m.cal.day_of_wd(due_wd)
        )
    )
    earliest = m.now_wd() + start_wd(m, child)
    earliest += round(child.rng.lognormal(p.assessment_min_wd_median, p.assessment_min_wd_sigma))
    yield m.start_work(child, "assessment", p.assessment_hours, earliest)
    if m.now_wd() > due_wd:
        complaints.failure(m, child, m.cfg.complaints.breach_prob)
    child.perceived_need = child.need
    child_seen(m, child, "assessment")
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


SEEN_STREAM = "seen_in_enquiry"
"""The named stream of whether an assessment or enquiry sees the child alone (its own, so
that drawing it moves no other result)."""


def child_seen(m: Model, child: Child, stage: str) -> None:
    """The assessment or section 47 enquiry (``stage``) sees the child now.

    The work is done and what it found becomes what is known (``perceived_need``): the
    model's assessment sees the child then. Whether the child is seen alone is drawn
    with ``pathway.enquiry_seen_alone_prob`` from its own stream; it changes nothing
    else in the run (it is a record for chronologies), and it is not a statutory visit.
    """
    alone = m.streams.get(SEEN_STREAM).uniform() < m.cfg.pathway.enquiry_seen_alone_prob
    m.events.emit(ev.ChildSeenInEnquiry(child.id, m.env.now, worker_id(child), stage, alone))


def start_wd(m: Model, child: Child) -> int:
    """Working days from the front-door decision until the assessment starts.

    The front door's rating sets it: red the same day, amber
    ``pathway.assessment_start_amber_wd``, green ``pathway.assessment_start_green_wd``.
    The elapsed time the assessment needs runs from its start, so a child rated green
    waits longer to be assessed and seen (seed 001).
    """
    p = m.cfg.pathway
    if child.rating == "green":
        return p.assessment_start_green_wd
    return p.assessment_start_amber_wd if child.rating == "amber" else 0


def start_with_enquiry(m: Model, child: Child) -> bool:
    """At the strategy discussion: start the assessment the section 47 enquiry is made through.

    Working Together 2023: a section 47 enquiry is carried out by undertaking or
    continuing a child and family assessment. A child not assessed yet in this case (sent
    to the strategy discussion by the front door) starts one now, due like every
    assessment ``pathway.assessment_due_wd`` working days after the referral. A child who
    came from an assessment, or from a plan (which followed one), is not assessed twice.
    The assessment has no hours of its own: the enquiry's (``pathway.s47_hours``) are the
    work of both. Returns whether an assessment started.
    """
    if child.assessed_referral_day == child.referral_day:
        return False
    child.assessed_referral_day = child.referral_day
    due_wd = m.cal.due_wd(child.referral_day, m.cfg.pathway.assessment_due_wd)
    m.events.emit(
        ev.EpisodeStarted(
            child.id, "assessment", m.env.now, worker_id(child), due_day=m.cal.day_of_wd(due_wd)
        )
    )
    return True


def end_with_enquiry(m: Model, child: Child, started: bool, s47_outcome: str) -> None:
    """The enquiry's work is done: the assessment it was made through (if ``started``) ends.

    Its outcome is the enquiry's, prefixed ``s47_`` (``s47_icpc``, ``s47_cin``,
    ``s47_close``), so that episodes.csv tells this cohort from assessments of their own.
    """
    if started:
        outcome = f"s47_{s47_outcome}"
        m.events.emit(ev.EpisodeEnded(child.id, "assessment", m.env.now, worker_id(child), outcome))
