"""The team board log: each team's Monday-morning state, week by week (for stories).

A subscriber to the model's event stream (events.py), attached only for runs that draw a
team board (the story command; ``runner.run_one(..., team_board=True)``). When a team's
weekly snapshot is emitted (:class:`events.TeamWeek`, at the start of the week before any
review or visit is planned) it writes down what a team manager's board shows at that
moment: each worker's cases (by stage) and cap, the posts nobody holds, who is away or
working their notice, the team's unallocated list (children waiting for a worker, since
when) and its "not seen" list (children on a plan whose statutory visit is overdue), and
the manager post's status. It reads the model's state at the instant the record is
made, so its numbers add up to the record's (caseloads to ``cases``, the list to
``unallocated``). It draws no random numbers and changes nothing: a run with it gives the
same results as one without (tests/test_board.py).

teaching/board.py turns the weeks of the team holding a story's child into a page and
a print figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim import events as ev
from sim.entities import PLAN_STATES, Child

if TYPE_CHECKING:
    from sim.entities import Worker
    from sim.model import Model


@dataclass(frozen=True, slots=True)
class WorkerRow:
    """One worker of a team on the board.

    ``cases`` are ``(child, stage)`` pairs (stage: a :class:`entities.State` value);
    ``overdue`` the children among them on a plan whose statutory visit is overdue;
    ``cap`` their cap this week (0 while away, lower while building up a caseload).
    """

    worker: int
    post: int
    kind: str
    newly_qualified: bool
    cap: int
    full_cap: int
    cases: tuple[tuple[int, str], ...]
    overdue: tuple[int, ...]
    away_until: float | None
    leaving: bool
    start_day: float


@dataclass(frozen=True, slots=True)
class Waiting:
    """A child on the team's unallocated list: waiting for a worker since ``since_day``."""

    child: int
    since_day: float
    stage: str
    handover: bool
    """The case had a worker, who left, moved or went away (not a new case)."""


@dataclass(frozen=True, slots=True)
class NotSeen:
    """A child on a plan whose statutory visit fell due on ``due_day`` and is not made."""

    child: int
    plan: str
    due_day: float
    worker: int | None


@dataclass(frozen=True, slots=True)
class BoardWeek:
    """One team's board at the start of one week (the moment of its ``TeamWeek``)."""

    day: float
    team: int
    kind: str
    posts: int
    manager: str
    """The manager post's status (managers.py): in_post, vacant, acting or stretched."""
    covered_by: int | None
    """For ``stretched``: the team whose manager covers this one."""
    workers: tuple[WorkerRow, ...]
    vacant_posts: tuple[int, ...]
    """Posts nobody holds: no permanent worker and no agency cover."""
    unallocated: tuple[Waiting, ...]
    not_seen: tuple[NotSeen, ...]

    @property
    def caseloads(self) -> int:
        """Cases the team's workers hold (the ``TeamWeek`` record's ``cases``)."""
        return sum(len(w.cases) for w in self.workers)

    def holder(self, child: int) -> WorkerRow | None:
        """The worker holding ``child`` this week, if one of this team's does."""
        for row in self.workers:
            if any(c == child for c, _ in row.cases):
                return row
        return None

    def waiting(self, child: int) -> Waiting | None:
        """``child``'s entry on the unallocated list, if it is on it."""
        return next((w for w in self.unallocated if w.child == child), None)

    def unseen(self, child: int) -> NotSeen | None:
        """``child``'s entry on the not-seen list, if it is on it."""
        return next((n for n in self.not_seen if n.child == child), None)

    def shows(self, child: int) -> bool:
        """Whether ``child`` is anywhere on this board (held, or waiting for a worker)."""
        return self.holder(child) is not None or self.waiting(child) is not None


class BoardLog:
    """Every team's board, every week of one run, gathered as the snapshots are emitted.

    Args:
        model: The model being run (read, never changed).

    """

    def __init__(self, model: Model) -> None:
        self._m = model
        self.weeks: dict[float, dict[int, BoardWeek]] = {}
        """Boards by the week's first day, then by team index."""
        self._lists: tuple[float, dict[int, list[Waiting]], dict[int, list[NotSeen]]] | None = None

    @classmethod
    def attach(cls, model: Model) -> BoardLog:
        """Subscribe a new board log to ``model``'s event stream (before the run)."""
        log = cls(model)
        model.events.subscribe(log.handlers())
        return log

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The record types the log takes, each with its handler."""
        return {ev.TeamWeek: self._team_week}

    def team_weeks(self, team: int) -> list[BoardWeek]:
        """One team's boards, oldest first."""
        return [teams[team] for _, teams in sorted(self.weeks.items()) if team in teams]

    def _team_week(self, r: ev.TeamWeek) -> None:
        m = self._m
        waiting, not_seen = self._week_lists(r.day)
        workforce = m.workforce
        team = workforce.teams.teams[r.team]
        w0 = m.cal.wd_on_or_after(r.day)
        rows = tuple(_row(w, w0) for w in workforce.members[r.team])
        vacant = tuple(
            p
            for p in team.posts
            if workforce.posts[p].permanent is None and workforce.posts[p].agency is None
        )
        self.weeks.setdefault(r.day, {})[r.team] = BoardWeek(
            day=r.day,
            team=r.team,
            kind=r.kind,
            posts=r.posts,
            manager=r.manager,
            covered_by=m.managers.posts[r.team].covered_by,
            workers=rows,
            vacant_posts=vacant,
            unallocated=tuple(waiting.get(r.team, ())),
            not_seen=tuple(not_seen.get(r.team, ())),
        )

    def _week_lists(self, day: float) -> tuple[dict[int, list[Waiting]], dict[int, list[NotSeen]]]:
        """Every team's unallocated and not-seen lists this week (made once a week)."""
        if self._lists is not None and self._lists[0] == day:
            return self._lists[1], self._lists[2]
        m = self._m
        w0 = m.cal.wd_on_or_after(day)
        waiting: dict[int, list[Waiting]] = {}
        not_seen: dict[int, list[NotSeen]] = {}
        for child in m.open_children.values():
            if child.worker is None and child.waiting_since_day is not None:
                waiting.setdefault(child.team, []).append(
                    Waiting(child.id, child.waiting_since_day, child.state.value, _handover(child))
                )
            if _visit_overdue(child, w0):
                worker = None if child.worker is None else child.worker.id
                due = m.cal.day_of_wd(child.next_visit_due_wd)
                not_seen.setdefault(child.team, []).append(
                    NotSeen(child.id, child.state.value, due, worker)
                )
        for entries in waiting.values():
            entries.sort(key=lambda w: (w.since_day, w.child))
        for overdue in not_seen.values():
            overdue.sort(key=lambda n: (n.due_day, n.child))
        self._lists = (day, waiting, not_seen)
        return waiting, not_seen


def _visit_overdue(child: Child, w0: int) -> bool:
    """On a plan, with the statutory visit due before this week's first working day."""
    return child.state in PLAN_STATES and child.next_visit_due_wd < w0


def _handover(child: Child) -> bool:
    """Whether a waiting case is waiting because its worker went (not a new case)."""
    return child.handover_pending


def _row(worker: Worker, w0: int) -> WorkerRow:
    """A worker's line on the board."""
    cases = tuple(sorted((c.id, c.state.value) for c in worker.cases.values()))
    overdue = tuple(sorted(c.id for c in worker.cases.values() if _visit_overdue(c, w0)))
    return WorkerRow(
        worker=worker.id,
        post=worker.post,
        kind=worker.kind,
        newly_qualified=worker.newly_qualified_until is not None,
        cap=worker.cap,
        full_cap=worker.full_cap,
        cases=cases,
        overdue=overdue,
        away_until=worker.away_until,
        leaving=worker.leaving,
        start_day=worker.start_day,
    )
