"""The event stream: delivery by type, and the week's plan released when its day comes."""

from __future__ import annotations

import pytest

from sim import events as ev


class Clock:
    """A stand-in for the simulation clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stream_and_log() -> tuple[ev.EventStream, Clock, list[object]]:
    clock = Clock()
    stream = ev.EventStream(clock)
    seen: list[object] = []
    stream.subscribe(
        {
            t: seen.append
            for t in (ev.VisitMade, ev.CoreGroupHeld, ev.ManagerReviewed, ev.Closed, ev.Referred)
        }
    )
    return stream, clock, seen


def test_records_are_immutable_values() -> None:
    a, b = ev.VisitMade(1, 3.0, 7), ev.VisitMade(1, 3.0, 7)
    assert a == b
    assert hash(a) == hash(b)
    assert a != ev.VisitMade(1, 3.0, 8)
    assert a.replaced(worker=9) == ev.VisitMade(1, 3.0, 9)
    assert repr(a) == "VisitMade(child=1, day=3.0, worker=7, escalated=False)"
    assert a.fields() == {"child": 1, "day": 3.0, "worker": 7, "escalated": False}


def test_only_subscribed_types_are_delivered(stream_and_log) -> None:
    stream, _, seen = stream_and_log
    stream.emit(ev.WorkerLeft(1, 0.0, "agency"))  # nobody subscribed
    stream.emit(ev.Closed(2, 0.0, 0.1))
    assert seen == [ev.Closed(2, 0.0, 0.1)]
    assert stream.wants(ev.Closed)
    assert not stream.wants(ev.WorkerLeft)


def test_planned_records_arrive_on_their_day_in_plan_order(stream_and_log) -> None:
    stream, clock, seen = stream_and_log
    # Monday's plan: a visit today, a manager review and a visit on Thursday
    stream.plan(ev.VisitMade(0, 0.0, 1))
    stream.plan(ev.ManagerReviewed(0, 3.0, 0))
    stream.plan(ev.VisitMade(0, 3.0, 1))
    assert seen == [ev.VisitMade(0, 0.0, 1)], "today's visit now, nothing ahead of time"
    clock.now = 2.3
    stream.emit(ev.Referred(5, 2.3, None, False))
    assert seen[-1] == ev.Referred(5, 2.3, None, False)
    assert len(seen) == 2
    clock.now = 3.4
    stream.emit(ev.Referred(6, 3.4, None, False))
    assert seen[2:] == [
        ev.ManagerReviewed(0, 3.0, 0),
        ev.VisitMade(0, 3.0, 1),
        ev.Referred(6, 3.4, None, False),
    ]


def test_a_closure_cancels_the_rest_of_the_weeks_plan(stream_and_log) -> None:
    stream, clock, seen = stream_and_log
    stream.plan(ev.VisitMade(0, 1.0, 1))
    stream.plan(ev.VisitMade(0, 3.0, 1))
    stream.plan(ev.CoreGroupHeld(0, 4.0, 1))
    stream.plan(ev.VisitMade(9, 3.0, 2))  # another child's visit stays
    clock.now = 1.5
    stream.emit(ev.Closed(0, 1.5, 0.0))
    stream.cancel_planned(0, (ev.VisitMade, ev.CoreGroupHeld))
    stream.close(7.0)
    assert seen == [ev.VisitMade(0, 1.0, 1), ev.Closed(0, 1.5, 0.0), ev.VisitMade(9, 3.0, 2)]


def test_a_new_worker_takes_over_planned_visits_but_not_duty_or_reviews(stream_and_log) -> None:
    stream, clock, seen = stream_and_log
    stream.plan(ev.VisitMade(0, 3.0, 1))
    stream.plan(ev.VisitMade(0, 2.0, None))  # the duty service
    stream.plan(ev.ManagerReviewed(0, 4.0, 1))
    clock.now = 1.0
    stream.reassign_planned(0, worker=7)
    stream.close(7.0)
    assert seen == [
        ev.VisitMade(0, 2.0, None),
        ev.VisitMade(0, 3.0, 7),
        ev.ManagerReviewed(0, 4.0, 1),
    ]


def test_unwanted_planned_records_are_not_kept() -> None:
    stream = ev.EventStream(Clock())
    stream.plan(ev.VisitMade(0, 3.0, 1))
    assert not stream._planned
