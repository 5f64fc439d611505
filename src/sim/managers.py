"""Team managers as people: posts that fall vacant, cover while vacant, and hours left.

Each team (index ``0 .. workforce.n_teams - 1``) has one team manager post, held by a
manager (a person with an id) or vacant. A manager's weekly hours
(``workforce.manager_review_hours_per_week``) go to complaint stages first and then to
case reviews (management.py); :meth:`ManagerPosts.hours_factor` says what share of them
a team has this week, so a team without its manager reviews fewer cases and answers
complaints later (seed 004: the social worker and her manager had both left when the
complaint came, which took about ten months).

With ``workforce.dynamics`` on, each week (:meth:`ManagerPosts.weekly_update`, called
once from the weekly plan) a manager in post leaves with a chance from the hazard
``workforce.manager_turnover`` a year. They leave at once: the notice they work, and a
recruitment started during it, are folded into the recruitment delay. The post is then
recruited to after an exponential delay with mean
``workforce.manager_recruitment_mean_days``.

Cover while a post is vacant: after ``workforce.manager_cover_delay_days`` without any
cover, either an acting manager steps up (with probability
``workforce.acting_manager_prob``; they keep some of their own cases, so they have
``workforce.acting_manager_hours_factor`` of a manager's hours), or the neighbouring
team's manager is stretched over both teams, their hours split evenly between the two.
The neighbour of team ``i`` is team ``(i + 1) % n_teams`` (a rule the team structure
may later replace); a neighbour's manager can cover only when in post, and team
``i + 1``'s manager is the neighbour of team ``i`` alone, so a manager covers at most
one other team. The acting manager's own casework hours are not reduced (a
simplification: they are a worker of the team, not modelled as one). If the
neighbour has no manager in post (or there is only one team) there is no cover, and
cover is sought again after another cover delay, as long as the post stays without it
(an assumption). Stretched cover ends when the covering manager leaves (the covered
post is then without cover, and the delay starts again); any cover ends when the post
is filled.

Hours factor of a team this week: 1.0 with its manager in post, 0.5 when that manager
also covers the team before it, ``acting_manager_hours_factor`` with an acting manager,
0.5 when stretched cover comes from the neighbour, 0.0 with no cover. At the default
review hours a manager in post only just keeps up with the team's reviews, so with half
the hours a backlog builds; it is worked earliest first (management.py), and nearly all
of the team's reviews are late until it clears. Complaint work, which comes first, goes
on at the reduced pace.

Day 0: without dynamics every post is filled; with them a post is vacant with the
steady-state probability ``t x D / (1 + t x D)`` (hazard ``t`` a year, mean time to
fill ``D`` years), as workforce.py does for social workers, and a post vacant on day 0
is offered cover at once (such a vacancy has usually lasted longer than the cover
delay). The run's first records (:class:`events.ManagerChanged`, one a team) give every
post's status as the run starts; after that a record is emitted on every change. All
draws come from the named stream ``managers``, so no other stream moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import events as ev

if TYPE_CHECKING:
    from sim.model import Model

DAYS_PER_YEAR = 365.25
IN_POST = "in_post"
VACANT = "vacant"
ACTING = "acting"
STRETCHED = "stretched"
STATUSES = (IN_POST, VACANT, ACTING, STRETCHED)
"""A post's status: every post is in exactly one of these at any time."""
STRETCH_SHARE = 0.5
"""A stretched manager's hours go half to their own team and half to the covered team."""
RETRY_COVER_DAYS = 7.0
"""A search for cover that found none is tried again after at least this long."""


@dataclass(eq=False)
class ManagerPost:
    """One team's manager post.

    Attributes:
        team: The team's index.
        manager: Id of the manager in post, or None.
        status: One of :data:`STATUSES`.
        covered_by: The team whose manager covers this post (``stretched``), or None.
        covering: The team this post's manager also covers, or None.
        held: Kept vacant by :meth:`ManagerPosts.vacate`: no recruitment, no new cover.
        vacancy: Serial of the post's vacancies (a recruitment for an earlier one is stale).
        cover_token: Serial of cover attempts (a superseded attempt is stale).

    """

    team: int
    manager: int | None = None
    status: str = VACANT
    covered_by: int | None = None
    covering: int | None = None
    held: bool = False
    vacancy: int = 0
    cover_token: int = 0


class ManagerPosts:
    """The team manager posts of one run: who holds them, cover, and the hours they give."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.cfg = m.cfg.workforce
        self.stream = m.streams.get("managers")
        self.n_teams = m.workforce.n_teams
        self.posts = [ManagerPost(team=i) for i in range(self.n_teams)]
        self._next_id = 0
        self._started = False  # records are emitted from the run's start (announce)
        self._fill_initial_posts()

    # -- the run's start ---------------------------------------------------------------
    def _fill_initial_posts(self) -> None:
        """Day 0: posts vacant with the steady-state probability, the rest filled."""
        c = self.cfg
        td = c.manager_turnover * c.manager_recruitment_mean_days / DAYS_PER_YEAR
        vacant_prob = td / (1 + td) if c.dynamics else 0.0
        for post in self.posts:
            if self.stream.uniform() < vacant_prob:
                self._open_vacancy(post)
            else:
                self._appoint(post)
        for post in self.posts:
            if post.status == VACANT:
                self._arrange_cover(post)

    def announce(self) -> None:
        """Emit every post's status as the run starts (called by :meth:`Model.run`)."""
        self._started = True
        for post in self.posts:
            self._emit(post)

    # -- each week ---------------------------------------------------------------------
    def weekly_update(self) -> None:
        """Managers in post leave with the week's chance (only with dynamics on)."""
        c = self.cfg
        if not c.dynamics or c.manager_turnover <= 0:
            return
        leave_prob = 1.0 - math.exp(-c.manager_turnover * 7.0 / DAYS_PER_YEAR)
        for post in self.posts:
            if post.manager is not None and self.stream.uniform() < leave_prob:
                self._manager_leaves(post)

    def hours_factor(self, team: int) -> float:
        """The share of a manager's weekly hours team ``team`` has now (module docstring)."""
        post = self.posts[team]
        if post.status == IN_POST:
            return STRETCH_SHARE if post.covering is not None else 1.0
        if post.status == ACTING:
            return self.cfg.acting_manager_hours_factor
        if post.status == STRETCHED:
            return STRETCH_SHARE
        return 0.0

    def status(self, team: int) -> str:
        """The status of team ``team``'s manager post (one of :data:`STATUSES`)."""
        return self.posts[team].status

    def neighbour(self, team: int) -> int:
        """The team whose manager may cover team ``team``'s vacancy: ``(team + 1) % n``."""
        return (team + 1) % self.n_teams

    def stocks(self) -> dict[str, int]:
        """Weekly snapshot: posts, posts with no manager in post, posts with no cover at all."""
        return {
            "manager_posts": len(self.posts),
            "manager_vacant": sum(1 for post in self.posts if post.manager is None),
            "manager_uncovered": sum(1 for post in self.posts if post.status == VACANT),
        }

    def vacate(self, team: int, cover: str | None = None) -> None:
        """Make team ``team``'s manager leave now and keep the post vacant for the run.

        For experiments and tests (a team left without a manager). ``cover``: None (no
        cover), ``"acting"`` or ``"stretched"`` (the neighbour's manager, who must be in
        post and not covering already). The post is never recruited to and gets no other
        cover; stretched cover still ends if the covering manager leaves.
        """
        post = self.posts[team]
        post.held = True
        if post.manager is not None:
            self._manager_leaves(post)
        self._end_stretch(post)
        post.cover_token += 1  # any cover attempt already booked is void
        if cover == ACTING:
            self._set(post, ACTING)
        elif cover == STRETCHED:
            if not self._stretch(post):
                raise ValueError(f"team {team}: the neighbouring team has no manager free to cover")
        elif cover is None:
            self._set(post, VACANT)
        else:
            raise ValueError(f"cover must be None, {ACTING!r} or {STRETCHED!r}, not {cover!r}")

    # -- changes -----------------------------------------------------------------------
    def _appoint(self, post: ManagerPost) -> None:
        """A new manager takes up the post; any cover of it ends."""
        self._end_stretch(post)
        post.manager = self._next_id
        self._next_id += 1
        post.cover_token += 1
        self._set(post, IN_POST)

    def _manager_leaves(self, post: ManagerPost) -> None:
        """The manager goes: their post opens, and a team they covered loses its cover."""
        covered = post.covering
        post.covering = None
        post.manager = None
        self._open_vacancy(post)
        if covered is not None:
            other = self.posts[covered]
            other.covered_by = None
            self._set(other, VACANT)
            self._book_cover(other)

    def _open_vacancy(self, post: ManagerPost) -> None:
        """The post is vacant without cover: recruit to it and book a cover attempt."""
        post.vacancy += 1
        self._set(post, VACANT)
        if post.held:
            return
        vacancy = post.vacancy
        delay = self.stream.exponential(self.cfg.manager_recruitment_mean_days)

        def recruited(_e: object) -> None:
            if post.vacancy == vacancy and post.manager is None and not post.held:
                self._appoint(post)

        self.m.env.timeout(delay).callbacks.append(recruited)
        if self._started:
            self._book_cover(post)

    def _book_cover(self, post: ManagerPost, retry: bool = False) -> None:
        """Seek cover for a post without any after ``manager_cover_delay_days``.

        A search that found no cover is tried again after the same delay, but a week at
        least (with no delay, a post nobody can cover would be retried forever at the
        same moment).
        """
        if post.held:
            return
        post.cover_token += 1
        token = post.cover_token

        def due(_e: object) -> None:
            if post.cover_token == token and post.status == VACANT and not post.held:
                self._arrange_cover(post)

        delay = self.cfg.manager_cover_delay_days
        if retry:
            delay = max(delay, RETRY_COVER_DAYS)
        self.m.env.timeout(delay).callbacks.append(due)

    def _arrange_cover(self, post: ManagerPost) -> None:
        """An acting manager, or the neighbour's manager stretched; else try again later."""
        if self.stream.uniform() < self.cfg.acting_manager_prob:
            self._set(post, ACTING)
        elif not self._stretch(post):
            self._book_cover(post, retry=True)

    def _stretch(self, post: ManagerPost) -> bool:
        """Have the neighbouring team's manager cover ``post``, if they are in post."""
        neighbour = self.posts[self.neighbour(post.team)]
        if neighbour is post or neighbour.manager is None or neighbour.covering is not None:
            return False
        neighbour.covering = post.team
        post.covered_by = neighbour.team
        self._set(post, STRETCHED)
        return True

    def _end_stretch(self, post: ManagerPost) -> None:
        """The neighbour's manager stops covering ``post`` (back to their own team only)."""
        if post.covered_by is not None:
            self.posts[post.covered_by].covering = None
            post.covered_by = None

    def _set(self, post: ManagerPost, status: str) -> None:
        """Give ``post`` its new status and, once the run has started, say so."""
        if status == post.status:
            return  # a stretched post never passes straight to another coverer
        post.status = status
        if self._started:
            self._emit(post)

    def _emit(self, post: ManagerPost) -> None:
        covering_team = post.covered_by if post.status == STRETCHED else None
        manager = post.manager
        if covering_team is not None:
            manager = self.posts[covering_team].manager
        record = ev.ManagerChanged(post.team, self.m.env.now, post.status, manager, covering_team)
        self.m.events.emit(record)
