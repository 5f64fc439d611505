"""Teams: patches, allocation within a team, borrowing, the split structure and the
workforce's spread of caseloads (issue 14).

The structure tests build :class:`sim.teams.Teams` directly; the others run small
authorities and read the records the model emits, or the KPIs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from sim import events as ev
from sim.config import Config, validate
from sim.entities import State, Worker
from sim.metrics import Recorder, compute_kpis
from sim.model import Model
from sim.teams import ASSESSMENT, LONG_TERM, SINGLE, Teams

ENQUIRY_STATES = {State.SECTION_47, State.AWAITING_ICPC}


class _Normals:
    """A stand-in stream: fixed normal draws in turn."""

    def __init__(self, draws: list[float]) -> None:
        self.draws = list(draws)

    def normal(self) -> float:
        return self.draws.pop(0) if self.draws else 0.0


def test_single_teams_group_posts_and_share_the_authority_in_proportion_to_posts():
    teams = Teams(20, 6, "single", 0.3, 0.0, _Normals([]))
    assert [len(t.posts) for t in teams.teams] == [6, 6, 6, 2]
    assert {t.kind for t in teams.teams} == {SINGLE}
    widths = [t.patch_high - t.patch_low for t in teams.teams]
    assert widths == pytest.approx([6 / 20, 6 / 20, 6 / 20, 2 / 20])
    assert teams.covering(0.0, False) == 0
    assert teams.covering(0.999, True) == 3  # a plan does not change the team when single
    assert teams.team_of_post()[19] == 3


def test_split_teams_divide_posts_by_kind_and_each_kind_covers_the_whole_area():
    teams = Teams(20, 6, "split", 0.3, 0.0, _Normals([]))
    kinds = [t.kind for t in teams.teams]
    assert kinds == [ASSESSMENT, LONG_TERM, LONG_TERM, LONG_TERM]
    assert sum(len(t.posts) for t in teams.teams if t.kind == ASSESSMENT) == 6
    for patch in np.linspace(0, 0.999, 50):
        assert teams.teams[teams.covering(patch, False)].kind == ASSESSMENT
        assert teams.teams[teams.covering(patch, True)].kind == LONG_TERM


def test_uneven_patches_give_a_busier_team_a_wider_patch():
    teams = Teams(12, 6, "single", 0.3, 0.5, _Normals([1.0, -1.0]))
    first, second = teams.teams
    assert first.patch_high - first.patch_low > 0.5 > second.patch_high - second.patch_low
    assert first.demand_weight / second.demand_weight == pytest.approx(math.exp(1.0))


def _config(small_config, **workforce) -> Config:
    cfg = small_config(scale=0.5, years=3.0, warmup=1.0)
    cfg = replace(cfg, workforce=replace(cfg.workforce, **workforce))
    return validate(cfg)


def _allocations(cfg: Config) -> tuple[Model, list[tuple[State, int, int]]]:
    """Run; for every allocation after a wait shorter than a year: the case's state, the
    worker's team and the team covering the case."""
    model = Model(cfg, 0)
    seen: list[tuple[State, int, int]] = []
    teams = model.workforce.teams
    by_id = {}

    def started(r: ev.WorkerStarted) -> None:
        by_id[r.worker] = r.team

    def allocated(r: ev.WorkerAllocated) -> None:
        child = model.children[r.child]
        if r.day - r.requested_day < 340:  # shorter than the longest borrowing limit (250 WD)
            seen.append(
                (child.state, by_id[r.worker], teams.covering(child.patch, child.long_term))
            )

    model.events.subscribe({ev.WorkerStarted: started, ev.WorkerAllocated: allocated})
    model.run()
    return model, seen


def test_cases_are_allocated_in_the_team_covering_them_unless_an_enquiry_cannot_wait(
    small_config,
):
    cfg = _config(small_config, borrow_after_wd=250)
    _, seen = _allocations(cfg)
    outside = [(state, mine, covering) for state, mine, covering in seen if mine != covering]
    assert len(seen) > 1000
    assert all(state in ENQUIRY_STATES for state, _, _ in outside), outside[:5]


def test_cases_that_wait_are_borrowed_by_other_teams(small_config):
    """With few posts cases queue; borrowing at once sends many of them to other teams."""
    never = _config(small_config, borrow_after_wd=250)
    never = replace(never, authority=replace(never.authority, social_workers=40))
    at_once = replace(never, workforce=replace(never.workforce, borrow_after_wd=0))
    crossed = []
    for cfg in (never, at_once):
        _, seen = _allocations(cfg)
        crossed.append(
            sum(1 for state, mine, cov in seen if mine != cov and state not in ENQUIRY_STATES)
        )
    assert crossed[0] == 0
    assert crossed[1] > 50


def test_split_structure_hands_every_new_plan_to_a_long_term_team(small_config):
    cfg = _config(small_config, structure="split")
    model, seen = _allocations(cfg)
    teams = model.workforce.teams.teams
    on_plan = [(mine, cov) for state, mine, cov in seen if state in (State.CPP, State.CIN)]
    assert on_plan
    assert all(teams[mine].kind == LONG_TERM for mine, _ in on_plan)
    before = [mine for state, mine, _ in seen if state in (State.ASSESSMENT, State.FRONT_DOOR)]
    assert before
    assert all(teams[mine].kind == ASSESSMENT for mine in before)


def _kpis(cfg: Config, replications: int) -> list[dict[str, float]]:
    out = []
    for rep in range(replications):
        model = Model(cfg, rep)
        rec = Recorder.attach(model)
        model.run()
        rec.close()
        out.append(compute_kpis(rec))
    return out


@pytest.mark.slow
def test_split_gives_more_changes_of_worker_per_plan_year_than_single(small_config):
    """Paired by replication (common random numbers); 4 pairs at half scale.

    The hand-off at every plan's start adds a change per plan, so the paired difference
    is large against its noise; the test asks that its 95% t-interval lies above 0.
    """
    single = _config(small_config)
    split = replace(single, workforce=replace(single.workforce, structure="split"))
    a = [k["worker_changes_per_cpp_year"] for k in _kpis(single, 4)]
    b = [k["worker_changes_per_cpp_year"] for k in _kpis(split, 4)]
    diff = np.array(b) - np.array(a)
    half = 3.182 * diff.std(ddof=1) / math.sqrt(len(diff))  # t(0.975, 3)
    assert diff.mean() - half > 0, (a, b)


BANDS = [(0, 5, 9.2), (5, 10, 11.2), (10, 15, 19.2), (15, 20, 28.2), (20, 25, 20.0)]
"""FACTS.md: share of case-holding FTE by caseload, 30 Sep 2021 (the rest, 12.2%, 25+)."""


@pytest.mark.slow
def test_baseline_caseloads_spread_as_nationally():
    """The default authority, 2 replications: every band within 8 points (issue 14).

    Caseloads of every worker in post at every measured weekly snapshot; p90 at least
    1.25 times the mean. The bands are a 2021 snapshot of all English authorities, so
    the tolerance is wide; 2 replications x 156 weeks x ~110 workers make the model's
    shares precise to well under a point.
    """
    cfg = Config()
    loads: list[int] = []
    for rep in range(2):
        model = Model(cfg, rep)

        def snapshot(r: ev.WeekStarted, model: Model = model) -> None:
            if r.day >= model.warmup_day:
                loads.extend(len(w.cases) for w in model.workforce.workers)

        model.events.subscribe({ev.WeekStarted: snapshot})
        model.run()
    x = np.array(loads)
    assert np.percentile(x, 90) >= 1.25 * x.mean()
    shares = [100 * np.mean((x >= lo) & (x < hi)) for lo, hi, _ in BANDS]
    shares.append(100 * np.mean(x >= 25))
    national = [share for _, _, share in BANDS] + [12.2]
    for got, want in zip(shares, national, strict=True):
        assert abs(got - want) <= 8.0, (shares, national)


def test_a_new_starter_builds_up_a_caseload_over_the_induction_weeks(small_config):
    model = Model(_config(small_config, induction_weeks=4), 0)
    workforce = model.workforce
    worker = Worker(id=999, cap=0, hours_per_week=25.0, full_cap=20, ramp_from=0.0)
    caps = []
    for week in range(6):
        workforce._set_cap(worker, 7.0 * week)
        caps.append(worker.cap)
    assert caps == [5, 10, 15, 20, 20, 20]
    worker.away_until = 100.0
    workforce._set_cap(worker, 50.0)
    assert worker.cap == 0


def test_day_0_time_in_post_follows_the_hazards_steady_state(small_config):
    """The mean of 20,000 draws against the analytic mean of the density S(t) / E[T].

    Without the pressure feedback, so that the hazards are the configured ones.

    Tolerance: 3% of the mean, about six standard errors of a mean of 20,000 draws of a
    distribution whose sd is about its mean.
    """
    cfg = _config(
        small_config, turnover_base=0.1, early_leaving_factor=2.0, turnover_pressure_effect=0.0
    )
    workforce = Model(cfg, 0).workforce
    years = np.array([workforce._day0_tenure_days() for _ in range(20_000)]) / 365.25
    h1, h2, t = 0.2, 0.1, 2.0
    # integral of t S(t) and of S(t) for hazard h1 before t, h2 after
    s_t = math.exp(-h1 * t)
    first = (1 - s_t * (1 + h1 * t)) / h1**2 + s_t * (t / h2 + 1 / h2**2)
    mass = (1 - s_t) / h1 + s_t / h2
    assert years.mean() == pytest.approx(first / mass, rel=0.03)
    assert (years < 2.0).mean() == pytest.approx((1 - s_t) / h1 / mass, abs=0.02)


def test_moves_and_long_absences_hand_cases_over_without_counting_as_leavers(small_config):
    cfg = _config(small_config, internal_move_rate=1.0, long_absence_rate=0.5)
    model = Model(cfg, 0)
    rec = Recorder.attach(model)
    reasons: list[str] = []
    away: list[ev.WorkerAway] = []
    moved_in: list[ev.WorkerStarted] = []
    model.events.subscribe(
        {
            ev.CaseHandedOver: lambda r: reasons.append(r.reason),
            ev.WorkerAway: away.append,
            ev.WorkerStarted: lambda r: r.moved and moved_in.append(r),
        }
    )
    model.run()
    rec.close()
    assert {"left", "moved", "absence"} <= set(reasons)
    assert away
    assert all(r.return_day > r.day for r in away)
    assert moved_in
    moved_rows = [w for w in rec.workers if w["reason"] == "moved"]
    assert len(moved_rows) == len(moved_in)
    # a mover's next row is in another team, from the day they moved
    for record in moved_in:
        rows = [w for w in rec.workers if w["worker_id"] == record.worker]
        left = [w for w in rows if w["reason"] == "moved" and w["end_day"] == record.day]
        assert left
        assert left[0]["team"] != record.team
    leavers = sum(1 for _, kind in rec.leavers if kind == "permanent")
    resigned = sum(1 for w in rec.workers if w["kind"] == "permanent" and w["reason"] == "resigned")
    assert leavers == resigned


@pytest.mark.slow
def test_high_caseload_leaves_cases_waiting_in_teams_with_vacancies():
    """``scenario=high_caseload`` (94 posts for the same demand), 8 replications.

    Cases wait for a worker; and across the teams of the eight replications (128 teams),
    they wait where vacancies are: the teams in the top third by vacancy rate have more
    cases waiting in their queue each week than those in the bottom third, and the
    correlation is positive. Measured over 16 replications (model of 2026-12-02, day-0
    staff serving notice and sustained overload counted from the first week): 8.2 cases
    a week in the top third against 4.8 (correlation 0.20); at 3 replications the
    contrast is within noise (5.90 against 5.91), hence 8. Missed visits no longer
    gather there: 49.97% of due visits on time in the top third against 50.10%
    (correlation -0.01; it was 49.8% against 50.4%, -0.14, while day-0 staff had no
    overload and nobody served notice), nor with the staffing gap that counts agency
    cover and absence (correlation 0.01): a waiting case is visited by the duty service
    and workers' caps hold, so a team's vacancies show as its queue, not as its
    workers' missed visits. Contact gaps (``contact_gap_share``) and issue 15's drift
    did not gather either (measured 2026-12-01: 29.5% against 29.0%, 42.6% against
    42.9%): a case waiting for a worker still has its conferences and the duty service.
    """
    from sim.composition import compose_config

    cfg = compose_config(["scenario=high_caseload"])
    vacancy, queued, waiting = [], [], []
    for rep in range(8):
        model = Model(cfg, rep)
        rec = Recorder.attach(model)
        model.run()
        rec.close()
        waiting.append(compute_kpis(rec)["cases_unallocated_mean"])
        for totals in rec.teams.values():
            vacancy.append(totals["vacant_post_weeks"] / (totals["posts"] * totals["weeks"]))
            queued.append(totals["unallocated_weeks"] / totals["weeks"])
    assert min(waiting) > 0
    v, q = np.array(vacancy), np.array(queued)
    high, low = v >= np.quantile(v, 2 / 3), v <= np.quantile(v, 1 / 3)
    assert q[high].mean() > q[low].mean()
    assert np.corrcoef(v, q)[0, 1] > 0


@pytest.mark.slow
def test_lambeth_2020_gives_a_child_the_workers_seed_002_describes():
    """Seed 002: "six different social workers" in about three years of involvement.

    ``scenario=lambeth_2020`` (high turnover, a split service, frequent moves between
    posts), 2 replications: changes of worker per CPP year between 1 and 2.5, so a
    child on a two-year plan meets about 3 to 6 workers (the seed's rate is 5 changes
    in 3 years, about 1.7 a year; measured 1.7).
    """
    from sim.composition import compose_config

    cfg = compose_config(["scenario=lambeth_2020"])
    rates = [k["worker_changes_per_cpp_year"] for k in _kpis(cfg, 2)]
    assert 1.0 <= float(np.mean(rates)) <= 2.5, rates
