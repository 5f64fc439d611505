"""Complaints, checked statistically (issue 4's must-holds).

Marked ``slow`` and ``validation``. Scenarios are compared on the same seeds (common
random numbers) with paired 95% t-intervals over 8 replications.
"""

from __future__ import annotations

import dataclasses

import pytest

from sim.analysis import paired_difference
from sim.config import Config, validate
from sim.runner import run_replications

pytestmark = [pytest.mark.slow, pytest.mark.validation]

REPS = 8


def _cfg(**groups) -> Config:
    cfg = Config()
    cfg.run.replications = REPS
    for group, values in groups.items():
        setattr(cfg, group, dataclasses.replace(getattr(cfg, group), **values))
    return validate(cfg)


def _kpi(cfg: Config, name: str) -> list[float]:
    return [r.kpis[name] for r in run_replications(cfg, progress=False)]


@pytest.fixture(scope="module")
def baseline_results():
    return run_replications(_cfg(), progress=False)


def test_high_turnover_brings_more_complaints(baseline_results):
    """high_turnover (base turnover 30%, agency 1.5 a year) vs baseline."""
    base = [r.kpis["complaints_per_1000_referrals"] for r in baseline_results]
    high = _kpi(
        _cfg(workforce={"turnover_base": 0.30, "agency_turnover": 1.5}),
        "complaints_per_1000_referrals",
    )
    mean, low, high_ci, n = paired_difference(base, high)
    assert n == REPS
    assert low > 0, f"complaints per 1,000 referrals: +{mean:.2f} [{low:.2f}, {high_ci:.2f}]"


def test_tracking_actions_gets_them_done_on_time(baseline_results):
    base = [r.kpis["complaint_actions_done_on_time"] for r in baseline_results]
    tracked = _kpi(_cfg(policy={"track_complaint_actions": True}), "complaint_actions_done_on_time")
    mean, low, high, _ = paired_difference(base, tracked)
    assert low > 0, f"actions on time: +{mean:.3f} [{low:.3f}, {high:.3f}]"


def test_a_heavy_complaint_load_takes_time_from_casework(small_config):
    """Many more complaints (base rate x 250): managers review fewer cases on time, and
    workers' complaint hours come out of their casework: more plan-days drift and CPP
    children go unseen longer, on the same seeds (paired, 10 replications: with 6 the CPP
    days unseen's interval reached below 0 once day-0 staff could be serving notice,
    +0.6 points [-0.2, +1.3]).

    Visits on time (CPP and CiN pooled) are not asked to fall: statutory visits come
    before plan actions in a worker's week, and since teams (issue 14) the paired change
    is within noise (-0.3 points [-1.8, +1.1]); drift rose 5.0 points [4.3, 5.7] and
    CPP days unseen 0.95 points [0.56, 1.34] when this was written, and 5.3 [4.7, 5.9]
    and 0.63 [0.14, 1.11] over 10 replications on 2026-12-02.
    """
    cfg = small_config(scale=0.5, years=2.5, warmup=1.0, replications=10)
    heavy = validate(
        dataclasses.replace(
            cfg, complaints=dataclasses.replace(cfg.complaints, base_rate_per_case_year=1.0)
        )
    )
    base_runs, heavy_runs = (
        run_replications(cfg, progress=False),
        run_replications(heavy, progress=False),
    )
    complaints = paired_difference(
        [r.kpis["complaints_per_1000_referrals"] for r in base_runs],
        [r.kpis["complaints_per_1000_referrals"] for r in heavy_runs],
    )
    assert complaints[1] > 50, complaints
    for kpi, worse in (
        ("manager_reviews_on_time", -1),
        ("drift_share", 1),
        ("cpp_unseen_share", 1),
    ):
        mean, low, high, _ = paired_difference(
            [r.kpis[kpi] for r in base_runs], [r.kpis[kpi] for r in heavy_runs]
        )
        assert (high < 0) if worse < 0 else (low > 0), f"{kpi}: {mean:.3f} [{low:.3f}, {high:.3f}]"
