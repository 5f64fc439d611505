"""The model's own steady-state mix, which the pre-populated caseload on day 0 copies.

Covers: issue 13 item 7 (pre-populated cases carry realistic histories). Scenario: the
default configuration (or the overrides given), run.years=10 with one year of warm-up,
two replications. Prints what demand.py's constants ``INITIAL_NEED`` and ``HISTORY``
hold: for children open on a CPP and on a CiN plan at the end of each year from year 5,
the mean and sd of baseline need, how far it lies below the underlying need, and the
share with an earlier CPP (for a CiN plan: with any CPP); for cases closed in years 5-10,
the share whose child has had a CPP and the gap between underlying and baseline need of
those with and without one. Re-run it after a change to need dynamics or decisions, and
copy the figures into demand.py if they moved.

Run: PYTHONPATH=src .venv/bin/python experiments/initial_mix.py [override ...]
"""

from __future__ import annotations

import statistics
import sys

from sim import events as ev
from sim.composition import compose_config
from sim.entities import State
from sim.model import DAYS_PER_YEAR, Model

FROM_YEAR = 5


def main(overrides: list[str]) -> None:
    cfg = compose_config(["run.years=10", "run.warmup_years=1", *overrides])
    open_rows: dict[str, list[tuple[float, float, bool]]] = {"cpp": [], "cin": []}
    closed: list[tuple[bool, float]] = []
    for rep in range(2):
        m = Model(cfg, rep)

        def on_closed(r: ev.Closed, m: Model = m) -> None:
            if r.day >= FROM_YEAR * DAYS_PER_YEAR and not r.before_run:
                child = m.children[r.child]
                closed.append((child.cpp_plans > 0, child.underlying_need - child.baseline_need))

        def on_week(r: ev.WeekStarted, m: Model = m) -> None:
            if r.day < FROM_YEAR * DAYS_PER_YEAR or int(r.day) % 364 >= 7:
                return
            for stage, state, earlier in (("cpp", State.CPP, 1), ("cin", State.CIN, 0)):
                for i in m.by_state[state]:
                    c = m.children[i]
                    gap = c.underlying_need - c.baseline_need
                    open_rows[stage].append((c.baseline_need, gap, c.cpp_plans > earlier))

        m.events.subscribe({ev.Closed: on_closed, ev.WeekStarted: on_week})
        m.run()
    for stage, rows in open_rows.items():
        base = [b for b, _, _ in rows]
        print(
            f"open {stage}: baseline mean {statistics.mean(base):.2f} sd {statistics.stdev(base):.2f}; "
            f"underlying - baseline {statistics.mean(g for _, g, _ in rows):.2f}; "
            f"earlier CPP share {statistics.mean(h for _, _, h in rows):.3f} (n={len(rows)})"
        )
    with_plan = [g for h, g in closed if h]
    without = [g for h, g in closed if not h]
    print(
        f"closures: share with a CPP {len(with_plan) / len(closed):.3f}; underlying - baseline "
        f"{statistics.mean(with_plan):.2f} with, {statistics.mean(without):.2f} without"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
