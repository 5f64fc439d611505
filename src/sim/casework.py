"""The working week: each worker's time budget, what fits, and what slips.

At the start of each week the workforce changes (absence, resignations, see workforce.py;
team managers who leave, managers.py), team managers review the cases due a four-weekly
review as far as their hours go (management.py), and then every
worker plans the week's casework in priority order (DESIGN.md section 6):

1. section 47 enquiries, conference reports, handovers and complaint work, and CPP cases
   a manager or the not-seen list flagged (visit and plan actions) - always done,
   overtime if need be;
2. CPP statutory visits and core groups due this week or overdue, earliest due first;
   then CiN cases a manager flagged (visit and plan actions);
3. assessment work;
4. CiN visits due this week or overdue;
5. plan actions, CPP cases before CiN cases.

Whatever does not fit in the week's hours slips: a slipped visit is a missed visit. A
week without visits, actions or meetings is a week without purposeful contact, which
raises the child's baseline need once it lasts longer than ``pathway.drift_threshold_wd``
(a contact gap). Only work on the plan itself (plan actions, a core group, a complaint
action) lowers need, and only while the family lets the worker in: a visit alone is
contact, not change (seeds 001 and 002). After planning, the recorder
measures every open case's week (visits due, unseen days, drift days, unseen risk; the
stream's week observer, metrics.py), then each case's records and its need move on; a
CPP case whose need has been known to be high for ``pathway.legal_planning_after_weeks``
weeks running is sent to a legal planning meeting (processes/legal.py).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim import management, need
from sim.entities import Child, State, Worker
from sim.processes import complaints, legal
from sim.timebudget import spend_hours
from sim.visits import plan_work, visit

if TYPE_CHECKING:
    from sim.model import Model


def weekly(m: Model) -> Generator[simpy.Event, None, None]:
    """Plan and account for every week, starting on the first Monday of the run."""
    day = (7 - m.cal.date_of(0).weekday()) % 7
    while day + 7 <= m.end_day:
        yield m.env.timeout(day - m.env.now)
        wds = m.cal.working_days_in(day, day + 7)
        if wds:
            plan_week(m, day, wds[0], wds[-1])
        day += 7


def plan_week(m: Model, day: int, w0: int, w1: int) -> None:
    """Plan the week of working days ``w0..w1`` (inclusive) starting on ``day``."""
    m.workforce.weekly_update(day)
    m.managers.weekly_update()
    m.events.emit(ev.WeekStarted(day, m.stocks()))
    if m.events.wants(ev.TeamWeek):
        for record in m.team_weeks(day):
            m.events.emit(record)
    n_days = w1 - w0 + 1
    management.not_seen_list(m, w0, w1)
    management.manager_reviews(m, w0, w1)
    for worker in m.workforce.workers:
        _plan_worker(m, worker, w0, w1, n_days)
    open_now = list(m.open_children.values())
    WeekAccounts(m, w0, w1).account(open_now)
    complaints.weekly_base_rate(m, open_now)


def _plan_worker(m: Model, worker: Worker, w0: int, w1: int, n_days: int) -> None:
    """Plan one worker's week in the priority order of the module docstring.

    The sort keys carry the child's id, so ties never compare children and the order
    does not depend on anything but due dates and ids.
    """
    p = m.cfg.pathway
    days_at_work = max(0, n_days - worker.absent_days)
    budget = worker.hours_per_week * days_at_work / 5.0
    must = worker.extra_hours_due
    worker.extra_hours_due = 0.0
    statutory: list[tuple[int, int, int, Child]] = []  # (due, 0 visit / 1 core group, id, child)
    assessments: list[Child] = []
    cin_visits: list[tuple[int, int, Child]] = []  # (due, id, child)
    cpp_actions: list[Child] = []
    cin_actions: list[Child] = []
    flagged: list[Child] = []
    with_actions: list[Child] = []
    cpp, cin = State.CPP, State.CIN
    for child in worker.cases.values():
        if child.complaint_actions:
            with_actions.append(child)
        work = child.work
        if work is not None and work.hours_left > 0:
            if work.kind == "s47":
                must += work.hours_left
                _finish_work(m, child, w0)
            else:
                assessments.append(child)
        booking = child.conference
        if booking is not None and w0 <= booking.wd <= w1:
            must += p.conference_report_hours
        state = child.state
        if state is cpp:
            visit_due = child.next_visit_due_wd <= w1
            if child.priority_flag:
                # A manager (or the not-seen list) made this CPP case a priority this week.
                child.priority_flag = False
                if visit_due:
                    must += p.cpp_visit_hours
                    visit(m, child, worker, child.next_visit_due_wd, w0, w1)
                    visit_due = False
                must += p.cpp_action_hours_per_week
                plan_work(child, w0)
            else:
                cpp_actions.append(child)
            if visit_due:
                statutory.append((child.next_visit_due_wd, 0, child.id, child))
            if child.core_group_due_wd is not None and child.core_group_due_wd <= w1:
                statutory.append((child.core_group_due_wd, 1, child.id, child))
        elif state is cin:
            if child.priority_flag:
                # A flagged CiN case comes straight after the CPP statutory work.
                child.priority_flag = False
                flagged.append(child)
                continue
            cin_actions.append(child)
            if child.next_visit_due_wd <= w1:
                cin_visits.append((child.next_visit_due_wd, child.id, child))

    used = must
    demand = must
    statutory.sort()
    for due, kind, _, child in statutory:
        hours = p.cpp_visit_hours if kind == 0 else p.core_group_hours
        demand += hours
        if used + hours <= budget:
            used += hours
            if kind == 0:
                tried_wd = visit(m, child, worker, due, w0, w1)
                last_wd = max(w0, min(due, w1))
                if tried_wd is not None and tried_wd < last_wd and used + hours <= budget:
                    # no access: the visit was booked early, so there is time to go back
                    # unannounced by the due day (DESIGN section 5; seed 004)
                    demand += hours
                    used += hours
                    visit(m, child, worker, last_wd, last_wd, last_wd, announced=False)
            else:
                wd = max(w0, min(due, w1))
                child.week_core_group_wd = wd
                plan_work(child, wd)
                if m.events.wants(ev.CoreGroupHeld):
                    m.events.plan(ev.CoreGroupHeld(child.id, m.cal.day_of_wd(wd), worker.id))
    for child in flagged:
        hours = p.cin_action_hours_per_week
        if child.next_visit_due_wd <= w1:
            hours += p.cin_visit_hours
        demand += hours
        if used + hours <= budget:
            used += hours
            if child.next_visit_due_wd <= w1:
                visit(m, child, worker, child.next_visit_due_wd, w0, w1)
            plan_work(child, w0)
        else:
            cin_actions.append(child)
            if child.next_visit_due_wd <= w1:
                cin_visits.append((child.next_visit_due_wd, child.id, child))
    for child in assessments:
        work = child.work
        assert work is not None
        # This week's share of the work: what is left, spread over the weeks to its end.
        demand += work.hours_left / max(1.0, (work.earliest_end_wd - w0) / 5.0)
        used, work.hours_left, finished_wd = spend_hours(budget, used, work.hours_left, w0, n_days)
        if finished_wd is not None:
            _finish_work(m, child, finished_wd)
    cin_visits.sort()
    hours = p.cin_visit_hours
    for due, _, child in cin_visits:
        demand += hours
        if used + hours <= budget:
            used += hours
            visit(m, child, worker, due, w0, w1)
    for actions, hours in (
        (cpp_actions, p.cpp_action_hours_per_week),
        (cin_actions, p.cin_action_hours_per_week),
    ):
        for child in actions:
            demand += hours
            if used + hours <= budget:
                used += hours
                # plan_work(child, w0) written out: the most frequent step of the plan
                if child.week_progress_wd is None or w0 < child.week_progress_wd:
                    child.week_progress_wd = w0
                child.week_plan_work = True
    if with_actions:
        used, demand = _complaint_actions(m, with_actions, w0, w1, budget, used, demand)
    full_budget = worker.hours_per_week * n_days / 5.0
    worker.pressure = demand / full_budget if full_budget > 0 else 0.0
    worker.last_overload = max(0.0, worker.pressure - 1.0) + max(
        0.0, len(worker.cases) / max(1, worker.full_cap) - 1.0
    )  # against their normal cap, not one lowered while they build up a caseload
    worker.weeks_observed += 1


def _complaint_actions(
    m: Model, with_actions: list[Child], w0: int, w1: int, budget: float, used: float, demand: float
) -> tuple[float, float]:
    """Actions agreed in complaints: priority work when tracked, hit and miss when not.

    Tracked (``policy.track_complaint_actions``): every action due by the end of the week
    is done, overtime if need be. Untracked: an action is done only in a week when the
    worker has time left after everything else *and* remembers it
    (``complaints.untracked_action_weekly_prob``).
    """
    tracked = m.cfg.policy.track_complaint_actions
    remember = m.cfg.complaints.untracked_action_weekly_prob
    stream = m.streams.get("complaint_actions")
    for child in with_actions:
        for action in list(child.complaint_actions):
            if tracked:
                if action.due_wd > w1:
                    continue
                demand += action.hours
                used += action.hours
            else:
                demand += action.hours
                if used + action.hours > budget or stream.uniform() >= remember:
                    continue
                used += action.hours
            done_wd = max(w0, min(action.due_wd, w1))
            if not action.recorded:
                on_time = done_wd <= action.due_wd
                m.events.emit(
                    ev.ComplaintActionFellDue(child.id, m.cal.day_of_wd(action.due_wd), on_time)
                )
            child.complaint_actions.remove(action)
            plan_work(child, done_wd)
    return used, demand


def _finish_work(m: Model, child: Child, wd: int) -> None:
    """The work item's hours are done on ``wd``; it ends then or at its earliest end."""
    work = child.work
    assert work is not None
    work.hours_left = 0.0
    work.finished_wd = max(wd, work.earliest_end_wd)
    m.succeed_at_wd(work.done, work.finished_wd)


class WeekAccounts:
    """The week's accounting of open cases: what fell due, and each case's records moved on.

    ``account`` lets the stream's week observers (the recorder) measure the cases' week
    first (visits that fell due, drift, unseen days), then moves each case's last-seen
    and last-progress days on, raises complaints about missed visits, and moves its need
    on. Config values are read once a week
    here rather than once per case: this is the model's hottest code.
    """

    def __init__(self, m: Model, w0: int, w1: int) -> None:
        self.m, self.w0, self.w1 = m, w0, w1
        self.need = need.WeeklyNeed(m)

    def account(self, children: list[Child]) -> None:
        """Account for the week of each of ``children`` (open cases) and move its need on."""
        m, w0, w1 = self.m, self.w0, self.w1
        events, p = m.events, m.cfg.pathway
        for observer in events.week_observers:
            observer.measure_week(children, w0, w1)
        high = m.cfg.need.high_threshold
        drift_limit = p.drift_threshold_wd
        legal_after = p.legal_planning_after_weeks
        cpp_interval, cin_interval = p.cpp_visit_interval_wd, p.cin_visit_interval_wd
        disengage, reengage = p.disengage_prob_per_week, p.reengage_prob_per_week
        missed_visit_prob = m.cfg.complaints.missed_visit_prob
        day_of_wd = m.cal.day_of_wd
        weekly_need = self.need
        cpp, cin = State.CPP, State.CIN
        for child in children:
            if child.need >= high and child.perceived_need < high:
                need.outside_alert(m, child, w0)
            progress_wd = child.week_progress_wd
            # plan work changes need only while the family lets the worker in (seed 002)
            worked = child.week_plan_work and not child.disengaged
            state = child.state
            drifting = False
            if state is cpp or state is cin:
                is_cpp = state is cpp
                interval = cpp_interval if is_cpp else cin_interval
                visit_wd = child.week_visit_wd
                due = child.next_visit_due_wd
                if not child.visit_due_recorded and due <= w1:
                    # a visit fell due (the recorder counted it, on time or not)
                    child.visit_due_recorded = True
                    if visit_wd is None or visit_wd > due:
                        complaints.failure(m, child, missed_visit_prob)
                if is_cpp:
                    if child.core_group_due_wd is not None:
                        _account_core_group(m, child, w1)
                    if child.perceived_need >= high:
                        child.known_high_weeks += 1
                        if child.known_high_weeks >= legal_after and child.legal_stage is None:
                            legal.start(m, child, "persistent_need")
                    else:
                        child.known_high_weeks = 0
                if visit_wd is not None:
                    child.last_seen_wd = visit_wd
                    child.next_visit_due_wd = visit_wd + interval
                    child.visit_due_recorded = False
                last_progress = child.last_progress_wd
                if progress_wd is not None and progress_wd > last_progress:
                    child.last_progress_wd = last_progress = progress_wd
                drifting = w1 - last_progress > drift_limit
                if child.rng.uniform() < (reengage if child.disengaged else disengage):
                    child.disengaged = not child.disengaged
            else:
                child.disengaged = False
            child.escalated_visit = False
            if child.complaint_actions:
                for action in child.complaint_actions:
                    if not action.recorded and action.due_wd <= w1:
                        events.emit(
                            ev.ComplaintActionFellDue(child.id, day_of_wd(action.due_wd), False)
                        )
                        action.recorded = True
            weekly_need.step(child, worked, drifting)
            child.week_visit_wd = child.week_progress_wd = child.week_core_group_wd = None
            child.week_plan_work = child.week_seen_alone = False


def _account_core_group(m: Model, child: Child, w1: int) -> None:
    held_wd = child.week_core_group_wd
    due = child.core_group_due_wd
    if due is None:
        return
    if child.first_core_group_pending and (held_wd is not None or due <= w1):
        held_day = None if held_wd is None else m.cal.day_of_wd(held_wd)
        m.events.emit(ev.FirstCoreGroupFellDue(child.id, m.cal.day_of_wd(due), held_day))
        child.first_core_group_pending = False
    if held_wd is not None:
        child.core_group_due_wd = held_wd + m.cfg.pathway.core_group_interval_wd
