"""Replication summaries: means with 95% t-intervals, paired differences, turnover series."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from sim.results import ReplicationResult

CONFIDENCE = 0.95


def t_interval(
    values: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float, int]:
    """Mean and two-sided t-interval of ``values`` (NaNs dropped).

    Returns:
        ``(mean, ci_low, ci_high, n)``; the interval is NaN with fewer than two values.

    """
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sem
    return mean, mean - half, mean + half, n


def summarize(
    kpi_rows: Sequence[Mapping[str, float]], names: Sequence[str]
) -> list[dict[str, float | str]]:
    """One row per KPI: mean, ci_low, ci_high and n over replications."""
    rows: list[dict[str, float | str]] = []
    for name in names:
        mean, low, high, n = t_interval([row[name] for row in kpi_rows])
        rows.append({"kpi": name, "mean": mean, "ci_low": low, "ci_high": high, "n": n})
    return rows


def paired_difference(
    a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE
) -> tuple[float, float, float, int]:
    """t-interval of ``b - a`` paired by replication (common random numbers)."""
    if len(a) != len(b):
        raise ValueError("paired samples need the same number of replications")
    return t_interval([y - x for x, y in zip(a, b, strict=True)], confidence)


def rolling_turnover(
    rows: Sequence[Mapping[str, float | str]], window_weeks: int = 13
) -> tuple[list[str], list[float]]:
    """Annualised permanent turnover over a trailing window, from one replication's weeks.

    ``rows`` are timeseries.csv rows of one replication (``permanent_leavers`` and
    ``permanent`` columns). Returns the week start dates and the rate for each week from
    the ``window_weeks``-th on.
    """
    leavers = [float(r["permanent_leavers"]) for r in rows]
    in_post = [float(r["permanent"]) for r in rows]
    weeks, rates = [], []
    for i in range(window_weeks - 1, len(rows)):
        lo = i - window_weeks + 1
        staff = sum(in_post[lo : i + 1]) / window_weeks
        rate = sum(leavers[lo : i + 1]) * (52.18 / window_weeks) / staff if staff else math.nan
        weeks.append(str(rows[i]["week_start"]))
        rates.append(rate)
    return weeks, rates


def weekly_turnover(
    results: list[ReplicationResult], window_weeks: int = 13
) -> tuple[list[str], list[list[float]]]:
    """Rolling annualised turnover per replication (weeks, one list per replication)."""
    series = [rolling_turnover(r.timeseries, window_weeks) for r in results]
    return series[0][0], [rates for _, rates in series]
