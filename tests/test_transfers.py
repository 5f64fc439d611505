"""Exits and entries between reviews: families moving away, children turning 18, plans in."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from sim import events as ev
from sim.caselog import CaseLog
from sim.config import Config, validate
from sim.entities import State
from sim.model import Model
from sim.runner import run_one
from sim.teaching.audit import audit
from sim.teaching.chronology import chronology


def _with(cfg: Config, **pathway: float) -> Config:
    for key, value in pathway.items():
        setattr(cfg.pathway, key, value)
    return validate(cfg)


class Log:
    """Every record of the given types, by type, in the order emitted."""

    def __init__(self, model: Model, *types: type) -> None:
        self.records: dict[type, list] = defaultdict(list)
        model.events.subscribe({t: self.records[t].append for t in types})

    def __getitem__(self, record_type: type) -> list:
        return self.records[record_type]


# -- families moving away ------------------------------------------------------------------
@pytest.fixture(scope="module")
def moving(small_config):
    """Every family on a plan moves within weeks; the new authority is told 20 WD later."""
    cfg = _with(
        small_config(scale=0.1, years=1.0, warmup=0.0),
        move_prob_per_week=0.2,
        transfer_notify_median_wd=20.0,
        transfer_notify_sigma=0.0,
        moved_no_access_prob=1.0,
    )
    model = Model(cfg, 0)
    log = Log(
        model,
        ev.TransferredOut,
        ev.EpisodeEnded,
        ev.Referred,
        ev.VisitMade,
        ev.VisitNoAccess,
    )
    model.run()
    return model, log


def test_a_move_is_notified_after_the_delay_with_the_conference_due_15_wd_later(moving):
    model, log = moving
    cal = model.cal
    transfers = log[ev.TransferredOut]
    assert len(transfers) > 20
    ended = {(r.child, r.day): r for r in log[ev.EpisodeEnded] if r.outcome == "moved"}
    exact = 0
    for r in transfers:
        # notified on the 20th working day after the move (sigma 0: no spread), or, when
        # the case was between plans that day (an enquiry under way), a week later or more
        waited = cal.wd_on_or_after(r.day) - cal.wd_on_or_after(r.moved_day)
        assert waited >= 20
        assert (waited - 20) % 5 == 0
        exact += waited == 20
        assert not r.on_time  # the standard is 10 WD
        # the plan ends that day as a transfer out, and the case closes
        assert ended[(r.child, r.day)].kind == r.plan
        if r.plan == "cpp":
            assert cal.working_days_between(r.day, r.conference_due_day) == 15
            assert cal.is_working_day(r.conference_due_day)
        else:
            assert r.conference_due_day is None
        assert model.children[r.child].state is not State.CPP
    assert {r.plan for r in transfers} == {"cpp", "cin"}
    assert exact >= 0.8 * len(transfers)


def test_a_family_that_moved_is_not_seen_and_not_referred_here_again(moving):
    model, log = moving
    windows = {r.child: (r.moved_day, r.day) for r in log[ev.TransferredOut]}
    # from the first weekly plan after the move (a visit planned before it still happens)
    seen = [r for r in log[ev.VisitMade] if r.child in windows and windows[r.child][0] + 7 <= r.day]
    assert not seen  # moved_no_access_prob = 1: the worker never finds the child
    tried = [r for r in log[ev.VisitNoAccess] if r.child in windows]
    assert tried
    rereferred = [r for r in log[ev.Referred] if r.child in windows and r.day > windows[r.child][1]]
    assert not rereferred


def test_the_audit_of_a_transferred_childs_chronology_flags_a_late_notification(small_config):
    cfg = _with(
        small_config(scale=0.1, years=1.0, warmup=0.0),
        move_prob_per_week=0.05,
        transfer_notify_median_wd=10.0,
        transfer_notify_sigma=1.0,
    )
    model = Model(cfg, 0)
    case_log = CaseLog.attach(model)
    log = Log(model, ev.TransferredOut)
    model.run()
    on_time = {r.child: r.on_time for r in log[ev.TransferredOut]}  # one move per child here
    assert len(on_time) == len(log[ev.TransferredOut]) > 10
    late = {True: 0, False: 0}
    for child, ok in on_time.items():
        events = chronology(case_log, model.cal, child)
        flagged = [f for f in audit(events) if f.kind == "late_transfer"]
        assert bool(flagged) is not ok, (child, events)
        late[not ok] += 1
    assert late[True]
    assert late[False]


# -- turning 18 ----------------------------------------------------------------------------
def test_a_child_on_a_plan_leaves_on_the_18th_birthday_and_is_not_referred_again(small_config):
    cfg = small_config(scale=0.1, years=2.0, warmup=0.0)
    model = Model(cfg, 0)
    log = Log(model, ev.EpisodeEnded, ev.Referred, ev.Closed)
    model.run()
    aged_out = [r for r in log[ev.EpisodeEnded] if r.outcome == "aged_out"]
    assert len(aged_out) > 5
    closed = {(r.child, r.day) for r in log[ev.Closed]}
    for r in aged_out:
        child = model.children[r.child]
        # on the birthday, or the next working day when it falls on a weekend or holiday
        assert model.cal.wd_on_or_after(r.day) == model.cal.wd_on_or_after(child.adult_day)
        assert child.adult_day <= r.day < child.adult_day + 5
        assert (r.child, r.day) in closed
    for r in log[ev.Referred]:
        assert r.day < model.children[r.child].adult_day, "no referral at 18 or over"
    # age at the latest referral: 0 to 18 (children referred before the run are left out:
    # their age is drawn on day 0)
    ages = [
        18.0 - (c.adult_day - c.referral_day) / 365.25
        for c in model.children.values()
        if c.referral_day >= 0
    ]
    assert len(ages) > 100
    assert 0.0 - 1 / 365 <= min(ages) < 1.0
    assert 17.0 < max(ages) < 18.0


# -- plans transferred in ------------------------------------------------------------------
def test_plans_transfer_in_with_a_conference_and_count_as_cpp_starts(small_config):
    per_1000 = 20.0
    cfg = _with(
        small_config(scale=0.25, years=2.0, warmup=0.0), transfer_in_per_1000_referrals=per_1000
    )
    model = Model(cfg, 0)
    log = Log(model, ev.TransferredIn, ev.ConferenceHeld, ev.EpisodeStarted)
    model.run()
    arrived = log[ev.TransferredIn]
    # Poisson count: within 4 sd of its mean (the seed is fixed, so this cannot flicker)
    expected = cfg.authority.referrals_per_year * per_1000 / 1000.0 * cfg.run.years
    assert abs(len(arrived) - expected) < 4.0 * math.sqrt(expected)
    conferences = {r.child: r for r in log[ev.ConferenceHeld] if r.kind == "transfer_in"}
    starts = {
        (r.child, r.day) for r in log[ev.EpisodeStarted] if r.kind == "cpp" and not r.prepopulated
    }
    held = adults = 0
    for r in arrived:
        conference = conferences.get(r.child)
        if conference is None:
            assert r.conference_due_day >= model.end_day - 30  # still to come at the end
            continue
        held += 1
        cal = model.cal
        assert cal.working_days_between(r.day, r.conference_due_day) == 15
        assert conference.day <= r.conference_due_day + 1
        assert conference.on_time
        if model.children[r.child].adult_day <= conference.day:
            adults += 1  # 18 by the conference: the case closes instead, as after an ICPC
            continue
        assert (r.child, conference.day) in starts  # a CPP starts here at the conference
    assert held > 0.9 * len(arrived)
    icpc_plans = sum(
        1
        for r in log[ev.ConferenceHeld]
        if r.kind == "icpc"
        and r.outcome == "cpp"
        and model.children[r.child].adult_day > r.day  # at 18 the case closes instead
    )
    assert len(starts) == icpc_plans + held - adults


def test_transfer_in_conferences_are_neither_icpcs_nor_reviews(small_config):
    cfg = _with(
        small_config(scale=0.25, years=2.0, warmup=0.0), transfer_in_per_1000_referrals=20.0
    )
    run = run_one(cfg, 0)
    rec = run.rec
    kinds = defaultdict(int)
    for _, kind, _, _ in rec.conferences:
        kinds[kind] += 1
    assert kinds["transfer_in"] > 0
    assert len(rec.icpcs) == kinds["icpc"]
    assert len(rec.rcpcs) == kinds["rcpc"]
    starts = [e for e in rec.episodes if e["kind"] == "cpp" and not e["prepopulated"]]
    measured_years = (run.model.end_day - run.model.warmup_day) / 365.25
    assert run.result.kpis["cpp_starts_per_year"] * measured_years == pytest.approx(len(starts))
