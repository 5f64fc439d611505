"""Team managers as people: posts that fall vacant, cover, and the hours a team has."""

from __future__ import annotations

from collections import Counter

import pytest

from sim import events as ev
from sim import management
from sim.managers import ACTING, IN_POST, STATUSES, STRETCHED, VACANT
from sim.metrics import Recorder, compute_kpis
from sim.model import Model
from sim.processes.complaints import ManagerTask


@pytest.fixture(scope="module")
def churning(small_config):
    """A half-size authority where team managers leave often and are replaced quickly.

    Returns the model, its ``ManagerChanged`` records and, at every weekly snapshot, the
    posts' state as the model holds it, what the records say, and the stocks.
    """
    cfg = small_config(scale=0.5, years=1.5, warmup=0.5)
    cfg.workforce.manager_turnover = 3.0
    cfg.workforce.manager_recruitment_mean_days = 60.0
    model = Model(cfg, 0)
    Recorder.attach(model)
    changes: list[ev.ManagerChanged] = []
    said: dict[int, ev.ManagerChanged] = {}
    weeks: list[dict] = []

    def changed(r: ev.ManagerChanged) -> None:
        changes.append(r)
        said[r.team] = r

    def week(r: ev.WeekStarted) -> None:
        posts = model.managers.posts
        weeks.append(
            {
                "status": [p.status for p in posts],
                "said": [(said[p.team].status, said[p.team].covering_team) for p in posts],
                "covered_by": [p.covered_by for p in posts],
                "covering": [p.covering for p in posts],
                "in_post": [p.manager is not None for p in posts],
                "factors": [model.managers.hours_factor(p.team) for p in posts],
                "stocks": dict(r.stocks),
            }
        )

    model.events.subscribe({ev.ManagerChanged: changed, ev.WeekStarted: week})
    model.run()
    return model, changes, weeks


def test_every_post_is_in_exactly_one_status_every_week(churning):
    model, changes, weeks = churning
    n = model.managers.n_teams
    acting = model.cfg.workforce.acting_manager_hours_factor
    seen = Counter()
    for w in weeks:
        status = w["status"]
        assert all(s in STATUSES for s in status)
        counts = Counter(status)
        seen.update(counts)
        assert sum(counts.values()) == n
        # the records alone give every post's status (and its cover) at every snapshot
        assert w["said"] == [
            (s, c if s == STRETCHED else None) for s, c in zip(status, w["covered_by"], strict=True)
        ]
        assert w["stocks"]["manager_posts"] == n
        assert w["stocks"]["manager_vacant"] == n - counts[IN_POST]
        assert w["stocks"]["manager_uncovered"] == counts[VACANT]
        assert w["in_post"] == [s == IN_POST for s in status]
        for team, s in enumerate(status):
            coverer = w["covered_by"][team]
            if s == STRETCHED:
                assert coverer == (team + 1) % n, "stretched cover comes from the neighbour"
                assert status[coverer] == IN_POST
                assert w["covering"][coverer] == team
            else:
                assert coverer is None
        # hours are conserved: a stretched manager's week is split, not doubled
        assert sum(w["factors"]) == pytest.approx(counts[IN_POST] + acting * counts[ACTING])
    assert set(seen) == set(STATUSES), f"the run should visit every status: {seen}"
    assert len(changes) > 3 * n


def test_cover_is_arranged_only_after_the_cover_delay(churning):
    model, changes, _ = churning
    delay = model.cfg.workforce.manager_cover_delay_days
    uncovered_since: dict[int, float] = {}
    covered = 0
    for r in changes:
        if r.status == VACANT:
            uncovered_since[r.team] = r.day
        elif r.status in (ACTING, STRETCHED) and r.day > 0:
            assert r.day - uncovered_since[r.team] >= delay - 1e-9
            covered += 1
        if r.status != VACANT:
            uncovered_since.pop(r.team, None)
    assert covered > 5


def test_without_manager_turnover_nothing_changes(small_config):
    for turnover, dynamics in ((0.0, True), (3.0, False)):
        cfg = small_config(scale=0.25, years=1.0, warmup=0.5)
        cfg.workforce.manager_turnover = turnover
        cfg.workforce.dynamics = dynamics
        model = Model(cfg, 0)
        rec = Recorder.attach(model)
        changes: list[ev.ManagerChanged] = []
        model.events.subscribe({ev.ManagerChanged: changes.append})
        model.run()
        n = model.managers.n_teams
        assert [(r.team, r.day, r.status) for r in changes] == [(t, 0.0, IN_POST) for t in range(n)]
        assert len({r.manager for r in changes}) == n, "each team its own manager"
        assert all(w.stocks["manager_vacant"] == 0 for w in rec.weeks)
        assert compute_kpis(rec)["manager_vacancy_rate"] == 0.0


def _review_shares(small_config, hours: float, covers: tuple[str | None, ...], replication: int):
    """Team 0's and the other teams' share of reviews on time, forcing team 0's manager out.

    ``covers``: ``"in post"`` (nobody is forced out) or the cover given to team 0's vacant
    post for the whole run (None: no cover). No other manager leaves.
    """
    shares = {}
    for cover in covers:
        cfg = small_config(scale=0.25, years=2.0, warmup=0.5)
        cfg.workforce.manager_turnover = 0.0
        cfg.workforce.manager_review_hours_per_week = hours
        cfg.workforce.team_demand_spread = 0.0  # every team's patch fits its size
        model = Model(cfg, replication)
        Recorder.attach(model)
        due: list[ev.ManagerReviewFellDue] = []
        model.events.subscribe({ev.ManagerReviewFellDue: due.append})
        if cover != "in post":
            model.managers.vacate(0, cover)
        model.run()
        measured = [r for r in due if r.due_day >= model.warmup_day]
        own = [r.on_time for r in measured if r.team == 0]
        others = [r.on_time for r in measured if r.team != 0]
        shares[cover] = (sum(own) / len(own), sum(others) / len(others))
    return shares


@pytest.mark.parametrize("replication", [0, 1, 2])
def test_a_team_without_a_manager_reviews_its_cases_late(small_config, replication):
    """Issue 14's must-hold, paired: the same replication with and without team 0's manager.

    With no cover the team has no review hours at all, so none of its reviews is on time;
    the other teams and team 0 with its manager are at 60-95% on time in these runs.
    Thresholds of 5% and 50% leave a wide margin on both sides.
    """
    shares = _review_shares(small_config, 12.0, ("in post", None), replication)
    without_own, without_others = shares[None]
    with_own, _ = shares["in post"]
    assert without_own <= 0.05
    assert without_others >= 0.5
    assert with_own >= 0.5


def test_an_acting_manager_does_between_a_manager_in_post_and_none(small_config):
    """Three paired replications with 24 review hours a week.

    Why 24: at the default 12 hours a team manager just keeps up with the reviews, so half
    of them (an acting manager's) leaves a backlog that is worked earliest first and every
    review ends up late; with 24 a manager in post is almost always on time, an acting
    manager's 12 hours are about the team's need and some reviews slip (72-97% on time in
    these replications), and with no cover none is done. Per replication the acting
    manager is below the manager in post (same random numbers) and well above none (0.5);
    over the three, at least 5 points below.
    """
    acting, in_post = [], []
    for replication in range(3):
        shares = _review_shares(small_config, 24.0, ("in post", ACTING, None), replication)
        none_own = shares[None][0]
        acting_own, acting_others = shares[ACTING]
        in_post_own = shares["in post"][0]
        assert none_own <= 0.05
        assert none_own + 0.5 < acting_own < in_post_own
        assert acting_own < acting_others
        acting.append(acting_own)
        in_post.append(in_post_own)
    assert sum(acting) / 3 < sum(in_post) / 3 - 0.05


def _first_week(model: Model) -> tuple[int, int]:
    wds = model.cal.working_days_in(7, 14)
    return wds[0], wds[-1]


def _complaint_hours_spent(model: Model, teams: range) -> list[float]:
    """Give each team a large complaint task and plan one week of manager work."""
    w0, w1 = _first_week(model)
    tasks = []
    for team in teams:
        task = ManagerTask(hours_left=100.0, earliest_end_wd=w0, due_wd=w1, done=model.env.event())
        model.complaint_tasks[team].append(task)
        tasks.append(task)
    management.manager_reviews(model, w0, w1)
    return [100.0 - task.hours_left for task in tasks]


def test_complaint_stages_get_the_teams_manager_hours(small_config):
    """Seed 004: with its manager gone, a team's complaint work waits (or goes slower)."""
    cfg = small_config(scale=0.5, years=1.0, warmup=0.5)
    cfg.workforce.manager_turnover = 0.0
    model = Model(cfg, 0)
    model.managers.vacate(0, None)
    model.managers.vacate(1, ACTING)
    model.managers.vacate(2, STRETCHED)  # team 3's manager covers team 2
    spent = _complaint_hours_spent(model, range(5))
    full = spent[4]
    assert full > 0
    acting = cfg.workforce.acting_manager_hours_factor
    assert spent == pytest.approx([0.0, acting * full, 0.5 * full, 0.5 * full, full])


def test_cover_follows_the_neighbour_and_ends_when_they_leave(small_config):
    cfg = small_config(scale=0.5, years=1.0, warmup=0.5)
    cfg.workforce.manager_turnover = 0.0
    model = Model(cfg, 0)
    posts = model.managers
    changes: list[ev.ManagerChanged] = []
    model.events.subscribe({ev.ManagerChanged: changes.append})
    posts.announce()
    posts.vacate(0, STRETCHED)
    assert [posts.hours_factor(t) for t in range(3)] == [0.5, 0.5, 1.0]
    assert changes[-1].status == STRETCHED
    assert changes[-1].covering_team == 1
    assert changes[-1].manager == posts.posts[1].manager
    posts.vacate(1, None)  # the covering manager leaves: team 0 loses its cover
    assert [posts.hours_factor(t) for t in range(3)] == [0.0, 0.0, 1.0]
    assert [(r.team, r.status) for r in changes[-2:]] == [(1, VACANT), (0, VACANT)]
    with pytest.raises(ValueError, match="no manager free"):
        posts.vacate(0, STRETCHED)
    with pytest.raises(ValueError, match="cover must be"):
        posts.vacate(2, "interim")


def test_a_single_team_has_no_neighbour_to_cover_it(small_config):
    cfg = small_config(scale=0.25, years=1.0, warmup=0.5)
    cfg.authority.social_workers = cfg.workforce.team_size
    model = Model(cfg, 0)
    assert model.managers.n_teams == 1
    assert model.managers.neighbour(0) == 0
    with pytest.raises(ValueError, match="no manager free"):
        model.managers.vacate(0, STRETCHED)


def test_a_post_nobody_can_cover_is_searched_again_a_week_later(small_config):
    """With no cover delay, no acting managers and no neighbour (one team), the search for
    cover fails every time: it is tried again a week later, not again at the same moment
    forever (a property test found the run never ending)."""
    cfg = small_config(scale=0.25, years=1.0, warmup=0.5)
    cfg.authority.social_workers = cfg.workforce.team_size
    cfg.workforce.manager_cover_delay_days = 0.0
    cfg.workforce.acting_manager_prob = 0.0
    cfg.workforce.manager_turnover = 5.0
    cfg.workforce.manager_recruitment_mean_days = 120.0
    model = Model(cfg, 0)
    searches: list[float] = []
    arrange = model.managers._arrange_cover

    def counted(post):
        searches.append(model.env.now)
        if len(searches) > 10_000:
            raise AssertionError("cover searched again and again at the same moment")
        arrange(post)

    model.managers._arrange_cover = counted
    model.run()
    assert model.env.now >= model.end_day - 7
    assert len(searches) > 5
    repeats = len(searches) - len(set(searches))
    assert repeats <= len(searches) // 2  # at most the first search of a vacancy repeats
