"""Social workers: posts, allocation, turnover, vacancies, agency cover and handovers.

The authority funds ``authority.social_workers`` case-holding posts, grouped in teams of
``workforce.team_size`` under a team manager. A post holds a permanent worker, or is
vacant; a vacant post is being recruited to (filled after an exponential delay with mean
``recruitment_mean_days``) and may be covered meanwhile by an agency worker, who arrives
sooner and leaves sooner (and is replaced by another agency worker while the post is
still vacant). When a permanent recruit arrives, the agency cover ends.

Allocation: a case keeps its worker from stage to stage. A case that needs a worker goes
to the worker with the lowest caseload below their cap (ties to the lowest id); if nobody
has room it waits unallocated, served by priority (section 47, CPP, assessment, CiN) and
then in order of waiting, whenever a slot frees.

Leaving: each week a worker who is not already leaving resigns with a chance from their
leaving hazard, ``turnover_base x (1 + turnover_pressure_effect x excess)`` for
permanent workers (``agency_turnover`` for agency workers). The excess is sustained
overload above ``pressure_tolerance``, capped at 1 (so pressure can at most multiply the
hazard by ``1 + turnover_pressure_effect``; an assumption that keeps extreme scenarios
finite); sustained overload is an exponential moving average of weekly overload (demand
above hours, plus caseload above cap). After ``notice_weeks`` they leave: their cases are handed over to colleagues with
room (each handover costs the receiver ``handover_hours`` and restarts the relationship)
or wait unallocated.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import events as ev
from sim.entities import Child, Priority, State, Worker
from sim.processes import complaints

if TYPE_CHECKING:
    from sim.model import Model

N_PRIORITIES = Priority.CIN + 1
DAYS_PER_YEAR = 365.25

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


class Workforce:
    """The posts, the workers in them and the unallocated queue."""

    def __init__(self, m: Model) -> None:
        self.m = m
        self.cfg = m.cfg.workforce
        self.stream = m.streams.get("workforce")
        self.workers: list[Worker] = []
        self._by_id: dict[int, Worker] = {}
        self._next_id = 0
        self.queues: list[deque[Child]] = [deque() for _ in range(N_PRIORITIES)]
        # (caseload, worker id) for workers with room; stale entries are skipped on pop.
        self._room: list[tuple[int, int]] = []
        self.posts = [
            Post(id=i, team=i // self.cfg.team_size) for i in range(m.cfg.authority.social_workers)
        ]
        self.n_teams = (len(self.posts) + self.cfg.team_size - 1) // self.cfg.team_size
        self._day0: list[ev.WorkerStarted] = []  # held until the run starts (announce)
        self._building = True
        self._fill_initial_posts()
        self._building = False  # from here on a start is emitted when it happens

    def announce(self) -> None:
        """Emit the day-0 workforce's ``WorkerStarted`` records as the run starts.

        The posts are filled when the model is built, before anyone has subscribed to
        the event stream, so their records wait until :meth:`Model.run` calls this.
        """
        held, self._day0 = self._day0, []
        for record in held:
            self.m.events.emit(record)

    # -- posts and people ---------------------------------------------------------------
    def _fill_initial_posts(self) -> None:
        """Day 0: posts vacant at the national rate, some covered by agency workers.

        A post is vacant with probability t*D / (1 + t*D) (turnover t, mean time to fill
        D): the steady state of the leave-and-recruit cycle. Without dynamics every post
        is filled.
        """
        c = self.cfg
        td = c.turnover_base * c.recruitment_mean_days / DAYS_PER_YEAR
        vacant_prob = td / (1 + td) if c.dynamics else 0.0
        for post in self.posts:
            if self.stream.uniform() < vacant_prob:
                self._recruit(post)
                if self.stream.uniform() < c.agency_cover_prob:
                    self._hire(post, "agency", start_day=0.0)
            else:
                self._hire(post, "permanent", start_day=-DAYS_PER_YEAR * 3 * self.stream.uniform())

    def _hire(self, post: Post, kind: str, start_day: float | None = None) -> Worker:
        c, m = self.cfg, self.m
        now = m.env.now if start_day is None else start_day
        newly_qualified = (
            kind == "permanent"
            and start_day is None
            and self.stream.uniform() < c.newly_qualified_share
        )
        factor = c.newly_qualified_factor if newly_qualified else 1.0
        worker = Worker(
            id=self._next_id,
            cap=max(1, math.floor(c.caseload_cap * factor)),
            hours_per_week=c.casework_hours_per_week * factor,
            kind=kind,
            start_day=now,
            post=post.id,
            team=post.team,
            newly_qualified_until=now + DAYS_PER_YEAR if newly_qualified else None,
            rng=m.streams.entity_stream("worker", self._next_id),
        )
        self._next_id += 1
        if kind == "agency":
            post.agency = worker
        else:
            post.permanent = worker
        self.workers.append(worker)
        self._by_id[worker.id] = worker
        heapq.heappush(self._room, (0, worker.id))
        started = ev.WorkerStarted(
            worker.id, m.env.now, kind, post.id, post.team, now, newly_qualified
        )
        if self._building:
            self._day0.append(started)
        else:
            m.events.emit(started)
        self._serve_queue()
        return worker

    def _recruit(self, post: Post) -> None:
        """Start recruiting a permanent worker to a vacant post."""
        if post.recruiting:
            return
        post.recruiting = True
        delay = self.stream.exponential(self.cfg.recruitment_mean_days)
        self.m.env.timeout(delay).callbacks.append(lambda _e: self._recruited(post))

    def _recruited(self, post: Post) -> None:
        post.recruiting = False
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
        """Absence, the end of newly qualified protection, and resignations this week."""
        c = self.cfg
        week_years = 7.0 / DAYS_PER_YEAR
        memory = 1.0 - math.exp(-1.0 / c.pressure_memory_weeks)
        for worker in list(self.workers):
            worker.sustained_overload += memory * (worker.last_overload - worker.sustained_overload)
            if not c.dynamics:
                continue
            if worker.newly_qualified_until is not None and day >= worker.newly_qualified_until:
                worker.newly_qualified_until = None
                worker.cap = c.caseload_cap
                worker.hours_per_week = c.casework_hours_per_week
                heapq.heappush(self._room, (len(worker.cases), worker.id))
            rng = worker.rng
            assert rng is not None, "every hired worker has a stream of their own"
            worker.absent_days = sum(rng.uniform() < c.sickness_absence for _ in range(5))
            if worker.leaving:
                continue
            if worker.kind == "agency":
                hazard = c.agency_turnover
            else:
                excess = min(1.0, max(0.0, worker.sustained_overload - c.pressure_tolerance))
                hazard = c.turnover_base * (1.0 + c.turnover_pressure_effect * excess)
            if rng.uniform() < 1.0 - math.exp(-hazard * week_years):
                self._resign(worker)
        self._serve_queue()

    def _resign(self, worker: Worker) -> None:
        worker.leaving = True
        delay = 7.0 * self.cfg.notice_weeks

        def leave(_e: object) -> None:
            self._leave(worker, "resigned")

        self.m.env.timeout(delay).callbacks.append(leave)

    def _leave(self, worker: Worker, reason: str) -> None:
        """The worker goes: hand over their cases and open the post to recruitment.

        ``reason``: ``resigned`` (their notice ran out) or ``replaced`` (an agency worker
        whose post a permanent recruit took).
        """
        m = self.m
        if worker.id not in self._by_id:
            return
        worker.leaving = True
        self.workers.remove(worker)
        del self._by_id[worker.id]
        m.events.emit(ev.WorkerLeft(worker.id, m.env.now, worker.kind, reason))
        post = self.posts[worker.post]
        if post.agency is worker:
            post.agency = None
        if post.permanent is worker:
            post.permanent = None
        if post.permanent is None:
            self._recruit(post)
            self._seek_agency(post, replacing=worker.kind == "agency")
        cases = list(worker.cases.values())
        worker.cases.clear()
        for child in cases:
            child.worker = None
            m.events.emit(ev.CaseHandedOver(child.id, m.env.now))
            complaints.failure(m, child, m.cfg.complaints.worker_change_prob)
            child.handover_pending = True
            self.request(child, PRIORITY_OF_STATE[child.state])

    # -- allocation ---------------------------------------------------------------------
    def request(self, child: Child, priority: int) -> None:
        """Make sure ``child`` has a worker, or wait in the queue at ``priority``."""
        if child.worker is not None:
            return
        if child.waiting_since_day is None:
            child.waiting_since_day = self.m.env.now
        worker = self._with_room()
        if worker is None:
            self.queues[priority].append(child)
        else:
            self._assign(child, worker)

    def release(self, child: Child) -> None:
        """Free the worker's slot when a case closes (or leaves) and serve the queue."""
        child.waiting_since_day = None
        child.handover_pending = False
        child.review_due_wd = None
        worker = child.worker
        if worker is None:
            return
        del worker.cases[child.id]
        child.worker = None
        heapq.heappush(self._room, (len(worker.cases), worker.id))
        self._serve_queue()

    @property
    def unallocated(self) -> int:
        """Cases waiting for a worker."""
        return sum(1 for q in self.queues for c in q if self._is_waiting(c))

    def team_workers(self) -> list[list[Worker]]:
        """The workers of each team, by team index."""
        teams: list[list[Worker]] = [[] for _ in range(self.n_teams)]
        for worker in self.workers:
            teams[worker.team].append(worker)
        return teams

    @staticmethod
    def _is_waiting(child: Child) -> bool:
        return child.worker is None and child.waiting_since_day is not None

    def _with_room(self) -> Worker | None:
        """The worker with the lowest caseload below their cap (lowest id on ties)."""
        heap = self._room
        while heap:
            load, wid = heap[0]
            worker = self._by_id.get(wid)
            if worker is None or worker.leaving or load != len(worker.cases) or load >= worker.cap:
                heapq.heappop(heap)  # stale: the worker left, is leaving or their caseload changed
                continue
            return worker
        return None

    def _assign(self, child: Child, worker: Worker) -> None:
        m = self.m
        worker.cases[child.id] = child
        heapq.heappush(self._room, (len(worker.cases), worker.id))
        child.worker = worker
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

    def _serve_queue(self) -> None:
        for queue in self.queues:
            while queue:
                if not self._is_waiting(queue[0]):
                    queue.popleft()
                    continue
                worker = self._with_room()
                if worker is None:
                    return
                self._assign(queue.popleft(), worker)
