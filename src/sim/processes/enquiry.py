"""Strategy discussion and section 47 enquiry; the ICPC falls due 15 WD after the strategy.

The strategy discussion books the ICPC in the chairs' diary (conference.book_icpc); an
enquiry that ends without a conference releases it (conference.after_enquiry).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, Priority, State, worker_id
from sim.processes import assessment, conference
from sim.processes.decisions import accuracy_for, history_weight, known_need_decision

if TYPE_CHECKING:
    from sim.model import Model

S47_OUTCOMES = ("close", "cin", "icpc")
"""Least to most serious; ranked on the need the enquiry found (decisions.py)."""


def run(m: Model, child: Child) -> Generator[simpy.Event, object, str]:
    """Stage: strategy discussion, then a section 47 enquiry; returns the next stage."""
    p = m.cfg.pathway
    m.set_state(child, State.SECTION_47)
    m.workforce.request(child, Priority.SECTION_47)
    yield m.wait_until_wd(m.now_wd() + p.strategy_delay_wd)
    child.strategy_day = m.env.now
    conference.book_icpc(m, child)
    icpc_due_wd = m.cal.due_wd(child.strategy_day, p.icpc_due_wd)
    m.events.emit(
        ev.EpisodeStarted(
            child.id, "s47", m.env.now, worker_id(child), due_day=m.cal.day_of_wd(icpc_due_wd)
        )
    )
    assessing = assessment.start_with_enquiry(m, child)
    earliest = m.now_wd() + round(child.rng.lognormal(p.s47_min_wd_median, p.s47_min_wd_sigma))
    yield m.start_work(child, "s47", p.s47_hours, earliest)
    child.perceived_need = child.need
    assessment.child_seen(m, child, "s47")
    probs = (1.0 - p.s47_icpc_prob - p.s47_cin_prob, p.s47_cin_prob)
    accuracy = accuracy_for(m, child, p.s47_decision_accuracy)
    history = history_weight(m, child)
    choice = known_need_decision(child, m.ranker("s47"), probs, accuracy, history)
    outcome = S47_OUTCOMES[choice]
    m.events.emit(ev.EpisodeEnded(child.id, "s47", m.env.now, worker_id(child), outcome))
    assessment.end_with_enquiry(m, child, assessing, outcome)
    return conference.after_enquiry(m, child, outcome)
