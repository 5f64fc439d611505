"""``python -m sim.replications``: how many replications a run needs, KPI by KPI.

The sequential procedure for a relative precision (Law, *Simulation Modeling and
Analysis*, 5th ed., section 9.4.1): run ``--start`` replications; while some headline KPI's
95% interval is wider than the precision asked, run ``--step`` more; stop when every KPI
meets it or at ``--max``. A KPI meets a relative precision ``gamma`` when its half-width
over the absolute mean is at most ``gamma / (1 + gamma)`` (Law's adjusted relative
error, which keeps the actual relative error below ``gamma`` with the interval's
confidence). Half-widths are those the reports use (``analysis.t_interval``, inside each
KPI's range). Replication ``r`` is the same run whatever the batch sizes or processes,
so the advice is deterministic for a configuration and seed.

Writes ``<out>/replications.csv`` (one row per KPI: mean, half-width, relative
half-width, the target, the replications run, met, and the estimate
``ceil(n * (relative half-width / target)^2)``, at least 2, of the replications that would
meet it) and
prints the table. Further arguments are Hydra overrides (``scenario=high_caseload``,
``authority=leeds``, ``run.years=3``).
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim import composition
from sim.analysis import kpi_bounds, t_interval
from sim.arguments import OneLineParser
from sim.config import Config, ConfigError
from sim.metrics import HEADLINE_KPIS
from sim.runner import Job, run_many
from sim.userfiles import check_writable, staged

START = 5
"""Replications before the first check: the fewest whose intervals the reports trust
(analysis.MIN_REPLICATIONS)."""
STEP = 5
MAXIMUM = 60
PRECISION = 0.05
"""Default relative precision: the interval's half-width within about 5% of the mean."""
COLUMNS = (
    "kpi",
    "mean",
    "half_width",
    "relative_half_width",
    "target",
    "replications",
    "met",
    "replications_needed",
)


@dataclass(frozen=True)
class Precision:
    """One KPI's interval after ``n`` replications, against the relative precision asked."""

    kpi: str
    mean: float
    half_width: float
    n: int
    """Replications that measured the KPI (a run with nothing to measure gives NaN)."""
    gamma: float
    runs: int
    """Replications run."""

    @property
    def relative(self) -> float:
        """Half-width over the absolute mean (inf for a mean of 0, NaN with no interval)."""
        if math.isnan(self.half_width):
            return math.nan
        return self.half_width / abs(self.mean) if self.mean else math.inf

    @property
    def target(self) -> float:
        """The relative half-width that meets ``gamma`` (Law's adjusted relative error)."""
        return self.gamma / (1.0 + self.gamma)

    @property
    def met(self) -> bool:
        """Whether the interval is narrow enough (NaN, e.g. no plan to measure: never)."""
        return self.relative <= self.target

    @property
    def needed(self) -> float:
        """Replications estimated to meet the target: ``ceil(n (relative / target)^2)``.

        At least 2 (an interval needs two); below ``n`` for a KPI that met it with room.
        """
        if not math.isfinite(self.relative):
            return math.nan
        return float(max(2, math.ceil(self.n * (self.relative / self.target) ** 2)))


def precision(kpi: str, values: Sequence[float], gamma: float) -> Precision:
    """The interval of ``values`` (one per replication) as the reports make it."""
    mean, low, high, n = t_interval(values, bounds=kpi_bounds(kpi))
    half = max(mean - low, high - mean) if n >= 2 else math.nan
    return Precision(kpi, mean, half, n, gamma, len(values))


def advise(
    cfg: Config,
    kpis: Sequence[str] = HEADLINE_KPIS,
    gamma: float = PRECISION,
    start: int = START,
    step: int = STEP,
    maximum: int = MAXIMUM,
    n_jobs: int = 0,
    progress: bool | None = None,
) -> list[Precision]:
    """Run replications of ``cfg`` until every KPI meets ``gamma`` or ``maximum`` is reached."""
    if not 0 < gamma < 1:
        raise ConfigError(f"--precision: {gamma:g}; allowed: more than 0 and less than 1")
    if not 2 <= start <= maximum:
        raise ConfigError(f"--start: {start}; allowed: 2 to --max ({maximum})")
    if step < 1:
        raise ConfigError(f"--step: {step}; allowed: >= 1")
    rows: list[dict[str, float]] = []
    while True:
        batch = range(len(rows), min(maximum, start if not rows else len(rows) + step))
        results = run_many([Job(cfg, r) for r in batch], n_jobs=n_jobs, progress=progress)
        rows += [r.kpis for r in results]
        found = [precision(k, [row[k] for row in rows], gamma) for k in kpis]
        if all(p.met for p in found) or len(rows) >= maximum:
            return found


def write_csv(found: Sequence[Precision], path: Path) -> Path:
    """The advice as ``replications.csv`` (COLUMNS)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for p in found:
            writer.writerow(
                [p.kpi, p.mean, p.half_width, p.relative, p.target, p.runs, p.met, p.needed]
            )
    return path


def table(found: Sequence[Precision]) -> str:
    """The advice as a plain table for the console."""
    lines = [f"{'KPI':<32} {'mean':>10} {'± half':>10} {'relative':>9} {'met':>4} {'needed':>7}"]
    for p in found:
        needed = "-" if math.isnan(p.needed) else f"{p.needed:.0f}"
        lines.append(
            f"{p.kpi:<32} {p.mean:>10.4g} {p.half_width:>10.3g} {p.relative:>9.1%} "
            f"{'yes' if p.met else 'no':>4} {needed:>7}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(
        prog="python -m sim.replications", description=__doc__.splitlines()[0].split(": ")[1]
    )
    parser.add_argument(
        "overrides", nargs="*", help="Hydra overrides (scenario=..., run.years=...)"
    )
    parser.add_argument("--precision", type=float, default=PRECISION, help="relative half-width")
    parser.add_argument(
        "--start", type=int, default=START, help="replications before the first check"
    )
    parser.add_argument("--step", type=int, default=STEP, help="replications added each round")
    parser.add_argument("--max", type=int, default=MAXIMUM, help="the most replications to run")
    parser.add_argument("--n-jobs", type=int, default=0, help="processes (default: all cores)")
    parser.add_argument(
        "--out", type=Path, default=Path("results") / "replications", help="output folder"
    )
    args = parser.parse_args(argv)
    try:
        composition.refuse_ignored(
            args.overrides,
            "the advisor",
            {
                "run.replications": "the advisor chooses it: use --start, --step and --max",
                "run.n_jobs": "use --n-jobs",
            },
            "--out FOLDER",
        )
        cfg = composition.compose_config(args.overrides)
        check_writable(args.out)  # before the runs, not after
        found = advise(
            cfg, HEADLINE_KPIS, args.precision, args.start, args.step, args.max, args.n_jobs
        )
        with staged(args.out) as staging:
            write_csv(found, staging / "replications.csv")
    except ConfigError as exc:
        print(f"sim.replications: error: {exc}", file=sys.stderr)
        return 2
    print(table(found))
    n = max(p.runs for p in found)
    if all(p.met for p in found):
        print(f"Every headline KPI is within {args.precision:.0%} after {n} replications.")
    else:
        print(
            f"Not every headline KPI is within {args.precision:.0%} after {n} replications "
            "(--max): 'needed' estimates how many would do."
        )
    print(args.out / "replications.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
