"""Services a plan refers a family to: places, first-come-first-served waiting lists, courses.

Seed 003 (a joint inspection of Haringey, 2018): "There are not enough parenting
programmes or other interventions to support long-term change for children experiencing
neglect. Children who would benefit from counselling support have to wait too long for
this service." A plan's work with a family often rests on such a service; while the
family waits for it, the social worker's work on the plan achieves less.

When a CPP or CiN plan starts, the family is referred to a service with
``services.cpp_referral_prob`` or ``cin_referral_prob`` (one draw from the named stream
``services``, so the children's own streams, and everything drawn from them, are the
same whatever the services do): the parenting programme with ``parenting_share``,
counselling otherwise. Each service has a fixed number of places, scaled to the authority
(``*_places_per_1000_referrals`` x ``authority.referrals_per_year`` / 1,000, rounded). A
family takes a place at once when one is free, otherwise it joins the service's waiting
list, first come first served; it holds its place for the course's length
(``*_course_weeks``), then the place goes to the head of the list. When the plan ends the
family leaves the list or gives up its place; a family stepping down from a CPP straight
to a CiN plan keeps its referral (the same family, the same help), and the CiN plan then
makes no new one. Plans already open on day 0 (``run.prepopulate``) make no referral:
what help they had before the run is not known, and the lists fill within months of a
warm-up of two years.

Plan progress depends on it (need.py): while the family waits, a week of work on the plan
lowers the baseline need by ``waiting_progress_factor`` x ``need.progress_effect_per_week``;
while it attends, by ``attending_progress_factor`` x that effect; before a referral,
without one and after the course, by the effect itself. The calibrated effect was set
with no services, so it stands for a plan with the help it needs: with the default
factor of 1 for attending, a service with ample places changes nothing (no family
waits), and only a wait costs progress.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import events as ev
from sim.entities import Child

if TYPE_CHECKING:
    from sim.model import Model

SERVICES = ("parenting", "counselling")
"""The services, in the order of their config keys (``services.<name>_*``)."""

SERVICE_NAMES = {"parenting": "parenting programme", "counselling": "counselling"}
"""How a chronology names each service."""


@dataclass(slots=True, eq=False)
class Referral:
    """One family's referral to a service; ``start_day`` None while it waits."""

    child: Child
    service: Service
    referred_day: float
    start_day: float | None = None
    active: bool = True
    """False once it has ended (a course over, a plan ended): a list entry to skip."""


class Service:
    """One service: its places, the families holding them and its waiting list."""

    def __init__(self, name: str, places: int, course_days: float) -> None:
        self.name = name
        self.places = places
        self.course_days = course_days
        self.in_use = 0
        self.queue: deque[Referral] = deque()
        self.waiting = 0
        """Active referrals in ``queue`` (ended ones are skipped when they reach its head)."""


class Services:
    """Every service of one run, and which family holds which referral.

    Args:
        m: The model (its config, clock, event stream and the named stream ``services``).

    """

    def __init__(self, m: Model) -> None:
        self.m = m
        s = m.cfg.services
        size = m.cfg.authority.referrals_per_year / 1000.0
        self.services: dict[str, Service] = {}
        for name in SERVICES:
            rate = getattr(s, f"{name}_places_per_1000_referrals")
            places = max(1, round(rate * size)) if rate > 0 else 0
            weeks = getattr(s, f"{name}_course_weeks")
            self.services[name] = Service(name, places, 7.0 * weeks)
        self.referrals: dict[int, Referral] = {}  # child id -> their active referral

    def waiting(self) -> int:
        """Families on the waiting lists now."""
        return sum(service.waiting for service in self.services.values())

    def plan_started(self, child: Child, cpp: bool, ongoing: bool) -> None:
        """A CPP (``cpp``) or CiN plan starts: maybe refer the family to a service.

        No referral for a plan already open on day 0 (``ongoing``), nor for a family that
        still holds one (a step-down from a CPP).
        """
        if ongoing or child.id in self.referrals:
            return
        s = self.m.cfg.services
        stream = self.m.streams.get("services")
        if stream.uniform() >= (s.cpp_referral_prob if cpp else s.cin_referral_prob):
            return
        name = "parenting" if stream.uniform() < s.parenting_share else "counselling"
        self._refer(child, self.services[name])

    def plan_ended(self, child: Child, keep: bool = False) -> None:
        """The plan ended: the family leaves the list or its place.

        A CPP stepping down straight to a CiN plan (``keep``) keeps the referral.
        """
        if keep:
            return
        referral = self.referrals.get(child.id)
        if referral is not None:
            self._end(referral, "left_list" if referral.start_day is None else "left_course")

    def _refer(self, child: Child, service: Service) -> None:
        now = self.m.env.now
        referral = Referral(child, service, now)
        self.referrals[child.id] = referral
        waiting = service.in_use >= service.places
        self.m.events.emit(ev.ServiceReferred(child.id, now, service.name, waiting))
        if waiting:
            service.queue.append(referral)
            service.waiting += 1
            child.progress_factor = self.m.cfg.services.waiting_progress_factor
        else:
            self._start(referral)

    def _start(self, referral: Referral) -> None:
        """The family takes a place now; the course ends after its length."""
        service, child = referral.service, referral.child
        now = self.m.env.now
        referral.start_day = now
        service.in_use += 1
        child.progress_factor = self.m.cfg.services.attending_progress_factor
        self.m.events.emit(ev.ServiceStarted(child.id, now, service.name, referral.referred_day))

        def course_over(_event: object) -> None:
            if referral.active:
                self._end(referral, "completed")

        self.m.env.timeout(service.course_days).callbacks.append(course_over)

    def _end(self, referral: Referral, outcome: str) -> None:
        """The referral ends: a place held goes to the head of the list."""
        service, child = referral.service, referral.child
        referral.active = False
        del self.referrals[child.id]
        child.progress_factor = 1.0
        self.m.events.emit(
            ev.ServiceEnded(child.id, self.m.env.now, service.name, referral.referred_day, outcome)
        )
        if referral.start_day is None:
            service.waiting -= 1
            return
        service.in_use -= 1
        queue = service.queue
        while queue and service.in_use < service.places:
            head = queue.popleft()
            if head.active:
                service.waiting -= 1
                self._start(head)
