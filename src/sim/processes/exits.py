"""Exits between reviews: the family moving away, and the child turning 18.

Both are scheduled once, when a plan starts (:func:`plan_started`), as one-off timeouts
that act only if the same plan is still open then (``child.plan_serial``), so the weekly
accounting checks nothing.

**Moving away.** While a child is on a CPP or a CiN plan the family moves to another
authority's area with weekly chance ``pathway.move_prob_per_week`` (drawn once per plan
as an exponential time: the hazard is constant, so a plan that ends first simply cancels
it). From the move the case stays open here, but the child is no longer where the worker
visits: a visit finds nobody with chance ``pathway.moved_no_access_prob`` (visits.py;
seed 002: most visits after the move found nobody at home). The sending authority
notifies the new authority a lognormal number of working days after the move (median
``transfer_notify_median_wd``, log-sd ``transfer_notify_sigma``: most within weeks, a
long tail of more than a year as in seed 002). On that day the case transfers out: a
:class:`~sim.events.TransferredOut` record and the plan ends with outcome ``moved``
(pathway.py closes the case without a re-referral here). For a CPP the receiving
authority's transfer-in conference is due ``transfer_in_conference_due_wd`` working days
after the notification; the receiving authority is not modelled, so the record carries
the due day. In practice the sending authority keeps case responsibility until that
conference; the model ends its plan at the notification. If on the notification day the
case is open but between plans (a CiN plan escalated to a section 47 that has not ended:
seed 002's ICPC came after the move), the notification is tried again each week until a
plan is open or the case has closed.

**Turning 18.** Every child has an age: uniform from 0 to 18 at first referral
(:data:`AGE_AT_FIRST_REFERRAL_YEARS`), then ageing with the clock
(``child.adult_day``). A plan still open on the 18th birthday ends with outcome
``aged_out`` at the day's case events (the next working day if the birthday is not one)
and the case closes; a child of 18 or more is not referred again (pathway.rereferral).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import OPEN_STATES, PLAN_STATES, Child, worker_id
from sim.rng import Draws

if TYPE_CHECKING:
    from sim.model import Model

_Act = Callable[["Model", Child], None]
_Callback = Callable[[simpy.Event], None]

DAYS_PER_YEAR = 365.25
ADULT_YEARS = 18.0
AGE_AT_FIRST_REFERRAL_YEARS = (0.0, 18.0)
"""Age at first referral is uniform over this range (assumption: data/dfe gives no age
breakdown; the published children-in-need population is older on average, so this
understates the children who turn 18 on a plan, if anything)."""
RETRY_WD = 5
"""A transfer due while the case is between plans is tried again a week later."""
EXIT_OUTCOMES = ("moved", "aged_out")
"""Plan outcomes of this module: the case then closes here for good (pathway.leave)."""


def draw_age(m: Model, child: Child, rng: Draws) -> None:
    """Give ``child`` an age now, from the age at first referral: sets ``adult_day``."""
    lo, hi = AGE_AT_FIRST_REFERRAL_YEARS
    age_years = lo + (hi - lo) * rng.uniform()
    child.adult_day = float(int(m.env.now + (ADULT_YEARS - age_years) * DAYS_PER_YEAR))


def age_years(child: Child, day: float) -> float:
    """The child's age in years on ``day``."""
    return ADULT_YEARS - (child.adult_day - day) / DAYS_PER_YEAR


def is_adult(child: Child, day: float) -> bool:
    """Whether the child is 18 or more on ``day``."""
    return day >= child.adult_day


def plan_started(m: Model, child: Child) -> None:
    """A plan has started (``child.plan_serial`` is new): schedule its exits.

    The 18th birthday if it comes before the run ends; the family's move, unless the
    family has already moved (then a transfer already waits for this plan).
    """
    serial = child.plan_serial
    if child.adult_day < m.end_day:
        birthday_wd = m.cal.wd_on_or_after(max(child.adult_day, m.env.now))
        m.wait_until_wd(birthday_wd).callbacks.append(_on_plan(m, child, serial, _turn_18))
    if child.moved_day is not None:
        return
    hazard = m.cfg.pathway.move_prob_per_week
    if hazard <= 0.0:
        return
    weeks = child.rng.exponential(1.0 / hazard)
    if m.env.now + 7.0 * weeks < m.end_day:
        m.env.timeout(7.0 * weeks).callbacks.append(_on_plan(m, child, serial, _move))


def _on_plan(m: Model, child: Child, serial: int, act: _Act) -> _Callback:
    """A timeout callback doing ``act`` only if the plan ``serial`` is still open."""

    def fire(_event: simpy.Event) -> None:
        if child.plan_serial == serial and child.state in PLAN_STATES:
            act(m, child)

    return fire


def _turn_18(m: Model, child: Child) -> None:
    m.end_plan(child, "aged_out")


def _move(m: Model, child: Child) -> None:
    """The family moves away now; the new authority is told after a delay."""
    p = m.cfg.pathway
    child.moved_day = moved_day = m.env.now
    referral = child.referrals
    delay_wd = child.rng.lognormal(p.transfer_notify_median_wd, p.transfer_notify_sigma)

    def notify(_event: simpy.Event) -> None:
        if child.referrals != referral or child.moved_day != moved_day:
            return  # the case closed (and may have been referred again) before anyone told
        if child.state in PLAN_STATES:
            transfer_out(m, child)
        elif child.state in OPEN_STATES:  # between plans: try again in a week
            m.wait_until_wd(m.now_wd() + RETRY_WD).callbacks.append(notify)

    m.wait_until_wd(m.now_wd() + round(delay_wd)).callbacks.append(notify)


def transfer_out(m: Model, child: Child) -> None:
    """Notify the receiving authority now: the case transfers out and the plan ends."""
    p = m.cfg.pathway
    moved_day = child.moved_day
    assert moved_day is not None
    plan = child.state.value
    due_day: float | None = None
    if plan == "cpp":
        due_day = float(m.cal.day_of_wd(m.cal.due_wd(m.env.now, p.transfer_in_conference_due_wd)))
    on_time = m.now_wd() <= m.cal.due_wd(moved_day, p.transfer_notify_due_wd)
    m.events.emit(
        ev.TransferredOut(child.id, m.env.now, worker_id(child), plan, moved_day, on_time, due_day)
    )
    m.end_plan(child, "moved")
