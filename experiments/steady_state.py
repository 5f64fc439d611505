"""Steady state: do the baseline's stocks, caseload, drift and need stay level over a long run?

Covers: the stationarity of the case-stock and need dynamics (issue 13, item 7).
Scenario: the default configuration (or the overrides given), run.years=11 with one year
of warm-up, a few replications, one at a time.

Prints, for each simulated year, the mean over replications of the weekly CPP stock, CiN
stock, open cases, mean caseload and drift share (read from the recorder's weekly records
as timeseries.csv has them, through metrics.over_weeks), with the mean latent need and
baseline need of open cases and of closed families at the year's last week, the share of
CPP starts that are a child's second or later plan and the share of referrals that are
re-referrals. The workforce columns show how it settles: permanent and agency workers in
post, the permanent workers' mean excess overload (the part of sustained overload above
``pressure_tolerance`` that raises their leaving hazard, capped at 1) and their share in
the first ``early_leaving_years`` of service, averaged over each year's weeks.

Run: PYTHONPATH=src .venv/bin/python experiments/steady_state.py [replications] [override ...]
"""

from __future__ import annotations

import sys
from collections import defaultdict

import numpy as np

from sim import events as ev
from sim.composition import compose_config
from sim.entities import State
from sim.metrics import Recorder, over_weeks
from sim.model import DAYS_PER_YEAR, Model

YEARS = 11.0
SERIES = (
    "cpp_open_mean",
    "cin_open_mean",
    "caseload_mean",
    "drift_share",
    "vacancy_rate",
    "turnover_rate",
)
STOCKS = ("open_cases", "unallocated", "workers")


class NeedProbe:
    """Mean need of open and closed children at each week's start (a week observer)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.rows: list[tuple[float, float, float, float, float]] = []

    def week(self, r: ev.WeekStarted) -> None:
        """Note the open and closed children's mean need and baseline need this week."""
        kids = self.model.children.values()
        open_ = [c for c in kids if c.state not in (State.CLOSED, State.CARE)]
        closed = [c for c in kids if c.state is State.CLOSED]
        self.rows.append(
            (
                r.day,
                _mean([c.need for c in open_]),
                _mean([c.baseline_need for c in open_]),
                _mean([c.need for c in closed]),
                _mean([c.baseline_need for c in closed]),
            )
        )


class WorkforceProbe:
    """Permanent and agency workers, mean excess overload and early-service share weekly."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.rows: list[tuple[float, float, float, float, float]] = []

    def week(self, r: ev.WeekStarted) -> None:
        """Note the workforce's make-up and pressure at the week's start."""
        c = self.model.cfg.workforce
        workers = self.model.workforce.workers
        permanent = [w for w in workers if w.kind == "permanent"]
        early_days = c.early_leaving_years * DAYS_PER_YEAR
        self.rows.append(
            (
                r.day,
                float(len(permanent)),
                float(len(workers) - len(permanent)),
                _mean(
                    [
                        min(1.0, max(0.0, w.sustained_overload - c.pressure_tolerance))
                        for w in permanent
                    ]
                ),
                _mean([float(r.day - w.start_day < early_days) for w in permanent]),
            )
        )


class PlanCounter:
    """CPP starts and whether each is a repeat plan; referrals and whether each is repeat."""

    def __init__(self) -> None:
        self.cpp_seen: set[int] = set()
        self.cpp: list[tuple[float, bool]] = []
        self.referrals: list[tuple[float, bool]] = []

    def started(self, r: ev.EpisodeStarted) -> None:
        """Count a CPP start; a child's second plan in the run counts as a repeat."""
        if r.kind == "cpp":
            self.cpp.append((r.day, r.child in self.cpp_seen or getattr(r, "plan_number", 1) > 1))
            self.cpp_seen.add(r.child)

    def referred(self, r: ev.Referred) -> None:
        """Count a referral in the run."""
        if not r.before_run:
            self.referrals.append((r.day, r.repeat))


def _mean(xs: list[float]) -> float:
    return float(np.mean(xs)) if xs else float("nan")


def run(cfg_overrides: list[str], replication: int) -> dict[str, np.ndarray]:
    """One long replication; yearly means of the series and the probes."""
    cfg = compose_config([f"run.years={YEARS}", "run.warmup_years=1", *cfg_overrides])
    model = Model(cfg, replication)
    rec = Recorder.attach(model)
    probe, plans, staff = NeedProbe(model), PlanCounter(), WorkforceProbe(model)
    model.events.subscribe(
        {ev.WeekStarted: probe.week, ev.EpisodeStarted: plans.started, ev.Referred: plans.referred}
    )
    model.events.subscribe({ev.WeekStarted: staff.week})
    model.run()
    rows = [{**w.stocks, **w.flows} for w in rec.weeks]
    year = np.array([int(w.day // DAYS_PER_YEAR) for w in rec.weeks])
    n_years = int(YEARS)
    out: dict[str, np.ndarray] = {}
    by_year = [[row for row, y2 in zip(rows, year, strict=True) if y2 == y] for y in range(n_years)]
    for kpi in SERIES:
        out[kpi] = np.array([over_weeks(kpi, weeks) for weeks in by_year])
    for key in STOCKS:
        column = np.array([r[key] for r in rows], dtype=float)
        out[key] = np.array([column[year == y].mean() for y in range(n_years)])
    need = np.array(probe.rows)
    need_year = (need[:, 0] // DAYS_PER_YEAR).astype(int)
    for i, name in enumerate(("need_open", "base_open", "need_closed", "base_closed"), start=1):
        out[name] = np.array([need[need_year == y, i][-1] for y in range(n_years)])
    work = np.array(staff.rows)
    work_year = (work[:, 0] // DAYS_PER_YEAR).astype(int)
    for i, name in enumerate(("permanent", "agency", "excess", "early_share"), start=1):
        out[name] = np.array([work[work_year == y, i].mean() for y in range(n_years)])
    cpp = np.array(plans.cpp)
    cpp_year = (cpp[:, 0] // DAYS_PER_YEAR).astype(int)
    out["cpp_starts"] = np.array([(cpp_year == y).sum() for y in range(n_years)], dtype=float)
    out["cpp_repeat"] = np.array([cpp[cpp_year == y, 1].mean() for y in range(n_years)])
    refs = np.array(plans.referrals)
    ref_year = (refs[:, 0] // DAYS_PER_YEAR).astype(int)
    out["rereferral"] = np.array([refs[ref_year == y, 1].mean() for y in range(n_years)])
    return out


def main() -> None:
    """Run the replications and print the yearly table."""
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    overrides = sys.argv[2:]
    results = defaultdict(list)
    for r in range(reps):
        for k, v in run(overrides, r).items():
            results[k].append(v)
    means = {k: np.mean(v, axis=0) for k, v in results.items()}
    cols = list(means)
    print("year " + " ".join(f"{c:>12s}" for c in cols))
    for y in range(int(YEARS)):
        print(f"{y:4d} " + " ".join(f"{means[c][y]:12.3f}" for c in cols))
    first, last = slice(1, 4), slice(8, 11)
    for c in ("cpp_open_mean", "open_cases", "caseload_mean"):
        print(f"{c}: years 8-10 / years 1-3 = {means[c][last].mean() / means[c][first].mean():.3f}")
    d = means["drift_share"]
    print(
        f"drift_share: years 8-10 minus years 1-3 = {100 * (d[last].mean() - d[first].mean()):+.1f} points"
    )


if __name__ == "__main__":
    main()
