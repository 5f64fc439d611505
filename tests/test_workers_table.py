"""workers.csv conserves people, and cases_unallocated_mean is the weekly stock's mean.

One run of a small authority with a quarter of its posts cut, so that cases wait for a
worker, workers are under pressure and leave, and agency workers come and go: every kind
of row and end of service occurs. The tables are written as a run writes them
(``results.write_tables``) and read back, so the tests read what a user reads.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from sim import events as ev
from sim.metrics import Recorder
from sim.model import Model
from sim.results import WORKER_COLUMNS, read_csv, replication_result, write_tables

END_REASONS = {"resigned", "agency_left", "replaced", "moved", "still_in_post"}
KINDS = {"permanent", "newly_qualified", "agency"}


@dataclass
class Tables:
    """The run's tables as read back from disk, and the records the model emitted."""

    model: Model
    workers: list[dict[str, str]]
    timeseries: list[dict[str, str]]
    kpis: dict[str, str]
    started: list[ev.WorkerStarted]
    left: list[ev.WorkerLeft]
    team_weeks: list[ev.TeamWeek]


@pytest.fixture(scope="module")
def tables(small_config, tmp_path_factory) -> Tables:
    cfg = small_config(scale=0.25, years=3.0, warmup=1.0)
    cfg.authority.social_workers = round(cfg.authority.social_workers * 0.75)
    model = Model(cfg, 0)
    rec = Recorder.attach(model)
    started: list[ev.WorkerStarted] = []
    left: list[ev.WorkerLeft] = []
    team_weeks: list[ev.TeamWeek] = []
    model.events.subscribe(
        {
            ev.WorkerStarted: started.append,
            ev.WorkerLeft: left.append,
            ev.TeamWeek: team_weeks.append,
        }
    )
    model.run()
    rec.close()
    result = replication_result(rec, 0, date.fromisoformat(cfg.run.start_date))
    folder: Path = tmp_path_factory.mktemp("run")
    write_tables(folder, [result], [])
    (kpis,) = read_csv(folder / "kpis.csv")
    return Tables(
        model,
        read_csv(folder / "workers.csv"),
        read_csv(folder / "timeseries.csv"),
        kpis,
        started,
        left,
        team_weeks,
    )


def test_workers_csv_has_its_columns_and_vocabulary(tables):
    assert list(tables.workers[0]) == list(WORKER_COLUMNS)
    assert {row["kind"] for row in tables.workers} == KINDS
    assert {row["end_reason"] for row in tables.workers} == END_REASONS, (
        "the run is meant to show every end of service"
    )
    for row in tables.workers:
        if row["end_reason"] in ("agency_left", "replaced"):
            assert row["kind"] == "agency"
        if row["end_reason"] in ("resigned", "moved"):
            assert row["kind"] in ("permanent", "newly_qualified")


def test_every_time_in_a_post_has_one_row_and_every_worker_ends_at_most_once(tables):
    """A row per WorkerStarted; a worker's rows but the last end ``moved``, on the day
    the next starts; every worker leaves the authority at most once."""
    ids = [int(row["worker_id"]) for row in tables.workers]
    assert sorted(ids) == sorted(r.worker for r in tables.started)
    moved_in = [r for r in tables.started if r.moved]
    assert len(moved_in) == sum(1 for row in tables.workers if row["end_reason"] == "moved")
    left = Counter(r.worker for r in tables.left if r.reason != "moved")
    assert max(left.values()) == 1, "a worker left twice"
    by_worker: dict[int, list[dict[str, str]]] = {}
    for row in tables.workers:
        by_worker.setdefault(int(row["worker_id"]), []).append(row)
    for worker, rows in by_worker.items():
        for before, after in zip(rows, rows[1:], strict=False):
            assert before["end_reason"] == "moved"
            assert before["end_date"] == after["start_date"]
            assert before["team"] != after["team"]
        last = rows[-1]
        assert (last["end_date"] == "") == (worker not in left)
        assert (last["end_reason"] == "still_in_post") == (last["end_date"] == "")
        for row in rows:
            if row["end_date"]:
                assert row["end_date"] >= row["start_date"]
    in_post_at_end = {w.id for w in tables.model.workforce.workers}
    assert {int(r["worker_id"]) for r in tables.workers if not r["end_date"]} == in_post_at_end


def test_the_day_0_workforce_has_rows_with_their_start_of_service(tables):
    first = tables.model.cfg.run.start_date
    day0 = [r for r in tables.workers if r["start_date"] <= first]
    assert len(day0) == sum(1 for r in tables.started if r.day == 0.0) > 0
    assert any(r["start_date"] < first for r in day0), "no back-dated permanent worker"
    assert all(r["start_date"] == first for r in day0 if r["kind"] == "agency")


def _in_post(
    row: dict[str, str], week_start: str, first_day: str, moves: set[tuple[str, str]]
) -> bool:
    """Whether the worker of ``row`` is in post at the Monday 00:00 snapshot of ``week_start``.

    Recruits and agency workers arrive after delays drawn in continuous time, so one who
    starts on the snapshot's day starts after it (except the day-0 workforce, in place
    before the run). A resignation takes effect at 00:00 on a Monday (whole weeks of
    notice from the Monday it is handed in), before that day's snapshot; an agency worker
    replaced by a recruit leaves when the recruit arrives, after it. A move to another
    team happens at 00:00 on a Monday, before the snapshot (``moves``: the posts and
    days of moves in), and ends at once the assignment of an agency worker in that post.
    """
    start, end = row["start_date"], row["end_date"]
    moved_here = (row["post"], week_start) in moves
    started = start < week_start or start == first_day or (moved_here and start == week_start)
    replaced_later = row["end_reason"] == "replaced" and not moved_here
    gone = end != "" and (end < week_start or (end == week_start and not replaced_later))
    return started and not gone


def test_workers_in_post_at_every_snapshot_equal_the_stocks(tables):
    first = tables.model.cfg.run.start_date
    posts = tables.model.cfg.authority.social_workers
    places = tables.model.workforce.posts  # the funded posts, then the extra agency places
    assert len(places) > posts  # the default's agency places beyond the posts
    assert {int(r["post"]) for r in tables.workers} <= set(range(len(places)))
    assert all(int(r["team"]) == places[int(r["post"])].team for r in tables.workers)
    team_of_post = tables.model.workforce.teams.team_of_post()
    assert all(places[p].team == team_of_post[p] for p in range(posts))
    assert len(tables.timeseries) > 100
    origin = date.fromisoformat(first)
    moves = {
        (str(r.post), (origin + timedelta(days=int(r.day))).isoformat())
        for r in tables.started
        if r.moved
    }
    for week in tables.timeseries:
        here = [r for r in tables.workers if _in_post(r, week["week_start"], first, moves)]
        permanent = Counter(r["post"] for r in here if r["kind"] != "agency")
        agency = Counter(r["post"] for r in here if r["kind"] == "agency")
        when = week["week_start"]
        assert len(here) == _count(week["workers"]), when
        assert sum(permanent.values()) == _count(week["permanent"]), when
        assert sum(agency.values()) == _count(week["agency"]), when
        assert max(permanent.values(), default=0) <= 1, f"{when}: a post with two permanents"
        assert max(agency.values(), default=0) <= 1, f"{when}: a post with two agency workers"
        filled, vacant = len(permanent), _count(week["vacant_posts"])
        assert filled + vacant == _count(week["posts"]) == posts, when


def _count(cell: str) -> int:
    """A stock from timeseries.csv as a whole number (compiled runs write counts as 6.0)."""
    value = float(cell)
    assert value == int(value), cell
    return int(value)


def test_cases_unallocated_mean_is_the_mean_weekly_unallocated_stock(tables):
    measured = [float(w["unallocated"]) for w in tables.timeseries if w["measured"] == "1"]
    assert len(measured) > 50
    kpi = float(tables.kpis["cases_unallocated_mean"])
    assert kpi > 0, "with a quarter of the posts cut, cases wait for a worker"
    assert kpi == pytest.approx(float(np.mean(measured)), rel=1e-12)


def test_each_teams_posts_are_filled_or_vacant_at_every_snapshot(tables):
    """Per team and week: permanent rows in post = the team's filled posts, agency rows =
    its agency cover, and filled + vacant = its funded posts (the TeamWeek stocks)."""
    first = tables.model.cfg.run.start_date
    origin = date.fromisoformat(first)
    moves = {
        (str(r.post), (origin + timedelta(days=int(r.day))).isoformat())
        for r in tables.started
        if r.moved
    }
    teams = tables.model.workforce.teams.teams
    assert len(tables.team_weeks) == len(teams) * len(tables.timeseries)
    for week in tables.team_weeks:
        when = (origin + timedelta(days=int(week.day))).isoformat()
        here = [
            r
            for r in tables.workers
            if int(r["team"]) == week.team and _in_post(r, when, first, moves)
        ]
        permanent = sum(1 for r in here if r["kind"] != "agency")
        assert permanent == week.permanent, (when, week.team)
        assert len(here) - permanent == week.agency, (when, week.team)
        vacant = week.posts - week.permanent
        assert 0 <= vacant <= week.posts == len(teams[week.team].posts)
