"""Statistical checks against published figures, between scenarios, and against theory.

These run whole multi-replication experiments; they are marked ``slow`` and
``validation`` and run in CI with the rest of the suite (``make test``).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import summarize, t_interval
from sim.calibration import TARGETS
from sim.config import Config, validate
from sim.metrics import DAYS_PER_YEAR, KPIS
from sim.runner import run_one, run_replications

pytestmark = [pytest.mark.slow, pytest.mark.validation]


@pytest.fixture(scope="module")
def baseline_summary() -> dict[str, dict]:
    """The default baseline: average authority, default replications and seed."""
    cfg = validate(Config())
    results = run_replications(cfg, progress=False)
    return {row["kpi"]: row for row in summarize([r.kpis for r in results], list(KPIS))}


NOT_YET_REACHED: dict[str, str] = {}
"""Targets the baseline does not reach yet, and why (strict: a pass fails, to remove it)."""


@pytest.mark.parametrize(
    "kpi",
    [
        pytest.param(k, marks=pytest.mark.xfail(reason=NOT_YET_REACHED[k], strict=True))
        if k in NOT_YET_REACHED
        else k
        for k in TARGETS
    ],
)
def test_baseline_lands_near_the_published_figures(baseline_summary, kpi):
    """Flows within 15% of FACTS.md's average authority, shares within 10 points.

    The mean over the default 10 replications is compared; the tolerance is the one the
    calibration report states (sim.calibration.TARGETS).
    """
    target = TARGETS[kpi]
    mean = float(baseline_summary[kpi]["mean"])
    assert target.holds(mean), (
        f"{kpi}: simulated {mean:.3f} vs published {target.value} ({target.tolerance_text()})"
    )


def _interval(cfg: Config, kpi: str) -> tuple[float, float, float, int]:
    return t_interval([r.kpis[kpi] for r in run_replications(cfg, progress=False)])


def littles_law_config() -> Config:
    """A reduced configuration: the assessment stage alone, as an infinite-server queue.

    Every referral is assessed (no front-door screening out or strategy), every
    assessment closes the case, nobody is re-referred, the caseload starts empty,
    assessments need no worker time (so no queueing for workers) and the front door has
    ample capacity. Children in assessment then form an M/G/infinity queue, for which
    Little's law L = lambda * W holds exactly in the long run.
    """
    cfg = Config()
    cfg.pathway.front_door_nfa_prob = 0.0
    cfg.pathway.front_door_strategy_prob = 0.0
    cfg.pathway.assessment_not_in_need_prob = 1.0
    cfg.pathway.assessment_strategy_prob = 0.0
    cfg.pathway.assessment_cin_prob = 0.0
    cfg.pathway.assessment_hours = 0.0
    cfg.need.rereferral_prob = 0.0
    cfg.authority.mash_decisions_per_day = 1000.0
    cfg.run.prepopulate = False
    cfg.run.years = 6.0
    cfg.run.warmup_years = 1.0
    return validate(cfg)


def test_assessment_stage_obeys_littles_law():
    """Mean number in assessment (weekly snapshots) vs arrival rate x mean time in it.

    L comes from the weekly stock snapshots, lambda from counted starts and W from the
    recorded episode durations: three separately recorded quantities. Tolerance 3%:
    with about 13,000 assessments a year over five years the sampling error of each side
    is well under 1%; the rest allows for snapshots being taken on Monday mornings only.
    """
    rec = run_one(littles_law_config(), 0).rec
    # Measure on a window that ends 200 days before the run does, so every assessment
    # started in it has finished (none is censored) and W is not biased down.
    lo, hi = rec.warmup_day, rec.end_day - 200
    weeks = [w for w in rec.weeks if lo <= w.day < hi]
    stock = float(np.mean([w.stocks["assessment_open"] for w in weeks]))
    episodes = [e for e in rec.episodes if e["kind"] == "assessment" and lo <= e["start_day"] < hi]
    arrival_rate = len(episodes) / (hi - lo)
    assert all(e["end_day"] is not None for e in episodes)
    mean_time = float(np.mean([e["end_day"] - e["start_day"] for e in episodes]))
    assert stock == pytest.approx(arrival_rate * mean_time, rel=0.03)
    assert 25 <= mean_time <= 60
    assert rec.end_day / DAYS_PER_YEAR == pytest.approx(6.0, abs=0.01)
