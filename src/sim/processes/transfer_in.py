"""Plans transferred in: children on another authority's CPP whose families move here.

Notifications arrive as a Poisson process at ``pathway.transfer_in_per_1000_referrals``
per 1,000 of the authority's referrals a year (so the rate scales with the authority).
Each child is new to this authority: an age and a latent need like a child already on a
CPP (demand.INITIAL_NEED), known to the service from the sending authority's records.
The notification is recorded (:class:`~sim.events.TransferredIn`), the case is allocated
(as a CPP case), a transfer-in conference is booked in the chairs' diary (conference.transfer_in), and a CPP starts
here. The national count of CPP starts includes these plans (FACTS.md CIN25: "some plans
start via transfer-in conferences"), so ``pathway.icpc_cpp_prob`` is set for the plans
that start at an ICPC only.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import Priority, State
from sim.processes.demand import INITIAL_NEED
from sim.processes.pathway import episode

if TYPE_CHECKING:
    from sim.model import Model

DAYS_PER_YEAR = 365.25


def rate_per_year(m: Model) -> float:
    """Transfer-in notifications a year for this authority."""
    per_1000 = m.cfg.pathway.transfer_in_per_1000_referrals
    return m.cfg.authority.referrals_per_year * per_1000 / 1000.0


def arrivals(m: Model) -> Generator[simpy.Event, None, None]:
    """Notifications of CPPs moving here, at exponential intervals (own stream)."""
    rate = rate_per_year(m)
    if rate <= 0.0:
        return
    stream = m.streams.get("transfers_in")
    while True:
        gap = stream.exponential(DAYS_PER_YEAR / rate)
        if m.env.now + gap >= m.end_day:
            return
        yield m.env.timeout(gap)
        arrive(m)


def arrive(m: Model) -> None:
    """A child on another authority's CPP has moved here: notified now."""
    p = m.cfg.pathway
    child = m.new_child()
    mean, sd, gained = INITIAL_NEED["cpp"]
    child.need = child.baseline_need = mean + child.rng.normal() * sd
    child.underlying_need = child.baseline_need + gained
    child.perceived_need = child.need
    child.referral_day = m.env.now
    child.referrals = 1
    due_wd = m.cal.due_wd(m.env.now, p.transfer_in_conference_due_wd)
    m.events.emit(ev.TransferredIn(child.id, m.env.now, float(m.cal.day_of_wd(due_wd))))
    m.set_state(child, State.AWAITING_ICPC)
    m.workforce.request(child, Priority.CPP)
    child.episode = m.env.process(episode(m, child, start="transfer_in"))
