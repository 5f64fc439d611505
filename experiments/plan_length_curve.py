"""Plan length against policy.end_plan_need_margin: the curve sim.localise inverts.

Covers: every authority's plan length (issue 16). An authority's children on a plan per
plan started a year (CIN25: stock at 31 March over starts) is, by Little's law, its mean
time on a plan. The model's plans end at a review only once the need the conference sees
is below the high-need threshold less ``policy.end_plan_need_margin``, so the margin is the
lever for plan length (the review end probabilities barely move it: odds x 0.25 to x 4
gave 0.93 to 0.77 years). This runs the average authority at a row of margins and prints
the simulated stock, starts and their ratio; sim.localise.PLAN_LENGTH_CURVE holds the
printed table.

Run: .venv/bin/python experiments/plan_length_curve.py [replications]
"""

from __future__ import annotations

import sys

from sim.composition import compose_config
from sim.runner import Job, run_many

MARGINS = (-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)
"""Margins measured (sd of need), beyond the authorities' range either way."""


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print("# margin, years on a plan (stock / starts), stock, starts")
    for margin in MARGINS:
        cfg = compose_config([f"policy.end_plan_need_margin={margin}"])
        results = run_many([Job(cfg, r) for r in range(reps)], progress=False)
        stock = sum(r.kpis["cpp_open_mean"] for r in results) / reps
        starts = sum(r.kpis["cpp_starts_per_year"] for r in results) / reps
        print(f"({margin:+.2f}, {stock / starts:.3f}),  # {stock:.0f} / {starts:.0f}", flush=True)


if __name__ == "__main__":
    main()
