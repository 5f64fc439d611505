"""One worker's week, planned exactly: what is done, on which day, in which order, what slips.

In the manner of SimPy's own tests (tests/test_resources.py), which run tiny processes
with fixed durations and assert the exact (name, time) log: one social worker holds a
hand-made caseload with known due dates, nothing random decides anything, and the week's
plan (casework.plan_week) is checked against a plan worked out by hand from the priority
order of DESIGN.md section 6 and casework's docstring:

1. cases a manager flagged: a CPP case's visit and plan actions - always done;
2. CPP statutory visits and core groups, earliest due first; then a flagged CiN case;
3. assessment work;
4. CiN visits, earliest due first;
5. plan actions, CPP cases before CiN cases.

The week is Monday 3 to Friday 7 March 2025 (no bank holiday). The caseload
(``_caseload``), in the order the worker took the cases on:

    A  CPP   visit due Wed 5 Mar; no progress for 21 WD, so the manager's review on Monday
             flags it (visit and actions become priority work)
    B  CPP   first core group due Tue 4 Mar, visit due Thu 6 Mar
    C  CPP   visit overdue since Fri 28 Feb
    D  CiN   visit due Tue 4 Mar; no progress for 21 WD: flagged by the same review
    E  CiN   visit due Fri 7 Mar
    F  CiN   visit due Mon 3 Mar
    G  assessment with 6 hours of work left
    H  CPP   visit due next week: plan actions only
    I  CiN   visit due next week: plan actions only

The week's work in priority order, in hours (the defaults: CPP visit 2.5, core group 2.0,
CiN visit 2.0, plan actions 1.5 a week on a CPP case and 0.5 on a CiN case), with the
running total:

    A visit 2.5 + A actions 1.5          4.0   priority work
    C visit 2.5                          6.5   CPP statutory work, earliest due first
    B core group 2.0                     8.5
    B visit 2.5                         11.0
    D visit 2.0 + D actions 0.5         13.5   the flagged CiN case
    G assessment 6.0                    19.5   (takes whatever is left, up to 6 hours)
    F visit 2.0                         21.5   CiN visits, earliest due first
    E visit 2.0                         23.5
    B, C, H actions 1.5 each            28.0   plan actions, CPP first
    E, F, I actions 0.5 each            29.5

An item that does not fit is skipped and the next one is tried. A visit is made on its
due day, or on Monday when overdue (and then it is late). The plan takes its visits and
meetings up in priority order; the event stream delivers them as their days come, in plan
order within a day (``_by_day``), so the tests write each plan in priority order.
Each test gives the worker a different number of hours (3, 9, 16, 23 and 40): between
them, what is done and what slips tells apart any change of the priority order, even
without the order of the log. All that touches the model's internals is in the helpers
at the top of the file.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sim import casework
from sim import events as ev
from sim.config import Config, validate
from sim.entities import Child, State
from sim.metrics import Recorder
from sim.model import Model

MONDAY = date(2025, 3, 3)
"""The week planned: Monday 3 to Friday 7 March 2025."""
PLANNED = {
    ev.ManagerReviewed: "manager_review",
    ev.VisitMade: "visit",
    ev.VisitNoAccess: "no_access",
    ev.CoreGroupHeld: "core_group",
}
"""The records a week's plan makes, named as a chronology names them."""


class _Delivered(list):
    """The plan's records, ``(day, event, child)``, in the order the stream delivers them."""

    def handlers(self):
        return {
            t: (lambda r, name=name: self.append((r.day, name, r.child)))
            for t, name in PLANNED.items()
        }


def _by_day(plan: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The plan's events as they happen: by day, and in plan order within a day."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri")
    return sorted(plan, key=lambda e: days.index(e[0].split()[0]))


_OBSERVERS: dict[int, tuple[Recorder, _Delivered]] = {}
"""Each test model's recorder and delivered plan (a compiled Model takes no new attributes)."""


def _model(hours_per_week: float) -> Model:
    """One social worker with ``hours_per_week`` for casework; nothing random decides."""
    cfg = Config()
    cfg.run.start_date = "2025-01-06"  # a Monday; no bank holiday before the week
    cfg.run.years, cfg.run.warmup_years, cfg.run.prepopulate = 1.0, 0.0, False
    cfg.authority.social_workers = 1
    cfg.workforce.casework_hours_per_week = hours_per_week
    cfg.workforce.dynamics = False  # no absence, nobody leaves
    cfg.pathway.disengage_prob_per_week = 0.0  # every family lets the worker in
    cfg.pathway.visit_lead_wd = 0  # visits on their due day (booking ahead: test_measures)
    cfg.need.parent_alert_prob_per_week = 0.0
    cfg.need.weekly_noise_sd = 0.0
    cfg.need.outside_alert_prob_per_week = 0.0
    cfg.complaints.base_rate_per_case_year = 0.0
    cfg.complaints.missed_visit_prob = 0.0
    model = Model(validate(cfg), 0)
    delivered = _Delivered()
    _OBSERVERS[id(model)] = (Recorder.attach(model), delivered)
    model.events.subscribe(delivered.handlers())
    model.env.run(until=model.cal.day_of(MONDAY))
    return model


def _wd(model: Model, when: date) -> int:
    return model.cal.wd_on_or_after(model.cal.day_of(when))


def _caseload(model: Model) -> dict[str, Child]:
    """The caseload of the module docstring, held by the model's one worker."""
    w0 = _wd(model, MONDAY)
    cases: dict[str, Child] = {}

    def case(label: str, state: State, visit_due: date | None = None, **fields) -> Child:
        child = model.new_child()
        child.need = child.baseline_need = 0.0  # well below the high-need threshold
        model.set_state(child, state)
        model.workforce.request(child, priority=0)  # the one worker has room
        child.review_due_wd = None  # no manager review this week unless asked for
        if state in (State.CPP, State.CIN):
            child.plan_start_wd = w0 - 60
            child.last_progress_wd = w0 - 5
            child.next_visit_due_wd = w0 + 5 if visit_due is None else _wd(model, visit_due)
            child.last_seen_wd = child.next_visit_due_wd - 10
        for name, value in fields.items():
            setattr(child, name, value)
        cases[label] = child
        return child

    flagged = {"review_due_wd": w0, "last_progress_wd": w0 - 21}  # drifting: > 20 WD
    case("A", State.CPP, date(2025, 3, 5), **flagged)
    first_core_group = {
        "core_group_due_wd": _wd(model, date(2025, 3, 4)),
        "first_core_group_pending": True,
    }
    case("B", State.CPP, date(2025, 3, 6), **first_core_group)
    case("C", State.CPP, date(2025, 2, 28))
    case("D", State.CIN, date(2025, 3, 4), **flagged)
    case("E", State.CIN, date(2025, 3, 7))
    case("F", State.CIN, date(2025, 3, 3))
    model.start_work(case("G", State.ASSESSMENT), "assessment", 6.0, w0 + 10)
    case("H", State.CPP)
    case("I", State.CIN)
    return cases


class _Week(NamedTuple):
    """What a week's plan did, as the tests compare it."""

    planned: list[tuple[str, str, str]]
    """The plan's events, (day, event, case), as they happen: by day, in plan order within it."""
    visits_due: list[tuple[str, str, bool]]
    """The recorder's visits that fell due, (due day, cpp or cin, made on time)."""
    core_groups_due: list[tuple[str, bool]]
    """The recorder's first core groups that fell due, (due day, held on time)."""
    progress: dict[str, str]
    """First day of purposeful work (visit, meeting or plan actions) on each case that had any."""
    assessment_hours_left: float
    """G's hours still to do."""


def _plan_week(model: Model, cases: dict[str, Child]) -> _Week:
    """Plan and account for the week, and report what was done, when, and what slipped."""
    label = {child.id: name for name, child in cases.items()}
    rec, delivered = _OBSERVERS[id(model)]
    last_progress = {name: child.last_progress_wd for name, child in cases.items()}
    day = model.cal.day_of(MONDAY)
    wds = model.cal.working_days_in(day, day + 7)
    casework.plan_week(model, day, wds[0], wds[-1])
    model.events.close(day + 7)  # the week's planned records, released as their days come

    def when(day: float) -> str:
        d = model.cal.date_of(day)
        return f"{d:%a} {d.day} {d:%b}"

    work = cases["G"].work
    return _Week(
        planned=[(when(d), e, label[c]) for d, e, c in delivered],
        visits_due=[(when(d), kind, ok) for d, ok, kind in sorted(rec.visits_due)],
        core_groups_due=[(when(d), ok) for d, ok in rec.first_core_groups],
        progress={
            name: when(model.cal.day_of_wd(child.last_progress_wd))
            for name, child in cases.items()
            if child.last_progress_wd != last_progress[name]
        },
        assessment_hours_left=0.0 if work is None else work.hours_left,
    )


def test_an_over_full_week_drops_the_lowest_priorities():
    """23 hours (a full-time worker's casework hours) for 29.5 hours of work.

    Everything up to F's visit fits (21.5 h); E's visit would make 23.5 and slips; B's
    plan actions then fit exactly (23.0); nothing after them does.
    """
    model = _model(hours_per_week=23.0)
    week = _plan_week(model, _caseload(model))
    assert week.planned == _by_day(
        [
            ("Mon 3 Mar", "manager_review", "A"),  # the manager reviews first, flags A and D
            ("Mon 3 Mar", "manager_review", "D"),
            ("Wed 5 Mar", "visit", "A"),  # flagged: done as the plan meets the case
            ("Mon 3 Mar", "visit", "C"),  # overdue: on Monday
            ("Tue 4 Mar", "core_group", "B"),
            ("Thu 6 Mar", "visit", "B"),
            ("Tue 4 Mar", "visit", "D"),
            ("Mon 3 Mar", "visit", "F"),
        ]
    )
    assert week.visits_due == [
        ("Fri 28 Feb", "cpp", False),  # C: seen on Monday, late
        ("Mon 3 Mar", "cin", True),
        ("Tue 4 Mar", "cin", True),
        ("Wed 5 Mar", "cpp", True),
        ("Thu 6 Mar", "cpp", True),
        ("Fri 7 Mar", "cin", False),  # E: slipped
    ]
    assert week.core_groups_due == [("Tue 4 Mar", True)]
    # plan actions count from Monday; E, H and I had no purposeful work this week
    assert week.progress == {
        "A": "Mon 3 Mar",
        "B": "Mon 3 Mar",
        "C": "Mon 3 Mar",
        "D": "Mon 3 Mar",
        "F": "Mon 3 Mar",
    }
    assert week.assessment_hours_left == 0.0


def test_statutory_work_earliest_due_first_when_not_all_of_it_fits():
    """9 hours: C's overdue visit (6.5) and B's core group (8.5) fit, B's visit (11.0) not.

    The flagged CiN case (11.0) does not fit either; the assessment gets the last half hour.
    """
    model = _model(hours_per_week=9.0)
    week = _plan_week(model, _caseload(model))
    assert week.planned == _by_day(
        [
            ("Mon 3 Mar", "manager_review", "A"),
            ("Mon 3 Mar", "manager_review", "D"),
            ("Wed 5 Mar", "visit", "A"),
            ("Mon 3 Mar", "visit", "C"),
            ("Tue 4 Mar", "core_group", "B"),
        ]
    )
    assert week.visits_due == [
        ("Fri 28 Feb", "cpp", False),
        ("Mon 3 Mar", "cin", False),
        ("Tue 4 Mar", "cin", False),  # D: flagged, but after the CPP statutory work
        ("Wed 5 Mar", "cpp", True),
        ("Thu 6 Mar", "cpp", False),  # B: slipped, due after its core group and C's visit
        ("Fri 7 Mar", "cin", False),
    ]
    assert week.core_groups_due == [("Tue 4 Mar", True)]
    assert week.progress == {"A": "Mon 3 Mar", "B": "Tue 4 Mar", "C": "Mon 3 Mar"}
    assert week.assessment_hours_left == 5.5


def test_a_short_week_gives_the_assessment_what_is_left_and_no_more():
    """16 hours: the assessment gets the 2.5 hours left after the flagged CiN case.

    Both CiN visits slip, and so do all plan actions; B's first progress is its core group.
    """
    model = _model(hours_per_week=16.0)
    week = _plan_week(model, _caseload(model))
    assert week.planned == _by_day(
        [
            ("Mon 3 Mar", "manager_review", "A"),
            ("Mon 3 Mar", "manager_review", "D"),
            ("Wed 5 Mar", "visit", "A"),
            ("Mon 3 Mar", "visit", "C"),
            ("Tue 4 Mar", "core_group", "B"),
            ("Thu 6 Mar", "visit", "B"),
            ("Tue 4 Mar", "visit", "D"),
        ]
    )
    assert week.visits_due == [
        ("Fri 28 Feb", "cpp", False),
        ("Mon 3 Mar", "cin", False),  # F: slipped
        ("Tue 4 Mar", "cin", True),
        ("Wed 5 Mar", "cpp", True),
        ("Thu 6 Mar", "cpp", True),
        ("Fri 7 Mar", "cin", False),  # E: slipped
    ]
    assert week.core_groups_due == [("Tue 4 Mar", True)]
    assert week.progress == {"A": "Mon 3 Mar", "B": "Tue 4 Mar", "C": "Mon 3 Mar", "D": "Mon 3 Mar"}
    assert week.assessment_hours_left == 3.5


def test_priority_work_is_done_even_beyond_the_hours():
    """3 hours: A's flagged visit and actions (4 hours) are done anyway, nothing else is."""
    model = _model(hours_per_week=3.0)
    week = _plan_week(model, _caseload(model))
    assert week.planned == _by_day(
        [
            ("Mon 3 Mar", "manager_review", "A"),
            ("Mon 3 Mar", "manager_review", "D"),
            ("Wed 5 Mar", "visit", "A"),
        ]
    )
    assert week.visits_due == [
        ("Fri 28 Feb", "cpp", False),
        ("Mon 3 Mar", "cin", False),
        ("Tue 4 Mar", "cin", False),  # D: flagged, but CiN work waits for the hours
        ("Wed 5 Mar", "cpp", True),
        ("Thu 6 Mar", "cpp", False),
        ("Fri 7 Mar", "cin", False),
    ]
    assert week.core_groups_due == [("Tue 4 Mar", False)]
    assert week.progress == {"A": "Mon 3 Mar"}
    assert week.assessment_hours_left == 6.0


def test_a_week_with_time_for_everything():
    """40 hours for 29.5 hours of work: every visit on its due day, C's on Monday."""
    model = _model(hours_per_week=40.0)
    week = _plan_week(model, _caseload(model))
    assert week.planned == _by_day(
        [
            ("Mon 3 Mar", "manager_review", "A"),
            ("Mon 3 Mar", "manager_review", "D"),
            ("Wed 5 Mar", "visit", "A"),
            ("Mon 3 Mar", "visit", "C"),
            ("Tue 4 Mar", "core_group", "B"),
            ("Thu 6 Mar", "visit", "B"),
            ("Tue 4 Mar", "visit", "D"),
            ("Mon 3 Mar", "visit", "F"),
            ("Fri 7 Mar", "visit", "E"),
        ]
    )
    assert week.visits_due == [
        ("Fri 28 Feb", "cpp", False),  # overdue before the week began
        ("Mon 3 Mar", "cin", True),
        ("Tue 4 Mar", "cin", True),
        ("Wed 5 Mar", "cpp", True),
        ("Thu 6 Mar", "cpp", True),
        ("Fri 7 Mar", "cin", True),
    ]
    assert week.core_groups_due == [("Tue 4 Mar", True)]
    assert week.progress == {name: "Mon 3 Mar" for name in "ABCDEFHI"}
    assert week.assessment_hours_left == 0.0
