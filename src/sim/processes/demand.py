"""Referrals of new children with a weekday pattern, and the caseload already open on day 0.

Re-referrals after closure are scheduled where cases close (pathway.py).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import State
from sim.processes.pathway import episode, rereferral, rereferral_chance, start_referral

if TYPE_CHECKING:
    from sim.model import Model


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

    During a demand shock (``authority.demand_shock_*``) the rate is multiplied.
    """
    a = m.cfg.authority
    stream = m.streams.get("arrivals")
    rate = working_day_rate(m)
    weekend_rate = rate * a.weekend_referral_factor
    shock_start = round(a.demand_shock_start_years * 365.25)
    shock_end = shock_start + round(a.demand_shock_months * 365.25 / 12)
    for day in range(m.end_day):
        factor = a.demand_shock_factor if shock_start <= day < shock_end else 1.0
        n = int(stream.gen.poisson(factor * (rate if m.cal.is_working_day(day) else weekend_rate)))
        for t in sorted(day + stream.uniform() for _ in range(n)):
            yield m.env.timeout(t - m.env.now)
            start_referral(m, m.new_child())


INITIAL_NEED = {"cpp": (0.8, 0.8), "cin": (0.0, 0.8)}
"""Mean and sd of latent need of children already on a plan on day 0 (assumption)."""


def prepopulate(m: Model) -> None:
    """Put the authority's open plan caseload in place on day 0 (DESIGN.md section 2).

    Each child's plan starts on day 0 with its next review spread uniformly over one
    review cycle (for a CPP the six-monthly cycle of an ongoing plan), so plans end at a
    steady rate from the start; the referral that led to
    the plan is put uniformly in the year before. Episodes starting on day 0 are these
    children (their true start is before the run).
    """
    a, p = m.cfg.authority, m.cfg.pathway
    plans = [("cpp", a.initial_cpp_children), ("cin", a.initial_cin_children)]
    for stage, count in plans:
        for _ in range(count):
            child = m.new_child()
            mean, sd = INITIAL_NEED[stage]
            child.need = child.baseline_need = mean + child.rng.normal() * sd
            child.underlying_need = child.need
            child.perceived_need = child.need
            child.referral_day = -365.0 * child.rng.uniform()
            child.referrals = 1
            first_review: float
            if stage == "cpp":
                first_review = m.cal.add_months(0, p.rcpc_interval_months) * child.rng.uniform()
            else:
                first_review = float(
                    m.cal.day_of_wd(round(p.cin_review_interval_wd * child.rng.uniform()))
                )
            m.set_state(child, State.CPP if stage == "cpp" else State.CIN)
            m.events.emit(ev.Referred(child.id, child.referral_day, None, False, before_run=True))
            m.env.process(episode(m, child, start=stage, first_review_day=int(first_review)))


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
    the run (schedule_rereferral), and only those falling after day 0 are kept.
    """
    a, n = m.cfg.authority, m.cfg.need
    stream = m.streams.get("legacy_closures")
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
        m.set_state(child, State.CLOSED)
        m.events.emit(ev.Closed(child.id, closed_day, need, before_run=True))
        m.env.timeout(day).callbacks.append(rereferral(m, child))
