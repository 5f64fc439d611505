"""Steady state (issue 13): bounded drift, back-dated pre-populated plans, repeat plans, MSER-5."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.composition import compose_config
from sim.entities import Child
from sim.metrics import compute_kpis, over_weeks
from sim.model import DAYS_PER_YEAR, Model
from sim.need import WeeklyNeed
from sim.processes import demand
from sim.processes.pathway import faded_need
from sim.rng import Streams
from sim.runner import run_one
from sim.warmup import mser, suggest


# -- MSER-5 ---------------------------------------------------------------------------------
def test_mser_cuts_a_known_initial_transient():
    """A level shift of 3 sd over the first 100 weeks, then 400 stationary weeks.

    The truncation should land at the transient's end: within two batches (10 weeks) of
    100, where a batch straddling the end still carries part of the shift.
    """
    rng = np.random.default_rng(1)
    series = rng.normal(size=500)
    series[:100] += 3.0 * np.linspace(1.0, 0.0, 100) + 3.0 * (np.arange(100) < 80)
    assert abs(mser(series) - 100) <= 10


def test_mser_on_a_stationary_series_cuts_almost_nothing():
    """White noise: the statistic's division by the batches left squared favours keeping
    them, so the cut is small; over 20 seeds the median cut is at most 5% of the series."""
    cuts = [mser(np.random.default_rng(seed).normal(size=520)) for seed in range(20)]
    assert np.median(cuts) <= 26
    assert all(c % 5 == 0 and 0 <= c <= 260 for c in cuts)


def test_warmup_suggestions_come_per_replication_from_timeseries_rows():
    rows = [
        {"replication": rep, "open_cases": float(w < 50) * 100 + (w % 3), "measured": 1}
        for rep in (0, 1)
        for w in range(300)
    ]
    for row in rows:
        row.update(cpp_open=0.0, caseload_mean=1.0, drift_days=0.0, plan_days=1.0)
    (open_cases,) = [s for s in suggest(rows) if s.series == "open_cases"]
    assert len(open_cases.years) == 2
    assert all(abs(y * 365.25 / 7 - 50) <= 5 for y in open_cases.years)


# -- bounded drift ------------------------------------------------------------------------
def test_drift_raises_baseline_need_only_back_to_the_underlying_need(small_config):
    """Weeks of drift bring the baseline back to the need at first referral, never above."""
    m = Model(small_config(scale=0.1))
    step = WeeklyNeed(m)
    child = Child(
        0, Streams(1, 0).child_stream(0), need=0.5, baseline_need=0.5, underlying_need=0.5
    )
    for _ in range(10):
        step.step(child, progressed=True, drifting=False)
    assert child.baseline_need == pytest.approx(0.5 - 10 * m.cfg.need.progress_effect_per_week)
    for _ in range(100):
        step.step(child, progressed=False, drifting=True)
    assert child.baseline_need == 0.5


# -- pre-populated plans --------------------------------------------------------------------
def _mean_open_age_days(m: Model) -> float:
    """Mean age of open CPPs implied by the review schedule: the integral of a x S(a)
    over that of S(a), survival S piecewise constant between reviews (months of 365.25/12
    days)."""
    p = m.cfg.pathway
    month = DAYS_PER_YEAR / 12
    first, later = p.first_rcpc_due_months * month, p.rcpc_interval_months * month
    p1, p2 = p.rcpc_first_end_prob, p.rcpc_later_end_prob
    mass, moment = first, first**2 / 2
    for k in range(200):
        lo, s = first + k * later, (1 - p1) * (1 - p2) ** k
        mass += s * later
        moment += s * ((lo + later) ** 2 - lo**2) / 2
    return moment / mass


def test_prepopulated_cpp_ages_follow_the_review_schedule(small_config):
    """4,000 draws of a pre-populated CPP's start: the mean age is within 4% of the
    stationary mean the schedule implies (the sample's standard error is about 1.5%; month
    lengths differ a little from 365.25/12 days), and every start is before day 0 with its
    next review on or after day 0 and within one review cycle."""
    m = Model(small_config(scale=0.1))
    histories = [demand.elapsed_cpp(m, m.new_child()) for _ in range(4000)]
    assert all(h.start_day < 0 <= h.next_review_day <= 190 for h in histories)
    ages = [-h.start_day for h in histories]
    assert np.mean(ages) == pytest.approx(_mean_open_age_days(m), rel=0.04)
    assert 0 < np.mean([h.reviews_held == 0 for h in histories]) < 1


def test_prepopulated_plans_are_back_dated_and_flagged(small_config):
    run = run_one(small_config(scale=0.25, years=1.2, warmup=0.2), 0)
    a = run.cfg.authority
    pre = [e for e in run.rec.episodes if e["prepopulated"]]
    plans = [e for e in pre if e["kind"] in ("cpp", "cin")]
    referrals = [e for e in pre if e["kind"] == "cin_episode"]  # from the referral before
    assert len(plans) == len(referrals) == a.initial_cpp_children + a.initial_cin_children
    assert all(e["start_day"] < 0 for e in pre)
    assert all(e["start_day"] >= 0 for e in run.rec.episodes if not e["prepopulated"])
    rows = run.result.episodes
    assert {r["prepopulated"] for r in rows} == {0, 1}


# -- repeat plans --------------------------------------------------------------------------
def test_plan_numbers_count_every_cpp_a_child_has_started(small_config):
    """Successive CPPs of a child are numbered on from its history before the run, and
    some first plans in the run are second plans (the history of pre-populated and legacy
    families); the KPI is the share numbered 2 or more."""
    run = run_one(small_config(scale=0.5, years=3.0, warmup=0.5), 0)
    cpps = [e for e in run.rec.episodes if e["kind"] == "cpp"]
    by_child: dict[int, list[int]] = {}
    for e in cpps:
        by_child.setdefault(e["child_id"], []).append(e["plan_number"])
    assert all(b == a + 1 for ns in by_child.values() for a, b in zip(ns, ns[1:], strict=False))
    firsts_in_run = [ns[0] for ns in by_child.values()]
    assert any(n >= 2 for n in firsts_in_run)
    in_window = [e["plan_number"] > 1 for e in cpps if run.rec.in_window(e["start_day"])]
    assert compute_kpis(run.rec)["cpp_subsequent_share"] == pytest.approx(np.mean(in_window))


# -- stationarity ---------------------------------------------------------------------------
def _yearly(run, kpi: str) -> list[float]:
    rows = [{**w.stocks, **w.flows} for w in run.rec.weeks]
    years = [int(w.day // DAYS_PER_YEAR) for w in run.rec.weeks]
    return [
        over_weeks(kpi, [r for r, y2 in zip(rows, years, strict=True) if y2 == y])
        for y in range(11)
    ]


def _open_cases(run) -> list[float]:
    out = []
    for y in range(11):
        weeks = [w.stocks["open_cases"] for w in run.rec.weeks if int(w.day // DAYS_PER_YEAR) == y]
        out.append(float(np.mean(weeks)))
    return out


@pytest.fixture(scope="module")
def eleven_years() -> list:
    """The default baseline over 11 years (1 of warm-up), 3 replications."""
    cfg = compose_config(["run.years=11", "run.warmup_years=1"])
    return [run_one(cfg, r) for r in range(3)]


EARLY, LATE = slice(2, 5), slice(8, 11)
"""Years 2-4 (after the default run's two-year warm-up) and years 8-10."""


@pytest.mark.slow
def test_baseline_is_stationary_over_eleven_years(eleven_years):
    """Issue 13's must-hold: the default baseline over 11 years (1 of warm-up), 3
    replications: mean weekly CPP stock, open cases and caseload in years 8-10 within 10%
    of years 2-4, and the contact gaps within 2 points.

    Issue 13's drift share is ``contact_gap_share`` since issue 15 (the new
    ``drift_share`` is checked below). Since issue 15 the early years are 2-4, after the
    default run's two-year warm-up: the run starts at the published CPP stock (323) and
    the model's own level is about 7% higher, which year 1 is still climbing to (321, then
    338-345). Measured: contact gaps 12.3% in years 2-4 and 13.8% in years 8-10."""
    runs = eleven_years
    for name, series in (
        ("cpp_open_mean", [_yearly(r, "cpp_open_mean") for r in runs]),
        ("caseload_mean", [_yearly(r, "caseload_mean") for r in runs]),
        ("open_cases", [_open_cases(r) for r in runs]),
    ):
        mean = np.mean(series, axis=0)
        ratio = mean[LATE].mean() / mean[EARLY].mean()
        assert abs(ratio - 1) <= 0.10, (name, ratio)
    gap = np.mean([_yearly(r, "contact_gap_share") for r in runs], axis=0)
    assert abs(gap[LATE].mean() - gap[EARLY].mean()) <= 0.02
    assert not np.isnan(gap).any()


@pytest.mark.slow
def test_drift_is_stationary_over_eleven_years(eleven_years):
    """The ``drift_share`` (no progress, or known risk and no action; about 27%) of years
    8-10 within 10% of years 2-4, as the stocks. Measured before the agency split of
    2026-12-01: 27.0% and 28.9% (+7%); after it 25.4% and 28.2% (+10.7%, a known issue
    while the workforce settled slowly, vacancy 16% rising to 20%); since day-0 staff
    may be serving notice and sustained overload counts from the first week
    (2026-12-02), 25.1% and 27.0% (+7.4%), with vacancy 17.3% in years 1-3 and 18.1% in
    years 8-10."""
    drift = np.mean([_yearly(r, "drift_share") for r in eleven_years], axis=0)
    assert not np.isnan(drift).any()
    assert abs(drift[LATE].mean() / drift[EARLY].mean() - 1) <= 0.10


# -- need after closure --------------------------------------------------------------------
def test_need_returns_towards_the_underlying_level_after_closure(small_config):
    """What work gained fades over ``need.closed_fade_weeks`` (13): after one time constant
    the baseline has gone 1 - 1/e of the way back up; after years, all the way; a baseline
    above the underlying need is not pulled down; the expected need follows the baseline."""
    cfg = small_config(scale=0.1)
    n = cfg.need

    def closed_child(baseline: float, underlying: float) -> Child:
        return Child(
            0,
            Streams(1, 0).child_stream(0),
            need=baseline,
            baseline_need=baseline,
            underlying_need=underlying,
        )

    child = closed_child(0.0, 1.0)
    assert faded_need(n, child, 0.0) == (0.0, 0.0, 0.0)
    baseline, expected, spread = faded_need(n, child, 7.0 * n.closed_fade_weeks)
    assert baseline == pytest.approx(1.0 - math.exp(-1.0))
    assert 0.0 < expected < baseline
    assert spread > 0.0
    baseline, expected, _ = faded_need(n, child, 7.0 * 52 * 5)
    assert baseline == pytest.approx(1.0)
    assert expected == pytest.approx(1.0, abs=1e-6)
    assert faded_need(n, closed_child(2.0, 1.0), 365.0)[0] == 2.0
