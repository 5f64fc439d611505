"""Measures that cannot be gamed, and the seeds' mechanisms behind them (issue 15).

Drift as practitioners mean it (no progress, or known risk and no action), risk that
follows the child after closure, visits planned ahead (announced or not, the child seen
alone or not), plan work that needs a family who lets the worker in, and information
from outside the household. The paired checks run whole replications and are marked
``slow`` (still run in CI).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim import events as ev
from sim.analysis import paired_difference
from sim.casework import WeekAccounts
from sim.config import Config, validate
from sim.entities import Child, State
from sim.metrics import (
    CLOSED_FOLLOW_DAYS,
    HEADLINE_KPIS,
    KPIS,
    Recorder,
    Standards,
    WeekRecord,
    closed_high_days,
    closed_need_law,
    compute_kpis,
)
from sim.model import Model
from sim.need import detection_probability
from sim.processes.pathway import faded_need
from sim.rng import Streams
from sim.runner import run_one


# -- closed children's need ----------------------------------------------------------------
def test_closed_need_law_is_the_law_a_re_referral_draws_need_from(small_config):
    """The measure follows a closed child with the model's own law (pathway.faded_need)."""
    cfg = small_config()
    s = Standards.from_config(cfg)
    child = Child(0, Streams(1, 0).child_stream(0), need=1.4, baseline_need=0.2)
    child.underlying_need = 0.9
    for weeks in (0.5, 3.0, 13.0, 52.0):
        baseline, mean, spread = faded_need(cfg.need, child, weeks * 7.0)
        law_mean, law_spread = closed_need_law(
            s, np.array([weeks]), np.array([1.4]), np.array([0.2]), np.array([0.9])
        )
        assert law_mean[0] == pytest.approx(mean)
        assert law_spread[0] == pytest.approx(spread)


def _standards() -> Standards:
    """The default standards with the high-need threshold at 1."""
    return dataclasses.replace(Standards.from_config(validate(Config())), high_need=1.0)


def _weeks(n: int) -> list[WeekRecord]:
    return [WeekRecord(day=7 * i, stocks={}) for i in range(n)]


def test_closed_high_days_count_expected_days_for_twelve_months_at_most():
    """A family far above the threshold counts every day after closure, split by what the
    service knew, cut at a re-referral and at 12 months; one far below counts none."""
    s = _standards()
    weeks = _weeks(104)
    far_above = (10.0, 1e9, 9.0, 9.0, 9.0, False, False)
    unseen, known, plan = closed_high_days([far_above], weeks, s)
    assert unseen.sum() == pytest.approx(CLOSED_FOLLOW_DAYS)
    assert unseen[1] == pytest.approx(4.0)  # from day 10 to the end of the week
    assert known.sum() == plan.sum() == 0.0
    rereferred = (10.0, 100.0, 9.0, 9.0, 9.0, True, True)
    unseen, known, plan = closed_high_days([rereferred], weeks, s)
    assert unseen.sum() == 0.0
    assert known.sum() == pytest.approx(90.0)
    assert plan.sum() == pytest.approx(90.0)
    far_below = (10.0, 1e9, -9.0, -9.0, -9.0, False, False)
    assert closed_high_days([far_below], weeks, s)[0].sum() == pytest.approx(0.0, abs=1e-9)


def test_a_closed_child_at_the_threshold_counts_about_half_their_days():
    """Need settled exactly at the threshold is above it half the time (the noise is
    symmetric): over 52 weeks the expected days are 182.6 within 2% (only the first days
    after closure, with no spread yet, count 0 or 1)."""
    s = _standards()
    unseen, _, _ = closed_high_days([(0.0, 1e9, 1.0, 1.0, 1.0, False, False)], _weeks(60), s)
    assert unseen.sum() == pytest.approx(CLOSED_FOLLOW_DAYS / 2, rel=0.02)


# -- drift as practitioners mean it --------------------------------------------------------
def _recorder(cfg) -> Recorder:
    rec = Recorder(0.0, 10_000.0, Standards.from_config(cfg), lambda wd: wd, lambda a, b: 0)
    return rec


def _plan_child(state: State, need: float) -> Child:
    child = Child(1, Streams(1, 0).child_stream(1), need=need, baseline_need=need)
    child.state = state
    child.plan_start_wd = 0
    child.next_visit_due_wd = 10**6
    child.plan_serial = 1
    return child


def _run_weeks(rec: Recorder, child: Child, weeks: int, need_step: float = 0.0) -> dict:
    """Measure ``weeks`` weeks of one child visited every week (contact, no contact gap)."""
    for week in range(weeks):
        w0, w1 = 5 * week, 5 * week + 4
        rec._week_started(ev.WeekStarted(7 * week, {}))
        child.week_visit_wd = child.week_progress_wd = w0
        child.last_progress_wd = child.last_seen_wd = max(0, w0 - 5)
        rec.measure_week([child], w0, w1)
        child.need += need_step
    totals: dict[str, float] = {}
    for w in rec.weeks:
        for key, value in w.flows.items():
            totals[key] = totals.get(key, 0.0) + value
    return totals


def test_a_child_seen_every_week_whose_need_does_not_fall_is_in_drift(small_config):
    """Seed 001's child seen 60 times: no contact gap, but after the stated weeks every
    plan-day is drift; the same child with need falling is not in drift."""
    cfg = small_config()
    window = cfg.pathway.drift_no_progress_weeks
    rec = _recorder(cfg)
    totals = _run_weeks(rec, _plan_child(State.CPP, 0.5), 30)
    assert totals.get("contact_gap_days", 0) == 0
    assert totals["drift_days"] == 5 * (30 - window)
    falling = _run_weeks(_recorder(cfg), _plan_child(State.CPP, 0.5), 30, need_step=-0.05)
    assert falling.get("drift_days", 0) == 0


def test_known_high_need_on_a_cin_plan_with_no_escalation_is_drift(small_config):
    """A CiN child known to be at high need (seen need above the threshold) and not
    escalated: after ``known_risk_action_weeks`` weeks every plan-day is known risk with
    no action, even while need falls."""
    cfg = small_config()
    child = _plan_child(State.CIN, 3.0)
    child.perceived_need = 3.0
    totals = _run_weeks(_recorder(cfg), child, 10, need_step=-0.01)
    weeks_known = 10 - cfg.pathway.known_risk_action_weeks
    assert totals["known_risk_days"] == 5 * weeks_known
    assert totals["drift_days"] == 5 * weeks_known


# -- plan work, refused access and visits ----------------------------------------------------
def _week_of_need(small_config, plan_work: bool, disengaged: bool, visited: bool) -> float:
    """How far one week moves a child's baseline need (no noise, no reversion)."""
    cfg = small_config(scale=0.1)
    cfg = dataclasses.replace(
        cfg, need=dataclasses.replace(cfg.need, weekly_noise_sd=0.0, weekly_reversion=0.0)
    )
    m = Model(cfg)
    child = m.new_child()
    child.need = child.baseline_need = child.underlying_need = 0.0
    child.state = State.CLOSED
    child.week_plan_work = plan_work
    child.disengaged = disengaged
    child.week_progress_wd = 0 if visited or plan_work else None
    WeekAccounts(m, 0, 4).account([child])
    return child.baseline_need


def test_only_plan_work_with_a_family_that_lets_the_worker_in_lowers_need(small_config):
    """Seeds 001 and 002: a visit alone is contact, not change; plan work lowers need by
    ``need.progress_effect_per_week``, but not while the family refuses access."""
    effect = validate(small_config()).need.progress_effect_per_week
    assert _week_of_need(small_config, True, False, True) == pytest.approx(-effect)
    assert _week_of_need(small_config, False, False, True) == 0.0
    assert _week_of_need(small_config, True, True, True) == 0.0


def test_announced_visits_and_children_not_seen_alone_see_less(small_config):
    """Detection is highest on an unannounced visit that sees the child alone (DESIGN
    section 5: announced visits allow disguised compliance)."""
    m = Model(small_config(scale=0.1))
    n = m.cfg.need
    child = m.new_child()
    p = {
        (announced, alone): detection_probability(m, child, None, 0, announced, alone)
        for announced in (True, False)
        for alone in (True, False)
    }
    base = p[(False, True)]
    assert p[(True, True)] == pytest.approx(base * n.announced_detection_factor)
    assert p[(False, False)] == pytest.approx(base * n.not_alone_detection_factor)
    assert p[(True, False)] < min(p[(True, True)], p[(False, False)])


def _same_week_retries(small_config, lead_wd: int) -> int:
    """Visits made later in the same week as a no-access attempt on the same child."""
    cfg = small_config()
    cfg = dataclasses.replace(
        cfg,
        pathway=dataclasses.replace(
            cfg.pathway, disengage_prob_per_week=0.2, visit_lead_wd=lead_wd
        ),
    )
    run = run_one(validate(cfg), 0, case_log=True)
    week = run.model.cal.date_of
    retried = 0
    for entries in run.log.entries.values():
        for (day, event, *_), (later, next_event, _, detail) in zip(
            entries, entries[1:], strict=False
        ):
            same_week = week(int(day)).isocalendar()[:2] == week(int(later)).isocalendar()[:2]
            if event == "no_access" and next_event == "visit" and later > day and same_week:
                retried += 1
                assert detail.startswith("unannounced"), detail
    return retried


@pytest.mark.slow
def test_a_cpp_visit_with_no_access_is_tried_again_before_it_is_due(small_config):
    """Visits are booked ahead of their due day, so a door not opened leaves time to go
    back, unannounced, the same week; booked on the due day (``visit_lead_wd`` 0) there
    is no time and no second try."""
    assert _same_week_retries(small_config, 2) >= 5
    assert _same_week_retries(small_config, 0) == 0


# -- closing early never looks good ------------------------------------------------------------
def _paired(cfg_a, cfg_b, kpi: str, reps: int) -> tuple[float, float, float]:
    a = [compute_kpis(run_one(cfg_a, r).rec)[kpi] for r in range(reps)]
    b = [compute_kpis(run_one(cfg_b, r).rec)[kpi] for r in range(reps)]
    mean, low, high, _ = paired_difference(a, b, bounds=KPIS[kpi].bounds)
    return mean, low, high


@pytest.mark.slow
def test_closing_cases_early_makes_the_safety_measures_worse(small_config):
    """Issue 15's must-hold: with ``policy.close_only_when_need_low=false`` (plans close
    whatever the child's need) drift and unseen high-need days (closed children included)
    are worse than at baseline, the paired 95% interval of the difference above 0.

    Here (half-size authority, 4 pairs): drift +4.3 points [2.5, 6.0], unseen high-need
    days +11.4 a child [9.9, 12.9], known risk with no action +10.1 [8.3, 11.9]; the old
    contact-gap measure and open cases alone would call early closure better (-3.7
    points, -0.9 days)."""
    base = small_config(scale=0.5, years=3.0)
    early = dataclasses.replace(
        base, policy=dataclasses.replace(base.policy, close_only_when_need_low=False)
    )
    for kpi in ("drift_share", "unseen_risk_days_per_child", "known_risk_no_action_days"):
        mean, low, high = _paired(base, early, kpi, 4)
        assert low > 0, f"{kpi}: early closure minus baseline {mean:+.3f} [{low:+.3f}, {high:+.3f}]"


@pytest.mark.slow
def test_involving_the_non_resident_parent_lowers_unseen_high_need_days(small_config):
    """Seeds 000 and 002: a non-resident parent the service involves tells it more, so
    children at high need are seen sooner. With every child having such a parent
    (``complaints.non_resident_parent_prob`` 1), involving them all against none lowers
    unseen high-need days on open cases: the paired 95% interval is below 0 over 4
    replications (measured: -0.61 days a child [-1.05, -0.18]). At the default 40% of
    children with such a parent the effect is small: -0.18 days a child (sd 0.13) over 4
    replications of the default authority."""
    cfg = small_config(scale=0.5)
    cfg = dataclasses.replace(
        cfg, complaints=dataclasses.replace(cfg.complaints, non_resident_parent_prob=1.0)
    )
    none, all_ = (
        dataclasses.replace(
            cfg, policy=dataclasses.replace(cfg.policy, invite_non_resident_parent_prob=p)
        )
        for p in (0.0, 1.0)
    )
    mean, low, high = _paired(none, all_, "unseen_high_need_days_open", 4)
    assert high < 0, f"involved minus not: {mean:+.3f} [{low:+.3f}, {high:+.3f}]"


@pytest.mark.slow
def test_outside_information_is_recorded_whether_or_not_it_is_acted_on(small_config):
    """Seed 000: information received and not passed on is in the chronology too."""
    run = run_one(small_config(), 0, case_log=True)
    details = [
        detail
        for entries in run.log.entries.values()
        for _, event, _, detail in entries
        if event == "outside_information"
    ]
    assert any("not passed on" in d for d in details)
    assert any(d.endswith("looked at again") for d in details)
    assert any("non-resident parent" in d for d in details)
    assert 0.0 < compute_kpis(run.rec)["outside_information_acted_on"] < 1.0


@pytest.mark.slow
def test_every_headline_kpi_varies_between_replications(small_config):
    """A headline measure that never moves is a check, not a headline (issue 15). Three
    years, two measured: ``workers_per_child`` needs a year after a plan's start."""
    cfg = small_config(years=3.0)
    values = [compute_kpis(run_one(cfg, r).rec) for r in range(2)]
    for kpi in HEADLINE_KPIS:
        a, b = values[0][kpi], values[1][kpi]
        assert not math.isnan(a), kpi
        assert not math.isnan(b), kpi
        assert a != b, f"{kpi} is {a} in both replications"


# -- the other new measures, on hand-made weeks ------------------------------------------------
def _measure(rec: Recorder, children: list[Child], week: int) -> None:
    w0 = 5 * week
    rec._week_started(ev.WeekStarted(7 * week, {}))
    rec.measure_week(children, w0, w0 + 4)


def test_the_longest_gap_between_visits_runs_to_the_next_visit(small_config):
    """A CPP child last seen on working day 0 and not visited for four weeks: the gap at
    the last accounting runs to the week's end (working day 19); a visit on day 22 then
    closes it at 22, the plan's longest gap."""
    cfg = small_config()
    rec = _recorder(cfg)
    child = _plan_child(State.CPP, 0.0)
    child.last_seen_wd = 0
    for week in range(4):
        _measure(rec, [child], week)
    assert KPIS["cpp_longest_visit_gap_wd"].compute(rec) == 19
    child.week_visit_wd = 22
    _measure(rec, [child], 4)
    assert KPIS["cpp_longest_visit_gap_wd"].compute(rec) == 22


def test_later_core_groups_count_once_on_time_or_late(small_config):
    """A later core group held by its due day is on time; one whose due day passes
    unheld is late, recorded once however many weeks it stays overdue. The first core
    group is ``core_group_within_10wd``'s, not these."""
    cfg = small_config()
    rec = _recorder(cfg)
    held, missed, first = (_plan_child(State.CPP, 0.0) for _ in range(3))
    for child, identity in ((held, 1), (missed, 2), (first, 3)):
        child.id = identity
        child.core_group_due_wd = 3
    first.first_core_group_pending = True
    held.week_core_group_wd = 2
    _measure(rec, [held, missed, first], 0)
    _measure(rec, [missed], 1)
    assert rec.core_groups_due == [(3, True), (3, False)]
    assert KPIS["core_groups_on_time"].compute(rec) == 0.5


def test_plan_length_counts_plans_that_ended_in_the_window(small_config):
    rec = _recorder(small_config())
    rec.warmup_day = 100.0
    rec.episodes = [
        {"kind": "cpp", "start_day": 0.0, "end_day": 300.0},
        {"kind": "cpp", "start_day": 150.0, "end_day": 250.0},
        {"kind": "cpp", "start_day": 0.0, "end_day": 50.0},  # ended before the window
        {"kind": "cpp", "start_day": 200.0, "end_day": None},  # still open
        {"kind": "cin", "start_day": 0.0, "end_day": 400.0},
    ]
    assert KPIS["cpp_duration_mean_days"].compute(rec) == 200.0


def test_a_child_under_an_enquiry_is_known_not_unseen(small_config):
    """High need the service has not seen counts as unseen in an assessment, not under
    a section 47 enquiry or awaiting the ICPC (the child is known to be at risk)."""
    cfg = small_config()
    rec = _recorder(cfg)
    children = []
    for identity, state in enumerate((State.ASSESSMENT, State.SECTION_47, State.AWAITING_ICPC)):
        child = _plan_child(state, 3.0)
        child.id = identity
        children.append(child)
    _measure(rec, children, 0)
    assert rec.weeks[0].flows["unseen_high_days"] == 7


@pytest.mark.slow
def test_children_are_seen_alone_as_often_as_the_standard_says(small_config):
    """``visits_child_seen_alone`` follows ``pathway.seen_alone_prob``: within 3 points
    of 0.75 over a quarter-size authority's year (thousands of visits: the binomial sd is
    under 1 point); none at 0."""
    cfg = small_config()
    assert compute_kpis(run_one(cfg, 0).rec)["visits_child_seen_alone"] == pytest.approx(
        cfg.pathway.seen_alone_prob, abs=0.03
    )
    never = dataclasses.replace(cfg, pathway=dataclasses.replace(cfg.pathway, seen_alone_prob=0.0))
    assert compute_kpis(run_one(never, 0).rec)["visits_child_seen_alone"] == 0.0
