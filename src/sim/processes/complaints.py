"""Complaints: who complains, the procedures and their clocks, staff time, outcomes.

Failures raise a family's chance of complaining (DESIGN.md section 7): each missed visit,
missed timescale or change of worker may lead to a complaint, as may a non-resident
parent who is not invited to a conference; open cases also complain at a low base rate.
A child has at most one complaint open at a time.

Procedures (working-day clocks from ``complaints.*_wd``):

* statutory children's procedure (Regs2006): stage 1 due in 10 WD (20 if complex),
  stage 2 in 25 WD (65 if complex), stage 3 panel within 30 WD of the request, its report
  within 5 WD of the panel and the council's response within 15 WD of the report;
* corporate two-stage procedure (seed 004: 10 and 30 WD) for child protection matters -
  complaints about section 47 enquiries and conferences.

Each stage needs team-manager hours (taken before case reviews from the same weekly
budget, see management.py) and social-worker hours (priority work), and an elapsed time
of its own; it is late when the response comes after its deadline. After each response
the complainant may escalate (more likely after a late response); after the last local
stage they may go to the Ombudsman. Upheld stages agree actions on the case, which are
done as priority work when ``policy.track_complaint_actions`` is on, and otherwise only
now and then.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from sim import events as ev
from sim.entities import OPEN_STATES, Child

if TYPE_CHECKING:
    from sim.model import Model

STATUTORY = "statutory"
CORPORATE = "corporate"


@dataclass(eq=False)
class ManagerTask:
    """Manager hours a complaint stage needs; ``done`` fires when they are spent."""

    hours_left: float
    earliest_end_wd: int
    due_wd: int
    done: simpy.Event


@dataclass(eq=False)
class ComplaintAction:
    """An action agreed in a complaint (e.g. a risk assessment of a parent)."""

    due_wd: int
    hours: float
    recorded: bool = False


def stage_due_wd(
    m: Model, procedure: str, stage: int, request_day: float, complex_case: bool
) -> int:
    """Working-day index a stage's response (stage 3: the panel) is due by."""
    c = m.cfg.complaints
    if procedure == CORPORATE:
        limit = c.corporate_stage1_wd if stage == 1 else c.corporate_stage2_wd
    elif stage == 1:
        limit = c.stage1_max_wd if complex_case else c.stage1_due_wd
    elif stage == 2:
        limit = c.stage2_max_wd if complex_case else c.stage2_due_wd
    else:
        limit = c.stage3_panel_wd
    return m.cal.due_wd(request_day, limit)


def last_stage(procedure: str) -> int:
    """The last local stage of a procedure."""
    return 2 if procedure == CORPORATE else 3


def failure(
    m: Model, child: Child, prob: float, about: str = "case", complainant: str = "family"
) -> None:
    """A failure the family met: they may complain, with probability ``prob``.

    Complaints ``about`` a "conference" or an "s47" enquiry go to the corporate procedure.
    """
    if child.complaint_open or prob <= 0:
        return
    if m.streams.get("complaints").uniform() >= prob:
        return
    procedure = CORPORATE if about in ("conference", "s47") else STATUTORY
    child.complaint_open = True
    m.env.process(run(m, child, procedure, complainant))


def weekly_base_rate(m: Model, open_cases: list[Child]) -> None:
    """Complaints with no particular failure behind them, for a week of open cases.

    One binomial draw for the week picks how many cases complain, then which ones: the
    same as a Bernoulli draw per case, without a draw per case.
    """
    p = m.cfg.complaints.base_rate_per_case_year * 7.0 / 365.25
    if p <= 0 or not open_cases:
        return
    gen = m.streams.get("complaints_base").gen
    n = int(gen.binomial(len(open_cases), min(1.0, p)))
    for i in gen.choice(len(open_cases), size=n, replace=False) if n else ():
        failure(m, open_cases[int(i)], 1.0)


def _manager_team(m: Model, child: Child) -> int:
    worker = child.worker
    return worker.team if worker is not None else child.id % max(1, m.workforce.n_teams)


def _stage_work(
    m: Model, child: Child, manager_hours: float, worker_hours: float, min_wd: float, due_wd: int
):
    """Charge a stage's staff time and return the event that fires when it is done."""
    c = m.cfg.complaints
    stream = m.streams.get("complaints")
    if child.worker is not None and child.state in OPEN_STATES:
        child.worker.extra_hours_due += worker_hours
    earliest = m.now_wd() + round(stream.lognormal(min_wd, c.stage_time_sigma))
    task = ManagerTask(
        hours_left=manager_hours, earliest_end_wd=earliest, due_wd=due_wd, done=m.env.event()
    )
    if manager_hours <= 0:
        m.succeed_at_wd(task.done, earliest)
    else:
        m.complaint_tasks[_manager_team(m, child)].append(task)
    return task.done


def run(
    m: Model, child: Child, procedure: str, complainant: str
) -> Generator[simpy.Event, object, None]:
    """One complaint from receipt to the end of the local procedure or the Ombudsman."""
    c, events = m.cfg.complaints, m.events
    stream = m.streams.get("complaints")
    received = m.env.now
    complex_case = stream.uniform() < c.complex_prob
    events.emit(ev.ComplaintReceived(child.id, received, procedure, complainant))
    m.open_complaints[child.id] = received
    stage = 1
    request_day = received
    hours = {
        1: (c.stage1_manager_hours, c.stage1_worker_hours, c.stage1_min_wd),
        2: (c.stage2_manager_hours, c.stage2_worker_hours, c.stage2_min_wd),
        3: (c.stage3_manager_hours, c.stage3_worker_hours, c.stage3_min_wd),
    }
    try:
        while True:
            due = stage_due_wd(m, procedure, stage, request_day, complex_case)
            extended = complex_case and procedure == STATUTORY and stage < 3
            events.emit(
                ev.ComplaintStageRequested(
                    child.id, request_day, procedure, stage, m.cal.day_of_wd(due), extended
                )
            )
            manager_h, worker_h, min_wd = hours[stage]
            yield _stage_work(m, child, manager_h, worker_h, min_wd, due)
            done_wd = m.now_wd()
            on_time = done_wd <= due
            if procedure == STATUTORY and stage == 3:
                report_wd = done_wd + 1 + int(stream.exponential(2.5))
                response_wd = report_wd + 1 + int(stream.exponential(9.0))
                on_time = on_time and report_wd - done_wd <= c.stage3_report_wd
                on_time = on_time and response_wd - report_wd <= c.stage3_response_wd
                events.emit(ev.ReviewPanelHeld(child.id, m.env.now, done_wd > due))
                yield m.wait_until_wd(response_wd)
            upheld = stream.uniform() < c.upheld_prob
            events.emit(
                ev.ComplaintStageAnswered(
                    child.id, m.env.now, procedure, stage, request_day, on_time, upheld
                )
            )
            if upheld:
                _agree_actions(m, child)
            if stage == last_stage(procedure):
                if stream.uniform() < c.ombudsman_prob:
                    yield from _ombudsman(m, child)
                break
            escalate = c.escalate_1_2_prob if stage == 1 else c.escalate_2_3_prob
            if not on_time:
                escalate += c.late_escalation_boost
            if stream.uniform() >= escalate:
                break
            yield m.env.timeout(7.0 + 14.0 * stream.uniform())  # time to ask for the next stage
            stage += 1
            request_day = m.env.now
    finally:
        child.complaint_open = False
    del m.open_complaints[child.id]
    events.emit(ev.ComplaintClosed(child.id, m.env.now, received))


def _ombudsman(m: Model, child: Child) -> Generator[simpy.Event, object, None]:
    c = m.cfg.complaints
    stream = m.streams.get("complaints")
    referred = m.env.now
    yield m.env.timeout(stream.exponential(c.ombudsman_mean_days))
    upheld = stream.uniform() < c.ombudsman_upheld_prob
    remedy = stream.lognormal(c.remedy_median_gbp, c.remedy_sigma) if upheld else 0.0
    m.events.emit(ev.OmbudsmanDecided(child.id, m.env.now, referred, upheld, remedy))
    if upheld:
        _agree_actions(m, child)


def _agree_actions(m: Model, child: Child) -> None:
    """Actions agreed on an open case: a Poisson number with the configured mean."""
    if child.state not in OPEN_STATES:
        return
    c = m.cfg.complaints
    n = int(m.streams.get("complaints").gen.poisson(c.actions_per_upheld))
    for _ in range(n):
        child.complaint_actions.append(
            ComplaintAction(due_wd=m.now_wd() + c.action_due_wd, hours=c.action_hours)
        )


def drop_actions(m: Model, child: Child) -> None:
    """The case closed: actions not yet recorded count as not done on time."""
    for action in child.complaint_actions:
        if not action.recorded:
            m.events.emit(
                ev.ComplaintActionFellDue(child.id, m.cal.day_of_wd(action.due_wd), False)
            )
    child.complaint_actions.clear()
