"""Social workers: teams, posts, allocation, leaving, moves, absences and handovers.

The authority funds ``authority.social_workers`` case-holding posts, grouped in teams
(teams.py: each covers a patch; under the ``split`` structure assessment teams hand cases
to long-term teams when a plan starts). A post holds a permanent worker, or is vacant; a
vacant post is being recruited to (filled after an exponential delay with mean
``recruitment_mean_days``) and may be covered meanwhile by an agency worker, who arrives
sooner and leaves sooner (and is replaced by another agency worker while the post is
still vacant). When a permanent recruit arrives, the agency cover ends. A team's
vacancies and leavers stay in that team until filled. Agency workers beyond the vacancies
(a fifth of them nationally) have extra places, ``agency_extra_per_post`` per post plus
``agency_extra_workers``, each in a team drawn in proportion to its posts: always held
by agency workers (refilled when one leaves), never vacant.

Allocation: a case goes to the team covering the family's patch (for the stage it is
at) and, within it, to a worker below their cap, chosen with chance in proportion to the
square of their room (cap less caseload; see ``_with_room``). If nobody in the team has
room it waits unallocated in the team's queue,
served by priority (section 47, CPP, assessment, CiN) and then in order of waiting,
whenever a slot in the team frees. Borrowing: a case that has waited
``borrow_after_wd`` working days (a section 47 at once) goes to the least-loaded worker
with room in another team of the same kind, checked weekly. A case keeps its worker from
stage to stage, except that under ``split`` it moves to a long-term team at a plan's start.

A new starter, or a worker back from a long absence, builds up a caseload: their cap
rises in equal steps over ``induction_weeks``.

Leaving: each week a worker who is not already leaving resigns with a chance from their
leaving hazard, ``turnover_base x tenure factor x (1 + turnover_pressure_effect x
excess)`` for permanent workers (``agency_turnover`` for agency workers). The tenure
factor is ``early_leaving_factor`` in the first ``early_leaving_years`` of service, 1
after. The excess is sustained overload above ``pressure_tolerance``, capped at 1;
sustained overload is an exponential moving average of weekly overload (demand above
hours, plus caseload above cap), started from the first week measured (the mean of the
weeks so far until they outnumber ``pressure_memory_weeks``), so that the day-0 staff do
not begin the run as if they had never been busy. After ``notice_weeks`` they leave. The
day-0 workforce's time in post is drawn from the steady state of these hazards (density
proportional to the chance of still being in post), not uniformly, and some of them are
already serving notice (the chance their day-0 hazard gives over the notice).

Moves that are not resignations: a permanent worker moves to a vacant post in another
team (``internal_move_rate``; not a leaver in the turnover rate), or goes on a long
absence (``long_absence_rate``, lognormal length) and returns to the same post. Whatever
the cause, a worker's cases are handed over: each handover costs the receiver
``handover_hours`` and restarts the relationship, or the case waits unallocated.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import events as ev
from sim.entities import PLAN_STATES, Child, Priority, State, Worker
from sim.processes import complaints
from sim.teams import Teams

if TYPE_CHECKING:
    from sim.model import Model

N_PRIORITIES = Priority.CIN + 1
DAYS_PER_YEAR = 365.25
MAX_SERVICE_YEARS = 45.0
"""A working life: no day-0 worker has been in post longer (the steady state has a tail)."""

PRIORITY_OF_STATE = {
    State.SECTION_47: Priority.SECTION_47,
    State.AWAITING_ICPC: Priority.SECTION_47,
    State.CPP: Priority.CPP,
    State.FRONT_DOOR: Priority.ASSESSMENT,
    State.ASSESSMENT: Priority.ASSESSMENT,
    State.CIN: Priority.CIN,
}


@dataclass(eq=False)
class Post:
    """A funded case-holding post."""

    id: int
    team: int
    permanent: Worker | None = None
    agency: Worker | None = None
    recruiting: bool = False
    seeking_agency: bool = False
    frozen: bool = False
    """Held vacant for the whole run (``workforce.vacant_cluster_posts``)."""
    extra: bool = False
    """An agency worker's place beyond the funded posts (:func:`extra_agency_places`):
    never recruited to, never vacant, refilled by agency when its worker leaves."""


def extra_agency_places(posts: int, per_post: float, more: int) -> int:
    """Agency places beyond the funded posts: ``round(posts x per_post) + more``."""
    return round(posts * per_post) + more


def tenure_masses(hazard: float, early_factor: float, early_years: float) -> tuple[float, float]:
    """The two pieces of the mean time in post under a leaving hazard, in years.

    The hazard is ``hazard`` (> 0) a year, ``early_factor`` times it (h1) in the first
    ``early_years`` (T) of service. The chance of staying t years, S(t), integrates to
    (1 - e^-h1T) / h1 over the first T years and to e^-h1T / hazard after: the weights
    of the two pieces of the steady state's times in post
    (``Workforce._day0_tenure_days``), and their sum is the mean time in post.
    """
    h1 = hazard * early_factor
    early_mass = (1.0 - math.exp(-h1 * early_years)) / h1 if h1 > 0 else early_years
    return early_mass, math.exp(-h1 * early_years) / hazard


def steady_turnover(hazard: float, early_factor: float, early_years: float) -> float:
    """Leavers a year per permanent worker in the steady state of a leaving hazard.

    The hazard is ``hazard`` a year, ``early_factor`` times it in the first
    ``early_years`` of service. The turnover is one over the mean time in post, the
    integral of the chance S(t) of staying t years (:func:`tenure_masses`).
    It rises faster than the hazard: a higher hazard keeps more of the staff in their
    first years, when they leave faster.
    """
    if hazard <= 0.0:
        return 0.0
    early_mass, late_mass = tenure_masses(hazard, early_factor, early_years)
    return 1.0 / (early_mass + late_mass)


class Workforce:
    """The teams, their posts, the workers in them and the unallocated queues."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.cfg = c = m.cfg.workforce
        self.stream = m.streams.get("workforce")
        self._patches = m.streams.get("patches")
        self.workers: list[Worker] = []
        self._by_id: dict[int, Worker] = {}
        self._next_id = 0
        n_posts = m.cfg.authority.social_workers
        self.teams = Teams(
            n_posts,
            c.team_size,
            c.structure,
            c.assessment_team_share,
            c.team_demand_spread,
            m.streams.get("teams"),
        )
        self.n_teams = len(self.teams)
        of_post = self.teams.team_of_post()
        self.posts = [Post(id=i, team=of_post[i]) for i in range(n_posts)]
        self.funded = self.posts[:n_posts]
        """The funded posts (``authority.social_workers``), without the extra places."""
        n_extra = extra_agency_places(n_posts, c.agency_extra_per_post, c.agency_extra_workers)
        self.posts += [
            Post(id=n_posts + k, team=team, extra=True)
            for k, team in enumerate(self._extra_place_teams(n_extra, of_post))
        ]
        self.queues: list[list[deque[Child]]] = [
            [deque() for _ in range(N_PRIORITIES)] for _ in range(self.n_teams)
        ]
        self.members: list[list[Worker]] = [[] for _ in range(self.n_teams)]
        """The workers in post in each team, in the order they joined it."""
        self._allocation = m.streams.get("allocation")
        self._day0: list[ev.WorkerStarted] = []  # held until the run starts (announce)
        self._building = True
        self._fill_initial_posts()
        self._building = False  # from here on a start is emitted when it happens

    def _extra_place_teams(self, n_places: int, of_post: list[int]) -> list[int]:
        """The team of each agency place beyond the posts, drawn in proportion to its posts.

        A seeded draw (stream ``agency_places``), so that the places do not gather in the
        first teams, where they would tie a team's capacity to its place in the list
        (team 0 holds the frozen posts of ``vacant_cluster_posts``).
        """
        if n_places == 0:
            return []
        per_team = [0] * self.n_teams
        for team in of_post:
            per_team[team] += 1
        share = tuple(n / len(of_post) for n in per_team[:-1])
        stream = self.m.streams.get("agency_places")
        return [stream.choice(share) for _ in range(n_places)]

    def announce(self) -> None:
        """Emit the day-0 workforce's ``WorkerStarted`` records as the run starts.

        The posts are filled when the model is built, before anyone has subscribed to
        the event stream, so their records wait until :meth:`Model.run` calls this.
        """
        held, self._day0 = self._day0, []
        for record in held:
            self.m.events.emit(record)

    def place(self, child: Child) -> None:
        """Give a newly referred family its place in the authority (its patch)."""
        child.patch = self._patches.uniform()

    # -- posts and people ---------------------------------------------------------------
    def _fill_initial_posts(self) -> None:
        """Day 0: posts vacant at the national rate, some covered by agency workers.

        A post is vacant with probability t*D / (1 + t*D) (turnover t, mean time to fill
        D): the steady state of the leave-and-recruit cycle. Without dynamics every post
        is filled. A permanent worker's time in post is drawn from the steady state of
        the tenure-dependent hazard (:meth:`_day0_tenure_days`).
        """
        c = self.cfg
        td = self._steady_turnover() * c.recruitment_mean_days / DAYS_PER_YEAR
        vacant_prob = td / (1 + td) if c.dynamics else 0.0
        frozen = set(self.teams.teams[0].posts[: c.vacant_cluster_posts])
        for post in self.posts:
            if post.extra:
                self._hire(post, "agency", start_day=0.0)
                continue
            if post.id in frozen:
                post.frozen = True  # left vacant for the whole run (vacant_cluster_posts)
                continue
            if self.stream.uniform() < vacant_prob:
                self._recruit(post)
                if self.stream.uniform() < c.agency_cover_prob:
                    self._hire(post, "agency", start_day=0.0)
            else:
                worker = self._hire(post, "permanent", start_day=-self._day0_tenure_days())
                self._day0_notice(worker)

    def _day0_notice(self, worker: Worker) -> None:
        """A day-0 worker may already be serving notice.

        They resigned within the last ``notice_weeks`` with the chance their hazard (at
        the day-0 uplift) gives, and leave at a uniform point of the notice still to run.
        """
        c = self.cfg
        if not c.dynamics or c.notice_weeks <= 0:
            return
        early = -worker.start_day < c.early_leaving_years * DAYS_PER_YEAR
        hazard = c.turnover_base * self._uplift() * (c.early_leaving_factor if early else 1.0)
        notice_years = 7.0 * c.notice_weeks / DAYS_PER_YEAR
        if self.stream.uniform() < 1.0 - math.exp(-hazard * notice_years):
            worker.leaving = True
            delay = 7.0 * c.notice_weeks * self.stream.uniform()
            self.m.env.timeout(delay).callbacks.append(lambda _e: self._leave(worker, "resigned"))

    def _uplift(self) -> float:
        """``day0_pressure_uplift`` when pressure can raise the leaving hazard, else 1.

        The day-0 vacancies and times in post are drawn for the leaving rate the authority
        runs at, not for a calm one, so that the stocks do not drift in the first years
        (the same practice as demand.py's measured day-0 mix).
        """
        c = self.cfg
        return c.day0_pressure_uplift if c.turnover_pressure_effect > 0 else 1.0

    def _steady_turnover(self) -> float:
        """Leavers a year per permanent worker in the steady state the authority runs at.

        :func:`steady_turnover` of the hazard raised by :meth:`_uplift`.
        """
        c = self.cfg
        return steady_turnover(
            c.turnover_base * self._uplift(), c.early_leaving_factor, c.early_leaving_years
        )

    def _day0_tenure_days(self) -> float:
        """Time in post of a permanent worker on day 0, from the hazards' steady state.

        In a steady state the time in post of the workers present has density
        proportional to the chance S(t) of staying that long. With hazard h1 for the
        first T years and h2 after, the two pieces of S carry the weights
        :func:`tenure_masses` gives: pick a piece, then draw within it.
        """
        c, u = self.cfg, self.stream.uniform
        h2 = c.turnover_base * self._uplift()
        h1 = h2 * c.early_leaving_factor
        t_early = c.early_leaving_years
        if h2 * MAX_SERVICE_YEARS < 1e-9:
            return DAYS_PER_YEAR * 10.0 * u()  # (almost) nobody leaves: any spread will do
        early_mass, late_mass = tenure_masses(h2, c.early_leaving_factor, t_early)
        if u() < early_mass / (early_mass + late_mass):
            v = u()
            years = (
                -math.log1p(-v * (1.0 - math.exp(-h1 * t_early))) / h1 if h1 > 0 else v * t_early
            )
        else:
            years = t_early + self.stream.exponential(1.0 / h2)
        return DAYS_PER_YEAR * min(years, MAX_SERVICE_YEARS)

    def _hire(self, post: Post, kind: str, start_day: float | None = None) -> Worker:
        c, m = self.cfg, self.m
        now = m.env.now if start_day is None else start_day
        recent = now > m.env.now - DAYS_PER_YEAR  # in their first year (day 0: back-dated)
        newly_qualified = (
            kind == "permanent" and recent and self.stream.uniform() < c.newly_qualified_share
        )
        factor = c.newly_qualified_factor if newly_qualified else 1.0
        full_cap = max(1, math.floor(c.caseload_cap * factor))
        worker = Worker(
            id=self._next_id,
            cap=full_cap,
            hours_per_week=c.casework_hours_per_week * factor,
            kind=kind,
            start_day=now,
            post=post.id,
            team=post.team,
            full_cap=full_cap,
            newly_qualified_until=now + DAYS_PER_YEAR if newly_qualified else None,
            rng=m.streams.entity_stream("worker", self._next_id),
        )
        if start_day is None:  # a new starter builds up a caseload; the day-0 staff have one
            worker.ramp_from = m.env.now
            self._set_cap(worker, m.env.now)
        self._next_id += 1
        if kind == "agency":
            post.agency = worker
        else:
            post.permanent = worker
        self.workers.append(worker)
        self._by_id[worker.id] = worker
        self.members[worker.team].append(worker)
        started = ev.WorkerStarted(
            worker.id, m.env.now, kind, post.id, post.team, now, newly_qualified
        )
        if self._building:
            self._day0.append(started)
        else:
            m.events.emit(started)
            self._serve_team(worker.team)
        return worker

    def _set_cap(self, worker: Worker, day: float) -> None:
        """The worker's cap today: 0 while away, rising while they build up a caseload."""
        induction = self.cfg.induction_weeks
        if worker.away_until is not None:
            cap = 0
        elif induction > 0 and day < worker.ramp_from + 7.0 * induction:
            weeks_in = int((day - worker.ramp_from) / 7.0) + 1
            cap = max(1, math.ceil(worker.full_cap * weeks_in / induction))
        else:
            cap = worker.full_cap
        worker.cap = cap

    def _recruit(self, post: Post) -> None:
        """Start recruiting a permanent worker to a vacant post."""
        if post.recruiting:
            return
        post.recruiting = True
        delay = self.stream.exponential(self.cfg.recruitment_mean_days)
        self.m.env.timeout(delay).callbacks.append(lambda _e: self._recruited(post))

    def _recruited(self, post: Post) -> None:
        post.recruiting = False
        if post.permanent is not None:
            return  # a colleague moved into the post meanwhile: the recruitment stopped
        self._hire(post, "permanent")
        if post.agency is not None and not post.agency.leaving:
            self._leave(post.agency, "replaced")  # the agency assignment ends

    def _seek_agency(self, post: Post, replacing: bool = False) -> None:
        """Book agency cover for a vacant post.

        With probability ``agency_cover_prob``, or always when ``replacing`` an agency
        worker who left a post that is still vacant.
        """
        if post.seeking_agency or post.agency is not None:
            return
        if not replacing and self.stream.uniform() >= self.cfg.agency_cover_prob:
            return
        post.seeking_agency = True
        delay = self.stream.exponential(self.cfg.agency_start_mean_days)

        def start(_e: object) -> None:
            post.seeking_agency = False
            if post.permanent is None and post.agency is None:
                self._hire(post, "agency")

        self.m.env.timeout(delay).callbacks.append(start)

    def weekly_update(self, day: int) -> None:
        """Absence, caps, resignations, moves and long absences this week; then borrowing."""
        c = self.cfg
        week_years = 7.0 / DAYS_PER_YEAR
        memory = 1.0 - math.exp(-1.0 / c.pressure_memory_weeks)
        move_chance = 1.0 - math.exp(-c.internal_move_rate * week_years)
        away_chance = 1.0 - math.exp(-c.long_absence_rate * week_years)
        for worker in list(self.workers):
            if worker.weeks_observed:  # the mean so far until the memory is longer
                weight = max(memory, 1.0 / worker.weeks_observed)
                worker.sustained_overload += weight * (
                    worker.last_overload - worker.sustained_overload
                )
            if not c.dynamics:
                continue
            if worker.newly_qualified_until is not None and day >= worker.newly_qualified_until:
                worker.newly_qualified_until = None
                worker.full_cap = c.caseload_cap
                worker.hours_per_week = c.casework_hours_per_week
            if worker.away_until is not None and day >= worker.away_until:
                worker.away_until = None  # back from a long absence
                worker.ramp_from = float(day)
            self._set_cap(worker, day)
            rng = worker.rng
            assert rng is not None, "every hired worker has a stream of their own"
            if worker.away_until is not None:
                worker.absent_days = 5
                continue
            worker.absent_days = sum(rng.uniform() < c.sickness_absence for _ in range(5))
            if worker.leaving:
                continue
            if worker.kind == "agency":
                hazard = c.agency_turnover
            else:
                excess = min(1.0, max(0.0, worker.sustained_overload - c.pressure_tolerance))
                early = day - worker.start_day < c.early_leaving_years * DAYS_PER_YEAR
                tenure = c.early_leaving_factor if early else 1.0
                hazard = c.turnover_base * tenure * (1.0 + c.turnover_pressure_effect * excess)
            if rng.uniform() < 1.0 - math.exp(-hazard * week_years):
                self._resign(worker)
            elif worker.kind == "permanent":
                if rng.uniform() < move_chance:
                    self._move(worker, rng.uniform())
                elif rng.uniform() < away_chance:
                    self._go_away(
                        worker,
                        day,
                        rng.lognormal(c.long_absence_median_weeks, c.long_absence_sigma),
                    )
        for team in range(self.n_teams):
            self._serve_team(team)
        self._borrow()

    def _resign(self, worker: Worker) -> None:
        worker.leaving = True
        delay = 7.0 * self.cfg.notice_weeks

        def leave(_e: object) -> None:
            self._leave(worker, "resigned")

        self.m.env.timeout(delay).callbacks.append(leave)

    def _vacate(self, worker: Worker, reason: str) -> None:
        """The worker is out of their post (a leaver or a mover): record it, open the post."""
        m = self.m
        m.events.emit(ev.WorkerLeft(worker.id, m.env.now, worker.kind, reason))
        post = self.posts[worker.post]
        if post.agency is worker:
            post.agency = None
        if post.extra:
            self._seek_agency(post, replacing=True)
            return
        if post.permanent is worker:
            post.permanent = None
        if post.permanent is None:
            self._recruit(post)
            self._seek_agency(post, replacing=worker.kind == "agency")

    def _leave(self, worker: Worker, reason: str) -> None:
        """The worker goes: hand over their cases and open the post to recruitment.

        ``reason``: ``resigned`` (their notice ran out) or ``replaced`` (an agency worker
        whose post a permanent recruit took).
        """
        if worker.id not in self._by_id:
            return
        worker.leaving = True
        self.workers.remove(worker)
        self.members[worker.team].remove(worker)
        del self._by_id[worker.id]
        self._vacate(worker, reason)
        self._hand_over(worker, "left")

    def _move(self, worker: Worker, draw: float) -> None:
        """Move a permanent worker to a vacant post in another team, if there is one.

        The post is picked uniformly (by ``draw``) among posts of other teams without a
        permanent worker; their cases are handed over in the old team, an agency worker
        covering the new post ends their assignment, and a recruitment to it stops.
        """
        m = self.m
        vacant = [
            p for p in self.funded if p.permanent is None and not p.frozen and p.team != worker.team
        ]
        if not vacant:
            return
        post = vacant[min(len(vacant) - 1, int(draw * len(vacant)))]
        worker.leaving = True  # takes none of the cases handed over meanwhile
        self._vacate(worker, "moved")
        self._hand_over(worker, "moved")
        worker.leaving = False
        self.members[worker.team].remove(worker)
        worker.post, worker.team = post.id, post.team
        post.permanent = worker
        self.members[worker.team].append(worker)
        newly_qualified = worker.newly_qualified_until is not None
        m.events.emit(
            ev.WorkerStarted(
                worker.id,
                m.env.now,
                worker.kind,
                post.id,
                post.team,
                m.env.now,
                newly_qualified,
                moved=True,
            )
        )
        if post.agency is not None and not post.agency.leaving:
            self._leave(post.agency, "replaced")
        self._serve_team(worker.team)

    def _go_away(self, worker: Worker, day: float, weeks: float) -> None:
        """A long absence starts: the post stays theirs, their cases are handed over."""
        m = self.m
        worker.away_until = day + 7.0 * max(1, round(weeks))
        worker.absent_days = 5
        self._set_cap(worker, day)
        m.events.emit(ev.WorkerAway(worker.id, m.env.now, worker.away_until))
        self._hand_over(worker, "absence")

    def _hand_over(self, worker: Worker, reason: str) -> None:
        """Every case of ``worker`` needs another worker (each a change of worker)."""
        cases = list(worker.cases.values())
        worker.cases.clear()
        for child in cases:
            self._release_to_queue(child, reason)

    def _release_to_queue(self, child: Child, reason: str) -> None:
        """Take ``child`` from their worker and ask for another (a change of worker)."""
        m = self.m
        worker = child.worker
        if worker is not None:
            worker.cases.pop(child.id, None)
        child.worker = None
        m.events.emit(ev.CaseHandedOver(child.id, m.env.now, reason))
        complaints.failure(m, child, m.cfg.complaints.worker_change_prob)
        child.handover_pending = True
        self.request(child, PRIORITY_OF_STATE[child.state])

    # -- allocation ---------------------------------------------------------------------
    def request(self, child: Child, priority: int) -> None:
        """Make sure ``child`` has a worker in a team of the right kind, or wait for one.

        Under the split structure a case moves to a long-term team when its plan starts:
        a worker of an assessment team then hands it over.
        """
        if child.state in PLAN_STATES:
            child.long_term = True
        worker = child.worker
        if worker is not None:
            if not self.teams.split:
                return
            kind = self.teams.kind_for(child.long_term)
            if self.teams.teams[worker.team].kind == kind:
                return
            self._release_to_queue(child, "transfer")  # calls request again
            return
        if child.waiting_since_day is None:
            child.waiting_since_day = self.m.env.now
        team = self.teams.covering(child.patch, child.long_term)
        child.team = team
        found = self._with_room(team)
        if found is None and priority == Priority.SECTION_47:
            found = self._room_elsewhere(team)  # an enquiry cannot wait: borrow at once
        if found is None:
            self.queues[team][priority].append(child)
        else:
            self._assign(child, found)

    def release(self, child: Child) -> None:
        """Free the worker's slot when a case closes (or leaves) and serve the queue."""
        child.waiting_since_day = None
        child.handover_pending = False
        child.review_due_wd = None
        child.long_term = False
        worker = child.worker
        if worker is None:
            return
        del worker.cases[child.id]
        child.worker = None
        self._serve_team(worker.team)

    @property
    def unallocated(self) -> int:
        """Cases waiting for a worker."""
        return sum(self.team_unallocated())

    def team_unallocated(self) -> list[int]:
        """Cases waiting for a worker, by team."""
        return [
            len({c.id for q in queues for c in q if self._waits_in(c, team)})
            for team, queues in enumerate(self.queues)
        ]

    @staticmethod
    def _waits_in(child: Child, team: int) -> bool:
        """Whether a queue entry of ``team`` is a case still waiting there."""
        return child.worker is None and child.waiting_since_day is not None and child.team == team

    def _with_room(self, team: int) -> Worker | None:
        """The manager's choice among the team's workers with room below their cap.

        A worker is chosen with chance in proportion to the square of their room (cap
        less caseload): managers favour who has capacity, but also weigh continuity,
        skills and complexity, so allocation is not strictly to the least loaded (an
        assumption; it gives the spread of caseloads within a team, FACTS.md). None when
        nobody has room.
        """
        total = 0
        rooms: list[tuple[int, Worker]] = []
        for worker in self.members[team]:
            room = worker.cap - len(worker.cases)
            if room > 0 and not worker.leaving:
                room = room * room
                total += room
                rooms.append((room, worker))
        if not rooms:
            return None
        pick = self._allocation.uniform() * total
        for room, worker in rooms:
            pick -= room
            if pick < 0:
                return worker
        return rooms[-1][1]

    def _room_elsewhere(self, team: int) -> Worker | None:
        """The least-loaded worker with room in another team of the same kind.

        A case borrowed from another team goes where there is most room (ties to the
        lowest id): the managers agree it because one team has capacity.
        """
        best: Worker | None = None
        best_key = (0, 0)
        for other in self.teams.of_kind(self.teams.teams[team].kind):
            if other == team:
                continue
            for worker in self.members[other]:
                load = len(worker.cases)
                if load >= worker.cap or worker.leaving:
                    continue
                key = (load, worker.id)
                if best is None or key < best_key:
                    best, best_key = worker, key
        return best

    def _assign(self, child: Child, worker: Worker) -> None:
        m = self.m
        worker.cases[child.id] = child
        child.worker = worker
        child.team = worker.team
        child.worker_since_wd = m.now_wd()
        assert child.waiting_since_day is not None
        allocated = ev.WorkerAllocated(
            child.id,
            m.env.now,
            worker.id,
            child.waiting_since_day,
            child.handover_pending,
            worker.kind == "agency",
        )
        m.events.emit(allocated)
        m.events.reassign_planned(child.id, worker.id, m.env.now)
        if child.handover_pending:
            worker.extra_hours_due += self.cfg.handover_hours
            child.handover_pending = False
        if child.review_due_wd is None:
            child.review_due_wd = m.now_wd() + self.cfg.manager_review_interval_wd
            child.review_due_recorded = False
        child.waiting_since_day = None

    def _serve_team(self, team: int) -> None:
        """Allocate the team's waiting cases, by priority, while its workers have room."""
        for queue in self.queues[team]:
            while queue:
                if not self._waits_in(queue[0], team):
                    queue.popleft()
                    continue
                worker = self._with_room(team)
                if worker is None:
                    return
                self._assign(queue.popleft(), worker)

    def _borrow(self) -> None:
        """Cases that waited ``borrow_after_wd`` go to another team with room (weekly)."""
        m = self.m
        limit = self.cfg.borrow_after_wd
        between = m.cal.working_days_between
        now = m.env.now
        for team, queues in enumerate(self.queues):
            for queue in queues:
                kept: deque[Child] = deque()
                while queue:
                    child = queue.popleft()
                    if not self._waits_in(child, team):
                        continue
                    assert child.waiting_since_day is not None
                    worker = None
                    if between(child.waiting_since_day, now) >= limit:
                        worker = self._room_elsewhere(team)
                    if worker is None:
                        kept.append(child)
                    else:
                        self._assign(child, worker)
                queue.extend(kept)
