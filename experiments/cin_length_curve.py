"""Children on a CiN plan against the odds of a CiN review closing: the curve sim.localise
inverts.

Covers: every authority's children in need (issue 16). An authority's children in need at
31 March, less those on a protection plan, per referral (CIN25) says how long its CiN
plans last relative to England's, and with it how much of its workers' time they take. A
CiN review closes the case with ``pathway.cin_review_close_prob`` once need is not seen to
be high, so that probability's odds are the lever for how long CiN plans last. This runs
the average authority with the odds times each scale and prints the simulated CiN stock
relative to the default's; sim.localise.CIN_LENGTH_CURVE holds the printed table.

Run: .venv/bin/python experiments/cin_length_curve.py [replications]
"""

from __future__ import annotations

import sys

from sim.composition import compose_config
from sim.config import Config
from sim.runner import Job, run_many

SCALES = (0.2, 0.3, 0.45, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0)
"""Odds scales measured, beyond the authorities' range either way."""


def scaled(p: float, scale: float) -> float:
    """``p`` with its odds times ``scale``."""
    odds = p / (1 - p) * scale
    return odds / (1 + odds)


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    default = Config().pathway.cin_review_close_prob
    stocks = {}
    for scale in SCALES:
        p = round(scaled(default, scale), 4)
        cfg = compose_config([f"pathway.cin_review_close_prob={p}"])
        results = run_many([Job(cfg, r) for r in range(reps)], progress=False)
        stocks[scale] = sum(r.kpis["cin_open_mean"] for r in results) / reps
        print(f"# odds x {scale:g} (p {p:.4f}): {stocks[scale]:.0f} on a CiN plan", flush=True)
    print("# odds scale, CiN stock / the default's")
    for scale, stock in stocks.items():
        print(f"({scale:g}, {stock / stocks[1.0]:.3f}),  # {stock:.0f}")


if __name__ == "__main__":
    main()
