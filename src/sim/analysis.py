"""Replication summaries: means with 95% intervals in each KPI's range, paired differences.

A KPI's range is :attr:`sim.metrics.KPI.bounds`: a share's interval is a t-interval made
on the logit scale (it stays inside [0, 1]); a non-negative quantity's t-interval starts
at 0 at the lowest; a paired difference of shares stays inside [-1, 1]. An interval from
fewer than :data:`MIN_REPLICATIONS` replications is flagged as too rough to trust. Also
the rolling turnover series of the demand-shock study.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
from scipy import special, stats

from sim.metrics import KPIS, weekly_series

if TYPE_CHECKING:
    from sim.results import ReplicationResult

CONFIDENCE = 0.95
MIN_REPLICATIONS: Final = 5
"""Intervals from fewer replications are flagged (``too_few_replications``) as too rough
to trust: with 2-4 values the t quantile is 12.7 to 3.2 (1.96 for many), the standard
deviation is itself barely estimated, and whether the replications are near normal
(which the t-interval assumes) cannot be seen."""
UNBOUNDED: Final = (-math.inf, math.inf)


def kpi_bounds(name: str) -> tuple[float, float]:
    """The range of KPI ``name`` (``KPI.bounds``); unbounded for a name the registry lacks."""
    kpi = KPIS.get(name)
    return kpi.bounds if kpi is not None else UNBOUNDED


def too_few(n: int) -> bool:
    """Whether an interval from ``n`` replications is too rough to trust."""
    return n < MIN_REPLICATIONS


def rough_intervals_note(replications: int) -> str:
    """The sentence outputs give when intervals come from too few replications."""
    return (
        f"With {replications} replication{'s' if replications != 1 else ''} (fewer than "
        f"{MIN_REPLICATIONS}) the 95% intervals are too rough to trust: the spread between "
        "replications is barely estimated, so an interval can miss the true value far more "
        f"often than 1 time in 20. Run at least {MIN_REPLICATIONS} replications "
        "(run.replications) before drawing conclusions."
    )


def t_interval(
    values: Sequence[float],
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] = UNBOUNDED,
) -> tuple[float, float, float, int]:
    """Mean and two-sided t-interval of ``values`` (NaNs dropped), inside ``bounds``.

    Unbounded: ``mean -/+ t * s / sqrt(n)``. Bounded on both sides (a share): the same
    t-interval made on the logit scale of the mean's place in the range and mapped back,
    with the standard error carried over by the delta method (``se / (p (1 - p))``, as
    for survey proportions): it holds the mean, stays strictly inside the range while
    the values differ, and needs no clipping of values exactly at 0 or 1 (only a mean at
    a bound, i.e. every value at it, gives the zero-width interval ``[mean, mean]``).
    Mapping the values instead would centre the interval on another mean and make its
    width hang on how 0s and 1s are clipped. Bounded below only (a count, a rate, days):
    the t-interval, its lower end raised to the bound if it falls below (intersecting a
    confidence interval with the values the quantity can take keeps its coverage).

    Returns:
        ``(mean, ci_low, ci_high, n)``; the interval is NaN with fewer than two values.

    Raises:
        ValueError: a value outside ``bounds``.

    """
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    low_bound, high_bound = float(bounds[0]), float(bounds[1])
    slack = 1e-9 * max(1.0, abs(float(x.max())), abs(float(x.min())))  # rounding error
    if x.min() < low_bound - slack or x.max() > high_bound + slack:
        raise ValueError(
            f"values from {x.min():g} to {x.max():g} fall outside the range "
            f"[{low_bound:g}, {high_bound:g}] they are declared to have"
        )
    x = np.clip(x, low_bound, high_bound)
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sem
    if half == 0.0:
        return mean, mean, mean, n
    if math.isfinite(low_bound) and math.isfinite(high_bound):
        return (mean, *_logit_interval(mean, half, low_bound, high_bound), n)
    return mean, max(mean - half, low_bound), min(mean + half, high_bound), n


def _logit_interval(mean: float, half: float, low: float, high: float) -> tuple[float, float]:
    """``mean -/+ half`` made on the logit scale of ``[low, high]`` (delta method)."""
    width = high - low
    p = (mean - low) / width
    if p <= 0.0 or p >= 1.0:  # every value at a bound, yet ``half`` > 0 by rounding
        return mean, mean
    centre = float(special.logit(p))
    spread = half / width / (p * (1.0 - p))
    return (
        low + width * float(special.expit(centre - spread)),
        low + width * float(special.expit(centre + spread)),
    )


def summarize(
    kpi_rows: Sequence[Mapping[str, float]], names: Sequence[str]
) -> list[dict[str, float | str]]:
    """One row per KPI: mean, ci_low, ci_high (inside its range), n, too_few_replications.

    Raises:
        ValueError: a KPI value outside the KPI's range (``KPI.bounds``), naming the KPI.

    """
    rows: list[dict[str, float | str]] = []
    for name in names:
        try:
            mean, low, high, n = t_interval(
                [row[name] for row in kpi_rows], bounds=kpi_bounds(name)
            )
        except ValueError as exc:
            raise ValueError(f"KPI {name}: {exc} (sim.metrics.KPI.bounds)") from None
        rows.append(
            {
                "kpi": name,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "n": n,
                "too_few_replications": int(too_few(n)),
            }
        )
    return rows


def difference_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    """The range of a difference of two values in ``bounds`` (shares: [-1, 1])."""
    low, high = bounds
    return low - high, high - low


def paired_difference(
    a: Sequence[float],
    b: Sequence[float],
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] = UNBOUNDED,
) -> tuple[float, float, float, int]:
    """t-interval of ``b - a`` paired by replication (common random numbers).

    ``bounds`` is the range of the values compared (``KPI.bounds``); the interval is cut
    to the range of their difference (:func:`difference_bounds`: [-1, 1] for shares),
    which keeps its coverage. The difference itself is not transformed: near 0 a
    difference behaves like any unbounded quantity.
    """
    if len(a) != len(b):
        raise ValueError("paired samples need the same number of replications")
    mean, low, high, n = t_interval([y - x for x, y in zip(a, b, strict=True)], confidence)
    least, most = difference_bounds(bounds)
    return mean, max(low, least), min(high, most), n


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
