"""Team managers' oversight: four-weekly case reviews and the "not seen" list.

Each team manager has ``manager_review_hours_per_week`` for complaint work (first, as it
has deadlines; see processes/complaints.py) and case reviews, times the team's hours
factor this week (managers.py: less with an acting or stretched manager, none while the
post is vacant without cover, so reviews lapse and complaint stages wait). Every open
allocated case is due a review ``manager_review_interval_wd`` after the last one (seed
002: promised every four weeks, then lapsed). Each week the manager reviews the cases due
or overdue, earliest first, as far as the hours go; a review that does not fit is skipped
and recorded as late. A review that finds a contact gap (no contact for longer than
``pathway.drift_threshold_wd``) or an overdue visit makes the case a
priority for its worker that week: a CPP case's visit and actions before all other work,
a CiN case's straight after the statutory CPP visits and core groups (casework.py).

With ``policy.not_seen_list`` on, every CPP child not seen within the visit standard is
listed each week and escalated: their visit becomes a priority for their worker, or the
duty service visits when they have no worker or their worker is off (seed 002: the
council's later fix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim import events as ev
from sim.entities import State
from sim.timebudget import spend_hours
from sim.visits import duty_visit

if TYPE_CHECKING:
    from sim.model import Model


def not_seen_list(m: Model, w0: int, w1: int) -> None:
    """Follow up every CPP child whose visit is overdue (policy switch).

    The child's own worker makes the visit a priority this week; a child with no worker,
    or whose worker is off all week, is visited by the duty service on the first working
    day (seed 002: follow-up action where a child on a CPP was not seen in time).
    """
    if not m.cfg.policy.not_seen_list:
        return
    n_days = w1 - w0 + 1
    for child_id in m.by_state[State.CPP]:
        child = m.children[child_id]
        if child.next_visit_due_wd >= w0:
            continue
        worker = child.worker
        child.escalated_visit = True
        if worker is not None and worker.absent_days < n_days:
            child.priority_flag = True
        else:
            duty_visit(m, child, w0)


def manager_reviews(m: Model, w0: int, w1: int) -> None:
    """Each team manager reviews the cases due this week, as far as their hours go."""
    c, p = m.cfg.workforce, m.cfg.pathway
    n_days = w1 - w0 + 1
    budget = c.manager_review_hours_per_week * n_days / 5.0
    cost = c.manager_review_hours_per_case
    day_of_wd = m.cal.day_of_wd
    interval, drift_limit = c.manager_review_interval_wd, p.drift_threshold_wd
    cpp, cin = State.CPP, State.CIN
    for team_index, team in enumerate(m.workforce.members):
        team_budget = budget * m.managers.hours_factor(team_index)
        used = _complaint_work(m, m.complaint_tasks[team_index], team_budget, w0, w1)
        due = [
            (child.review_due_wd, child.id, child)
            for worker in team
            for child in worker.cases.values()
            if child.review_due_wd is not None and child.review_due_wd <= w1
        ]
        due.sort()  # earliest first, then by id (ids are unique: children never compared)
        for review_due, _, child in due:
            if used + cost <= team_budget:
                used += cost
                if not child.review_due_recorded:
                    # on time only if due this week; one overdue from a week when the case
                    # had no worker (so was not looked at) is late
                    on_time = review_due >= w0
                    due_day = day_of_wd(review_due)
                    m.events.emit(ev.ManagerReviewFellDue(child.id, due_day, on_time, team_index))
                wd = max(w0, min(review_due, w1))
                child.review_due_wd = wd + interval
                child.review_due_recorded = False
                on_plan = child.state is cpp or child.state is cin
                drifting = on_plan and wd - child.last_progress_wd > drift_limit
                visit_overdue = on_plan and child.next_visit_due_wd < wd
                if drifting or visit_overdue:
                    child.priority_flag = True
                if m.events.wants(ev.ManagerReviewed):
                    review = ev.ManagerReviewed(
                        child.id, day_of_wd(wd), team_index, drifting, visit_overdue
                    )
                    m.events.plan(review)
            elif not child.review_due_recorded:
                due_day = day_of_wd(review_due)
                m.events.emit(ev.ManagerReviewFellDue(child.id, due_day, False, team_index))
                child.review_due_recorded = True


def _complaint_work(m: Model, tasks: list, budget: float, w0: int, w1: int) -> float:
    """Spend the manager's hours on complaint stages first, earliest deadline first.

    Returns the hours used; whatever is left goes to case reviews.
    """
    used = 0.0
    tasks.sort(key=lambda t: t.due_wd)
    n_days = w1 - w0 + 1
    for task in list(tasks):
        if used >= budget:
            break
        used, task.hours_left, done_wd = spend_hours(budget, used, task.hours_left, w0, n_days)
        if done_wd is not None:
            tasks.remove(task)
            m.succeed_at_wd(task.done, max(done_wd, task.earliest_end_wd))
    return used
