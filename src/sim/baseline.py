"""The committed seeded baseline: a small fixed run whose KPIs must not move unnoticed.

``tests/baseline/kpis.csv`` holds every KPI of two replications of a quarter-size
average authority (three years, one of warm-up), and ``tests/baseline/case_log.csv``
a digest of every child's chronology in the first replication. ``tests/test_baseline.py``
runs the same configuration and fails when either differs. A change that moves results on
purpose regenerates both with ``make baseline`` (``python -m sim.baseline``) and says in
its commit which KPIs moved and why (Covasim's tests/test_baselines.py does the same).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

from sim.arguments import OneLineParser
from sim.config import Config, scale_authority, validate
from sim.metrics import compute_kpis
from sim.runner import run_one

BASELINE_DIR = Path(__file__).resolve().parents[2] / "tests" / "baseline"
KPI_FILE = "kpis.csv"
CASE_LOG_FILE = "case_log.csv"
REPLICATIONS = 2
SCALE = 0.25
"""The authority's size against the average authority (rates per child unchanged)."""


def baseline_config() -> Config:
    """The baseline's configuration: a quarter-size average authority, 3 years, seed 7."""
    cfg = scale_authority(Config(), SCALE)
    cfg.run.years = 3.0
    cfg.run.warmup_years = 1.0
    cfg.run.seed = 7
    return validate(cfg)


def kpi_rows() -> list[dict[str, str]]:
    """One row per KPI and replication, values written with ``repr`` (exact floats)."""
    cfg = baseline_config()
    rows = []
    for replication in range(REPLICATIONS):
        kpis = compute_kpis(run_one(cfg, replication).rec)
        rows += [
            {"replication": str(replication), "kpi": name, "value": repr(value)}
            for name, value in kpis.items()
        ]
    return rows


def case_log_rows() -> list[dict[str, str]]:
    """Per event type of replication 0's case log: how many, and a digest of them all."""
    log = run_one(baseline_config(), 0, case_log=True).case_log
    assert log is not None
    by_event: dict[str, list[str]] = {}
    for child_id in log.children():
        for day, event, worker, detail in sorted(log.entries[child_id]):
            by_event.setdefault(event, []).append(f"{child_id}|{float(day)!r}|{worker}|{detail}")
    return [
        {
            "event": event,
            "count": str(len(lines)),
            "sha256": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
        }
        for event, lines in sorted(by_event.items())
    ]


def write_rows(rows: Sequence[dict[str, str]], path: Path) -> None:
    """Write ``rows`` as CSV with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the committed baseline files."""
    parser = OneLineParser(prog="python -m sim.baseline", description=__doc__)
    parser.add_argument("--out", type=Path, default=BASELINE_DIR, help="folder to write to")
    args = parser.parse_args(argv)
    write_rows(kpi_rows(), args.out / KPI_FILE)
    write_rows(case_log_rows(), args.out / CASE_LOG_FILE)
    print(f"Baseline written to {args.out}")  # noqa: T201 - a command's one line of output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
