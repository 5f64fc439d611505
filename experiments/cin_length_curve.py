"""Children on a CiN plan against the odds of a CiN review closing: the curve sim.localise
inverts.

Covers: every authority's children in need (issue 16). An authority's children in need at
31 March, less those on a protection plan, per referral (CIN25) says how long its CiN
plans last relative to England's, and with it how much of its workers' time they take. A
CiN review closes the case with ``pathway.cin_review_close_prob`` once need is not seen to
be high, so that probability's odds are the lever for how long CiN plans last. This runs
the average authority with the odds times each scale and prints the simulated CiN stock
relative to the default's; sim.localise.CIN_LENGTH_CURVE holds the printed table. It
also prints the default's open cases held by its workers (caseload x workers in post) and
the CiN and protection plans among them: sim.localise.HELD.

Run: .venv/bin/python experiments/cin_length_curve.py [replications]
"""

from __future__ import annotations

import sys

from sim.composition import compose_config
from sim.config import Config
from sim.metrics import _window_weeks
from sim.runner import Job, Run, run_many

SCALES = (0.2, 0.3, 0.45, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0)
"""Odds scales measured, beyond the authorities' range either way."""


def scaled(p: float, scale: float) -> float:
    """``p`` with its odds times ``scale``."""
    odds = p / (1 - p) * scale
    return odds / (1 + odds)


def held(run: Run) -> tuple[float, float, float]:
    """Cases held by workers (caseload x workers in post), on CiN plans, on plans: means."""
    weeks = _window_weeks(run.rec)
    cases = sum(
        w.stocks["caseload_mean"] * (w.stocks["permanent"] + w.stocks["agency"]) for w in weeks
    )
    cin = sum(w.stocks["cin_open"] for w in weeks)
    cpp = sum(w.stocks["cpp_open"] for w in weeks)
    return cases / len(weeks), cin / len(weeks), cpp / len(weeks)


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
    cases = run_many([Job(compose_config([]), r) for r in range(6)], held, progress=False)
    h, cin, cpp = (sum(c[i] for c in cases) / len(cases) for i in range(3))
    print(f"# HELD: held {h:.0f}, cin {cin:.0f}, cpp {cpp:.0f}, other {h - cin - cpp:.0f}")
    print("# odds scale, CiN stock / the default's")
    for scale, stock in stocks.items():
        print(f"({scale:g}, {stock / stocks[1.0]:.3f}),  # {stock:.0f}")


if __name__ == "__main__":
    main()
