"""Visits by plan type (issue 15): CPP and CiN visits on time, and how they pool."""

from __future__ import annotations

import pytest

from sim.metrics import compute_kpis
from sim.runner import run_one


@pytest.fixture(scope="module")
def run(small_config):
    return run_one(small_config(scale=0.5, years=3.0, warmup=1.0), 0)


def test_cpp_and_cin_visits_pool_into_visits_on_time(run):
    rec = run.rec
    kpis = compute_kpis(rec)
    due = [(ok, kind) for d, ok, kind in rec.visits_due if rec.in_window(d)]
    n_cpp = sum(1 for _, kind in due if kind == "cpp")
    n_cin = len(due) - n_cpp
    assert n_cpp > 100
    assert n_cin > 100
    pooled = (n_cpp * kpis["cpp_visits_on_time"] + n_cin * kpis["cin_visits_on_time"]) / len(due)
    assert pooled == pytest.approx(kpis["visits_on_time"], rel=1e-12)


def test_cpp_visits_are_kept_more_often_than_cin_visits(run):
    """CPP visits come before assessments and CiN visits in a worker's week.

    At baseline the gap is wide (about 90% against 50% when issue 15 was filed), so one
    half-size replication shows it with a margin of 10 points.
    """
    kpis = compute_kpis(run.rec)
    assert kpis["cpp_visits_on_time"] > kpis["cin_visits_on_time"] + 0.10
