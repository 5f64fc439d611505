"""Conferences booked as in practice (DESIGN.md section 11; processes/conference.py).

The ICPC is booked at the strategy discussion inside its 15-working-day window and waits
for the enquiry; reviews are booked for their due day, can be postponed (late) or held
without the worker's report, and can be brought forward.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
import simpy

from sim import events as ev
from sim import need
from sim.caselog import CaseLog
from sim.config import Config, validate
from sim.entities import Child, State, Worker
from sim.metrics import compute_kpis
from sim.model import Model
from sim.processes import conference, enquiry
from sim.processes.conference import ConferenceDiary
from sim.runner import run_one

RECORDS = (
    ev.ConferenceHeld,
    ev.ConferencePostponed,
    ev.ConferenceCancelled,
    ev.ConferenceWithoutReport,
    ev.ReviewBroughtForward,
)


@pytest.fixture
def quiet(small_config):
    """A small model's config where nothing falls through by chance (tests switch it on)."""
    cfg = small_config(scale=0.25, years=2.0, warmup=0.5)
    p = cfg.pathway
    p.strategy_delay_wd = 0
    p.s47_hours = 0.0  # the enquiry ends at its elapsed time, whoever holds the case
    p.s47_min_wd_median, p.s47_min_wd_sigma = 3.0, 0.0
    p.icpc_prep_wd = 2
    p.conference_unavailable_prob = 0.0
    p.report_late_prob = 0.0
    p.review_bring_forward_prob = 0.0
    return cfg


def _model(cfg: Config) -> tuple[Model, list[object], CaseLog]:
    m = Model(cfg, 0)
    seen: list[object] = []
    m.events.subscribe(dict.fromkeys(RECORDS, seen.append))
    return m, seen, CaseLog.attach(m)


def _of(seen: list[object], kind: type) -> list:
    return [r for r in seen if isinstance(r, kind)]


def _enquiry_then_icpc(m: Model, child: Child) -> Generator[simpy.Event, object, None]:
    if (yield from enquiry.run(m, child)) == "icpc":
        yield from conference.icpc(m, child)


def _start_enquiry(m: Model) -> Child:
    child = m.new_child()
    m.env.process(_enquiry_then_icpc(m, child))
    m.env.run(until=m.time_of_wd(m.now_wd()) + 0.01)  # the strategy discussion is over
    return child


def _on_cpp_with_review(m: Model, due_wd: int) -> Child:
    child = m.new_child()
    m.set_state(child, State.CPP)
    m.env.process(conference.review(m, child, m.cal.day_of_wd(due_wd), lambda: "continue"))
    m.env.run(until=m.env.now + 0.01)
    return child


# -- the chairs' diary ------------------------------------------------------------------
def test_diary_books_the_latest_free_day_by_a_target_else_the_first_after():
    diary = ConferenceDiary(slots_per_day=1)
    assert [diary.book_by(15, 11) for _ in range(5)] == [15, 14, 13, 12, 11]
    assert diary.book_by(15, 11) == 16, "the window is full: the first free day after it"
    diary.release(13)
    assert diary.book_by(15, 11) == 13


# -- the ICPC -------------------------------------------------------------------------------
def test_the_strategy_discussion_books_the_icpc_on_the_last_free_day_of_its_window(quiet):
    quiet.pathway.s47_icpc_prob, quiet.pathway.s47_cin_prob = 1.0, 0.0
    m, seen, _ = _model(quiet)
    strategy_wd = m.now_wd()
    due_wd = m.cal.due_wd(m.cal.day_of_wd(strategy_wd), quiet.pathway.icpc_due_wd)
    child = _start_enquiry(m)
    booking = child.conference
    assert booking is not None
    assert booking.kind == "icpc"
    assert booking.wd == due_wd == strategy_wd + 15, "booked when the enquiry starts"
    # the due day is now full: the next enquiry's ICPC goes to the day before
    for _ in range(m.chairs.slots_per_day - 1):
        m.chairs.take(due_wd)
    other = m.new_child()
    other.strategy_day = m.cal.day_of_wd(strategy_wd)
    conference.book_icpc(m, other)
    assert other.conference is not None
    assert other.conference.wd == due_wd - 1
    m.env.run(until=m.time_of_wd(due_wd) + 0.1)
    (held,) = [r for r in _of(seen, ev.ConferenceHeld) if r.child == child.id]
    assert held.on_time
    assert held.day == m.time_of_wd(due_wd)
    assert not _of(seen, ev.ConferencePostponed)


def test_a_full_window_books_the_icpc_after_it_and_it_is_late(quiet):
    quiet.pathway.s47_icpc_prob, quiet.pathway.s47_cin_prob = 1.0, 0.0
    m, seen, _ = _model(quiet)
    strategy_wd = m.now_wd()
    for wd in range(strategy_wd + 1, strategy_wd + 16):
        for _ in range(m.chairs.slots_per_day):
            m.chairs.take(wd)
    child = _start_enquiry(m)
    assert child.conference is not None
    assert child.conference.wd == strategy_wd + 16
    m.env.run(until=m.time_of_wd(strategy_wd + 17))
    (held,) = _of(seen, ev.ConferenceHeld)
    assert not held.on_time


def test_an_icpc_is_postponed_while_the_enquiry_is_not_done(quiet):
    p = quiet.pathway
    p.s47_icpc_prob, p.s47_cin_prob = 1.0, 0.0
    p.s47_min_wd_median = 22.0  # the enquiry runs past its 15-day window
    m, seen, log = _model(quiet)
    strategy_wd = m.now_wd()
    child = _start_enquiry(m)
    m.env.run(until=m.time_of_wd(strategy_wd + 40))
    postponed = _of(seen, ev.ConferencePostponed)
    assert [r.reason for r in postponed] == [conference.ENQUIRY_NOT_DONE] * 2
    # called off on the booked day, rebooked conference_rebook_wd working days on
    assert postponed[0].day == m.time_of_wd(strategy_wd + 15)
    assert postponed[0].new_day == m.cal.day_of_wd(strategy_wd + 15 + p.conference_rebook_wd)
    (held,) = _of(seen, ev.ConferenceHeld)
    # enquiry done on day 22, its report ready 2 days later: the booking on day 25 holds
    assert held.day == m.time_of_wd(strategy_wd + 25)
    assert not held.on_time
    assert child.conference is None
    entries = [e for e in log.entries[child.id] if e[1] == "conference_postponed"]
    assert len(entries) == 2
    assert "initial conference: section 47 enquiry not finished; rebooked for" in entries[0][3]


def test_a_report_not_ready_postpones_the_icpc_or_it_goes_ahead_without_it(quiet):
    p = quiet.pathway
    p.s47_icpc_prob, p.s47_cin_prob = 1.0, 0.0
    p.s47_min_wd_median = 14.0  # done the day before the conference: the report is not ready
    for without, expected in ((0.0, conference.REPORT_NOT_READY), (1.0, None)):
        p.conference_without_report_prob = without
        m, seen, log = _model(quiet)
        child = _start_enquiry(m)
        m.env.run(until=m.time_of_wd(m.now_wd() + 30))
        reasons = [r.reason for r in _of(seen, ev.ConferencePostponed)]
        (held,) = _of(seen, ev.ConferenceHeld)
        if expected is None:
            assert reasons == []
            assert held.on_time
            assert _of(seen, ev.ConferenceWithoutReport)
            (entry,) = [e for e in log.entries[child.id] if e[1] == "icpc"]
            assert "held without the social worker's report" in entry[3]
        else:
            assert reasons == [expected]
            assert not held.on_time
            assert not _of(seen, ev.ConferenceWithoutReport)


def test_an_enquiry_ending_without_a_conference_releases_the_slot(quiet):
    quiet.pathway.s47_icpc_prob = 0.0
    m, seen, _ = _model(quiet)
    child = _start_enquiry(m)
    booked_wd = child.conference.wd
    assert m.chairs.booked[booked_wd] == 1
    m.env.run(until=m.time_of_wd(booked_wd + 10))
    assert child.conference is None
    assert m.chairs.booked[booked_wd] == 0
    assert [type(r) for r in seen] == [ev.ConferenceCancelled]


# -- reviews ------------------------------------------------------------------------------
def test_a_review_is_booked_for_its_due_day_and_held_on_time(quiet):
    m, seen, _ = _model(quiet)
    due_wd = m.now_wd() + 60
    child = _on_cpp_with_review(m, due_wd)
    assert child.conference is not None
    assert child.conference.wd == due_wd
    m.env.run(until=m.time_of_wd(due_wd) + 0.1)
    (held,) = _of(seen, ev.ConferenceHeld)
    assert held.kind == "rcpc"
    assert held.on_time
    assert held.day == m.time_of_wd(due_wd)


def test_a_review_that_cannot_go_ahead_is_rebooked_later_and_is_late(quiet):
    m, seen, log = _model(quiet)
    due_wd = m.now_wd() + 60
    child = _on_cpp_with_review(m, due_wd)
    quiet.pathway.conference_unavailable_prob = 1.0
    m.env.run(until=m.time_of_wd(due_wd) + 0.1)
    quiet.pathway.conference_unavailable_prob = 0.0
    m.env.run(until=m.time_of_wd(due_wd + 20))
    (postponed,) = _of(seen, ev.ConferencePostponed)
    assert postponed.reason == conference.UNAVAILABLE
    rebooked_wd = due_wd + quiet.pathway.conference_rebook_wd
    (held,) = _of(seen, ev.ConferenceHeld)
    assert held.day == m.time_of_wd(rebooked_wd)
    assert not held.on_time
    assert m.chairs.booked[due_wd] == 0, "the day called off frees its slot"
    (entry,) = [e for e in log.entries[child.id] if e[1] == "conference_postponed"]
    assert entry[3].startswith("review conference: chair, family or professionals unavailable")


def test_a_review_no_longer_needed_is_cancelled_and_frees_its_slot(quiet):
    m, seen, _ = _model(quiet)
    due_wd = m.now_wd() + 30
    child = _on_cpp_with_review(m, due_wd)
    m.set_state(child, State.CLOSED)  # the plan ended between reviews
    m.env.run(until=m.time_of_wd(due_wd) + 0.1)
    assert [type(r) for r in seen] == [ev.ConferenceCancelled]
    assert child.conference is None
    assert m.chairs.booked[due_wd] == 0


def _worker(pressure: float) -> Worker:
    return Worker(id=0, cap=18, hours_per_week=37.0, pressure=pressure)


def test_a_report_is_late_more_often_under_pressure_and_for_a_worker_new_to_the_case(quiet):
    p = quiet.pathway
    p.report_late_prob, p.report_late_pressure_factor, p.report_late_new_worker_factor = (
        0.05,
        3.0,
        2.0,
    )
    m = Model(quiet, 0)
    child = m.new_child()
    settled_wd = 5 * quiet.need.new_worker_weeks
    child.worker_since_wd = 0
    late = [
        conference.report_late_probability(m, child, _worker(x), settled_wd)
        for x in (0.5, 1.0, 1.5, 2.0, 3.0)
    ]
    assert late == pytest.approx([0.05, 0.05, 0.1, 0.15, 0.15])
    new = conference.report_late_probability(m, child, _worker(1.5), settled_wd - 1)
    assert new == pytest.approx(0.2)
    assert conference.report_late_probability(m, child, None, settled_wd) == pytest.approx(0.1)
    p.report_late_prob = 0.9
    assert conference.report_late_probability(m, child, _worker(2.0), 0) == 1.0


def _weeks_later(m: Model, cfg: Config) -> int:
    """Move the clock past review_bring_forward_wd working days; return today's index."""
    m.env.run(until=m.time_of_wd(m.now_wd() + cfg.pathway.review_bring_forward_wd + 1))
    return m.now_wd()


def test_a_review_brought_forward_moves_to_the_first_free_slot(quiet):
    m, seen, log = _model(quiet)
    due_wd = m.now_wd() + 60
    child = _on_cpp_with_review(m, due_wd)
    now_wd = _weeks_later(m, quiet)
    for _ in range(m.chairs.slots_per_day):
        m.chairs.take(now_wd + 1)  # tomorrow is full
    assert conference.bring_forward_review(m, child, "test")
    assert child.conference is not None
    assert child.conference.wd == now_wd + 2
    assert m.chairs.booked[due_wd] == 0
    m.env.run(until=m.time_of_wd(due_wd) + 0.1)
    (moved,) = _of(seen, ev.ReviewBroughtForward)
    assert (moved.from_day, moved.to_day) == (m.cal.day_of_wd(due_wd), m.cal.day_of_wd(now_wd + 2))
    (held,) = _of(seen, ev.ConferenceHeld)
    assert held.day == m.time_of_wd(now_wd + 2)
    assert held.on_time
    assert any(e[1] == "conference_brought_forward" for e in log.entries[child.id])


def test_a_review_is_not_brought_forward_just_after_a_conference(quiet):
    m, _, _ = _model(quiet)
    child = _on_cpp_with_review(m, m.now_wd() + 60)  # booked at the conference just held
    assert not conference.bring_forward_review(m, child, "test")
    _weeks_later(m, quiet)
    assert conference.bring_forward_review(m, child, "test")


def test_a_review_is_not_brought_forward_without_a_free_slot_in_time(quiet):
    m, _, _ = _model(quiet)
    due_wd = m.now_wd() + 60
    child = _on_cpp_with_review(m, due_wd)
    now_wd = _weeks_later(m, quiet)
    for wd in range(now_wd + 1, now_wd + 1 + quiet.pathway.review_bring_forward_wd):
        for _ in range(m.chairs.slots_per_day):
            m.chairs.take(wd)
    assert not conference.bring_forward_review(m, child, "test")
    assert child.conference.wd == due_wd
    assert not conference.bring_forward_review(m, m.new_child(), "no review booked")


@pytest.mark.parametrize(("seen_before", "moved"), [(-1.0, True), (5.0, False)])
def test_high_need_newly_seen_on_a_plan_brings_the_review_forward(quiet, seen_before, moved):
    quiet.pathway.review_bring_forward_prob = 1.0
    m, seen, _ = _model(quiet)
    child = _on_cpp_with_review(m, m.now_wd() + 60)
    now_wd = _weeks_later(m, quiet)
    child.need, child.perceived_need = 5.0, seen_before
    need.see_need(m, child, now_wd + 2, 0.0)
    m.env.run(until=m.time_of_wd(now_wd + 3))
    assert bool(_of(seen, ev.ReviewBroughtForward)) is moved
    if moved:
        assert _of(seen, ev.ReviewBroughtForward)[0].reason == conference.HIGH_NEED_SEEN


@pytest.mark.slow
@pytest.mark.validation
def test_review_conferences_on_time_near_the_national_94_percent():
    """The default authority, two replications of a year's warm-up and two measured years.

    Each replication holds about 1,800 reviews in the window, so the pooled share's
    standard error is about half a point: the 5-point tolerance (the issue's) is ten of
    them. Without postponements every review is on time (100%).
    """
    cfg = Config()
    cfg.run.years, cfg.run.warmup_years = 3.0, 1.0
    cfg = validate(cfg)
    shares = [compute_kpis(run_one(cfg, r).rec)["rcpc_on_time"] for r in range(2)]
    assert sum(shares) / 2 == pytest.approx(0.94, abs=0.05)
