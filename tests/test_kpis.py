"""The KPI registry: every KPI named, unitised and defined once; weekly series from it."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from sim import sweeps
from sim.analysis import rolling_turnover
from sim.calibration import TARGETS
from sim.metrics import (
    HEADLINE_KPIS,
    KPIS,
    WEEKLY,
    function_docstring,
    over_weeks,
    weekly_series,
)
from sim.results import replication_result
from sim.runner import run_one
from sim.studies import turnover_between


@pytest.mark.parametrize("name", list(KPIS))
def test_every_kpi_has_a_label_a_unit_and_a_definition(name):
    kpi = KPIS[name]
    assert kpi.name == name == kpi.compute.__name__
    assert kpi.label.strip(), f"{name} has no label"
    assert kpi.unit.strip(), f"{name} has no unit"
    assert kpi.display_unit.strip(), f"{name} has no display unit"
    assert kpi.scale > 0
    assert kpi.definition.strip(), f"{name} has no docstring"
    assert kpi.summary.endswith("."), f"{name}: the docstring's first line is not a sentence"
    assert kpi.group, f"{name} is in no group of docs/kpis.md"


def test_every_published_comparator_is_a_kpi():
    assert set(TARGETS) <= set(KPIS), set(TARGETS) - set(KPIS)
    assert all(name == target.kpi for name, target in TARGETS.items())


def test_every_weekly_reading_is_a_kpi():
    assert set(WEEKLY) <= set(KPIS)


def test_headline_kpis_come_from_the_registry_and_sweeps_keeps_its_name():
    assert HEADLINE_KPIS == tuple(n for n, k in KPIS.items() if k.headline)
    assert sweeps.HEADLINE_KPIS is HEADLINE_KPIS
    assert not hasattr(sweeps, "KPI_LABELS")
    assert not hasattr(sweeps, "DIFFERENCE_UNITS")


def test_shares_are_shown_in_percent_and_differ_in_points():
    visits, turnover = KPIS["visits_on_time"], KPIS["turnover_rate"]
    assert (visits.scale, visits.display_unit, visits.difference_unit) == (
        100.0,
        "%",
        "percentage points",
    )
    assert turnover.display_unit == "% a year"
    assert turnover.difference_unit == "percentage points a year"
    assert turnover.axis_label() == "Social worker turnover (% a year)"
    assert visits.show(0.8534) == "85.3%"
    assert KPIS["referrals_per_year"].show(4140.2) == "4,140 per year"
    assert KPIS["caseload_mean"].show(math.nan) == "n/a"


def test_a_definition_is_read_from_the_source_when_the_function_has_no_docstring():
    """Compiled with mypyc, functions keep no docstring: the source still gives it."""

    def drift_share(rec):
        return 0.0

    assert drift_share.__doc__ is None
    assert function_docstring(drift_share) == KPIS["drift_share"].definition
    assert "no progress, or known high need and no action" in KPIS["drift_share"].definition


@pytest.fixture(scope="module")
def replication(small_config):
    cfg = small_config(scale=0.2, years=2.0, warmup=0.5)
    model = run_one(cfg, 0)
    return model, replication_result(model.rec, 0, date.fromisoformat(cfg.run.start_date))


EDGE_COUNTED = ("visits_on_time", "cpp_visits_on_time", "cin_visits_on_time", "turnover_rate")
"""KPIs whose window is cut by event day, not by accounting week: the visit shares count
due visits by due day, turnover leavers by leaving day, so over the window their weekly
readings differ at its edges."""


@pytest.mark.parametrize("name", [k for k in WEEKLY if k not in EDGE_COUNTED])
def test_a_weekly_kpi_read_from_timeseries_equals_the_kpi(replication, name):
    """Over the measured weeks of timeseries.csv the weekly reading is the KPI itself."""
    _, result = replication
    measured = [row for row in result.timeseries if row["measured"]]
    assert over_weeks(name, measured) == pytest.approx(result.kpis[name], rel=1e-12)


def test_weekly_readings_of_the_other_kpis_are_close(replication):
    _, result = replication
    measured = [row for row in result.timeseries if row["measured"]]
    for name in EDGE_COUNTED:
        assert over_weeks(name, measured) == pytest.approx(result.kpis[name], rel=0.1), name


def test_weekly_series_windows(replication):
    _, result = replication
    rows = result.timeseries
    single = weekly_series("drift_share", rows)
    assert list(single) == pytest.approx([over_weeks("drift_share", [r]) for r in rows])
    trailing = weekly_series("drift_share", rows, 4)
    assert trailing[10] == pytest.approx(over_weeks("drift_share", rows[7:11]))
    assert trailing[0] == pytest.approx(single[0])  # a short window at the start
    centred = weekly_series("drift_share", rows, 4, centred=True)
    # the week, two before and one after (numpy's convolve "same")
    assert centred[10] == pytest.approx(over_weeks("drift_share", rows[8:12]))
    empty = [dict(rows[0], plan_days=0, drift_days=0)]
    assert np.isnan(weekly_series("drift_share", empty)[0])


def test_turnover_series_and_windows_use_the_weekly_reading(replication):
    model, result = replication
    rows = result.timeseries
    weeks, rates = rolling_turnover(rows, 13)
    assert weeks[0] == rows[12]["week_start"]
    assert rates[0] == pytest.approx(over_weeks("turnover_rate", rows[:13]))
    start = result.timeseries[0]["week_start"]
    origin = date.fromisoformat(model.cfg.run.start_date)
    first = (date.fromisoformat(start) - origin).days
    between = turnover_between(result, first, first + 13 * 7, model.cfg.run.start_date)
    assert between == pytest.approx(rates[0])


def test_a_kpi_names_its_published_comparator():
    from sim.calibration import TARGETS

    assert KPIS["turnover_rate"].comparator is TARGETS["turnover_rate"]
    assert KPIS["drift_share"].comparator is None
    assert {name for name, k in KPIS.items() if k.comparator is not None} == set(TARGETS)
