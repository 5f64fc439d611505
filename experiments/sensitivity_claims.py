"""Do the teaching notes' claims about posts hold across the dominant assumptions' ranges?

Covers: issue 17 (what the sensitivity analysis means for the claims in docs/teaching.md).
The baseline Morris screen ranks the time an assessment takes
(``pathway.assessment_hours``) and the weekly casework budget
(``workforce.casework_hours_per_week``) first for drift and visits. This runs the average
authority at the four corners of their plausible ranges, each with all its posts, a tenth
fewer and a fifth fewer (``authority.social_workers_factor``), and prints drift, CPP and
CiN visits on time, the caseload and turnover. docs/teaching.md ("How sure is the shape?")
and docs/sensitivity.md quote the table.

Run: .venv/bin/python experiments/sensitivity_claims.py [replications]
"""

from __future__ import annotations

import itertools
import sys

from sim.composition import compose_config
from sim.runner import Job, run_many

ASSESSMENT_HOURS = (6.0, 20.0)
CASEWORK_HOURS = (21.0, 29.0)
POSTS = (1.0, 0.9, 0.8)
SHOWN = (
    "drift_share",
    "cpp_visits_on_time",
    "cin_visits_on_time",
    "caseload_mean",
    "turnover_rate",
)


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print("assessment h, casework h/week, posts, " + ", ".join(SHOWN))
    for hours, budget in itertools.product(ASSESSMENT_HOURS, CASEWORK_HOURS):
        for posts in POSTS:
            cfg = compose_config(
                [
                    f"pathway.assessment_hours={hours}",
                    f"workforce.casework_hours_per_week={budget}",
                    f"authority.social_workers_factor={posts}",
                ]
            )
            results = run_many([Job(cfg, r) for r in range(reps)], progress=False)
            means = [sum(r.kpis[k] for r in results) / reps for k in SHOWN]
            print(f"{hours:g}, {budget:g}, {posts:g}, " + ", ".join(f"{m:.3f}" for m in means))


if __name__ == "__main__":
    main()
