"""Demand shock: does a six-month rise in referrals leave turnover raised after it ends?

Covers: the workforce pressure feedback (issue 3).
Scenario: an average authority; new referrals +30% for six months from the start of year
two; turnover feedback on (the default) and off; the same seeds in every variant.

Writes results/reference/demand_shock.png (shown in the README) and prints the mean
turnover before, during and after the shock.

Run: .venv/bin/python experiments/demand_shock.py [replications]
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.analysis import t_interval, weekly_turnover
from sim.config import Config, validate
from sim.plots import save, turnover_shock_figure
from sim.studies import demand_shock_study, turnover_between

ROOT = Path(__file__).resolve().parents[1]
WINDOW_WEEKS = 26
"""Weeks in the rolling turnover window of the figure."""


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    cfg = Config()
    cfg.run.replications = reps
    cfg.run.years = 4.0
    cfg.authority.demand_shock_start_years = 2.0
    validate(cfg)
    study = demand_shock_study(cfg, factor=1.3, months=6.0, progress=True)
    out = ROOT / "results" / "reference" / "demand_shock.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    series = {
        label: weekly_turnover(results, WINDOW_WEEKS) for label, results in study.results.items()
    }
    shock_days = (study.shock_start_day, study.shock_end_day)
    save(turnover_shock_figure(series, shock_days, cfg.run.start_date, WINDOW_WEEKS), out)
    s, e = study.shock_start_day, study.shock_end_day
    windows = {"year before": (s - 365, s), "during shock": (s, e), "6 months after": (e, e + 183)}
    for label, results in study.results.items():
        cells = []
        for name, (lo, hi) in windows.items():
            mean, low, high, _ = t_interval(
                [turnover_between(r, lo, hi, cfg.run.start_date) for r in results]
            )
            cells.append(f"{name}: {mean:.1%} [{low:.1%}, {high:.1%}]")
        print(f"{label:24s} " + "; ".join(cells))
    print(f"figure: {out}")


if __name__ == "__main__":
    main()
