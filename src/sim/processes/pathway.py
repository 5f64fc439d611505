"""One referral's way through the pathway: front door, then stage after stage to an exit."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, State
from sim.processes import assessment, complaints, conference, enquiry, exits, front_door, plans

if TYPE_CHECKING:
    from sim.config import NeedConfig
    from sim.model import Model

Stage = Callable[["Model", Child], Generator[simpy.Event, object, str]]

STAGES: dict[str, Stage] = {
    "assessment": assessment.run,
    "strategy": enquiry.run,
    "icpc": conference.icpc,
    "cpp": plans.cpp,
    "cin": plans.cin,
    "transfer_in": conference.transfer_in,
}


def episode(
    m: Model,
    child: Child,
    start: str | None = None,
    prepopulated: plans.Prepopulated | None = None,
) -> Generator[simpy.Event, object, None]:
    """Run one referral from the front door to closure or care.

    ``start`` and ``prepopulated`` put a child already on a plan straight into it (the
    pre-populated caseload on day 0); any other ``start`` names the first stage
    (``transfer_in``: a plan transferred in from another authority).
    """
    if start is None:
        stage = yield from front_door.await_decision(m, child)
    elif start in PLANS:
        stage = yield from PLANS[start](m, child, prepopulated)
    else:
        stage = start
    while stage in STAGES:
        if stage in PLANS and exits.is_adult(child, m.env.now):
            stage = "aged_out"  # 18 before the plan could start: the case closes instead
            break
        stage = yield from STAGES[stage](m, child)
    if stage == "care":
        exit_to_care(m, child)
    elif stage in exits.EXIT_OUTCOMES:
        leave(m, child)
    else:
        close(m, child)


PLANS = {"cpp": plans.cpp, "cin": plans.cin}
PLANNED = (ev.VisitMade, ev.VisitNoAccess, ev.CoreGroupHeld, ev.ManagerReviewed)
"""What a case that closes, or a child who comes into care, takes with it of the week's plan."""


def close(m: Model, child: Child) -> None:
    """Close the case; the family may be referred again later (unless it has moved away)."""
    moved = child.moved_day is not None
    leave(m, child, stays=not moved)
    if not moved:
        child.closed_day = m.env.now
        schedule_rereferral(m, child)


def leave(m: Model, child: Child, stays: bool = False) -> None:
    """Close the case; for good unless the family ``stays`` (moved away, or turned 18)."""
    stage = str(child.state)
    m.set_state(child, State.CLOSED)
    child.moved_day = None
    complaints.drop_actions(m, child)
    m.workforce.release(child)
    m.events.emit(
        ev.Closed(
            child.id,
            m.env.now,
            child.need,
            baseline_need=child.baseline_need,
            underlying_need=child.underlying_need,
            perceived_need=child.perceived_need,
            stays=stays,
            stage=stage,
        )
    )
    m.events.cancel_planned(child.id, PLANNED, m.env.now)


def exit_to_care(m: Model, child: Child) -> None:
    """Care proceedings: the child leaves the model."""
    m.set_state(child, State.CARE)
    child.moved_day = None
    m.events.emit(ev.CameIntoCare(child.id, m.env.now))
    m.events.cancel_planned(child.id, PLANNED, m.env.now)
    complaints.drop_actions(m, child)
    m.workforce.release(child)


def start_referral(m: Model, child: Child) -> None:
    """A referral for ``child`` arrives now and starts its way through the pathway."""
    now = m.env.now
    child.previous_referral_day = child.referral_day if child.referrals else None
    child.referral_day = now
    child.referrals += 1
    if child.closed_day is not None:
        need_after_closure(m, child, now - child.closed_day)
        child.closed_day = None
    if child.non_resident_parent and child.referrals > 1:
        # a new case: the service may involve the father this time, or not (model.new_child)
        child.parent_involved = child.rng.uniform() < m.cfg.policy.invite_non_resident_parent_prob
    m.events.emit(referred(child, now, child.previous_referral_day, child.referrals > 1))
    m.set_state(child, State.FRONT_DOOR)
    child.episode = m.env.process(episode(m, child))


def referred(
    child: Child, day: float, previous_day: float | None, repeat: bool, before_run: bool = False
) -> ev.Referred:
    """The record of a referral of ``child`` on ``day``, with what the service learns of the family."""
    return ev.Referred(
        child.id,
        day,
        previous_day,
        repeat,
        before_run=before_run,
        age_years=exits.age_years(child, day),
        non_resident_parent=child.non_resident_parent,
        parent_involved=child.parent_involved,
    )


def need_after_closure(m: Model, child: Child, days_closed: float) -> None:
    """Move need on over ``days_closed`` without the service (at a re-referral).

    While the case is closed nobody works with the family: what the service's work
    gained fades, and the baseline returns towards the family's underlying need with a
    time constant of ``need.closed_fade_weeks`` (:func:`faded_need`); need itself settles
    around the baseline with the spread the weekly noise keeps it at (one draw from the
    child's stream). Families that needed a plan carry a high underlying need, so a
    re-referral long after a plan finds that need again: the root of repeat plans.
    """
    n = m.cfg.need
    child.baseline_need, child.need, spread = faded_need(n, child, days_closed)
    child.need += spread * child.rng.normal()


def faded_need(n: NeedConfig, child: Child, days_closed: float) -> tuple[float, float, float]:
    """Baseline, expected need and the need's spread ``days_closed`` after a closure.

    The baseline moves ``1 - exp(-weeks / closed_fade_weeks)`` of the way up to the
    underlying need (never down: work done before is not undone below it); need relaxes
    to the baseline at ``weekly_reversion`` a week, and the weekly noise spreads it.
    """
    weeks = max(0.0, days_closed) / 7.0
    fade = 1.0 - math.exp(-weeks / n.closed_fade_weeks) if n.closed_fade_weeks > 0 else 1.0
    baseline = child.baseline_need
    if child.underlying_need > baseline:
        baseline += fade * (child.underlying_need - baseline)
    kept = (1.0 - n.weekly_reversion) ** weeks
    expected = baseline + kept * (child.need - baseline)
    keep_sq = (1.0 - n.weekly_reversion) ** 2
    spread = n.weekly_noise_sd * math.sqrt((1.0 - kept * kept) / max(1e-9, 1.0 - keep_sq))
    return baseline, expected, spread


def rereferral_chance(n: NeedConfig, need: float) -> float:
    """The chance that a case closed at ``need`` is ever referred again.

    ``rereferral_prob * exp(rereferral_need_slope * need)``, at most 1. The exponent is
    held below 700, where ``exp`` would overflow (need can drift far in a long run); the
    chance is 1 there anyway unless ``rereferral_prob`` is 0.
    """
    return min(1.0, n.rereferral_prob * math.exp(min(700.0, n.rereferral_need_slope * need)))


def schedule_rereferral(m: Model, child: Child) -> None:
    """After closure the child may be referred again: more likely when need is high.

    The chance of a re-referral is ``rereferral_prob * exp(rereferral_need_slope * need)``
    (at most 1), with ``need`` the need the family is expected to have
    ``rereferral_mean_days`` after the closure (:func:`faded_need`): a case closed while
    need is still high (seed 003), or a family whose underlying need the service's work
    only held down, comes back more often. The delay is exponential with mean
    ``rereferral_mean_days``.
    """
    n = m.cfg.need
    chance = rereferral_chance(n, faded_need(n, child, n.rereferral_mean_days)[1])
    if child.rng.uniform() >= chance:
        return
    delay = child.rng.exponential(n.rereferral_mean_days)
    if m.env.now + delay >= m.end_day:
        return
    m.env.timeout(delay).callbacks.append(rereferral(m, child))


def rereferral(m: Model, child: Child) -> Callable[[simpy.Event], None]:
    """A callback that refers ``child`` again if their case is still closed and they are under 18."""

    def rerefer(_event: simpy.Event) -> None:
        if child.state is State.CLOSED and not exits.is_adult(child, m.env.now):
            start_referral(m, child)

    return rerefer
