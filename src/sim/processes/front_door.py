"""The front door (MASH): referral decisions within 1 working day, capacity permitting."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child
from sim.processes.decisions import ranked_decision

if TYPE_CHECKING:
    from sim.model import Model

DECISION_TIME_OF_DAY = 0.9
"""Front-door decisions are made at the end of each working day."""


class FrontDoor:
    """A queue of referrals and a daily decision capacity."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.queue: deque[Child] = deque()

    def daily(self) -> Generator[simpy.Event, None, None]:
        """Each working day, decide on the waiting referrals, oldest first."""
        m = self.m
        capacity = m.cfg.authority.mash_decisions_per_day
        allowance = 0.0
        for day in range(m.end_day):
            if not m.cal.is_working_day(day):
                continue
            yield m.env.timeout(day + DECISION_TIME_OF_DAY - m.env.now)
            allowance = min(allowance + capacity, capacity)
            while self.queue and allowance >= 1.0:
                allowance -= 1.0
                self._decide(self.queue.popleft(), day)

    def _decide(self, child: Child, day: int) -> None:
        m, p = self.m, self.m.cfg.pathway
        due_wd = m.cal.due_wd(child.referral_day, p.front_door_due_wd)
        on_time = m.cal.wd_on_or_after(day) <= due_wd
        choice = ranked_decision(
            child,
            (p.front_door_nfa_prob, 1.0 - p.front_door_nfa_prob - p.front_door_strategy_prob),
            p.screening_accuracy,
        )
        outcome = ("close", "assessment", "strategy")[choice]
        m.events.emit(
            ev.FrontDoorDecided(child.id, m.env.now, child.referral_day, on_time, outcome)
        )
        assert child.decision is not None
        child.decision.succeed(outcome)


def await_decision(m: Model, child: Child) -> Generator[simpy.Event, str, str]:
    """Stage: wait in the front-door queue; returns the next stage."""
    child.decision = m.env.event()
    m.front_door.queue.append(child)
    outcome = yield child.decision
    child.decision = None
    return outcome
