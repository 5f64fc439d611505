"""A warm-up check for any configuration: MSER-5 on the weekly series of a run.

MSER-5 (White 1997; White, Cobb and Spratt 2000) truncates a series where what is left is
estimated most precisely: the series is cut into batches of five and their means taken;
for each truncation ``d`` batches, over the first half of the batches, the statistic is
the squared deviation of the batch means left about their mean, divided by the square of
how many are left; the suggested warm-up is the ``d`` that minimises it (times five).
An initial transient raises the deviations of the batches it is in, so cutting it away
lowers the statistic; on a stationary series the minimum falls near the start.

Applied per replication to the whole run, warm-up included, on the weekly series of key
measures (:data:`SERIES`, read from timeseries.csv); the run's report compares the
suggestions with the configured ``run.warmup_years``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.metrics import WEEKLY, weekly_series

BATCH = 5
"""Observations per batch (MSER-5)."""
SERIES = {
    "cpp_open_mean": "Children on a child protection plan",
    "open_cases": "Open cases",
    "caseload_mean": "Mean caseload",
    "drift_share": "Share of plan-days in drift",
}
"""The weekly series checked: a KPI read week by week (metrics.WEEKLY) or a stock column."""
WEEKS_PER_YEAR = 365.25 / 7.0


def mser(series: Sequence[float] | np.ndarray, batch: int = BATCH) -> int:
    """The MSER truncation point of ``series``, in observations (a multiple of ``batch``).

    Missing values (NaN) are replaced by the mean of the rest; observations after the
    last whole batch are left out. A series of fewer than two batches gives 0.
    """
    x = np.asarray(series, dtype=float)
    if np.isnan(x).all():
        return 0
    x = np.where(np.isnan(x), np.nanmean(x), x)
    n = len(x) // batch
    if n < 2:
        return 0
    means = x[: n * batch].reshape(n, batch).mean(axis=1)
    left = np.arange(n, 0, -1)  # batch means left after truncating d = 0, 1, ...
    total = np.cumsum(means[::-1])[::-1]
    squares = np.cumsum((means**2)[::-1])[::-1]
    statistic = (squares - total**2 / left) / left**2
    return int(np.argmin(statistic[: n // 2 + 1])) * batch


@dataclass(frozen=True)
class Suggestion:
    """MSER-5's warm-up for one series: per replication and their mean, in years."""

    series: str
    label: str
    years: tuple[float, ...]

    @property
    def mean_years(self) -> float:
        """Mean over replications."""
        return float(np.mean(self.years))

    @property
    def max_years(self) -> float:
        """Longest over replications."""
        return max(self.years)


def series_of(name: str, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """One replication's weekly series ``name`` from its rows of timeseries.csv."""
    if name in WEEKLY:
        return weekly_series(name, rows)
    return np.array([float(row[name]) for row in rows])


def suggest(rows: Sequence[Mapping[str, Any]]) -> list[Suggestion]:
    """MSER-5 warm-ups of :data:`SERIES` from the rows of timeseries.csv (all replications)."""
    by_rep: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_rep.setdefault(str(row["replication"]), []).append(row)
    return [
        Suggestion(
            name,
            label,
            tuple(mser(series_of(name, reps)) / WEEKS_PER_YEAR for reps in by_rep.values()),
        )
        for name, label in SERIES.items()
    ]


def configured_years(rows: Sequence[Mapping[str, Any]]) -> float:
    """The configured warm-up as recorded: unmeasured weeks of the first replication."""
    first = str(rows[0]["replication"]) if rows else ""
    weeks = sum(1 for r in rows if str(r["replication"]) == first and not int(float(r["measured"])))
    return weeks / WEEKS_PER_YEAR
