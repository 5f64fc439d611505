"""Complaints: procedure clocks with real dates, and the complaint process in a run."""

from __future__ import annotations

from datetime import date

import pytest
from tests.conftest import small_config

from sim.model import Model
from sim.processes.complaints import CORPORATE, STATUTORY, stage_due_wd
from sim.runner import Run, run_one


@pytest.fixture(scope="module")
def model() -> Model:
    cfg = small_config(scale=0.25, years=1.0, warmup=0.25)
    cfg.run.start_date = "2025-01-01"
    return Model(cfg, 0)


def _due(
    model: Model, procedure: str, stage: int, received: date, complex_case: bool = False
) -> date:
    day = model.cal.day_of(received)
    return model.cal.date_of(
        model.cal.day_of_wd(stage_due_wd(model, procedure, stage, day, complex_case))
    )


def test_stage1_received_thursday_before_easter(model):
    # Thursday 17 April 2025; Good Friday 18 and Easter Monday 21 April, early May 5 May.
    thursday = date(2025, 4, 17)
    assert _due(model, STATUTORY, 1, thursday) == date(2025, 5, 6)  # 10 WD
    assert _due(model, STATUTORY, 1, thursday, complex_case=True) == date(2025, 5, 20)  # 20 WD


def test_stage2_and_stage3_deadlines(model):
    request = date(2025, 12, 15)  # Christmas and New Year bank holidays follow
    assert _due(model, STATUTORY, 2, request) == date(2026, 1, 22)  # 25 WD
    assert _due(model, STATUTORY, 2, request, complex_case=True) == date(2026, 3, 19)  # 65 WD
    assert _due(model, STATUTORY, 3, date(2025, 4, 17)) == date(2025, 6, 4)  # panel within 30 WD


def test_corporate_procedure_uses_seed_004_clocks(model):
    assert _due(model, CORPORATE, 1, date(2025, 4, 17)) == date(2025, 5, 6)  # 10 WD
    assert _due(model, CORPORATE, 2, date(2025, 4, 17)) == date(2025, 6, 4)  # 30 WD


@pytest.fixture(scope="module")
def complaining() -> Run:
    """A small authority where families complain a great deal, managers with ample time."""
    cfg = small_config(scale=0.25, years=2.0, warmup=0.5)
    cfg.complaints.base_rate_per_case_year = 0.3
    cfg.complaints.escalate_1_2_prob = 0.8
    cfg.complaints.escalate_2_3_prob = 0.8
    cfg.complaints.ombudsman_prob = 0.8
    cfg.workforce.manager_review_hours_per_week = 200.0
    return run_one(cfg, 0)


def test_every_stage_happens_and_a_stage3_panel_respects_30_working_days(complaining):
    rec = complaining.rec
    stages = {(p, s) for p, s, *_ in rec.complaint_stages}
    assert {
        (STATUTORY, 1),
        (STATUTORY, 2),
        (STATUTORY, 3),
        (CORPORATE, 1),
        (CORPORATE, 2),
    } <= stages
    assert rec.ombudsman
    # With ample manager time a stage 3 review is on time when its panel (lognormal,
    # median 20 WD, sd 0.5: within 30 WD with P = 0.79), report (1 + exp(2.5) WD within 5:
    # P = 0.86) and response (1 + exp(9) WD within 15: P = 0.81) all keep their limits:
    # about 0.55. Tolerance 0.15 is over 3 standard errors with about 150 panels.
    panels = [ok for p, s, *_, ok, _ in rec.complaint_stages if p == STATUTORY and s == 3]
    assert len(panels) > 80
    assert sum(panels) / len(panels) == pytest.approx(0.55, abs=0.15)


def test_a_child_has_at_most_one_open_complaint(complaining):
    received = sorted((d, c) for d, c in ((d, p) for d, p, _ in complaining.rec.complaints))
    assert received
    open_now = [c for c in complaining.model.children.values() if c.complaint_open]
    assert len(open_now) == len({c.id for c in open_now})


def test_remedies_are_paid_only_when_the_ombudsman_finds_fault(complaining):
    for _, _, upheld, remedy in complaining.rec.ombudsman:
        assert (remedy > 0) == upheld
