"""A statutory visit, made by the child's worker or by the duty service.

Shared by the weekly plan (casework.py) and the not-seen list (management.py). A visit is
planned on Monday for a day of the week, so its record is planned too
(``EventStream.plan``): it is emitted on that day unless the case closes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import events as ev
from sim import need
from sim.entities import Child, State, Worker

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


def visit(
    m: Model,
    child: Child,
    worker: Worker | None,
    due: int,
    w0: int,
    w1: int,
    announced: bool | None = None,
) -> int | None:
    """A visit planned in the week ``w0..w1`` for a visit due on ``due``.

    Workers book a visit ahead of its due day, as they do to leave room for a second
    try: on a day drawn from the ``pathway.visit_lead_wd`` working days before it (not
    before Monday; on Monday if overdue). A CPP visit is unannounced with
    ``pathway.cpp_unannounced_share`` (``announced`` given: as given); the child is seen
    alone with ``pathway.seen_alone_prob``. A disengaged family may not let the worker
    in (an escalated visit much less often), and a family that has moved away is mostly
    not found (processes/exits.py); then the child is not seen and the visit stays due.

    Returns the day of an attempt that got no access (the caller may try again), or
    None when the child was seen.
    """
    p = m.cfg.pathway
    lead = p.visit_lead_wd
    if lead > 0 and due > w0:
        due -= int(child.rng.uniform() * (lead + 1))
    wd = max(w0, min(due, w1))
    worker_id = None if worker is None else worker.id
    if child.moved_day is not None and child.rng.uniform() < p.moved_no_access_prob:
        m.events.plan(ev.VisitNoAccess(child.id, m.cal.day_of_wd(wd), worker_id))
        return wd
    if child.disengaged:
        no_access = p.no_access_prob
        if child.escalated_visit:
            no_access *= m.cfg.policy.escalated_no_access_factor
        if child.rng.uniform() < no_access:
            m.events.plan(ev.VisitNoAccess(child.id, m.cal.day_of_wd(wd), worker_id))
            return wd
    if announced is None:
        announced = child.state is not State.CPP or child.rng.uniform() >= p.cpp_unannounced_share
    alone = child.rng.uniform() < p.seen_alone_prob
    child.week_visit_wd = wd
    child.week_seen_alone = child.week_seen_alone or alone
    if m.events.wants(ev.VisitMade):  # (a visit record is made only for a subscriber)
        m.events.plan(
            ev.VisitMade(
                child.id,
                m.cal.day_of_wd(wd),
                worker_id,
                child.escalated_visit,
                announced=announced,
                seen_alone=alone,
            )
        )
    need.visit(m, child, worker, wd, announced, alone)
    progress(child, wd)
    return None


def duty_visit(m: Model, child: Child, wd: int) -> None:
    """A visit by the duty service (no allocated worker, or the worker is off): unannounced."""
    visit(m, child, None, wd, wd, wd, announced=False)
