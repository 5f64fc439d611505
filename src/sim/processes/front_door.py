"""The front door (MASH): a priority rating on arrival, then decisions within 1 working day.

A referral is rated on arrival (red, amber or green) on what it shows of the child's
need: a noisy view (``pathway.screening_accuracy``, decisions.seen_score), so a child at
high need can be rated green (seed 001: serious concerns rated low priority). The rating
orders the queue (red first, then amber, then green, oldest first within each) and sets
how soon an assessment starts (assessment.py). The decision is made on the same view: a
referral that looks less serious is more often closed with no further action.

Each working day the screeners who are in decide as many referrals as their share of
``authority.mash_decisions_per_day`` allows; each of ``authority.mash_staff`` is away
with ``authority.mash_absence_share`` (named stream ``mash``), so on some days the
capacity binds and the green referrals wait.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child
from sim.processes.decisions import seen_score
from sim.rng import pick

if TYPE_CHECKING:
    from sim.model import Model
    from sim.rng import BufferedStream

DECISION_TIME_OF_DAY = 0.9
"""Front-door decisions are made at the end of each working day."""
RATINGS = ("green", "amber", "red")
"""Front-door priority ratings (RAG), least to most urgent."""
OUTCOMES = ("close", "assessment", "strategy")
"""Front-door decisions, least to most serious."""


class FrontDoor:
    """Referrals waiting for a decision, one queue per rating, and a daily capacity."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.queues: tuple[deque[tuple[Child, float]], ...] = tuple(deque() for _ in RATINGS)

    def receive(self, child: Child) -> None:
        """Rate a new referral on what it shows of the child's need, and queue it.

        The score is one draw from the child's stream; it is kept for the decision.
        """
        p = self.m.cfg.pathway
        score = seen_score(child, child.need, p.screening_accuracy)
        probs = (p.front_door_green_share, p.front_door_amber_share)
        rank = pick(score, probs)
        child.rating = RATINGS[rank]
        self.queues[rank].append((child, score))

    def capacity(self, stream: BufferedStream) -> float:
        """Decisions the screeners who are in today can make (one draw a working day)."""
        a = self.m.cfg.authority
        present = int(stream.gen.binomial(a.mash_staff, 1.0 - a.mash_absence_share))
        return a.mash_decisions_per_day * present / a.mash_staff

    def daily(self) -> Generator[simpy.Event, None, None]:
        """Each working day, decide on waiting referrals: most urgent rating first, then oldest."""
        m = self.m
        stream = m.streams.get("mash")
        for day in range(m.end_day):
            if not m.cal.is_working_day(day):
                continue
            yield m.env.timeout(day + DECISION_TIME_OF_DAY - m.env.now)
            allowance = self.capacity(stream)
            while allowance >= 1.0:
                queue = next((q for q in reversed(self.queues) if q), None)
                if queue is None:
                    break
                allowance -= 1.0
                child, score = queue.popleft()
                self._decide(child, score, day)

    def close(self) -> None:
        """The run is over: emit every referral still waiting, a censored wait."""
        m = self.m
        for queue in reversed(self.queues):
            for child, _ in queue:
                due_day = float(m.cal.day_of_wd(self._due_wd(child)))
                m.events.emit(
                    ev.FrontDoorStillWaiting(child.id, child.referral_day, due_day, child.rating)
                )

    def _due_wd(self, child: Child) -> int:
        return self.m.cal.due_wd(child.referral_day, self.m.cfg.pathway.front_door_due_wd)

    def _decide(self, child: Child, score: float, day: int) -> None:
        m, p = self.m, self.m.cfg.pathway
        on_time = m.cal.wd_on_or_after(day) <= self._due_wd(child)
        probs = (p.front_door_nfa_prob, 1.0 - p.front_door_nfa_prob - p.front_door_strategy_prob)
        outcome = OUTCOMES[pick(score, probs)]
        m.events.emit(
            ev.FrontDoorDecided(
                child.id, m.env.now, child.referral_day, on_time, outcome, child.rating, child.need
            )
        )
        assert child.decision is not None
        child.decision.succeed(outcome)


def await_decision(m: Model, child: Child) -> Generator[simpy.Event, str, str]:
    """Stage: be rated and wait in the front-door queue; returns the next stage."""
    child.decision = m.env.event()
    m.front_door.receive(child)
    outcome = yield child.decision
    child.decision = None
    return outcome
