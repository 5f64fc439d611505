"""Child protection conferences: chairs' diary, the ICPC, and review conferences."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, State, worker_id
from sim.processes import complaints
from sim.processes.decisions import accuracy_for, known_need_decision

if TYPE_CHECKING:
    from sim.model import Model

ICPC_OUTCOMES = ("close", "cin", "cpp")
"""Least to most serious; ranked on what is known of the child's need (decisions.py)."""


class ConferenceDiary:
    """The independent chairs' diary: a fixed number of conference slots per working day."""

    def __init__(self, slots_per_day: int) -> None:
        self.slots_per_day = slots_per_day
        self.booked: dict[int, int] = {}

    def book(self, earliest_wd: int) -> int:
        """Book the first working day on or after ``earliest_wd`` with a free slot."""
        wd = earliest_wd
        while self.booked.get(wd, 0) >= self.slots_per_day:
            wd += 1
        self.booked[wd] = self.booked.get(wd, 0) + 1
        return wd

    def release(self, wd: int) -> None:
        """Give back a slot booked on ``wd`` (a conference that will not be held)."""
        if self.booked.get(wd, 0) > 0:
            self.booked[wd] -= 1


def cancel_booking(m: Model, child: Child) -> None:
    """The child's booked conference will not be held: free the chair's slot."""
    if child.conference_wd is not None:
        m.chairs.release(child.conference_wd)
        child.conference_wd = None


def hold_conference(
    m: Model, child: Child, earliest_wd: int
) -> Generator[simpy.Event, object, int]:
    """Book a conference, wait for it, and return the working day it was held.

    The worker's report is charged in the week of the conference (see casework).
    """
    wd = m.chairs.book(earliest_wd)
    child.conference_wd = wd
    yield m.wait_until_wd(wd)
    child.conference_wd = None
    child.week_progress_wd = (
        wd if child.week_progress_wd is None else min(child.week_progress_wd, wd)
    )
    return wd


def icpc(m: Model, child: Child) -> Generator[simpy.Event, object, str]:
    """Stage: the initial child protection conference; returns the next stage."""
    p = m.cfg.pathway
    m.set_state(child, State.AWAITING_ICPC)
    due_wd = m.cal.due_wd(child.strategy_day, p.icpc_due_wd)
    held_wd = yield from hold_conference(m, child, m.now_wd() + p.icpc_prep_wd)
    _conference_failures(m, child, held_wd <= due_wd)
    probs = (1.0 - p.icpc_cpp_prob - p.icpc_cin_prob, p.icpc_cin_prob)
    accuracy = accuracy_for(m, child, p.icpc_decision_accuracy)
    outcome = ICPC_OUTCOMES[known_need_decision(child, m.ranker("icpc"), probs, accuracy)]
    on_time = held_wd <= due_wd
    m.events.emit(
        ev.ConferenceHeld(child.id, "icpc", m.env.now, worker_id(child), on_time, outcome)
    )
    return outcome


def review(
    m: Model, child: Child, due_day: int, decide: Callable[[], str]
) -> Generator[simpy.Event, object, str]:
    """A review conference due on ``due_day``: booked up to two weeks ahead of it.

    Returns the conference's decision, made by ``decide`` (plans.review_decision).
    """
    due_wd = m.cal.wd_on_or_after(due_day)
    held_wd = yield from hold_conference(m, child, max(m.now_wd() + 1, due_wd - 10))
    on_time = held_wd <= due_wd
    decision = decide()
    m.events.emit(
        ev.ConferenceHeld(child.id, "rcpc", m.env.now, worker_id(child), on_time, decision)
    )
    _conference_failures(m, child, held_wd <= due_wd)
    return decision


def _conference_failures(m: Model, child: Child, on_time: bool) -> None:
    """A late conference, or a non-resident parent left out of it, may bring a complaint."""
    c = m.cfg.complaints
    if not on_time:
        complaints.failure(m, child, c.breach_prob, about="conference")
    if (
        child.non_resident_parent
        and child.rng.uniform() >= m.cfg.policy.invite_non_resident_parent_prob
    ):
        complaints.failure(
            m, child, c.not_invited_prob, about="conference", complainant="non_resident_parent"
        )
