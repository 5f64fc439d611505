"""The model run: conservation, determinism, and the small pieces it is built from."""

from __future__ import annotations

import gc
import math
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.entities import OPEN_STATES, Child, State
from sim.experiment import run_experiment
from sim.metrics import KPIS, compute_kpis
from sim.metrics import days_beyond as _days_beyond
from sim.model import Model
from sim.processes.conference import ConferenceDiary
from sim.processes.decisions import ranked_decision
from sim.rng import Streams
from sim.runner import Run, run_one


@pytest.fixture(scope="module")
def audited(small_config) -> Run:
    model = run_one(small_config(scale=0.25, years=2.0, warmup=0.5), 0, audit=True)
    return model


def test_every_referred_child_is_in_exactly_one_state_at_every_snapshot(audited):
    log = audited.model.audit_log
    assert len(log) > 100
    for snapshot in log:
        # the state sets partition the children: no child missing, none in two states
        assert snapshot["in_state_sets"] == snapshot["children"]
        assert snapshot["distinct_in_sets"] == snapshot["children"]
        assert snapshot["mismatched"] == 0
        # each state's set size matches the children's own state attribute
        assert snapshot["children"] == sum(v for k, v in snapshot.items() if k.startswith("attr_"))


def test_snapshot_stocks_match_state_attributes(audited):
    for week, snapshot in zip(audited.rec.weeks, audited.model.audit_log, strict=True):
        for state in OPEN_STATES:
            assert week.stocks[f"{state.value}_open"] == snapshot.get(f"attr_{state.value}", 0)
        assert week.stocks["closed"] == snapshot.get("attr_closed", 0)


def test_no_case_is_held_twice_or_held_after_closing(audited):
    for snapshot in audited.model.audit_log:
        assert snapshot["held_twice"] == 0
        assert snapshot["closed_but_held"] == 0
    for worker in audited.model.workforce.workers:
        assert len(worker.cases) <= worker.cap
        for child in worker.cases.values():
            assert child.worker is worker
            assert child.state in OPEN_STATES


def test_episodes_still_open_at_the_end_are_censored(audited):
    open_at_end = [e for e in audited.rec.episodes if e["end_day"] is None]
    assert open_at_end, "a run this short must leave open episodes"
    assert all(e["censored"] for e in open_at_end)
    assert not any(e["censored"] for e in audited.rec.episodes if e["end_day"] is not None)
    cpp_now = len(audited.model.by_state[State.CPP])
    assert sum(1 for e in open_at_end if e["kind"] == "cpp") == cpp_now


def test_a_run_leaves_the_garbage_collector_as_it_found_it(small_config):
    """A run switches the cycle collector off, and leaves it as it found it when it ends."""
    before = gc.get_threshold()
    model = Model(small_config(scale=0.1, years=0.5, warmup=0.0), 0)
    seen_during_run = []

    def probe():
        yield model.env.timeout(1)
        seen_during_run.append(gc.isenabled())

    model.env.process(probe())
    model.run()
    assert gc.get_threshold() == before
    assert seen_during_run == [False]
    assert gc.isenabled()


def _resume_order(small_config, first_of: bool) -> list[str]:
    """The order in which processes resume when one waits on the first of two events.

    ``first_of`` chooses Model.first_of; otherwise SimPy's own condition ``a | b``.
    """
    model = Model(small_config(scale=0.1, years=0.5, warmup=0.0), 0)
    env = model.env
    order: list[str] = []

    def wait_first(name, a, b):
        yield model.first_of(a, b) if first_of else a | b
        order.append(f"{name}@{env.now}")

    def at(name, delay):
        yield env.timeout(delay)
        order.append(f"{name}@{env.now}")

    def trigger(event, delay):
        yield env.timeout(delay)
        event.succeed()

    escalation = env.event()
    done_before = env.event()
    done_before.succeed()
    env.process(at("before", 1))
    env.process(wait_first("review", env.timeout(1), escalation))  # the timeout comes first
    env.process(at("after", 1))
    env.process(wait_first("escalated", env.timeout(5), escalation))  # the event comes first
    env.process(trigger(escalation, 2))
    env.process(at("same time as the escalation", 2))
    env.run(until=0.5)  # done_before is processed by now
    env.process(wait_first("already", done_before, env.timeout(9)))
    env.run(until=10)
    return order


def test_first_of_fires_where_a_simpy_condition_would(small_config):
    """Model.first_of stands in for ``a | b`` in the CiN plan: same resumption order."""
    order = _resume_order(small_config, first_of=True)
    assert order == _resume_order(small_config, first_of=False)
    # a waiter resumes one step after the event that wakes it, behind what was queued then
    assert order == [
        "already@0.5",
        "before@1",
        "after@1",
        "review@1",
        "same time as the escalation@2",
        "escalated@2",
    ]


def test_same_seed_same_kpis_and_other_seed_differs(small_config):
    cfg = small_config(years=1.5, warmup=0.5)
    a, b = compute_kpis(run_one(cfg, 0).rec), compute_kpis(run_one(cfg, 0).rec)
    assert a == pytest.approx(b, nan_ok=True)
    assert list(a) == list(KPIS)
    other = compute_kpis(run_one(cfg, 1).rec)
    assert other["referrals_per_year"] != a["referrals_per_year"]


def _run(small_config, tmp_path: Path, n_jobs: int) -> Path:
    cfg = small_config(years=1.5, warmup=0.5, replications=3, n_jobs=n_jobs)
    out = tmp_path / f"jobs{n_jobs}"
    run_experiment(OmegaConf.structured(cfg), out, progress=False)
    return out


def test_summary_is_identical_whatever_n_jobs(tmp_path, small_config):
    one, two = _run(small_config, tmp_path, 1), _run(small_config, tmp_path, 2)
    for name in ("summary.csv", "kpis.csv", "timeseries.csv", "episodes.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


# -- the pieces -------------------------------------------------------------------------
def test_conference_diary_books_first_free_slot():
    diary = ConferenceDiary(slots_per_day=2)
    assert [diary.book(10) for _ in range(5)] == [10, 10, 11, 11, 12]
    assert diary.book(20) == 20


@pytest.mark.parametrize(
    ("ref", "event", "a", "w1", "limit", "expected"),
    [
        (0, None, 0, 4, 10, 0),  # seen on day 0: fine all week
        (0, None, 10, 14, 10, 4),  # days 11..14 are beyond 10
        (0, 12, 10, 14, 10, 1),  # seen on day 12: only day 11 is beyond
        (0, 10, 10, 14, 10, 0),
        (0, 14, 20, 24, 2, 5),  # an event before the counted days still counts from its day
        (0, 30, 20, 24, 2, 5),  # an event after the counted days changes nothing
    ],
)
def test_days_beyond_counts_working_days_past_the_limit(ref, event, a, w1, limit, expected):
    brute = sum(
        1
        for wd in range(a, w1 + 1)
        if wd - (event if event is not None and wd >= event else ref) > limit
    )
    assert _days_beyond(ref, event, a, w1, limit) == brute == expected


def test_ranked_decision_keeps_marginals_and_ranks_by_need():
    """With need ~ N(0, 1) the outcome shares equal the configured probabilities.

    Tolerance: 4,000 draws give a standard error of about 0.007 on a share near 0.2;
    0.03 is more than four standard errors.
    """
    streams = Streams(11, 0)
    model_like = []
    for i in range(4000):
        rng = streams.child_stream(i)
        need = rng.normal()
        model_like.append(Child(id=i, rng=rng, need=need, baseline_need=need))
    outcomes = [ranked_decision(k, (0.2, 0.5), accuracy=0.8) for k in model_like]
    shares = [outcomes.count(i) / len(outcomes) for i in range(3)]
    assert shares == pytest.approx([0.2, 0.5, 0.3], abs=0.03)
    mean_need = [
        sum(k.need for k, o in zip(model_like, outcomes, strict=True) if o == i)
        / max(1, outcomes.count(i))
        for i in range(3)
    ]
    assert mean_need[0] < mean_need[1] < mean_need[2]
    assert not math.isnan(mean_need[2])
