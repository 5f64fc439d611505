"""Latent need: how it moves week by week and when the service sees it (DESIGN.md s5).

Need is a score on a standard-normal scale at first referral; ``need.high_threshold``
marks risk of significant harm. Each week it is pulled towards the child's baseline with
noise; work on the plan (actions, core groups; not a visit alone, and not while the family
refuses access) lowers the baseline and a contact gap raises it, but only back up to the
family's underlying need (its level at first referral): a contact gap loses what work
gained, it does not make a family worse than it would be without the service. (Until
issue 15 a contact gap was called drift; ``drift_share`` now measures no progress.)

Why the rise is bounded (issue 13): when a week of drift raised the baseline by a fixed step
without limit, a drifting case became ever needier, so reviews could not end its plan
(``policy.close_only_when_need_low``), so caseloads grew and more cases drifted. Over an
11-year run the CPP stock climbed 16% and drift from 5% to 11% of plan days, with no level
in sight (experiments/steady_state.py). With drift bounded the loop has a level to settle
at (the same 11 years, with the pre-populated mix and pressure tolerance re-set to the new
steady state: within 4% and 1 point). Letting a closed family's need climb back
towards its underlying level before a re-referral was tried too: with decisions blind to
need it adds load without changing who gets a plan, and tipped the baseline into overload.
The service only knows
``perceived_need``, refreshed when an assessment or enquiry is done, when a visit detects
the current need, or when an alert from outside is acted on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sim import events as ev
from sim.entities import Child, State, Worker
from sim.processes import conference

if TYPE_CHECKING:
    from sim.model import Model


SQRT12: Final = 12.0**0.5


class WeeklyNeed:
    """The weekly need step, ``step(child, progressed, drifting)``, with this run's values.

    Work on the plan this week (``progressed``) lowers the child's baseline need (less
    while the family waits for a service it was referred to: ``child.progress_factor``,
    services.py) and a contact gap (``drifting``) raises it, up to the child's underlying
    need at most; need is pulled towards
    the baseline with noise. The weekly
    innovation is uniform with standard deviation ``weekly_noise_sd``, one draw from the
    child's own stream; summed over weeks it is close to normal. The parameters are read
    once here, not once per child and week: this runs for every open case every week.
    """

    def __init__(self, m: Model) -> None:
        n = m.cfg.need
        self.progress_effect: float = n.progress_effect_per_week
        self.drift_effect: float = n.drift_effect_per_week
        self.reversion: float = n.weekly_reversion
        self.noise_sd: float = n.weekly_noise_sd

    def step(self, child: Child, progressed: bool, drifting: bool) -> None:
        """Move ``child``'s need on by one week."""
        if progressed:
            child.baseline_need -= self.progress_effect * child.progress_factor
        if drifting and child.baseline_need < child.underlying_need:
            child.baseline_need = min(
                child.underlying_need, child.baseline_need + self.drift_effect
            )
        noise = (child.rng.uniform() - 0.5) * SQRT12 * self.noise_sd
        child.need += self.reversion * (child.baseline_need - child.need) + noise


def detection_probability(
    m: Model, child: Child, worker: Worker | None, wd: int, announced: bool, alone: bool
) -> float:
    """Chance that a visit on ``wd`` sees the child's current need.

    Lower for an announced visit (the family can prepare: disguised compliance, DESIGN
    section 5) and when the child is not seen alone, while the worker is new to the
    case and when the worker is under pressure; a duty visit (``worker`` None) is by
    someone new to the child.
    """
    n = m.cfg.need
    p = n.detection_prob
    if announced:
        p *= n.announced_detection_factor
    if not alone:
        p *= n.not_alone_detection_factor
    if worker is None:
        return p * n.new_worker_detection_factor
    if wd - child.worker_since_wd < 5 * n.new_worker_weeks:
        p *= n.new_worker_detection_factor
    overload = min(1.0, max(0.0, worker.pressure - 1.0))
    return p * (1.0 - (1.0 - n.pressure_detection_factor) * overload)


def visit(
    m: Model, child: Child, worker: Worker | None, wd: int, announced: bool, alone: bool
) -> None:
    """A visit on ``wd``: maybe see the need, and escalate a CiN case at high need."""
    if child.rng.uniform() < detection_probability(m, child, worker, wd, announced, alone):
        see_need(m, child, wd, m.cfg.need.escalation_prob)


def see_need(m: Model, child: Child, wd: int, escalation_prob: float) -> None:
    """The service learns the child's current need on ``wd``; a CiN case may escalate.

    High need newly seen on a CPP may bring the plan's review forward (conference).
    """
    newly_high = child.perceived_need < m.cfg.need.high_threshold <= child.need
    child.perceived_need = child.need
    if newly_high and child.state is State.CPP:
        conference.high_need_seen(m, child, wd)
    if child.state is State.CIN and child.need >= m.cfg.need.high_threshold:
        if child.rng.uniform() < escalation_prob:
            m.escalate_at(child, wd)


OUTSIDE_SOURCES = ("anonymous", "non_resident_parent")
"""Who outside the household may tell the service about a child (OutsideInformation)."""


def outside_alert(m: Model, child: Child, wd: int) -> None:
    """Someone outside the household may report a child whose high need is unseen.

    An anonymous caller (or a neighbour, another agency) with ``outside_alert_prob_per_week``;
    a non-resident parent with ``parent_alert_prob_per_week``, times
    ``uninvolved_parent_alert_factor`` when the service has not involved them (seed 000: a
    father not told and not met knows less and is heard less). Information is acted on
    with ``policy.act_on_outside_alerts_prob``: the service then sees the child's current
    need and a CiN case at high need is escalated. Either way it is recorded.
    """
    n = m.cfg.need
    if child.rng.uniform() < n.outside_alert_prob_per_week:
        _outside_information(m, child, wd, "anonymous")
    if child.non_resident_parent:
        p = n.parent_alert_prob_per_week
        if not child.parent_involved:
            p *= n.uninvolved_parent_alert_factor
        if child.rng.uniform() < p:
            _outside_information(m, child, wd, "non_resident_parent")


def _outside_information(m: Model, child: Child, wd: int, source: str) -> None:
    acted_on = child.rng.uniform() < m.cfg.policy.act_on_outside_alerts_prob
    m.events.emit(ev.OutsideInformation(child.id, float(m.cal.day_of_wd(wd)), source, acted_on))
    if acted_on:
        see_need(m, child, wd, 1.0)
