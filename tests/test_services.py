"""Services with places and waiting lists, on which plan progress depends (seed 003, issue 15)."""

from __future__ import annotations

import statistics

import pytest

from sim import events as ev
from sim.composition import compose_config
from sim.config import Config, scale_authority, validate
from sim.entities import State
from sim.metrics import Recorder, compute_kpis
from sim.model import Model
from sim.runner import run_one

SERVICE_RECORDS = (ev.ServiceReferred, ev.ServiceStarted, ev.ServiceEnded)
AMPLE = 500.0
"""Places per 1,000 referrals for every family referred: nobody waits."""


def _with_places(cfg: Config, parenting: float, counselling: float) -> Config:
    cfg.services.parenting_places_per_1000_referrals = parenting
    cfg.services.counselling_places_per_1000_referrals = counselling
    return validate(cfg)


def _composed(*overrides: str) -> Config:
    """A composed config scaled down like small_config (same rates per child)."""
    cfg = scale_authority(compose_config(overrides), 0.25)
    cfg.run.years, cfg.run.warmup_years = 2.0, 1.0
    return validate(cfg)


def _scenario() -> Config:
    """The service_waiting_lists scenario, scaled down."""
    return _composed("scenario=service_waiting_lists")


def _progress_held(cfg: Config, replication: int) -> float:
    """Mean over the measured weekly snapshots of how far plan work has brought need down.

    For each child on a CPP or CiN plan at a Monday snapshot: its underlying need less its
    baseline need (what purposeful work has taken off, net of drift); averaged over the
    children, then over the weeks after the warm-up.
    """
    m = Model(cfg, replication)
    held: list[float] = []

    def week(r: ev.WeekStarted) -> None:
        if r.day >= m.warmup_day:
            plans = [
                c.underlying_need - c.baseline_need
                for c in m.open_children.values()
                if c.state in (State.CPP, State.CIN)
            ]
            held.append(statistics.mean(plans))

    m.events.subscribe({ev.WeekStarted: week})
    m.run()
    return statistics.mean(held)


def _service_records(cfg: Config, replication: int = 0) -> tuple[list[ev.Record], Model]:
    m = Model(cfg, replication)
    records: list[ev.Record] = []
    m.events.subscribe(dict.fromkeys(SERVICE_RECORDS, records.append))
    m.run()
    return records, m


# -- the lists ----------------------------------------------------------------------------
def test_a_family_takes_a_free_place_else_waits_its_turn(small_config):
    """First come, first served; a plan's end frees the place or leaves the list."""
    cfg = small_config()
    cfg.services.cpp_referral_prob = 1.0
    cfg.services.parenting_share = 1.0
    cfg.services.parenting_course_weeks = 2
    m = Model(_with_places(cfg, 1.0, 1.0), 0)  # 1 place: 1 per 1,000 of about 1,035 referrals
    records: list[ev.Record] = []
    m.events.subscribe(dict.fromkeys(SERVICE_RECORDS, records.append))
    services = m.services
    assert services.services["parenting"].places == 1
    a, b, c = (m.new_child() for _ in range(3))
    for child in (a, b, c):
        services.plan_started(child, cpp=True, ongoing=False)
    factor = cfg.services.waiting_progress_factor
    assert [child.progress_factor for child in (a, b, c)] == [1.0, factor, factor]
    assert [type(r) for r in records] == [
        ev.ServiceReferred,
        ev.ServiceStarted,
        ev.ServiceReferred,
        ev.ServiceReferred,
    ]
    assert [r.waiting for r in records if isinstance(r, ev.ServiceReferred)] == [False, True, True]
    records.clear()
    services.plan_ended(a, keep=True)  # a step-down keeps the place
    assert records == []
    services.plan_ended(a)  # the place goes to the first on the list, b
    assert [(type(r), r.child) for r in records] == [
        (ev.ServiceEnded, a.id),
        (ev.ServiceStarted, b.id),
    ]
    assert records[0].outcome == "left_course"
    assert (a.progress_factor, b.progress_factor) == (1.0, 1.0)
    records.clear()
    services.plan_ended(c)  # c leaves the list without a place
    assert [(type(r), r.child, r.outcome) for r in records] == [
        (ev.ServiceEnded, c.id, "left_list")
    ]
    assert services.waiting() == 0
    records.clear()
    m.env.run(until=15)  # b's two-week course ends; nobody is waiting
    assert [(type(r), r.child, r.outcome) for r in records] == [
        (ev.ServiceEnded, b.id, "completed")
    ]
    assert services.services["parenting"].in_use == 0


def test_plans_already_open_on_day_0_make_no_referral(small_config):
    cfg = small_config()
    cfg.services.cpp_referral_prob = cfg.services.cin_referral_prob = 1.0
    m = Model(validate(cfg), 0)
    child = m.new_child()
    m.services.plan_started(child, cpp=True, ongoing=True)
    assert m.services.referrals == {}


def test_the_wait_grows_as_places_shrink(small_config):
    waits, waiting = [], []
    for parenting, counselling in ((AMPLE, AMPLE), (23.0, 19.0), (12.0, 10.0), (6.0, 5.0)):
        kpis = run_one(_with_places(small_config(), parenting, counselling), 0).result.kpis
        waits.append(kpis["service_wait_days_mean"])
        waiting.append(kpis["service_waiting_mean"])
    assert waits[0] == waiting[0] == 0.0
    assert waits == sorted(waits), waits
    assert waiting == sorted(waiting), waiting
    assert waits[2] > 30.0  # half the default places: weeks, not days
    assert waiting[2] > 10.0


def test_every_referral_is_held_by_a_child_on_a_plan_and_places_are_not_exceeded(small_config):
    records, m = _service_records(_with_places(small_config(), 12.0, 10.0))
    for referral in m.services.referrals.values():
        assert referral.child.state in (State.CPP, State.CIN)
    for service in m.services.services.values():
        assert 0 <= service.in_use <= service.places
        waiting = [r for r in m.services.referrals.values() if r.service is service]
        assert service.waiting == sum(1 for r in waiting if r.start_day is None)
    open_now: dict[int, str] = {}  # child -> "waiting" or "place"
    for r in records:
        if isinstance(r, ev.ServiceReferred):
            assert r.child not in open_now
            open_now[r.child] = "waiting"
        elif isinstance(r, ev.ServiceStarted):
            assert open_now[r.child] == "waiting"
            open_now[r.child] = "place"
        else:
            had = open_now.pop(r.child)
            assert (had == "waiting") == (r.outcome == "left_list")
    assert set(open_now) == set(m.services.referrals)


# -- plan progress depends on it ----------------------------------------------------------
def test_with_ample_places_results_are_those_without_services(small_config):
    """With no wait and attending at factor 1, services change nothing else in a run.

    The referral draws come from their own stream, so the children's streams, and all
    that is drawn from them, are untouched.
    """
    ample = run_one(_with_places(small_config(), AMPLE, AMPLE), 0).result.kpis
    cfg = small_config()
    cfg.services.cpp_referral_prob = cfg.services.cin_referral_prob = 0.0
    without = run_one(validate(cfg), 0).result.kpis
    assert ample["service_wait_days_mean"] == 0.0
    service_kpis = {"service_wait_days_mean", "service_waiting_mean"}
    for name, value in without.items():
        if name not in service_kpis:
            assert value == pytest.approx(ample[name], nan_ok=True), name


@pytest.mark.slow
def test_a_waiting_list_slows_plan_progress():
    """Paired: the service_waiting_lists scenario against ample places, same seeds.

    Measure: the need plan work has taken off children on plans (underlying less baseline
    need), averaged over the measured weekly snapshots. Five replications explored at this
    size gave paired differences of 0.008 to 0.040 (mean 0.026), all positive, and three
    at twice the size 0.012 to 0.021. Tolerance: every one of three replications must show
    less progress under the scenario (by chance alone 1 in 8), and the mean difference must
    be at least 0.005, under the smallest difference seen. Without the mechanism (a wait
    that costs no progress) the paired runs are identical and the difference is 0.
    """
    diffs = []
    for rep in range(3):
        scarce = _scenario()
        ample = _with_places(_scenario(), AMPLE, AMPLE)
        diffs.append(_progress_held(ample, rep) - _progress_held(scarce, rep))
    assert all(d > 0 for d in diffs), diffs
    assert statistics.mean(diffs) >= 0.005, diffs


def test_without_a_progress_cost_a_wait_changes_nothing_else():
    """The paired test's control: the same scarce places, waiting at factor 1."""
    scarce = _scenario()
    scarce.services.waiting_progress_factor = 1.0
    ample = _with_places(_scenario(), AMPLE, AMPLE)
    assert _progress_held(scarce, 0) == _progress_held(ample, 0)


# -- records, chronology, determinism -----------------------------------------------------
def test_the_scenario_lists_far_more_families_than_the_default():
    scarce = compute_kpis(_attached_run(_scenario()))
    base = compute_kpis(_attached_run(_composed()))
    assert scarce["service_waiting_mean"] > 10 * max(1.0, base["service_waiting_mean"])
    assert scarce["service_wait_days_mean"] > 30.0 > base["service_wait_days_mean"]


def _attached_run(cfg: Config) -> Recorder:
    m = Model(cfg, 0)
    rec = Recorder.attach(m)
    m.run()
    rec.close()
    return rec


def test_the_chronology_says_who_waits_for_which_service():
    run = run_one(_scenario(), 0, case_log=True)
    details = [
        (event, detail)
        for entries in run.log.entries.values()
        for _, event, _, detail in entries
        if event.startswith("service_")
    ]
    assert ("service_referral", "referred to parenting programme; waiting") in details
    assert ("service_referral", "referred to counselling; a place is free") in details
    assert any(
        e == "service_start" and d.startswith("started parenting programme after ")
        for e, d in details
    )
    assert any(e == "service_end" and d.startswith("left the waiting list for") for e, d in details)
    assert ("service_end", "finished counselling") in details


def test_the_same_seed_gives_the_same_services(small_config):
    cfg = _with_places(small_config(), 12.0, 10.0)
    first, _ = _service_records(cfg)
    second, _ = _service_records(cfg)
    assert first
    assert first == second
