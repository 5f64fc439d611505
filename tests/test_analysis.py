"""Intervals that keep to a KPI's range, and the flag for too few replications."""

from __future__ import annotations

import math

import pytest
from scipy import special, stats

from sim.analysis import (
    MIN_REPLICATIONS,
    kpi_bounds,
    paired_difference,
    rough_intervals_note,
    summarize,
    t_interval,
)
from sim.composition import compose_config
from sim.metrics import KPIS
from sim.runner import run_replications

SHARE = (0.0, 1.0)
NON_NEGATIVE = (0.0, math.inf)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.3, 0.3, 0.3], 0.3),  # all equal: no spread, the interval is the value
        ([0.0, 0.0, 0.0], 0.0),  # all 0
        ([1.0, 1.0, 1.0], 1.0),  # all 1
    ],
)
def test_a_share_without_spread_has_the_value_as_its_interval(values, expected):
    assert t_interval(values, bounds=SHARE) == (expected, expected, expected, 3)


def test_one_value_has_no_interval():
    mean, low, high, n = t_interval([0.4], bounds=SHARE)
    assert (mean, n) == (0.4, 1)
    assert math.isnan(low)
    assert math.isnan(high)
    assert t_interval([math.nan], bounds=SHARE)[3] == 0


@pytest.mark.parametrize(
    "values", [[0.9, 0.99], [0.01, 0.2], [0.0, 1.0], [1.0, 0.8], [0.0, 0.05], [0.52, 0.48]]
)
def test_two_shares_get_an_interval_inside_0_1_around_their_mean(values):
    mean, low, high, n = t_interval(values, bounds=SHARE)
    assert n == 2
    assert 0.0 <= low <= mean <= high <= 1.0
    assert low < mean < high  # the values differ: the interval has width
    # the plain t-interval (t = 12.7 with two values) leaves [0, 1] for all but the last
    _, plain_low, plain_high, _ = t_interval(values)
    assert (plain_low < 0.0 or plain_high > 1.0) == (values != [0.52, 0.48])


def test_a_share_interval_is_the_t_interval_on_the_logit_scale_of_the_mean():
    values = [0.62, 0.70, 0.66, 0.75, 0.64]
    mean, low, high, n = t_interval(values, bounds=SHARE)
    sem = stats.tstd(values) / math.sqrt(n)
    spread = stats.t.ppf(0.975, n - 1) * sem / (mean * (1 - mean))  # delta method
    assert low == pytest.approx(special.expit(special.logit(mean) - spread))
    assert high == pytest.approx(special.expit(special.logit(mean) + spread))
    # with little spread the logit interval is close to the plain one (within 3%)
    _, plain_low, plain_high, _ = t_interval(values)
    assert low == pytest.approx(plain_low, rel=0.03)
    assert high == pytest.approx(plain_high, rel=0.03)


def test_a_non_negative_quantity_never_gets_a_negative_lower_limit():
    mean, low, high, _ = t_interval([0.02, 1.99], bounds=NON_NEGATIVE)
    _, plain_low, plain_high, _ = t_interval([0.02, 1.99])
    assert plain_low < 0.0
    assert low == 0.0
    assert high == plain_high  # only the impossible part is cut
    assert t_interval([0.0, 0.0], bounds=NON_NEGATIVE) == (0.0, 0.0, 0.0, 2)
    assert t_interval([10.0, 10.5], bounds=NON_NEGATIVE) == t_interval([10.0, 10.5])


def test_values_outside_the_declared_range_are_an_error():
    with pytest.raises(ValueError, match="outside the range"):
        t_interval([0.5, 1.2], bounds=SHARE)
    with pytest.raises(ValueError, match="KPI visits_on_time"):
        summarize([{"visits_on_time": -0.1}, {"visits_on_time": 0.5}], ["visits_on_time"])
    assert t_interval([1.0 + 1e-12, 0.5], bounds=SHARE)[2] <= 1.0  # rounding is not an error


def test_paired_differences_of_shares_stay_inside_minus_1_to_1():
    base, other = [0.0, 0.1], [0.9, 1.0]  # the same shift: no spread
    assert paired_difference(base, other, bounds=SHARE) == pytest.approx((0.9, 0.9, 0.9, 2))
    mean, low, high, n = paired_difference([0.0, 0.1], [0.9, 0.1], bounds=SHARE)
    assert (mean, n) == (pytest.approx(0.45), 2)
    assert (low, high) == (-1.0, 1.0)  # the plain interval, -5.3 to 6.2, cut to [-1, 1]
    # a difference is not put on the logit scale: away from the limits it is the t-interval
    a, b = [0.60, 0.64, 0.61, 0.66], [0.55, 0.56, 0.58, 0.57]
    assert paired_difference(a, b, bounds=SHARE) == paired_difference(a, b)
    assert paired_difference(a, b, bounds=SHARE)[1] < -0.05  # negative: not cut at 0


def test_summarize_uses_each_kpis_range_and_flags_too_few_replications():
    assert kpi_bounds("visits_on_time") == SHARE
    assert kpi_bounds("turnover_rate") == NON_NEGATIVE  # a rate a year can pass 100%
    assert kpi_bounds("no_such_kpi") == (-math.inf, math.inf)
    rows = [{"visits_on_time": v, "caseload_mean": c} for v, c in [(0.9, 14.0), (0.99, 18.0)]]
    few = {r["kpi"]: r for r in summarize(rows, ["visits_on_time", "caseload_mean"])}
    assert 0.0 <= few["visits_on_time"]["ci_low"] <= few["visits_on_time"]["ci_high"] <= 1.0
    assert few["caseload_mean"]["ci_low"] == 0.0  # 16 -/+ 25.4, cut at 0
    assert few["visits_on_time"]["too_few_replications"] == 1
    enough = [{"visits_on_time": 0.9 + i / 100} for i in range(MIN_REPLICATIONS)]
    (row,) = summarize(enough, ["visits_on_time"])
    assert (row["n"], row["too_few_replications"]) == (MIN_REPLICATIONS, 0)
    assert "fewer than 5" in rough_intervals_note(2)


def test_with_run_quick_no_share_interval_leaves_0_1():
    # the must-hold: conf/run/quick.yaml, two replications of the full authority
    cfg = compose_config(["run=quick", "run.n_jobs=1"])
    assert cfg.run.replications == 2
    results = run_replications(cfg, progress=False)
    summary = summarize([r.kpis for r in results], list(KPIS))
    shares = [row for row in summary if KPIS[str(row["kpi"])].unit == "share"]
    assert len(shares) > 20
    for row in shares:
        if math.isnan(float(row["ci_low"])):
            continue  # a KPI with fewer than two values has no interval
        assert 0.0 <= float(row["ci_low"]) <= float(row["mean"]) <= float(row["ci_high"]) <= 1.0
        assert row["too_few_replications"] == 1
    for row in summary:  # nothing here can be negative either
        assert not float(row["ci_low"]) < 0.0, row
