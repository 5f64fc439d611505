"""Referrals of new children with a weekday pattern, and the caseload already open on day 0.

Re-referrals after closure are scheduled where cases close (pathway.py).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Child, State
from sim.processes.pathway import (
    episode,
    referred,
    rereferral,
    rereferral_chance,
    start_referral,
)
from sim.processes.plans import Prepopulated

if TYPE_CHECKING:
    from sim.model import Model
    from sim.rng import ChildStream


def working_day_rate(m: Model) -> float:
    """New referrals per working day, so that the yearly total matches the config.

    Weekends and bank holidays get ``weekend_referral_factor`` of a working day's rate.
    """
    a = m.cfg.authority
    new_per_year = a.referrals_per_year * a.first_referral_share
    days = range(m.end_day)
    weighted = sum(1.0 if m.cal.is_working_day(d) else a.weekend_referral_factor for d in days)
    return new_per_year * (m.end_day / 365.25) / weighted


def arrivals(m: Model) -> Generator[simpy.Event, None, None]:
    """Referrals of children never referred before, a Poisson count each day.

    During a demand shock (``authority.demand_shock_*``) the rate is multiplied; each
    day's rate is also multiplied by a burst factor (:func:`burst_factors`).
    """
    a = m.cfg.authority
    stream = m.streams.get("arrivals")
    rate = working_day_rate(m)
    weekend_rate = rate * a.weekend_referral_factor
    shock_start = round(a.demand_shock_start_years * 365.25)
    shock_end = shock_start + round(a.demand_shock_months * 365.25 / 12)
    bursts = burst_factors(m)
    for day in range(m.end_day):
        factor = a.demand_shock_factor if shock_start <= day < shock_end else 1.0
        factor *= bursts[day]
        n = int(stream.gen.poisson(factor * (rate if m.cal.is_working_day(day) else weekend_rate)))
        for t in sorted(day + stream.uniform() for _ in range(n)):
            yield m.env.timeout(t - m.env.now)
            start_referral(m, m.new_child())


def burst_factors(m: Model) -> list[float]:
    """Each day's multiplier of the referral rate: referrals come in bursts.

    Gamma with mean 1 and coefficient of variation ``authority.referral_day_cv`` (named
    stream ``referral_bursts``; all 1 when it is 0): sibling groups referred together,
    an incident, a school's safeguarding lead catching up. The counts are then negative
    binomial, more spread than Poisson, so some days bring more than the front door
    can decide.
    """
    variance = m.cfg.authority.referral_day_cv**2
    if variance < MIN_BURST_VARIANCE:
        return [1.0] * m.end_day
    gen = m.streams.get("referral_bursts").gen
    return [float(x) for x in gen.gamma(1.0 / variance, variance, size=m.end_day)]


MIN_BURST_VARIANCE = 1e-12
"""Below this variance (a factor within about 1e-6 of 1) the rate is left as it is."""


INITIAL_NEED = {"cpp": (1.0, 0.55, 0.65), "cin": (0.25, 0.75, 0.4)}
"""Children already on a plan on day 0: mean and sd of baseline need, and how far work
has brought it below the underlying need. The model's own mix of open plans in its
steady state (experiments/initial_mix.py: years 5-10 of the default run, two
replications: CPP baseline 1.04, sd 0.56, underlying 0.65 higher; CiN 0.26, 0.76 and
0.39), rounded. A day-0 mix away from it is a start-up transient: with CiN need at 0 and
the underlying need at the day-0 need, plans closed faster in the first years and the
stocks climbed for three years."""
EARLIER_CPP_SHARE = {"cpp": 0.25, "cin": 0.18}
"""Children already on a plan on day 0 who have had a CPP before (for a CiN plan: any CPP,
a step-down included): the model's own steady state (experiments/initial_mix.py: 0.248
and 0.176), rounded."""
LEGACY_HISTORY = (0.13, 1.1, 0.13)
"""Families whose cases closed before day 0: the share whose child has had a CPP, and how
far their underlying need lies above the need at closure, with and without one. The
model's own closures in its steady state (experiments/initial_mix.py: 0.129, 1.10 and
0.13), rounded. Families that needed a plan carry a high underlying need, which comes
back after closure (pathway.need_after_closure): repeat plans need that history from
the start, or the share of repeat plans climbs for years."""
PREPLAN_DAYS = 90.0
"""The referral that led to a pre-populated plan is put uniformly in this many days before
the plan's start (assumption; the same as a legacy case's time to closure)."""


def earlier_cpps(child: Child, stage: str) -> int:
    """CPPs a pre-populated child had before the plan open on day 0 (0 or 1).

    With the model's own steady-state share (:data:`EARLIER_CPP_SHARE`). Only the most
    recent earlier plan is counted.
    """
    return int(child.rng.uniform() < EARLIER_CPP_SHARE[stage])


def _reviews_passed(rng: ChildStream, end_prob: float) -> int:
    """Reviews an open plan has passed: geometric, each ending it with ``end_prob``.

    Capped at ``MAX_REVIEWS`` (a plan no review can end would otherwise never have begun).
    """
    if end_prob >= 1.0:
        return 0
    if end_prob <= 0.0:
        return int(rng.uniform() * MAX_REVIEWS)
    passed = math.log1p(-rng.uniform()) / math.log1p(-end_prob)  # log1p: exact for tiny end_prob
    return int(min(float(MAX_REVIEWS), passed))


MAX_REVIEWS = 36
"""At most this many reviews passed before day 0 (18 years of six-monthly CPP reviews)."""


def elapsed_cpp(m: Model, child: Child) -> Prepopulated:
    """Back-dated start and next review of a CPP open on day 0.

    Drawn from the stationary age distribution of open plans that the review schedule
    implies: a plan is open at age ``a`` with probability proportional to its chance of
    lasting that long, 1 until the first review (``first_rcpc_due_months``), then
    ``(1 - rcpc_first_end_prob) x (1 - rcpc_later_end_prob)^k`` after ``k + 1`` reviews
    (every ``rcpc_interval_months``). So the plan is before its first review with
    probability ``first / (first + later x (1 - p_first) / p_later)``, and otherwise has
    passed ``1 + k`` reviews with ``k`` geometric; its next review is uniform over the
    cycle it is in, and its start that many months before the next review. Reviews kept
    open by high need (``policy.close_only_when_need_low``) are left out.
    """
    p, cal, rng = m.cfg.pathway, m.cal, child.rng
    first, later = p.first_rcpc_due_months, p.rcpc_interval_months
    p1, p2 = p.rcpc_first_end_prob, p.rcpc_later_end_prob
    later_weight = later * (1.0 - p1) / p2 if p2 > 0 else math.inf
    held = 0
    if rng.uniform() * (first + later_weight) >= first:
        held = 1 + _reviews_passed(rng, p2)
    cycle = first if held == 0 else later
    next_review = int(cal.add_months(0, cycle) * rng.uniform())
    start = cal.add_months(next_review, -(first + later * held))
    return Prepopulated(float(start), next_review, held)


def elapsed_cin(m: Model, child: Child) -> Prepopulated:
    """Back-dated start and next review of a CiN plan open on day 0.

    Reviews every ``cin_review_interval_wd`` close the plan with ``cin_review_close_prob``,
    so an open plan has passed a geometric number of reviews; its next review is uniform
    over the cycle it is in. Working days before day 0 are counted at five a week.
    Escalations and reviews kept open by high need are left out.
    """
    p, rng = m.cfg.pathway, child.rng
    held = _reviews_passed(rng, p.cin_review_close_prob)
    cycle_days = 7.0 / 5.0 * p.cin_review_interval_wd
    into_cycle = 1.0 - rng.uniform()  # in (0, 1]: the plan started before day 0
    start = -(held + into_cycle) * cycle_days
    return Prepopulated(start, round(start + (held + 1) * cycle_days), held)


def prepopulate(m: Model) -> None:
    """Put the authority's open plan caseload in place on day 0 (DESIGN.md section 2).

    Each plan has been open for a while: its start is back-dated and its next review set
    from the review schedule (:func:`elapsed_cpp`, :func:`elapsed_cin`), so plans end at
    a steady rate from the start and episodes.csv shows their whole length (flagged
    ``prepopulated``). The referral that led to the plan is put uniformly in the
    ``PREPLAN_DAYS`` before its start; earlier plans are drawn by :func:`earlier_cpps`.
    """
    a = m.cfg.authority
    plans = [("cpp", a.initial_cpp_children), ("cin", a.initial_cin_children)]
    for stage, count in plans:
        for _ in range(count):
            child = m.new_child()
            mean, sd, gained = INITIAL_NEED[stage]
            child.need = child.baseline_need = mean + child.rng.normal() * sd
            child.underlying_need = child.baseline_need + gained
            child.perceived_need = child.need
            history = elapsed_cpp(m, child) if stage == "cpp" else elapsed_cin(m, child)
            child.referral_day = history.start_day - PREPLAN_DAYS * child.rng.uniform()
            child.referrals = 1
            child.assessed_referral_day = child.referral_day  # the plan followed one
            child.cpp_plans = earlier_cpps(child, stage)
            m.set_state(child, State.CPP if stage == "cpp" else State.CIN)
            m.events.emit(referred(child, child.referral_day, None, False, before_run=True))
            child.episode = m.env.process(episode(m, child, start=stage, prepopulated=history))


LEGACY_YEARS = 3.0
"""How far back the pre-populated closures go (re-referrals older than this are negligible)."""
LEGACY_CASE_DAYS = 90.0
"""Assumed time from a legacy closure's referral to its closure."""


def prepopulate_closures(m: Model) -> None:
    """Families whose cases closed in the years before day 0 and may be referred again.

    Without them re-referrals would only start once the run has closed cases of its own
    and would take several generations (years) to reach their steady level. Closures
    before day 0 happen at the rate of referrals that are not to a plan, uniformly over
    ``LEGACY_YEARS``; each is re-referred with the same chance and delay as a closure in
    the run (schedule_rereferral), and only those falling after day 0 are kept. A kept
    family's case had a CPP, and its underlying need lies above its need at closure, as
    in the model's own steady state (:data:`LEGACY_HISTORY`), so its re-referral may find
    that need again and lead to a second plan.
    """
    a, n = m.cfg.authority, m.cfg.need
    stream = m.streams.get("legacy_closures")
    had_plan, gap_with, gap_without = LEGACY_HISTORY
    count = int(stream.gen.poisson(a.referrals_per_year * LEGACY_YEARS))
    for _ in range(count):
        closed_day = -LEGACY_YEARS * 365.25 * stream.uniform()
        need = stream.normal()
        chance = rereferral_chance(n, need)
        if stream.uniform() >= chance:
            continue
        day = closed_day + stream.exponential(n.rereferral_mean_days)
        if not 0.0 <= day < m.end_day:
            continue
        child = m.new_child()
        child.need = child.baseline_need = child.underlying_need = need
        child.referral_day = closed_day - LEGACY_CASE_DAYS
        child.referrals = 1
        child.cpp_plans = int(stream.uniform() < had_plan)
        child.underlying_need += gap_with if child.cpp_plans else gap_without
        child.closed_day = closed_day
        m.set_state(child, State.CLOSED)
        m.events.emit(
            ev.Closed(
                child.id,
                closed_day,
                need,
                before_run=True,
                baseline_need=child.baseline_need,
                underlying_need=child.underlying_need,
                perceived_need=child.perceived_need,
            )
        )
        m.env.timeout(day).callbacks.append(rereferral(m, child))
