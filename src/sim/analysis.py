"""Replication summaries: means with 95% t-intervals, paired differences, turnover series."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from sim.metrics import weekly_series

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

    ``rows`` are timeseries.csv rows of one replication. The rate is the turnover KPI read
    week by week (``metrics.weekly_series``); returns the week start dates and the rate
    for each week from the ``window_weeks``-th on (the first full window).
    """
    rates = weekly_series("turnover_rate", rows, window_weeks)
    full = range(window_weeks - 1, len(rows))
    return [str(rows[i]["week_start"]) for i in full], [float(rates[i]) for i in full]


def weekly_turnover(
    results: list[ReplicationResult], window_weeks: int = 13
) -> tuple[list[str], list[list[float]]]:
    """Rolling annualised turnover per replication (weeks, one list per replication)."""
    series = [rolling_turnover(r.timeseries, window_weeks) for r in results]
    return series[0][0], [rates for _, rates in series]
