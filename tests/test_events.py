"""The event stream: delivery by type, and the week's plan released when its day comes."""

from __future__ import annotations

import pytest
import simpy

from sim import events as ev


@pytest.fixture
def stream_and_log() -> tuple[ev.EventStream, simpy.Environment, list[object]]:
    env = simpy.Environment()
    stream = ev.EventStream(env)
    seen: list[object] = []
    stream.subscribe(
        {
            t: seen.append
            for t in (ev.VisitMade, ev.CoreGroupHeld, ev.ManagerReviewed, ev.Closed, ev.Referred)
        }
    )
    return stream, env, seen


def test_records_are_immutable_values() -> None:
    a, b = ev.VisitMade(1, 3.0, 7), ev.VisitMade(1, 3.0, 7)
    assert a == b
    assert hash(a) == hash(b)
    assert a != ev.VisitMade(1, 3.0, 8)
    assert a.replaced(worker=9) == ev.VisitMade(1, 3.0, 9)
    assert repr(a) == (
        "VisitMade(child=1, day=3.0, worker=7, escalated=False, announced=True, seen_alone=True)"
    )
    assert a.fields() == {
        "child": 1,
        "day": 3.0,
        "worker": 7,
        "escalated": False,
        "announced": True,
        "seen_alone": True,
    }


def test_only_subscribed_types_are_delivered(stream_and_log) -> None:
    stream, _, seen = stream_and_log
    stream.emit(ev.WorkerLeft(1, 0.0, "agency", "resigned"))  # nobody subscribed
    stream.emit(ev.Closed(2, 0.0, 0.1))
    assert seen == [ev.Closed(2, 0.0, 0.1)]
    assert stream.wants(ev.Closed)
    assert not stream.wants(ev.WorkerLeft)


def _at(env: simpy.Environment, day: float, action) -> None:
    """Run ``action`` at simulation time ``day``."""
    env.timeout(day - env.now).callbacks.append(lambda _e: action())


def test_planned_records_arrive_on_their_day_in_plan_order(stream_and_log) -> None:
    stream, env, seen = stream_and_log
    # Monday's plan: a visit today, a manager review and a visit on Thursday
    stream.plan(ev.VisitMade(0, 0.0, 1))
    stream.plan(ev.ManagerReviewed(0, 3.0, 0))
    stream.plan(ev.VisitMade(0, 3.0, 1))
    assert seen == [ev.VisitMade(0, 0.0, 1)], "today's visit now, nothing ahead of time"
    _at(env, 2.3, lambda: stream.emit(ev.Referred(5, 2.3, None, False)))
    _at(env, 3.4, lambda: stream.emit(ev.Referred(6, 3.4, None, False)))
    env.run(until=2.5)
    assert seen[1:] == [ev.Referred(5, 2.3, None, False)]
    env.run(until=4.0)
    assert seen[2:] == [
        ev.ManagerReviewed(0, 3.0, 0),
        ev.VisitMade(0, 3.0, 1),
        ev.Referred(6, 3.4, None, False),
    ]


def test_a_closure_cancels_the_rest_of_the_weeks_plan(stream_and_log) -> None:
    stream, env, seen = stream_and_log
    stream.plan(ev.VisitMade(0, 1.0, 1))
    stream.plan(ev.VisitMade(0, 3.0, 1))
    stream.plan(ev.CoreGroupHeld(0, 4.0, 1))
    stream.plan(ev.VisitMade(9, 3.0, 2))  # another child's visit stays

    def close_case() -> None:
        stream.emit(ev.Closed(0, 1.5, 0.0))
        stream.cancel_planned(0, (ev.VisitMade, ev.CoreGroupHeld), env.now)

    _at(env, 1.5, close_case)
    env.run(until=7.0)
    stream.close(7.0)
    assert seen == [ev.VisitMade(0, 1.0, 1), ev.Closed(0, 1.5, 0.0), ev.VisitMade(9, 3.0, 2)]


def test_a_new_worker_takes_over_planned_visits_but_not_duty_or_reviews(stream_and_log) -> None:
    stream, env, seen = stream_and_log
    stream.plan(ev.VisitMade(0, 1.0, 1))  # before the change: stays with worker 1
    stream.plan(ev.VisitMade(0, 3.0, 1))
    stream.plan(ev.VisitMade(0, 2.0, None))  # the duty service
    stream.plan(ev.ManagerReviewed(0, 4.0, 1))
    _at(env, 1.0, lambda: stream.reassign_planned(0, worker=7, after_day=env.now))
    env.run(until=7.0)
    assert seen == [
        ev.VisitMade(0, 1.0, 1),
        ev.VisitMade(0, 2.0, None),
        ev.VisitMade(0, 3.0, 7),
        ev.ManagerReviewed(0, 4.0, 1),
    ]


def test_unwanted_planned_records_are_not_kept() -> None:
    stream = ev.EventStream(simpy.Environment())
    stream.plan(ev.VisitMade(0, 3.0, 1))
    assert not stream._planned
