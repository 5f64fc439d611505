"""Legal planning on a child protection plan: known high need that persists leads somewhere.

A legal planning meeting (LPM) is called when a review conference asks for one, or when
the service has known for ``pathway.legal_planning_after_weeks`` weeks running that a
child on a CPP is at high need (casework.py counts the weeks). The meeting, held
``legal_planning_delay_wd`` later, decides on what is known of the child (ranked as in
decisions.py): care proceedings at once (the child leaves the model), pre-proceedings
under the Public Law Outline, or no legal action. Pre-proceedings last
``pre_proceedings_wd``; if need is still known to be high then, care proceedings follow
with ``pre_proceedings_care_prob``, otherwise the case steps back to the plan alone. Every meeting and its outcome is
emitted, so known risk that is not acted on is on record (DESIGN.md section 11).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, State, worker_id
from sim.processes.decisions import accuracy_for, known_need_decision

if TYPE_CHECKING:
    from sim.model import Model

LPM_OUTCOMES = ("no_legal_action", "pre_proceedings", "care_proceedings")
"""Least to most serious."""


def start(m: Model, child: Child, reason: str) -> None:
    """Call a legal planning meeting for a child on a CPP (unless one is under way)."""
    if child.legal_stage is not None or child.state is not State.CPP:
        return
    child.legal_stage = "planning"
    worker = child.worker
    if worker is not None:
        worker.extra_hours_due += m.cfg.pathway.legal_planning_hours
    m.env.process(_legal_planning(m, child, child.plan_serial, reason))


def _legal_planning(
    m: Model, child: Child, serial: int, reason: str
) -> Generator[simpy.Event, object, None]:
    p = m.cfg.pathway
    yield m.wait_until_wd(m.now_wd() + p.legal_planning_delay_wd)
    if child.plan_serial != serial:
        return  # the plan ended before the meeting
    probs = (
        1.0 - p.legal_pre_proceedings_prob - p.legal_care_proceedings_prob,
        p.legal_pre_proceedings_prob,
    )
    accuracy = accuracy_for(m, child, p.legal_decision_accuracy)
    outcome = LPM_OUTCOMES[known_need_decision(child, m.ranker("legal"), probs, accuracy)]
    m.events.emit(ev.LegalPlanningMeeting(child.id, m.env.now, worker_id(child), reason, outcome))
    if outcome == "care_proceedings":
        m.end_plan(child, "care")
        return
    if outcome == "no_legal_action":
        _stand_down(child)
        return
    child.legal_stage = "pre_proceedings"
    yield m.wait_until_wd(m.now_wd() + p.pre_proceedings_wd)
    if child.plan_serial != serial:
        return
    to_court = (
        child.perceived_need >= m.cfg.need.high_threshold
        and child.rng.uniform() < p.pre_proceedings_care_prob
    )
    ended = "care_proceedings" if to_court else "stepped_back"
    m.events.emit(ev.PreProceedingsEnded(child.id, m.env.now, worker_id(child), ended))
    if to_court:
        m.end_plan(child, "care")
    else:
        _stand_down(child)


def _stand_down(child: Child) -> None:
    """Legal planning is over; a new run of known high need may call another meeting."""
    child.legal_stage = None
    child.known_high_weeks = 0
