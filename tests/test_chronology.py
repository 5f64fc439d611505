"""The per-child case log and the chronologies built from it."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from conftest import small_config
from sim.chronology import EVENT_LABELS, chronology, to_markdown, write_csv
from sim.events import COLUMNS, EVENT_TYPES
from sim.model import Model
from sim.processes.plans import ONGOING_TEXT
from sim.results import replication_result


@pytest.fixture(scope="module")
def logged_model() -> Model:
    model = Model(small_config(scale=0.2, years=2.0), 0, case_log=True)
    model.run()
    return model


def test_logging_does_not_change_results(logged_model: Model) -> None:
    cfg = logged_model.cfg
    plain = Model(cfg, 0)
    start = date.fromisoformat(cfg.run.start_date)
    logged = replication_result(logged_model.rec, 0, start).kpis
    assert replication_result(plain.run(), 0, start).kpis == logged
    assert not plain.case_log.entries, "the log stays empty when switched off"


def test_every_event_type_has_a_label() -> None:
    assert set(EVENT_LABELS) == set(EVENT_TYPES)


def test_chronologies_are_ordered_and_follow_the_pathway(logged_model: Model) -> None:
    log, cal = logged_model.case_log, logged_model.cal
    assert len(log.children()) == len(logged_model.children)
    plans_seen = 0
    for child_id in log.children():
        events = chronology(log, cal, child_id)
        dates = [e.date for e in events]
        assert dates == sorted(dates)
        names = [e.event for e in events]
        assert names[0] in {"referral", "closure"}, names[:3]
        for i, event in enumerate(events):
            if event.event == "cpp_start" and event.detail != ONGOING_TEXT:
                # a CPP made in the run follows an ICPC (pre-populated plans start on day 0)
                assert "icpc" in names[:i], names[: i + 1]
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


def test_worker_changes_name_real_workers(logged_model: Model) -> None:
    log = logged_model.case_log
    hired = logged_model.workforce._next_id
    names = {e[2] for rows in log.entries.values() for e in rows if e[1] == "worker_change"}
    assert names
    assert all(n.startswith("SW") and n[2:].isdigit() for n in names)
    assert max(int(n[2:]) for n in names) < hired


def test_csv_and_markdown(logged_model: Model, tmp_path) -> None:
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


def test_unknown_child_is_a_clear_error(logged_model: Model) -> None:
    with pytest.raises(KeyError, match="no logged events"):
        chronology(logged_model.case_log, logged_model.cal, 10**9)
