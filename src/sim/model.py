"""Build and run one replication of the model.

One :class:`Model` holds one SimPy environment, its random streams, calendar, workforce
and event stream; nothing is global, so replications can run side by side. The model
measures nothing and writes nothing: it emits records of what happens (events.py), and
whoever wants them subscribes before the run (the KPI recorder in metrics.py, the case log
in caselog.py; runner.py puts them together).

The clock counts calendar days from ``run.start_date``. Within a day events happen in
this order:

* 0.00 - on the first day of a week (Monday): weekly planning and accounting
  (casework.plan_week): workers plan visits, meetings, assessment and enquiry work;
  every open case's week is recorded and its need moves on;
* 0.00-1.00 - referrals arrive at random times (more on working days), and so do
  notifications of plans transferring in and families' moves (processes/exits.py);
* 0.50 - case events on working days: a strategy discussion, a finished assessment or
  enquiry, a conference, a plan review, an escalation, a transfer out, an 18th birthday;
* 0.90 - front-door (MASH) decisions on the day's queue (working days only).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import numpy as np
import simpy

from sim import casework
from sim import events as ev
from sim.calendar import WorkingCalendar
from sim.config import Config
from sim.entities import OPEN_STATES, PLAN_STATES, Child, State, WorkItem
from sim.managers import ManagerPosts
from sim.processes import demand, exits, transfer_in
from sim.processes.conference import ConferenceDiary
from sim.processes.decisions import Ranker
from sim.processes.front_door import FrontDoor
from sim.rng import Streams
from sim.services import Services
from sim.workforce import Workforce

CASE_EVENT_TIME = 0.5
DAYS_PER_YEAR = 365.25


class Model:
    """One replication: environment, calendar, streams, workforce, managers and event stream.

    Args:
        cfg: A validated configuration.
        replication: Replication index (selects the random streams).
        audit: Check state bookkeeping at every weekly snapshot (slower; for tests).

    """

    def __init__(self, cfg: Config, replication: int = 0, audit: bool = False) -> None:
        self.cfg = cfg
        self.replication = replication
        self.audit = audit
        self.env = simpy.Environment()
        self.end_day = round(cfg.run.years * DAYS_PER_YEAR)
        self.warmup_day = round(cfg.run.warmup_years * DAYS_PER_YEAR)
        self.cal = WorkingCalendar(date.fromisoformat(cfg.run.start_date), self.end_day)
        self.streams = Streams(cfg.run.seed, replication)
        self.events = ev.EventStream(self.env)
        self.open_complaints: dict[int, float] = {}  # child id -> day the complaint came
        self.children: dict[int, Child] = {}
        self.open_children: dict[int, Child] = {}
        self.by_state: dict[State, set[int]] = {s: set() for s in State}
        self.audit_log: list[dict[str, int]] = []
        self.workforce = Workforce(self)
        self.managers = ManagerPosts(self)
        self.complaint_tasks: list[list] = [[] for _ in range(self.workforce.n_teams)]
        self.chairs = ConferenceDiary(cfg.authority.conference_slots_per_day)
        self.front_door = FrontDoor(self)
        self.services = Services(self)
        self.rankers: dict[str, Ranker] = {}

    def ranker(self, decision: str) -> Ranker:
        """The recent known needs at one decision point (processes/decisions.py)."""
        found = self.rankers.get(decision)
        if found is None:
            found = self.rankers[decision] = Ranker()
        return found

    # -- running ------------------------------------------------------------------------
    def run(self) -> Model:
        """Run to the end of the horizon; subscribers have had every record."""
        self.workforce.announce()
        self.managers.announce()
        if self.cfg.run.prepopulate:
            demand.prepopulate(self)
            demand.prepopulate_closures(self)
        self.env.process(demand.arrivals(self))
        self.env.process(transfer_in.arrivals(self))
        self.env.process(self.front_door.daily())
        self.env.process(casework.weekly(self))
        with _no_garbage_collection():
            self.env.run(until=self.end_day)
        self._censor()
        return self

    def _censor(self) -> None:
        """The run is over: release what was planned, and say what is still open.

        Waits for a worker or a front-door decision and complaints still going are emitted
        as censored records, so that measures of how long they take do not leave out the
        longest.
        """
        self.events.close(self.end_day)
        self.front_door.close()
        for child in self.open_children.values():
            if child.worker is None and child.waiting_since_day is not None:
                self.events.emit(ev.StillWaiting(child.id, child.waiting_since_day))
        for child_id, received in self.open_complaints.items():
            self.events.emit(ev.ComplaintOpenAtEnd(child_id, received))

    # -- children and states ------------------------------------------------------------
    def new_child(self) -> Child:
        """A child never referred before, with latent need drawn from N(0, 1) and an age."""
        child_id = len(self.children)
        rng = self.streams.child_stream(child_id)
        need = rng.normal()
        child = Child(id=child_id, rng=rng, need=need, baseline_need=need)
        child.non_resident_parent = rng.uniform() < self.cfg.complaints.non_resident_parent_prob
        if child.non_resident_parent:
            child.parent_involved = rng.uniform() < self.cfg.policy.invite_non_resident_parent_prob
        exits.draw_age(self, child, rng)
        self.workforce.place(child)
        self.children[child_id] = child
        return child

    def set_state(self, child: Child, state: State) -> None:
        """Move ``child`` to ``state``: the one place where states change."""
        self.by_state[child.state].discard(child.id)
        child.state = state
        self.by_state[state].add(child.id)
        if state in OPEN_STATES:
            self.open_children[child.id] = child
        else:
            self.open_children.pop(child.id, None)

    def stocks(self) -> dict[str, float]:
        """Stocks for the weekly snapshot (and the state audit when enabled)."""
        workers = self.workforce.workers
        counts: dict[str, float] = {
            f"{s.value}_open": len(ids) for s, ids in self.by_state.items() if s in OPEN_STATES
        }
        counts["closed"] = len(self.by_state[State.CLOSED])
        counts["in_care"] = len(self.by_state[State.CARE])
        counts["s47_open"] = counts["section_47_open"] + counts["awaiting_icpc_open"]
        counts["unallocated"] = self.workforce.unallocated
        counts["workers"] = len(workers)
        loads = sorted(len(w.cases) for w in workers)
        counts["caseload_mean"] = sum(loads) / len(loads) if loads else 0.0
        counts["caseload_p90"] = float(np.percentile(loads, 90)) if loads else 0.0
        counts["team_caseload_cv"] = self._team_caseload_cv()
        posts = self.workforce.funded
        counts["posts"] = len(posts)
        counts["permanent"] = sum(1 for post in posts if post.permanent is not None)
        counts["agency"] = sum(1 for post in self.workforce.posts if post.agency is not None)
        counts["vacant_posts"] = len(posts) - counts["permanent"]
        counts.update(self.managers.stocks())
        counts["open_cases"] = len(self.open_children)
        counts["children_referred"] = len(self.children)
        if self.audit:
            self.audit_log.append(self._audit_states())
        return counts

    def team_weeks(self, day: float) -> list[ev.TeamWeek]:
        """Each team's stocks for the weekly snapshot (events.TeamWeek)."""
        workforce = self.workforce
        unallocated = workforce.team_unallocated()
        extras = workforce.posts[len(workforce.funded) :]
        records = []
        for team in workforce.teams.teams:
            posts = [workforce.posts[p] for p in team.posts]
            extra = [p for p in extras if p.team == team.index]
            members = workforce.members[team.index]
            records.append(
                ev.TeamWeek(
                    day,
                    team.index,
                    team.kind,
                    team.patch_high - team.patch_low,
                    len(posts),
                    sum(1 for p in posts if p.permanent is not None),
                    sum(1 for p in posts + extra if p.agency is not None),
                    sum(1 for w in members if w.away_until is not None),
                    sum(len(w.cases) for w in members),
                    unallocated[team.index],
                    self.managers.status(team.index),
                )
            )
        return records

    def _team_caseload_cv(self) -> float:
        """Coefficient of variation of the teams' mean caseloads (teams with staff)."""
        means = [
            sum(len(w.cases) for w in team) / len(team) for team in self.workforce.members if team
        ]
        if len(means) < 2:
            return 0.0
        mean = sum(means) / len(means)
        return float(np.std(means) / mean) if mean > 0 else 0.0

    def _audit_states(self) -> dict[str, int]:
        """Count children by their own state attribute, independently of ``by_state``."""
        from collections import Counter

        by_attribute = Counter(c.state.value for c in self.children.values())
        mismatched = sum(1 for c in self.children.values() if c.id not in self.by_state[c.state])
        held = Counter(cid for w in self.workforce.workers for cid in w.cases)
        holders_agree = all(
            self.children[cid].worker is w for w in self.workforce.workers for cid in w.cases
        )
        lost = sum(
            1
            for c in self.open_children.values()
            if c.worker is None and c.waiting_since_day is None and c.state is not State.FRONT_DOOR
        )
        return {
            "children": len(self.children),
            "in_state_sets": sum(len(ids) for ids in self.by_state.values()),
            "distinct_in_sets": len(set().union(*self.by_state.values())),
            "mismatched": mismatched,
            "held_twice": sum(1 for n in held.values() if n > 1),
            "closed_but_held": sum(
                1 for cid in held if self.children[cid].state not in OPEN_STATES
            ),
            "holder_mismatch": int(not holders_agree),
            "lost": lost,
            **{f"attr_{k}": v for k, v in by_attribute.items()},
        }

    # -- time helpers -------------------------------------------------------------------
    def now_wd(self) -> int:
        """Working-day index of today (or the next working day on a non-working day)."""
        return self.cal.wd_on_or_after(self.env.now)

    def time_of_wd(self, wd: int) -> float:
        """Simulation time of case events on working day ``wd``."""
        return self.cal.day_of_wd(wd) + CASE_EVENT_TIME

    def wait_until_wd(self, wd: int) -> simpy.Timeout:
        """A timeout that fires at case-event time on working day ``wd`` (or now)."""
        return self.env.timeout(max(0.0, self.time_of_wd(wd) - self.env.now))

    def succeed_at_wd(self, event: simpy.Event, wd: int) -> None:
        """Trigger ``event`` at case-event time on working day ``wd``."""

        def fire(_t: simpy.Event) -> None:
            event.succeed()

        self.wait_until_wd(wd).callbacks.append(fire)

    def first_of(self, first: simpy.Event, second: simpy.Event) -> simpy.Event:
        """An event that fires when the first of two events is processed.

        It behaves as SimPy's ``first | second`` does for events that never fail, firing
        at the same point in the event order, at a fraction of the cost (a CiN plan waits
        on one every review period).
        """
        woken = self.env.event()

        def wake(_e: simpy.Event) -> None:
            if not woken.triggered:
                woken.succeed()

        for event in (first, second):
            if event.processed:
                wake(event)
            else:
                event.callbacks.append(wake)
        return woken

    def escalate_at(self, child: Child, wd: int) -> None:
        """Escalate a CiN case to a strategy discussion on ``wd`` if still on that plan."""
        event = child.escalation

        def fire(_t: simpy.Event) -> None:
            # The identity test first: mypy (1.20 and later) narrows ``event`` to the type
            # of ``child.escalation`` after it, which would undo the test against None.
            if event is not child.escalation or event is None or event.triggered:
                return
            event.succeed()

        self.wait_until_wd(wd).callbacks.append(fire)

    def end_plan(self, child: Child, outcome: str) -> None:
        """End ``child``'s CPP or CiN plan now, between reviews, with ``outcome``.

        The plan's process is interrupted wherever it waits (plans.py says what each
        outcome leads to): care proceedings, and exits such as a family moving away.
        """
        process = child.episode
        if child.state in PLAN_STATES and process is not None and process.is_alive:
            process.interrupt(outcome)

    def end_plan_at(self, child: Child, wd: int, outcome: str) -> None:
        """End ``child``'s plan on working day ``wd`` if the same plan is still open then."""
        serial = child.plan_serial

        def fire(_t: simpy.Event) -> None:
            if child.plan_serial == serial:
                self.end_plan(child, outcome)

        self.wait_until_wd(wd).callbacks.append(fire)

    def start_work(
        self, child: Child, kind: str, hours: float, earliest_end_wd: int
    ) -> simpy.Event:
        """Give ``child`` a work item needing ``hours``; the event fires when it is done."""
        done = self.env.event()
        child.work = WorkItem(
            kind=kind, hours_left=hours, earliest_end_wd=earliest_end_wd, done=done
        )
        if hours <= 0:
            self.succeed_at_wd(done, earliest_end_wd)

        def clear(_e: simpy.Event) -> None:
            child.work = None

        done.callbacks.append(clear)
        return done


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    """Switch the cycle collector off while a run is going (and back on after it).

    A run keeps hundreds of thousands of objects alive (pending events, records,
    children), and the collector would walk them again and again: with CPython's default
    thresholds that took about a quarter of a run's time, and still a tenth with rare
    collections. Almost nothing a run drops is a reference cycle (about 300 objects in
    a four-year run), so memory does not grow without it; plain reference counting
    frees the rest at once. Results do not change. The garbage of earlier runs in the
    same process is freed first, and whatever cycles this run leaves are freed when the
    collector runs again after it.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
