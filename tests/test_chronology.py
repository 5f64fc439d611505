"""The per-child case log and the chronologies built from it."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from sim import events as ev
from sim.case_events import COLUMNS, EVENT_TYPES
from sim.caselog import ONGOING_TEXT, PLANNED_EVENTS, CaseLog
from sim.results import replication_result
from sim.runner import Run, run_one
from sim.teaching.chronology import EVENT_LABELS, chronology, to_markdown, write_csv


@pytest.fixture(scope="module")
def logged_model(small_config) -> Run:
    return run_one(small_config(scale=0.2, years=2.0), 0, case_log=True)


def test_logging_does_not_change_results(logged_model: Run) -> None:
    cfg = logged_model.cfg
    plain = run_one(cfg, 0)
    start = date.fromisoformat(cfg.run.start_date)
    logged = replication_result(logged_model.rec, 0, start).kpis
    plain_kpis = replication_result(plain.rec, 0, start).kpis
    # nan == nan is False: compare the undefined KPIs (e.g. no Ombudsman case) as nan
    assert {k: repr(v) for k, v in plain_kpis.items()} == {k: repr(v) for k, v in logged.items()}
    assert plain.case_log is None, "no log is kept unless asked for"


def test_every_event_type_has_a_label() -> None:
    assert set(EVENT_LABELS) == set(EVENT_TYPES)


def test_chronologies_are_ordered_and_follow_the_pathway(logged_model: Run) -> None:
    log, cal = logged_model.case_log, logged_model.cal
    assert len(log.children()) == len(logged_model.model.children)
    plans_seen = 0
    for child_id in log.children():
        events = chronology(log, cal, child_id)
        dates = [e.date for e in events]
        assert dates == sorted(dates)
        names = [e.event for e in events]
        assert names[0] in {"referral", "closure", "transfer_in"}, names[:3]
        for i, event in enumerate(events):
            if event.event == "cpp_start" and event.detail != ONGOING_TEXT:
                # a CPP made in the run follows an ICPC or a transfer-in conference
                # (pre-populated plans start on day 0)
                assert {"icpc", "transfer_in_conference"} & set(names[:i]), names[: i + 1]
                plans_seen += 1
        for i, name in enumerate(names):
            if name == "visit":
                # a visit happens while the child is on a plan
                opened = max(
                    (j for j in range(i) if names[j] in {"cpp_start", "cin_start"}), default=-1
                )
                closed = max(
                    (j for j in range(i) if names[j] in {"cpp_end", "cin_end"}), default=-1
                )
                assert opened > closed, f"child {child_id}: visit outside a plan at row {i}"
    assert plans_seen > 0


def test_worker_changes_name_real_workers(logged_model: Run) -> None:
    log = logged_model.case_log
    hired = logged_model.model.workforce._next_id
    names = {e[2] for rows in log.entries.values() for e in rows if e[1] == "worker_change"}
    assert names
    assert all(n.startswith("SW") and n[2:].isdigit() for n in names)
    assert max(int(n[2:]) for n in names) < hired


def test_csv_and_markdown(logged_model: Run, tmp_path) -> None:
    log, cal = logged_model.case_log, logged_model.cal
    child_id = max(log.children(), key=lambda c: len(log.entries[c]))
    events = chronology(log, cal, child_id)
    path = write_csv(events, tmp_path / "child.csv")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS
    assert [r["event"] for r in rows] == [e.event for e in events]
    text = to_markdown(events, f"Child {child_id}")
    assert text.startswith(f"# Child {child_id}")
    assert text.count("\n| ") == len(events) + 1  # header row plus one row per event


def test_unknown_child_is_a_clear_error(logged_model: Run) -> None:
    with pytest.raises(KeyError, match="no logged events"):
        chronology(logged_model.case_log, logged_model.cal, 10**9)


def test_no_worker_is_duty_only_for_a_visit() -> None:
    log = CaseLog()
    for handler, record in (
        (
            log.handlers()[ev.EpisodeStarted],
            ev.EpisodeStarted(0, "cpp", 0.0, None, prepopulated=True),
        ),
        (log.handlers()[ev.VisitMade], ev.VisitMade(0, 1.0, None)),
        (log.handlers()[ev.VisitNoAccess], ev.VisitNoAccess(0, 1.0, None)),
    ):
        handler(record)
    assert [w for _, _, w, _ in log.entries[0]] == ["", "duty", "duty"]
    assert log.entries[0][0][3] == ONGOING_TEXT


def test_simulated_chronologies_are_consistent(logged_model: Run) -> None:
    """No planned event after a closure; visits by the worker holding the case."""
    log, cal = logged_model.case_log, logged_model.cal
    for child_id in log.children():
        closed = False
        holder = ""
        for e in chronology(log, cal, child_id):
            if e.event in {"closure", "care"}:
                closed = True
            elif e.event == "referral":
                closed = False
            elif closed:
                assert e.event not in PLANNED_EVENTS, f"child {child_id}: {e} after closure"
            if e.event == "worker_change":
                holder = e.worker
            elif e.event in {"visit", "no_access", "core_group"}:
                assert e.worker in {holder, "duty"}, f"child {child_id}: {e} held by {holder}"
            elif e.event not in {"visit", "no_access"}:
                assert e.worker != "duty", f"child {child_id}: {e}"
