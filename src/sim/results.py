"""A run's tables and its self-describing run record.

Files written in the run folder (see README, "What a run produces"):

* ``config.yaml`` - the composed configuration;
* ``run.json`` - seed, package version, git revision, wall time, status, error;
* ``kpis.csv`` - a row per replication, a column per KPI;
* ``summary.csv`` - a row per KPI: mean, ci_low, ci_high (95% t-interval), n;
* ``timeseries.csv`` - weekly stocks and flows per replication;
* ``episodes.csv`` - a row per assessment, section 47, CPP and CiN episode.

``run.json`` is written first with status ``running``. Tables are written to a hidden
staging folder and moved into place only when all of them are complete; ``run.json``
then says ``complete``. A failed run says ``failed`` with its error and leaves no tables.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sim import __version__
from sim.metrics import KPIS, Recorder, compute_kpis

TABLES = ("kpis.csv", "summary.csv", "timeseries.csv", "episodes.csv")
WEEKLY_COUNTS = (
    "visits_due",
    "visits_on_time",
    "plan_days",
    "drift_days",
    "cpp_days",
    "cpp_unseen_days",
    "permanent_leavers",
    "agency_leavers",
    "permanent_starters",
    "agency_starters",
    "handovers",
    "manager_reviews_due",
    "manager_reviews_skipped",
    "no_access_visits",
)
"""Weekly flows written to timeseries.csv besides the pathway flows."""
STAGING = ".staging"


@dataclass
class ReplicationResult:
    """What one replication hands back to the experiment (picklable, compact)."""

    replication: int
    kpis: dict[str, float]
    timeseries: list[dict[str, Any]]
    episodes: list[dict[str, Any]]


def _iso_dates(start: date) -> Callable[[float | None], str]:
    """``day -> ISO date`` for a run starting on ``start`` ("" for None).

    Each day's text is made once: a run's tables name the same few thousand days tens
    of thousands of times.
    """
    texts: dict[int, str] = {}

    def iso(day: float | None) -> str:
        if day is None:
            return ""
        whole = int(day)
        text = texts.get(whole)
        if text is None:
            text = texts[whole] = (start + timedelta(days=whole)).isoformat()
        return text

    return iso


def replication_result(rec: Recorder, replication: int, start: date) -> ReplicationResult:
    """Turn a finished recorder into tables."""
    iso = _iso_dates(start)
    timeseries = []
    for week in rec.weeks:
        row: dict[str, Any] = {"replication": replication, "week_start": iso(week.day)}
        row["measured"] = int(rec.in_window(week.day))
        row.update(week.stocks)
        for key in (
            "referrals",
            "assessment_ended",
            "s47_started",
            "icpc_held",
            "cpp_started",
            "cin_started",
        ):
            row[key] = int(week.flows.get(key, 0))
        for key in WEEKLY_COUNTS:
            row[key] = int(week.flows.get(key, 0))
        timeseries.append(row)
    episodes = [
        {
            "replication": replication,
            "child_id": e["child_id"],
            "kind": e["kind"],
            "start_date": iso(e["start_day"]),
            "end_date": iso(e["end_day"]),
            "censored": int(e["censored"]),
            "outcome": e["outcome"],
            "due_date": iso(e["due_day"]),
        }
        for e in rec.episodes
    ]
    return ReplicationResult(replication, compute_kpis(rec), timeseries, episodes)


def git_revision() -> str | None:
    """The checkout's git revision, if the package runs from one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def write_csv(
    path: Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
) -> None:
    """Write rows of dicts as CSV (columns from the first row unless given)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV written by :func:`write_csv`."""
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


class RunRecord:
    """The self-describing ``run.json`` of one run, kept up to date as the run goes."""

    def __init__(
        self, out_dir: Path, seed: int, scenario: str, overrides: Iterable[str] = ()
    ) -> None:
        self.path = out_dir / "run.json"
        self.started = time.perf_counter()
        self.data: dict[str, Any] = {
            "status": "running",
            "scenario": scenario,
            "seed": seed,
            "version": __version__,
            "git_revision": git_revision(),
            "overrides": list(overrides),
            "started_at": datetime.now().isoformat(timespec="seconds"),
            "finished_at": None,
            "wall_seconds": None,
            "error": None,
        }
        self.write()

    def write(self) -> None:
        """Write the record atomically."""
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=2, default=str) + "\n")
        tmp.replace(self.path)

    def finish(self, status: str, error: str | None = None, **extra: Any) -> None:
        """Close the record with ``status`` (complete or failed)."""
        self.data.update(extra)
        self.data["status"] = status
        self.data["error"] = error
        self.data["finished_at"] = datetime.now().isoformat(timespec="seconds")
        self.data["wall_seconds"] = round(time.perf_counter() - self.started, 3)
        self.write()


def write_tables(
    out_dir: Path, results: Sequence[ReplicationResult], summary: Sequence[Mapping[str, Any]]
) -> None:
    """Write the four tables through a staging folder, so none appears half-written."""
    staging = out_dir / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    names = list(KPIS)
    write_csv(
        staging / "kpis.csv",
        [{"replication": r.replication, **r.kpis} for r in results],
        ["replication", *names],
    )
    write_csv(staging / "summary.csv", summary, ["kpi", "mean", "ci_low", "ci_high", "n"])
    write_csv(staging / "timeseries.csv", [row for r in results for row in r.timeseries])
    episode_columns = [
        "replication",
        "child_id",
        "kind",
        "start_date",
        "end_date",
        "censored",
        "outcome",
        "due_date",
    ]
    write_csv(
        staging / "episodes.csv", [row for r in results for row in r.episodes], episode_columns
    )
    for name in TABLES:
        (staging / name).replace(out_dir / name)
    staging.rmdir()


def is_complete(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a finished run (status complete and every table)."""
    record = out_dir / "run.json"
    if not record.exists():
        return False
    try:
        status = json.loads(record.read_text()).get("status")
    except json.JSONDecodeError:
        return False
    return status == "complete" and all((out_dir / name).exists() for name in TABLES)
