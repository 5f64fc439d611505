"""Canned multi-scenario studies that the README, experiments/ and tests share.

A study runs several variants of one configuration with the same seeds (common random
numbers) and returns their per-replication results; the tables for figures come from
analysis.py (``weekly_turnover``) and the figures from plots.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.config import Config, validate
from sim.metrics import over_weeks
from sim.results import ReplicationResult
from sim.runner import run_replications


@dataclass
class ShockStudy:
    """Results of the demand-shock study: variant label -> replications."""

    results: dict[str, list[ReplicationResult]]
    shock_start_day: int
    shock_end_day: int
    warmup_day: int


SHOCK_VARIANTS = {
    "feedback on, shock": (True, True),
    "feedback on, no shock": (True, False),
    "feedback off, shock": (False, True),
    "feedback off, no shock": (False, False),
}


def demand_shock_study(
    cfg: Config,
    factor: float = 1.3,
    months: float = 6.0,
    progress: bool = False,
    feedback_off_replications: int | None = None,
) -> ShockStudy:
    """Run ``cfg`` with and without a demand shock, with the turnover feedback on and off.

    The shock multiplies new referrals by ``factor`` for ``months`` from
    ``cfg.authority.demand_shock_start_years``. "Feedback off" sets
    ``workforce.turnover_pressure_effect`` to 0, and runs ``feedback_off_replications``
    (default ``cfg.run.replications``): the first replications of the same seeds, enough
    for a check that the pair's turnover is identical by construction.
    """
    results = {}
    for label, (feedback, shock) in SHOCK_VARIANTS.items():
        replications = cfg.run.replications
        if not feedback and feedback_off_replications is not None:
            replications = feedback_off_replications
        authority = dataclasses.replace(
            cfg.authority, demand_shock_factor=factor if shock else 1.0, demand_shock_months=months
        )
        workforce = dataclasses.replace(
            cfg.workforce,
            turnover_pressure_effect=cfg.workforce.turnover_pressure_effect if feedback else 0.0,
        )
        run = dataclasses.replace(cfg.run, replications=replications)
        variant = validate(
            dataclasses.replace(cfg, authority=authority, workforce=workforce, run=run)
        )
        results[label] = run_replications(variant, progress=progress)
    start = round(cfg.authority.demand_shock_start_years * 365.25)
    return ShockStudy(
        results, start, start + round(months * 365.25 / 12), round(cfg.run.warmup_years * 365.25)
    )


def turnover_between(
    result: ReplicationResult, start_day: int, end_day: int, start_date: str
) -> float:
    """Annualised permanent turnover of one replication between two simulation days.

    The turnover KPI read from the weeks starting in ``[start_day, end_day)``
    (``metrics.over_weeks``).
    """
    from datetime import date

    origin = date.fromisoformat(start_date)
    rows = [
        r
        for r in result.timeseries
        if start_day <= (date.fromisoformat(r["week_start"]) - origin).days < end_day
    ]
    return over_weeks("turnover_rate", rows)
