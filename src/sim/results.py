"""A run's tables and its self-describing run record.

Files written in the run folder (see README, "What a run produces"):

* ``config.yaml`` - the composed configuration;
* ``run.json`` - seed, package version, git revision, wall time, status, error;
* ``kpis.csv`` - a row per replication, a column per KPI;
* ``summary.csv`` - a row per KPI: mean, ci_low, ci_high (95% interval inside the KPI's
  range), n, too_few_replications (1: fewer than 5 replications, too rough to trust);
* ``timeseries.csv`` - weekly stocks and flows per replication;
* ``episodes.csv`` - a row per assessment, section 47, ICPC, CPP, CiN plan and CIN episode;
* ``workers.csv`` - a row per social worker's time in a post (a move starts a new row);
* ``teams.csv`` - a row per team and replication: its posts, vacancies, caseload, queue,
  manager cover, drift, visits and manager reviews over the measured window.

A result folder is complete or clearly not. ``run.json`` is written first, with status
``running``. The tables, figures and report are written to a hidden staging folder
(:func:`staging_folder`) and moved into place together (:func:`publish`); ``run.json``
saying ``complete`` is the last step. A run that fails says ``failed`` with its error, one
stopped by SIGINT or SIGTERM says ``interrupted``, and either leaves none of those outputs
in place (:func:`withdraw`). An output that cannot be written raises :class:`OutputError`,
which names the folder.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sim import __version__
from sim.metrics import KPIS, Recorder, compute_kpis

TABLES = (
    "kpis.csv",
    "summary.csv",
    "timeseries.csv",
    "episodes.csv",
    "workers.csv",
    "teams.csv",
)
WEEKLY_COUNTS = (
    "visits_due",
    "visits_on_time",
    "cpp_visits_due",
    "cpp_visits_on_time",
    "cin_visits_due",
    "cin_visits_on_time",
    "plan_days",
    "drift_days",
    "contact_gap_days",
    "known_risk_days",
    "unseen_high_days",
    "closed_unseen_high_days",
    "closed_known_high_days",
    "closed_plan_known_high_days",
    "cpp_days",
    "cpp_unseen_days",
    "visits_made",
    "visits_seen_alone",
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
EXPECTED_DAYS = (
    "closed_unseen_high_days",
    "closed_known_high_days",
    "closed_plan_known_high_days",
)
"""Weekly flows that are expected days (metrics.closed_high_days), written with decimals."""
WORKER_COLUMNS = (
    "replication",
    "worker_id",
    "kind",
    "team",
    "post",
    "start_date",
    "end_date",
    "end_reason",
)
"""The columns of workers.csv, in order."""
TEAM_COLUMNS = (
    "replication",
    "team",
    "kind",
    "posts",
    "patch_share",
    "vacancy_rate",
    "agency_share",
    "workers_mean",
    "caseload_mean",
    "unallocated_mean",
    "long_absence_share",
    "manager_uncovered_share",
    "plan_days",
    "drift_share",
    "visits_due",
    "visits_on_time",
    "manager_reviews_due",
    "manager_reviews_on_time",
)
"""The columns of teams.csv, in order (docs/outputs in docs.py say what each means)."""
FIGURES = ("overview.png", "calibration.png")
REPORT = "report.html"
OUTPUTS = (*TABLES, *FIGURES, REPORT)
"""Everything a run puts in place together at its end, after config.yaml and run.json."""
STAGING = ".staging"
STATUSES = ("running", "complete", "failed", "interrupted")
"""What run.json can say: still going (or killed outright), done, ended by an error, ended
by SIGINT or SIGTERM."""


class OutputError(Exception):
    """A run's folder cannot be created or written (in the way, read-only, full).

    Attributes:
        folder: The output folder.
        reason: The operating system's reason (``No space left on device``).

    """

    def __init__(self, folder: Path, reason: OSError | str) -> None:
        if isinstance(reason, OSError):
            where = reason.filename
            reason = reason.strerror or str(reason)
            if where is not None and Path(str(where)) != folder:
                reason += f" ({where})"
        super().__init__(f"cannot write the output folder {folder}: {reason}")
        self.folder = folder
        self.reason = reason


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Turn a failure to write inside the block into an :class:`OutputError` for ``folder``."""
    try:
        yield
    except OSError as exc:
        raise OutputError(folder, exc) from exc


@dataclass
class ReplicationResult:
    """What one replication hands back to the experiment (picklable, compact)."""

    replication: int
    kpis: dict[str, float]
    timeseries: list[dict[str, Any]]
    episodes: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    teams: list[dict[str, Any]] = field(default_factory=list)


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
            value = week.flows.get(key, 0)
            row[key] = round(float(value), 4) if key in EXPECTED_DAYS else int(value)
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
            **episode_durations(rec, e["start_day"], e["end_day"]),
            "referral_date": iso(e["referral_day"]),
            "prepopulated": int(e["prepopulated"]),
        }
        for e in rec.episodes
    ]
    workers = [worker_row(w, replication, iso) for w in rec.workers]
    teams = [team_row(rec.teams[t], replication) for t in sorted(rec.teams)]
    return ReplicationResult(replication, compute_kpis(rec), timeseries, episodes, workers, teams)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def team_row(totals: Mapping[str, Any], replication: int) -> dict[str, Any]:
    """One row of teams.csv from the recorder's totals for a team over the window.

    Stocks are means over the weekly snapshots in the window; shares of days and of due
    visits and reviews are pooled over the window.
    """
    weeks = totals["weeks"]
    return {
        "replication": replication,
        "team": totals["team"],
        "kind": totals["kind"],
        "posts": int(totals["posts"]),
        "patch_share": round(totals["patch_share"], 6),
        "vacancy_rate": _ratio(totals["vacant_post_weeks"], totals["posts"] * weeks),
        "agency_share": _ratio(totals["agency_weeks"], totals["worker_weeks"]),
        "workers_mean": _ratio(totals["worker_weeks"], weeks),
        "caseload_mean": _ratio(totals["case_weeks"], totals["worker_weeks"]),
        "unallocated_mean": _ratio(totals["unallocated_weeks"], weeks),
        "long_absence_share": _ratio(totals["away_weeks"], totals["worker_weeks"]),
        "manager_uncovered_share": _ratio(totals["manager_uncovered_weeks"], weeks),
        "plan_days": int(totals["plan_days"]),
        "drift_share": _ratio(totals["drift_days"], totals["plan_days"]),
        "visits_due": int(totals["visits_due"]),
        "visits_on_time": _ratio(totals["visits_on_time"], totals["visits_due"]),
        "manager_reviews_due": int(totals["manager_reviews_due"]),
        "manager_reviews_on_time": _ratio(
            totals["manager_reviews_on_time"], totals["manager_reviews_due"]
        ),
    }


def worker_row(
    worker: Mapping[str, Any], replication: int, iso: Callable[[float | None], str]
) -> dict[str, Any]:
    """One row of workers.csv from the recorder's entry for a worker.

    ``kind`` is ``newly_qualified`` for a permanent recruit who started newly qualified;
    ``end_reason`` is ``resigned`` (a permanent worker), ``agency_left`` (an agency
    worker's assignment ended), ``replaced`` (an agency worker whose post a permanent
    recruit or a colleague moving in took), ``moved`` (to a post in another team; the
    worker's next row starts that day) or ``still_in_post`` (no end date).
    """
    kind = "newly_qualified" if worker["newly_qualified"] else worker["kind"]
    reason = worker["reason"]
    if reason is None:
        reason = "still_in_post"
    elif reason == "resigned" and worker["kind"] == "agency":
        reason = "agency_left"
    return {
        "replication": replication,
        "worker_id": worker["worker_id"],
        "kind": kind,
        "team": worker["team"],
        "post": worker["post"],
        "start_date": iso(worker["start_day"]),
        "end_date": iso(worker["end_day"]),
        "end_reason": reason,
    }


def episode_durations(rec: Recorder, start_day: float, end_day: float | None) -> dict[str, int]:
    """An episode's length in calendar days and in working days, between the dates shown.

    ``duration_days`` is the number of days from the start date to the end date;
    ``duration_wd`` the working days after the start date up to and including the end
    date (the way statutory timescales count: an ICPC on its 15th working day after the
    strategy discussion has ``duration_wd`` 15). An episode still open is counted to the
    last day of the run.
    """
    end = rec.end_day - 1 if end_day is None else end_day
    return {
        "duration_days": int(end) - int(start_day),
        "duration_wd": rec.working_days_between(start_day, end),
    }


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
    """The self-describing ``run.json`` of one run, kept up to date as the run goes.

    Its status is one of :data:`STATUSES`. A run that is killed outright (SIGKILL, a
    power cut) leaves ``running``: that and every status but ``complete`` mean the
    folder holds no finished result.
    """

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

    def close(self, status: str, error: str | None = None, **extra: Any) -> None:
        """Fill in the end of the run (``status``, error, times) without writing it yet."""
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}; one of {', '.join(STATUSES)}")
        self.data.update(extra)
        self.data["status"] = status
        self.data["error"] = error
        self.data["finished_at"] = datetime.now().isoformat(timespec="seconds")
        self.data["wall_seconds"] = round(time.perf_counter() - self.started, 3)

    def finish(self, status: str, error: str | None = None, **extra: Any) -> None:
        """Close the record with ``status`` (one of :data:`STATUSES`) and write it."""
        self.close(status, error, **extra)
        self.write()


SUMMARY_COLUMNS = ("kpi", "mean", "ci_low", "ci_high", "n", "too_few_replications")
"""summary.csv's columns (``analysis.summarize``)."""


def write_tables(
    folder: Path, results: Sequence[ReplicationResult], summary: Sequence[Mapping[str, Any]]
) -> None:
    """Write the six tables (:data:`TABLES`) into ``folder`` (a run's staging folder)."""
    names = list(KPIS)
    write_csv(
        folder / "kpis.csv",
        [{"replication": r.replication, **r.kpis} for r in results],
        ["replication", *names],
    )
    write_csv(folder / "summary.csv", summary, SUMMARY_COLUMNS)
    write_csv(folder / "timeseries.csv", [row for r in results for row in r.timeseries])
    episode_columns = [
        "replication",
        "child_id",
        "kind",
        "start_date",
        "end_date",
        "censored",
        "outcome",
        "due_date",
        "duration_days",
        "duration_wd",
        "referral_date",
        "prepopulated",
    ]
    write_csv(
        folder / "episodes.csv", [row for r in results for row in r.episodes], episode_columns
    )
    write_csv(folder / "workers.csv", [row for r in results for row in r.workers], WORKER_COLUMNS)
    write_csv(folder / "teams.csv", [row for r in results for row in r.teams], TEAM_COLUMNS)


def check_folder(folder: Path) -> None:
    """Create ``folder`` if need be and check that a file can be written in it.

    Raises:
        OutputError: naming the folder and the reason (a file in the way, no such
            place, read-only, full).

    """
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".cpsim-write-check-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(folder, exc.strerror or str(exc)) from exc


def staging_folder(out_dir: Path) -> Path:
    """A fresh, empty staging folder inside ``out_dir`` for the run's outputs."""
    staging = out_dir / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    return staging


def publish(out_dir: Path) -> None:
    """Move every staged output into ``out_dir`` and remove the staging folder.

    Each move is a rename within one folder; run.json, written after this, is what says
    whether they are a complete result (:func:`is_complete`).
    """
    staging = out_dir / STAGING
    for path in sorted(staging.iterdir()):
        path.replace(out_dir / path.name)
    staging.rmdir()


def withdraw(out_dir: Path) -> None:
    """Remove a run's outputs (:data:`OUTPUTS`) and staging folder from ``out_dir``.

    Leaves config.yaml and run.json, which describe the run that did not finish, and
    anything else in the folder (Hydra's ``.hydra/`` and log).
    """
    staging = out_dir / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    for name in OUTPUTS:
        (out_dir / name).unlink(missing_ok=True)


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
