"""A statutory visit, made by the child's worker or by the duty service.

Shared by the weekly plan (casework.py) and the not-seen list (management.py). A visit is
planned on Monday for a day of the week, so its record is planned too
(``EventStream.plan``): it is emitted on that day unless the case closes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import events as ev
from sim import need
from sim.entities import Child, Worker

if TYPE_CHECKING:
    from sim.model import Model


def progress(child: Child, wd: int) -> None:
    """Purposeful contact on the case on ``wd`` (the week's earliest counts)."""
    if child.week_progress_wd is None or wd < child.week_progress_wd:
        child.week_progress_wd = wd


def plan_work(child: Child, wd: int) -> None:
    """Work on the plan itself on ``wd``: contact, and the week's need may fall (need.py)."""
    progress(child, wd)
    child.week_plan_work = True


def visit(m: Model, child: Child, worker: Worker | None, due: int, w0: int, w1: int) -> None:
    """Visit on the due day, or on Monday if overdue.

    A disengaged family may not let the worker in (an escalated visit much less often),
    and a family that has moved away is mostly not found (processes/exits.py); then the
    child is not seen and the visit stays due.
    """
    wd = max(w0, min(due, w1))
    worker_id = None if worker is None else worker.id
    if child.moved_day is not None and child.rng.uniform() < m.cfg.pathway.moved_no_access_prob:
        m.events.plan(ev.VisitNoAccess(child.id, m.cal.day_of_wd(wd), worker_id))
        return
    if child.disengaged:
        p = m.cfg.pathway.no_access_prob
        if child.escalated_visit:
            p *= m.cfg.policy.escalated_no_access_factor
        if child.rng.uniform() < p:
            m.events.plan(ev.VisitNoAccess(child.id, m.cal.day_of_wd(wd), worker_id))
            return
    child.week_visit_wd = wd
    if m.events.wants(ev.VisitMade):  # (a visit record is made only for a subscriber)
        m.events.plan(ev.VisitMade(child.id, m.cal.day_of_wd(wd), worker_id, child.escalated_visit))
    need.visit(m, child, worker, wd)
    progress(child, wd)


def duty_visit(m: Model, child: Child, wd: int) -> None:
    """A visit by the duty service (no allocated worker, or the worker is off)."""
    visit(m, child, None, wd, wd, wd)
