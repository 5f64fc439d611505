"""The recorder (a subscriber to the model's event stream) and every KPI definition.

Processes only emit records of what happened (events.py); nothing outside this module
computes a measure. Each KPI is a function of the recorded events, counted only after the
warm-up (events whose day falls in the measured window ``[warmup_day, end_day)``); its
docstring is its definition. The registry (:data:`KPIS`) gives each KPI its label, unit,
display scale and direction, which every figure, report and page reads, and
docs/kpis.md is generated from it (``python -m sim.docs``). The KPIs that can be read
week by week from timeseries.csv say how in :data:`WEEKLY` (:func:`weekly_series`).
Times are simulation days; ``_wd`` values are working-day indices.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from scipy.special import ndtr

from sim import events as ev
from sim.calibration import TARGETS, Target
from sim.entities import Child, State

if TYPE_CHECKING:
    from sim.config import Config
    from sim.model import Model

DAYS_PER_YEAR = 365.25
_CPP: Final = State.CPP
_CIN: Final = State.CIN
_S47: Final = State.SECTION_47
PLAN_STAGES: Final = frozenset({str(State.CPP), str(State.CIN)})
ClosedSpell = tuple[float, float, float, float, float, bool, bool]
"""``(closed, ended, need, baseline, underlying, known_high, from_plan)`` (Recorder)."""
_AWAITING_ICPC: Final = State.AWAITING_ICPC
_EPISODES = ("assessment", "s47", "cpp", "cin")
_STARTED: Final = {kind: f"{kind}_started" for kind in _EPISODES}
_ENDED: Final = {kind: f"{kind}_ended" for kind in _EPISODES}
"""Weekly flow names of episodes started and ended (made once, not once per episode)."""
STILL_WAITING = "still_waiting"
"""The outcome column of a referral still undecided at the end (``Recorder.front_door``)."""


TEAM_TOTALS = (
    "posts",
    "weeks",
    "vacant_post_weeks",
    "agency_weeks",
    "worker_weeks",
    "away_weeks",
    "case_weeks",
    "unallocated_weeks",
    "manager_uncovered_weeks",
    "plan_days",
    "drift_days",
    "contact_gap_days",
    "visits_due",
    "visits_on_time",
    "manager_reviews_due",
    "manager_reviews_on_time",
)
"""What the recorder totals per team over the measured window (results.team_rows)."""


@dataclass
class WeekRecord:
    """Stocks at the start of a week and flows and day-counts during it."""

    day: int
    stocks: dict[str, float]
    flows: dict[str, float] = field(default_factory=dict)


class Recorder:
    """Collects one replication's records and measures each open case's week.

    Subscribes to the model's event stream (:meth:`attach`) and keeps what the KPIs
    need as compact tuples; as the stream's week observer it counts plan days, drift
    days, contact-gap days, CPP days unseen beyond the visit standard and unseen
    high-need days, in the same loop as the weekly accounting. Records still open at the
    end (episodes, waits for a worker, complaints) are kept and flagged as censored, not
    dropped; closed cases are followed for 12 months after closure (:meth:`close`).

    Args:
        warmup_day: First day of the measured window.
        end_day: Day the run ends (exclusive).
        standards: The thresholds the week's measures use (:class:`Standards`).
        day_of_wd: The run's working-day index to simulation day (calendar.day_of_wd).
        working_days_between: Working days after one day up to and including another
            (calendar.working_days_between), for episode durations.

    """

    def __init__(
        self,
        warmup_day: float,
        end_day: float,
        standards: Standards,
        day_of_wd: Callable[[int], int],
        working_days_between: Callable[[float, float], int],
    ) -> None:
        self.warmup_day = warmup_day
        self.end_day = end_day
        self.standards = standards
        self.day_of_wd = day_of_wd
        self.working_days_between = working_days_between
        self.referrals: list[tuple[float, int, bool, bool]] = []
        self.front_door: list[tuple[float, float, bool, str, str, float]] = []
        self.episodes: list[dict[str, Any]] = []
        self.icpcs: list[tuple[float, bool]] = []
        self.rcpcs: list[tuple[float, bool]] = []
        self.transfers_out: list[tuple[float, bool]] = []
        self.conferences: list[tuple[float, str, bool, bool]] = []
        self.reviews_brought_forward: list[float] = []
        self._postponed: set[int] = set()  # children whose booked conference was postponed
        self._without_report: set[int] = set()  # children whose conference lacks its report
        self.visits_due: list[tuple[float, bool, str]] = []
        self.first_core_groups: list[tuple[float, bool]] = []
        self.allocations: list[tuple[float, float]] = []
        self.waiting_at_end: list[float] = []
        self.closures: list[tuple[float, float]] = []
        self.leavers: list[tuple[float, str]] = []
        self.workers: list[dict[str, Any]] = []  # every worker who started, in order
        self._in_post: dict[int, dict[str, Any]] = {}  # worker id -> their entry in workers
        self.handovers: list[float] = []
        self.manager_reviews_due: list[tuple[float, bool]] = []
        self.worker_log: dict[int, list[tuple[float, int]]] = {}
        self.complaints: list[tuple[float, str, str]] = []
        self.complaint_stages: list[tuple[str, int, float, float, bool, bool]] = []
        self.ombudsman: list[tuple[float, float, bool, float]] = []
        self.complaints_closed: list[tuple[float, float]] = []
        self.complaints_open_at_end: list[float] = []
        self.complaint_actions: list[tuple[float, bool]] = []
        self.outside_information: list[tuple[float, str, bool]] = []
        self.weeks: list[WeekRecord] = []
        self.drift = DriftTest(standards)  # the drift test of each plan's week
        # (child, plan serial) -> [longest gap between visits (WD), seen in the window] (CPP)
        self.cpp_visit_gaps: dict[tuple[int, int], list[int]] = {}
        self._core_group_recorded: dict[int, int] = {}  # child -> due day of the last recorded
        self.core_groups_due: list[tuple[float, bool]] = []  # later core groups (not the first)
        # child -> the closed spell going on (as closed_spells, without its end)
        self._closed_now: dict[int, tuple[float, float, float, float, bool, bool]] = {}
        self.closed_spells: list[ClosedSpell] = []
        """Closed cases: ``(closed, ended, need, baseline, underlying, known_high,
        from_plan)``; a spell ends at a re-referral, or at the end of the run (:meth:`close`)."""
        self.open_children: set[Child] = set()  # every child with an open case in the window
        self._open_episodes: dict[tuple[int, str], dict[str, Any]] = {}
        self._referral_day: dict[int, float] = {}  # child -> referral of their current case
        self._last_s47: dict[int, dict[str, Any]] = {}  # child -> their latest s47 episode
        self._week: WeekRecord | None = None
        self._week_in_window = False
        self.teams: dict[int, dict[str, Any]] = {}  # team index -> totals (teams.csv)
        self.service_waits: list[tuple[float, float]] = []  # (referred, place or list left)
        self.service_waiting: dict[int, float] = {}  # child -> referral day, while on a list

    @classmethod
    def attach(cls, model: Model) -> Recorder:
        """A recorder subscribed to ``model``'s events (before the model runs)."""
        standards = Standards.from_config(model.cfg)
        cal = model.cal
        rec = cls(
            model.warmup_day, model.end_day, standards, cal.day_of_wd, cal.working_days_between
        )
        model.events.subscribe(rec.handlers())
        model.events.observe_weeks(rec)
        return rec

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The record types this recorder takes, each with its handler."""
        return {
            ev.Referred: self._referred,
            ev.FrontDoorDecided: self._front_door,
            ev.EpisodeStarted: self._episode_started,
            ev.EpisodeEnded: self._episode_ended,
            ev.ConferenceHeld: self._conference,
            ev.ConferencePostponed: lambda r: self._postponed.add(r.child),
            ev.ConferenceWithoutReport: lambda r: self._without_report.add(r.child),
            ev.ConferenceCancelled: lambda r: self._postponed.discard(r.child),
            ev.ReviewBroughtForward: lambda r: self.reviews_brought_forward.append(r.day),
            ev.Closed: self._closed,
            ev.TransferredOut: self._transferred_out,
            ev.TransferredIn: self._transferred_in,
            ev.CameIntoCare: self._came_into_care,
            ev.VisitNoAccess: self._no_access,
            ev.OutsideInformation: lambda r: self.outside_information.append(
                (r.day, r.source, r.acted_on)
            ),
            ev.FirstCoreGroupFellDue: self._first_core_group_due,
            ev.ManagerReviewFellDue: self._manager_review_due,
            ev.TeamWeek: self._team_week,
            ev.WeekStarted: self._week_started,
            ev.WorkerStarted: self._worker_started,
            ev.WorkerLeft: self._worker_left,
            ev.CaseHandedOver: self._handed_over,
            ev.WorkerAllocated: self._allocated,
            ev.StillWaiting: self._still_waiting,
            ev.FrontDoorStillWaiting: self._front_door_waiting,
            ev.ComplaintReceived: self._complaint,
            ev.ComplaintStageAnswered: self._complaint_stage,
            ev.OmbudsmanDecided: self._ombudsman,
            ev.ComplaintClosed: self._complaint_closed,
            ev.ComplaintOpenAtEnd: self._complaint_open_at_end,
            ev.ComplaintActionFellDue: self._complaint_action,
            ev.ServiceReferred: self._service_referred,
            ev.ServiceStarted: self._service_wait_over,
            ev.ServiceEnded: self._service_wait_over,
        }

    def in_window(self, day: float) -> bool:
        """Whether ``day`` is in the measured window."""
        return self.warmup_day <= day < self.end_day

    # -- the pathway ----------------------------------------------------------------------
    def _referred(self, r: ev.Referred) -> None:
        """Records ``(day, child, within_12m, first)``; history before the run is not counted.

        Every referral, one before the run included, opens the child's CIN episode.
        """
        self._referral_day[r.child] = r.day
        self._open_episode(r.child, "cin_episode", r.day)["prepopulated"] = r.before_run
        self._end_closed_spell(r.child, r.day)
        if r.before_run:
            return
        previous = r.previous_day
        within_12m = previous is not None and r.day - previous <= 365.0
        self.referrals.append((r.day, r.child, within_12m, previous is None))
        self._count("referrals")

    def _front_door(self, r: ev.FrontDoorDecided) -> None:
        self.front_door.append((r.referral_day, r.day, r.on_time, r.outcome, r.priority, r.need))

    def _open_episode(
        self, child: int, kind: str, day: float, due_day: float | None = None
    ) -> dict[str, Any]:
        """A new open episode row (``end_day`` None until it ends)."""
        episode = {
            "child_id": child,
            "kind": kind,
            "start_day": day,
            "end_day": None,
            "due_day": due_day,
            "outcome": "",
            "referral_day": self._referral_day.get(child),
            "prepopulated": False,
            "plan_number": 0,
        }
        self._open_episodes[(child, kind)] = episode
        self.episodes.append(episode)
        return episode

    def _end_episode(self, child: int, kind: str, day: float, outcome: str) -> None:
        """End ``child``'s open episode of ``kind``, if there is one."""
        episode = self._open_episodes.pop((child, kind), None)
        if episode is not None:
            episode["end_day"] = day
            episode["outcome"] = outcome

    def _episode_started(self, r: ev.EpisodeStarted) -> None:
        episode = self._open_episode(r.child, r.kind, r.day, r.due_day)
        episode["prepopulated"] = r.prepopulated
        episode["plan_number"] = r.plan_number
        if r.kind == "s47":
            self._last_s47[r.child] = episode
        self._count(_STARTED[r.kind])

    def _episode_ended(self, r: ev.EpisodeEnded) -> None:
        episode = self._open_episodes.pop((r.child, r.kind))
        episode["end_day"] = r.day
        episode["outcome"] = r.outcome
        self._count(_ENDED[r.kind])
        if r.kind == "s47" and r.outcome == "icpc":
            # the initial conference's row runs from the strategy discussion to the ICPC
            self._open_episode(r.child, "icpc", episode["start_day"], episode["due_day"])

    def _conference(self, r: ev.ConferenceHeld) -> None:
        """Records ``(day, kind, postponed, without_report)`` of every conference."""
        postponed, without = r.child in self._postponed, r.child in self._without_report
        self._postponed.discard(r.child)
        self._without_report.discard(r.child)
        self.conferences.append((r.day, r.kind, postponed, without))
        if r.kind == "icpc":
            self.icpcs.append((r.day, r.on_time))
            self._count("icpc_held")
            if (r.child, "icpc") not in self._open_episodes:  # an ICPC no enquiry asked for
                s47 = self._last_s47.get(r.child)
                start, due = (r.day, None) if s47 is None else (s47["start_day"], s47["due_day"])
                self._open_episode(r.child, "icpc", start, due)
            self._end_episode(r.child, "icpc", r.day, r.outcome)
        elif r.kind == "rcpc":
            self.rcpcs.append((r.day, r.on_time))

    def _closed(self, r: ev.Closed) -> None:
        if not r.before_run:
            self.closures.append((r.day, r.need))
            self._end_episode(r.child, "cin_episode", r.day, "closed")
        if r.stays:
            known_high = r.perceived_need >= self.standards.high_need
            from_plan = r.stage in PLAN_STAGES
            spell = (r.day, r.need, r.baseline_need, r.underlying_need, known_high, from_plan)
            self._closed_now[r.child] = spell

    def _end_closed_spell(self, child: int, day: float) -> None:
        """The child's closed spell (if any) ends on ``day``: they are referred again."""
        spell = self._closed_now.pop(child, None)
        if spell is not None:
            closed, need, baseline, underlying, known_high, from_plan = spell
            self.closed_spells.append(
                (closed, day, need, baseline, underlying, known_high, from_plan)
            )

    def _came_into_care(self, r: ev.CameIntoCare) -> None:
        self._end_episode(r.child, "cin_episode", r.day, "care")

    def _transferred_out(self, r: ev.TransferredOut) -> None:
        self.transfers_out.append((r.day, r.on_time))

    def _transferred_in(self, r: ev.TransferredIn) -> None:
        """A plan moving here opens the child's case (CIN episode) at the notification."""
        self._referral_day[r.child] = r.day
        self._open_episode(r.child, "cin_episode", r.day)

    # -- the working week -----------------------------------------------------------------
    def _no_access(self, r: ev.VisitNoAccess) -> None:
        self._count("no_access_visits")

    def _first_core_group_due(self, r: ev.FirstCoreGroupFellDue) -> None:
        held = r.held_day
        self.first_core_groups.append((r.due_day, held is not None and held <= r.due_day))

    def _manager_review_due(self, r: ev.ManagerReviewFellDue) -> None:
        self.manager_reviews_due.append((r.due_day, r.on_time))
        self._count("manager_reviews_due")
        if not r.on_time:
            self._count("manager_reviews_skipped")
        if self.in_window(r.due_day):
            team = self._team(r.team)
            team["manager_reviews_due"] += 1
            team["manager_reviews_on_time"] += r.on_time

    # -- teams ----------------------------------------------------------------------------
    def _team(self, index: int) -> dict[str, Any]:
        """The running totals of team ``index`` over the measured window (teams.csv)."""
        team = self.teams.get(index)
        if team is None:
            team = self.teams[index] = {"team": index, "kind": "", "patch_share": 0.0}
            team.update(dict.fromkeys(TEAM_TOTALS, 0.0))
        return team

    def _team_week(self, r: ev.TeamWeek) -> None:
        if not self.in_window(r.day):
            return
        team = self._team(r.team)
        team["kind"], team["patch_share"], team["posts"] = r.kind, r.patch_share, r.posts
        team["weeks"] += 1
        team["vacant_post_weeks"] += r.posts - r.permanent
        team["agency_weeks"] += r.agency
        team["worker_weeks"] += r.permanent + r.agency
        team["away_weeks"] += r.away
        team["case_weeks"] += r.cases
        team["unallocated_weeks"] += r.unallocated
        team["manager_uncovered_weeks"] += r.manager == "vacant"

    def _week_started(self, r: ev.WeekStarted) -> None:
        self._week = WeekRecord(day=int(r.day), stocks=dict(r.stocks))
        self._week_in_window = self.in_window(r.day)
        self.weeks.append(self._week)

    def measure_week(self, children: list[Child], w0: int, w1: int) -> None:
        """Measure the open cases' week (working days ``w0..w1``) before it is accounted.

        Visits due: a plan's visit falls due once, in the week of its due day (or the
        first week it is looked at after), and is on time if the child was seen by the
        due day. Unseen high need: a week at high need the service does not know of, not
        counting enquiries (a child under a section 47 is known to be at risk). Drift: the
        plan-days of plans in drift (:class:`DriftTest`: no progress, or known high need
        and no action). Contact gaps: plan days more than ``drift_threshold_wd`` working
        days after the last purposeful contact. CPP unseen
        days: plan days more than the visit interval after the child was last seen. A day
        counts from the plan's start (``plan_start_wd``) on. The totals go to the week's
        flows (timeseries.csv) and the KPIs read them from there.
        """
        s = self.standards
        high, limit, interval = s.high_need, s.drift_threshold_wd, s.cpp_visit_interval_wd
        in_window = self._week_in_window
        unseen_weeks = plan_days = drift_days = gap_days = known_risk_days = 0
        cpp_days = cpp_unseen_days = visits_due = visits_on_time = visits_made = seen_alone = 0
        cin_due = cin_on_time = 0
        visits = self.visits_due
        day_of_wd = self.day_of_wd
        drift = self.drift
        # per team: [plan days, drift days, visits due, visits on time, contact gap days]
        by_team: dict[int, list[int]] = {}
        for child in children:
            state = child.state
            if child.need >= high and child.perceived_need < high:
                if state is not _S47 and state is not _AWAITING_ICPC:
                    unseen_weeks += 1
            if state is not _CPP and state is not _CIN:
                continue
            team = by_team.get(child.team)
            if team is None:
                team = by_team[child.team] = [0, 0, 0, 0, 0]
            due = child.next_visit_due_wd
            if not child.visit_due_recorded and due <= w1:
                seen_wd = child.week_visit_wd
                on_time = seen_wd is not None and seen_wd <= due
                visits.append((day_of_wd(due), on_time, "cpp" if state is _CPP else "cin"))
                visits_due += 1
                visits_on_time += on_time
                if state is _CIN:
                    cin_due += 1
                    cin_on_time += on_time
                team[2] += 1
                team[3] += on_time
            a = max(w0, child.plan_start_wd)
            days = w1 - a + 1
            plan_days += days
            team[0] += days
            last_progress = child.last_progress_wd
            progress_wd = child.week_progress_wd
            # (no day is beyond a limit when the last events are recent: skip the sums)
            if w1 - last_progress > limit or (progress_wd is not None and w1 - progress_wd > limit):
                gap = days_beyond(last_progress, progress_wd, a, w1, limit)
                gap_days += gap
                team[4] += gap
            no_progress, known_risk = drift.week(child, w0)
            if known_risk:
                known_risk_days += days
            if no_progress or known_risk:
                drift_days += days
                team[1] += days
            visit_wd = child.week_visit_wd
            if visit_wd is not None:
                visits_made += 1
                seen_alone += child.week_seen_alone
            if state is _CPP:
                cpp_days += days
                last_seen = child.last_seen_wd
                if w1 - last_seen > interval or (visit_wd is not None and w1 - visit_wd > interval):
                    cpp_unseen_days += days_beyond(last_seen, visit_wd, a, w1, interval)
                self._visit_gap(child, w1, in_window)
                if not child.first_core_group_pending:
                    self._core_group_due(child, w1)
        if in_window:
            self.open_children.update(children)
            for index, (t_plan, t_drift, t_due, t_on_time, t_gap) in by_team.items():
                totals = self._team(index)
                totals["plan_days"] += t_plan
                totals["drift_days"] += t_drift
                totals["contact_gap_days"] += t_gap
                totals["visits_due"] += t_due
                totals["visits_on_time"] += t_on_time
        if visits_due:
            self._count("visits_due", visits_due)
        if visits_on_time:
            self._count("visits_on_time", visits_on_time)
        if visits_due - cin_due:
            self._count("cpp_visits_due", visits_due - cin_due)
        if visits_on_time - cin_on_time:
            self._count("cpp_visits_on_time", visits_on_time - cin_on_time)
        if cin_due:
            self._count("cin_visits_due", cin_due)
        if cin_on_time:
            self._count("cin_visits_on_time", cin_on_time)
        self._count("plan_days", plan_days)
        self._count("drift_days", drift_days)
        self._count("contact_gap_days", gap_days)
        self._count("known_risk_days", known_risk_days)
        self._count("unseen_high_days", 7 * unseen_weeks)
        self._count("cpp_days", cpp_days)
        self._count("cpp_unseen_days", cpp_unseen_days)
        self._count("visits_made", visits_made)
        self._count("visits_seen_alone", seen_alone)

    def _visit_gap(self, child: Child, w1: int, in_window: bool) -> None:
        """Keep the CPP's longest gap between visits (from its start), up to this week."""
        visit_wd = child.week_visit_wd
        gap = (w1 if visit_wd is None else visit_wd) - child.last_seen_wd
        key = (child.id, child.plan_serial)
        entry = self.cpp_visit_gaps.get(key)
        if entry is None:
            self.cpp_visit_gaps[key] = [gap, in_window]
        else:
            entry[0] = max(entry[0], gap)
            entry[1] = entry[1] or in_window

    def _core_group_due(self, child: Child, w1: int) -> None:
        """Record a later core group once, in the week its due day passes or it is held."""
        due = child.core_group_due_wd
        if due is None or self._core_group_recorded.get(child.id) == due:
            return
        held = child.week_core_group_wd
        if held is None and due > w1:
            return
        self._core_group_recorded[child.id] = due
        self.core_groups_due.append((self.day_of_wd(due), held is not None and held <= due))

    # -- the workforce --------------------------------------------------------------------
    def _worker_started(self, r: ev.WorkerStarted) -> None:
        worker = {
            "worker_id": r.worker,
            "kind": r.kind,
            "newly_qualified": r.newly_qualified,
            "team": r.team,
            "post": r.post,
            "start_day": r.start_day,
            "end_day": None,
            "reason": None,
        }
        self.workers.append(worker)
        self._in_post[r.worker] = worker
        if not r.moved:  # a colleague moving in from another team is not a starter
            self._count(f"{r.kind}_starters")

    def _worker_left(self, r: ev.WorkerLeft) -> None:
        worker = self._in_post.pop(r.worker)
        worker["end_day"] = r.day
        worker["reason"] = r.reason
        if r.reason == "moved":  # to another team: not a leaver of the authority
            return
        self.leavers.append((r.day, r.kind))
        self._count(f"{r.kind}_leavers")

    def _handed_over(self, r: ev.CaseHandedOver) -> None:
        self.handovers.append(r.day)
        self._count("handovers")

    def _allocated(self, r: ev.WorkerAllocated) -> None:
        self.allocations.append((r.requested_day, r.day))
        self.worker_log.setdefault(r.child, []).append((r.day, r.worker))

    def _still_waiting(self, r: ev.StillWaiting) -> None:
        self.waiting_at_end.append(r.requested_day)

    def _front_door_waiting(self, r: ev.FrontDoorStillWaiting) -> None:
        """A referral undecided at the end is a late decision on its due day, once past it."""
        if r.due_day < self.end_day:
            self.front_door.append(
                (r.referral_day, r.due_day, False, STILL_WAITING, r.priority, math.nan)
            )

    # -- complaints -----------------------------------------------------------------------
    def _complaint(self, r: ev.ComplaintReceived) -> None:
        self.complaints.append((r.day, r.procedure, r.complainant))
        self._count("complaints")

    def _complaint_stage(self, r: ev.ComplaintStageAnswered) -> None:
        self.complaint_stages.append(
            (r.procedure, r.stage, r.request_day, r.day, r.on_time, r.upheld)
        )

    def _ombudsman(self, r: ev.OmbudsmanDecided) -> None:
        self.ombudsman.append((r.referred_day, r.day, r.upheld, r.remedy_gbp))

    def _complaint_closed(self, r: ev.ComplaintClosed) -> None:
        self.complaints_closed.append((r.received_day, r.day))

    def _complaint_open_at_end(self, r: ev.ComplaintOpenAtEnd) -> None:
        self.complaints_open_at_end.append(r.received_day)

    def _complaint_action(self, r: ev.ComplaintActionFellDue) -> None:
        self.complaint_actions.append((r.due_day, r.on_time))

    # -- services -------------------------------------------------------------------------
    def _service_referred(self, r: ev.ServiceReferred) -> None:
        self.service_waiting[r.child] = r.day

    def _service_wait_over(self, r: ev.ServiceStarted | ev.ServiceEnded) -> None:
        """A place is taken, or the family leaves the list without one (its wait ends)."""
        if self.service_waiting.pop(r.child, None) is not None:
            self.service_waits.append((r.referred_day, r.day))

    def _count(self, key: str, value: float = 1.0) -> None:
        week = self._week
        if week is not None:
            flows = week.flows
            flows[key] = flows.get(key, 0.0) + value

    def close(self) -> None:
        """Mark episodes still open at the end as censored; follow closed children's need.

        Closed spells still going at the end end then; each week's flows gain the expected
        days at high need of the children whose cases were closed (:func:`closed_high_days`).
        """
        for episode in self._open_episodes.values():
            episode["censored"] = True
        for episode in self.episodes:
            episode.setdefault("censored", False)
        for child in list(self._closed_now):
            self._end_closed_spell(child, self.end_day)
        unseen, known, plan = closed_high_days(self.closed_spells, self.weeks, self.standards)
        for week, *days in zip(self.weeks, unseen, known, plan, strict=True):
            week.flows["closed_unseen_high_days"] = float(days[0])
            week.flows["closed_known_high_days"] = float(days[1])
            week.flows["closed_plan_known_high_days"] = float(days[2])


class DriftTest:
    """Whether a plan is in drift this week: the test ``drift_share`` counts, per child-week.

    Asked once a week, at the weekly accounting, for each child on a CPP or CiN plan; it
    keeps what it needs of each child's history (need over the last
    ``pathway.drift_no_progress_weeks`` accountings of the plan, and since when the
    service has known the need was high). The recorder counts its answers as drift days;
    the story's need trace (needtrace.py) draws them, so the figure and the KPI agree.
    Each child's answers depend only on that child's weeks, so an instance that follows
    a few children answers for them exactly as the recorder's does.
    """

    def __init__(self, standards: Standards) -> None:
        self.high = standards.high_need
        self.window = standards.drift_no_progress_weeks
        self.known_risk_wd = 5 * standards.known_risk_action_weeks
        # child -> (plan serial, latent need at the last weekly accountings of this plan)
        self._need_history: dict[int, tuple[int, deque[float]]] = {}
        # child -> (plan serial, first working day of the run of weeks known at high need)
        self._known_high_since: dict[int, tuple[int, int]] = {}

    def week(self, child: Child, w0: int) -> tuple[bool, bool]:
        """``(no progress, known risk and no action)`` for the plan's week starting ``w0``.

        No progress: the plan has been open more than ``drift_no_progress_weeks`` weekly
        accountings, the child's latent need is not lower than it was that many weeks
        ago, and there is no legal planning. Known risk: :meth:`known_risk`. The plan is
        in drift if either holds.
        """
        window = self.window
        entry = self._need_history.get(child.id)
        if entry is None or entry[0] != child.plan_serial:
            needs: deque[float] = deque(maxlen=window + 1)
            self._need_history[child.id] = (child.plan_serial, needs)
        else:
            needs = entry[1]
        needs.append(child.need)
        no_progress = len(needs) > window and child.need >= needs[0] and child.legal_stage is None
        return no_progress, self.known_risk(child, w0, no_progress)

    def known_risk(self, child: Child, w0: int, no_progress: bool) -> bool:
        """Whether the child's plan has known high need and nothing following.

        The service has seen need at or above ``need.high_threshold`` at every weekly
        accounting of this plan for more than ``pathway.known_risk_action_weeks`` weeks,
        and nothing has followed: on a CiN plan, no strategy discussion (that ends the
        CiN plan); on a CPP, which is itself the protective response, the plan making no
        progress (``no_progress``: need not falling, no legal planning).
        """
        known = self._known_high_since
        if child.perceived_need < self.high:
            known.pop(child.id, None)
            return False
        since = known.get(child.id)
        if since is None or since[0] != child.plan_serial:
            known[child.id] = (child.plan_serial, w0)
            return False
        if child.state is _CPP:
            return no_progress
        return w0 - since[1] >= self.known_risk_wd


@dataclass(frozen=True)
class Standards:
    """The thresholds the weekly measures use, read once from the configuration."""

    high_need: float
    drift_threshold_wd: int
    cpp_visit_interval_wd: int
    drift_no_progress_weeks: int
    known_risk_action_weeks: int
    weekly_reversion: float
    weekly_noise_sd: float
    closed_fade_weeks: float

    @classmethod
    def from_config(cls, cfg: Config) -> Standards:
        """The standards of ``cfg``."""
        p, n = cfg.pathway, cfg.need
        return cls(
            high_need=n.high_threshold,
            drift_threshold_wd=p.drift_threshold_wd,
            cpp_visit_interval_wd=p.cpp_visit_interval_wd,
            drift_no_progress_weeks=p.drift_no_progress_weeks,
            known_risk_action_weeks=p.known_risk_action_weeks,
            weekly_reversion=n.weekly_reversion,
            weekly_noise_sd=n.weekly_noise_sd,
            closed_fade_weeks=n.closed_fade_weeks,
        )


CLOSED_FOLLOW_DAYS: Final = 365.0
"""How long after a closure a child's need is followed (the measures' "after closure"):
12 months, the window re-referrals are counted in (FACTS.md CIN25)."""


def closed_need_law(
    s: Standards, weeks: np.ndarray, need: np.ndarray, baseline: np.ndarray, underlying: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of closed children's need ``weeks`` after their closure.

    The law the model draws a re-referred child's need from (processes/pathway.py,
    ``faded_need``): the baseline returns towards the family's underlying need with time
    constant ``need.closed_fade_weeks``, need relaxes to it at ``weekly_reversion`` a week
    and the weekly noise spreads it. Element-wise over arrays of equal shape.
    """
    if s.closed_fade_weeks > 0:
        with np.errstate(over="ignore"):  # a fade of a tiny fraction of a week: at once
            fade = 1.0 - np.exp(-weeks / s.closed_fade_weeks)
    else:
        fade = np.ones_like(weeks)
    base = baseline + fade * np.maximum(0.0, underlying - baseline)
    kept = (1.0 - s.weekly_reversion) ** weeks
    mean = base + kept * (need - base)
    keep_sq = (1.0 - s.weekly_reversion) ** 2
    spread = s.weekly_noise_sd * np.sqrt((1.0 - kept * kept) / max(1e-9, 1.0 - keep_sq))
    return mean, spread


def closed_high_days(
    spells: Sequence[ClosedSpell], weeks: Sequence[WeekRecord], s: Standards
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected days at high need of closed children in each week of ``weeks``.

    For each closed spell (:data:`ClosedSpell`), cut at :data:`CLOSED_FOLLOW_DAYS` after
    the closure, and each week it overlaps, the days of overlap times the chance that
    the child's need is at least ``need.high_threshold`` at the overlap's middle (:func:`closed_need_law`; a spread of 0, just after
    closure, gives 0 or 1). Expected days rather than one draw: the model draws a closed
    child's need only at a re-referral, and this keeps the measure free of extra random
    draws. Returns three arrays: the days of children closed while the service did not
    know of high need (unseen), of those closed while it did (known), and the part of
    the known days where a plan (CPP or CiN) was what closed.
    """
    n = len(weeks)
    if not n or not spells:
        return np.zeros(n), np.zeros(n), np.zeros(n)
    starts = np.array([w.day for w in weeks], dtype=float)
    ends = np.append(starts[1:], starts[-1] + 7.0)
    closed, ended, need, baseline, underlying, known_high, from_plan = (
        np.array(column, dtype=float) for column in zip(*spells, strict=True)
    )
    ended = np.minimum(ended, closed + CLOSED_FOLLOW_DAYS)
    first = np.searchsorted(ends, closed, side="right")
    count = np.maximum(0, np.searchsorted(starts, ended, side="left") - first)
    spell = np.repeat(np.arange(len(spells)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    week = first[spell] + offset
    lo = np.maximum(starts[week], closed[spell])
    hi = np.minimum(ends[week], ended[spell])
    days = np.clip(hi - lo, 0.0, None)
    after = ((lo + hi) / 2.0 - closed[spell]) / 7.0
    mean, spread = closed_need_law(s, after, need[spell], baseline[spell], underlying[spell])
    positive = spread > 0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # far tails: z = inf
        z = (mean - s.high_need) / np.where(positive, spread, 1.0)
    expected = days * np.where(positive, ndtr(z), (mean >= s.high_need).astype(float))
    known = known_high[spell] > 0
    plan = known & (from_plan[spell] > 0)
    return (
        np.bincount(week[~known], weights=expected[~known], minlength=n),
        np.bincount(week[known], weights=expected[known], minlength=n),
        np.bincount(week[plan], weights=expected[plan], minlength=n),
    )


def days_beyond(ref_wd: int, event_wd: int | None, a: int, w1: int, limit: int) -> int:
    """Working days in ``a..w1`` that are more than ``limit`` WD after the last event.

    ``ref_wd`` is the last event before the week; ``event_wd`` an event during it (from
    which day on it is the last event).
    """
    if event_wd is None:
        return max(0, w1 - max(a, ref_wd + limit + 1) + 1)
    before = max(0, min(w1, event_wd - 1) - max(a, ref_wd + limit + 1) + 1)
    return before + max(0, w1 - max(a, event_wd + limit + 1) + 1)


# -- KPI definitions --------------------------------------------------------------------
def _measured_years(rec: Recorder) -> float:
    return (rec.end_day - rec.warmup_day) / DAYS_PER_YEAR


def _share(flags: list[bool]) -> float:
    return float(np.mean(flags)) if flags else math.nan


def _window_weeks(rec: Recorder) -> list[WeekRecord]:
    return [w for w in rec.weeks if rec.in_window(w.day)]


def _per_year(rec: Recorder, days: list[float]) -> float:
    return sum(1 for d in days if rec.in_window(d)) / _measured_years(rec)


def _episode_starts(rec: Recorder, kind: str) -> list[float]:
    return [e["start_day"] for e in rec.episodes if e["kind"] == kind]


def _stock_mean(rec: Recorder, key: str) -> float:
    weeks = _window_weeks(rec)
    return float(np.mean([w.stocks[key] for w in weeks])) if weeks else math.nan


# -- KPIs read from the weekly records ----------------------------------------------------
WEEKS_PER_YEAR: Final = DAYS_PER_YEAR / 7.0


@dataclass(frozen=True)
class Weekly:
    """How a KPI is read from the weekly records (the columns of timeseries.csv).

    Over a run of weeks the KPI is ``sum(numerator) / sum(denominator) x per``; without a
    denominator, the mean of ``numerator`` over the weeks (a stock at the snapshots). A
    numerator or denominator given as several columns is their sum.

    Attributes:
        numerator: A weekly stock or flow (a column of timeseries.csv).
        denominator: The column it is divided by, or None for a mean over the weeks.
        per: A factor on the ratio (weeks per year for a rate a year).

    """

    numerator: str | tuple[str, ...]
    denominator: str | tuple[str, ...] | None = None
    per: float = 1.0

    @property
    def numerators(self) -> tuple[str, ...]:
        """The columns summed into the numerator."""
        n = self.numerator
        return (n,) if isinstance(n, str) else n

    @property
    def denominators(self) -> tuple[str, ...]:
        """The columns summed into the denominator (none for a mean over the weeks)."""
        d = self.denominator
        return () if d is None else (d,) if isinstance(d, str) else d


WEEKLY: dict[str, Weekly] = {
    "cpp_open_mean": Weekly("cpp_open"),
    "cin_open_mean": Weekly("cin_open"),
    "visits_on_time": Weekly("visits_on_time", "visits_due"),
    "cpp_visits_on_time": Weekly("cpp_visits_on_time", "cpp_visits_due"),
    "cin_visits_on_time": Weekly("cin_visits_on_time", "cin_visits_due"),
    "cpp_unseen_share": Weekly("cpp_unseen_days", "cpp_days"),
    "drift_share": Weekly(
        ("drift_days", "closed_plan_known_high_days"), ("plan_days", "closed_plan_known_high_days")
    ),
    "contact_gap_share": Weekly("contact_gap_days", "plan_days"),
    "visits_child_seen_alone": Weekly("visits_seen_alone", "visits_made"),
    "caseload_mean": Weekly("caseload_mean"),
    "turnover_rate": Weekly("permanent_leavers", "permanent", WEEKS_PER_YEAR),
    "vacancy_rate": Weekly("vacant_posts", "posts"),
    "manager_vacancy_rate": Weekly("manager_vacant", "manager_posts"),
    "caseload_p90": Weekly("caseload_p90"),
    "cases_unallocated_mean": Weekly("unallocated"),
    "team_caseload_spread": Weekly("team_caseload_cv"),
}
"""The KPIs that can be read week by week, and how (:func:`over_weeks`, :func:`weekly_series`)."""


def _number(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    """The sum of ``row[key]`` over ``keys`` as a number (0 when absent; CSV text converted)."""
    total = 0.0
    for key in keys:
        value = row.get(key, 0.0)
        total += float(value) if isinstance(value, str) else value
    return total


def over_weeks(kpi: str, rows: Sequence[Mapping[str, Any]]) -> float:
    """A KPI's value over some weeks, read from their weekly records as :data:`WEEKLY` says.

    Args:
        kpi: A key of :data:`WEEKLY`.
        rows: Weeks: rows of timeseries.csv (numbers or CSV text), or the recorder's
            weeks with stocks and flows together.

    Returns:
        The ratio of the sums (times ``per``), or the mean over the weeks; NaN with no
        week or a denominator summing to 0.

    """
    how = WEEKLY[kpi]
    if how.denominator is None:
        return float(np.mean([_number(row, how.numerators) for row in rows])) if rows else math.nan
    den = sum(_number(row, how.denominators) for row in rows)
    return sum(_number(row, how.numerators) for row in rows) / den * how.per if den else math.nan


def weekly_series(
    kpi: str, rows: Sequence[Mapping[str, Any]], window_weeks: int = 1, centred: bool = False
) -> np.ndarray:
    """A KPI week by week from one replication's rows of timeseries.csv.

    Each week's value is :func:`over_weeks` over a window of ``window_weeks`` weeks: the
    week and the ones before it or, ``centred``, the weeks around it (as numpy's
    ``convolve(..., "same")``); windows at the ends of the run hold fewer weeks.

    Returns:
        One value per row, NaN where the window's denominator is 0.

    """
    how = WEEKLY[kpi]
    n = len(rows)
    num = np.array([_number(row, how.numerators) for row in rows], dtype=float)
    if how.denominator is None:
        den = np.ones(n)
    else:
        den = np.array([_number(row, how.denominators) for row in rows], dtype=float)
    width = max(1, window_weeks)
    first = (width - 1) // 2 if centred else 0
    kernel = np.ones(width)
    num = np.convolve(num, kernel)[first : first + n]
    den = np.convolve(den, kernel)[first : first + n]
    return np.where(den > 0, num / np.where(den > 0, den, 1.0) * how.per, math.nan)


def _over_window(rec: Recorder, kpi: str) -> float:
    """A weekly KPI over the weeks in the window (stocks and flows of each week together)."""
    return over_weeks(kpi, [{**w.stocks, **w.flows} for w in _window_weeks(rec)])


# -- the KPIs ------------------------------------------------------------------------------
def referrals_per_year(rec: Recorder) -> float:
    """Referrals (first and repeat) received per measured year.

    Referrals whose referral day is in the window, divided by the measured years.
    The referrals put before the run for pre-populated children are not counted.

    New children arrive at ``authority.referrals_per_year x
    authority.first_referral_share``; re-referrals come from the model's own closed
    cases, so the total is an outcome, not an input. A demand shock
    (``authority.demand_shock_*``) raises only new referrals.
    """
    return _per_year(rec, [r[0] for r in rec.referrals])


def assessments_per_year(rec: Recorder) -> float:
    """Assessments completed per measured year.

    ``assessment`` episodes whose end day (completion) is in the window, divided by the
    measured years. An assessment starts at a front-door "assessment" decision, or at the
    strategy discussion of a child not yet assessed in this case (sent there by the front
    door): the section 47 enquiry is carried out through it, and it ends with the enquiry
    (outcome ``s47_icpc``, ``s47_cin`` or ``s47_close`` in episodes.csv). A child who
    came to the strategy discussion from an assessment or a plan is not assessed again.

    The published figure (FACTS.md CIN25: 648,830 assessments completed in England, about
    4,240 per authority) also counts assessments of children whose cases were already
    open (a re-assessment on a plan), which the model does not make.
    """
    return _per_year(
        rec,
        [
            e["end_day"]
            for e in rec.episodes
            if e["kind"] == "assessment" and e["end_day"] is not None
        ],
    )


def s47_per_year(rec: Recorder) -> float:
    """Section 47 enquiries started per measured year.

    ``s47`` episodes whose start day is in the window, divided by the measured years. The
    episode starts at the strategy discussion, ``pathway.strategy_delay_wd`` working days
    after the front-door decision, the assessment outcome or the CiN escalation that led
    to it. Every strategy discussion starts an enquiry in the model; the count is of
    enquiries, not distinct children.
    """
    return _per_year(rec, _episode_starts(rec, "s47"))


def icpc_per_year(rec: Recorder) -> float:
    """Initial child protection conferences held per measured year.

    ICPCs whose conference day is in the window, divided by the measured years. An ICPC
    follows only a section 47 enquiry with outcome ``icpc``; transfer-in conferences
    (plans moving here from another authority) are not ICPCs and are not counted.
    """
    return _per_year(rec, [d for d, _ in rec.icpcs])


def cpp_starts_per_year(rec: Recorder) -> float:
    """Child protection plans started per measured year.

    ``cpp`` episodes whose start day is in the window, divided by the measured years: every
    CPP start, whether at an ICPC or at a transfer-in conference for a plan moving here
    from another authority (processes/transfer_in.py), as the national count does.
    Pre-populated plans start before day 0 (back-dated), so they never count.
    """
    return _per_year(rec, _episode_starts(rec, "cpp"))


def cpp_subsequent_share(rec: Recorder) -> float:
    """Share of CPP starts that are a child's second or later plan.

    Among ``cpp`` episodes whose start day is in the window, the share whose plan
    number (the CPPs the child has started, this one included) is 2 or more. Plans
    before day 0 count: a pre-populated child or a family whose case closed before the
    run may have had one (demand.earlier_cpps, demand.prepopulate_closures), with the
    shares of the model's own steady state; only the latest earlier plan is put in. The
    published figure counts any earlier plan in the child's life, in any authority.
    Repeat plans come from the model's dynamics: need that returns after closure
    (pathway.need_after_closure) and decisions that weigh an earlier plan
    (``pathway.history_weight``).
    """
    flags = [
        e["plan_number"] > 1
        for e in rec.episodes
        if e["kind"] == "cpp" and rec.in_window(e["start_day"])
    ]
    return _share(flags)


def cpp_open_mean(rec: Recorder) -> float:
    """Mean number of children on a CPP at the weekly snapshots.

    The mean over the weeks in the window of the stock ``cpp_open`` (children in state
    ``cpp``) at the Monday 00:00 snapshot: a mean over the year, where the published
    figure is a count on 31 March.
    """
    return _over_window(rec, "cpp_open_mean")


def cin_open_mean(rec: Recorder) -> float:
    """Mean number of children on a CiN plan at the weekly snapshots.

    The mean over the weeks in the window of the stock ``cin_open`` (children in state
    ``cin``) at the Monday snapshot. Children under assessment, in a section 47 enquiry
    or on a CPP are not in this stock.

    Not calibrated: FACTS.md CIN25 gives about 2,630 children in need per authority at 31
    March, but that count also includes children on a CPP, looked after or under
    assessment; ``authority.initial_cin_children`` documents the comparison (about 1,300
    after removing those).
    """
    return _over_window(rec, "cin_open_mean")


def rereferral_12m_rate(rec: Recorder) -> float:
    """Share of referrals of a child referred within the previous 12 months.

    Among referrals with referral day in the window, the share for which the same
    child's previous referral was at most 365 days earlier; first referrals are in the
    denominator. Measured from the previous *referral*, as in the published definition,
    not from the previous closure.

    For the families of pre-populated closures the previous referral is put
    ``LEGACY_CASE_DAYS`` (90) days before the closure, which was before the run; for
    pre-populated plan children it is up to a year before day 0.
    """
    return _share([r[2] for r in rec.referrals if rec.in_window(r[0])])


def transfers_out_per_year(rec: Recorder) -> float:
    """Cases transferred out to another authority per measured year.

    ``TransferredOut`` records (the day this authority notifies the new one that the
    family has moved; the CPP or CiN plan ends then) whose day is in the window, divided by
    the measured years. Families move with ``pathway.move_prob_per_week`` while on a plan;
    a plan that ends at a review before the notification closes without a transfer.
    """
    return _per_year(rec, [d for d, _ in rec.transfers_out])


def transfer_notified_on_time(rec: Recorder) -> float:
    """Share of transfers out notified to the new authority within the standard.

    Among ``TransferredOut`` records with day in the window, the share whose notification
    came within ``pathway.transfer_notify_due_wd`` working days of the family's move (the
    move's day counts as day 0, as for every due date). The delay is drawn per move
    (lognormal: ``transfer_notify_median_wd``, ``transfer_notify_sigma``); no published
    comparator (seed 002: more than a year).
    """
    return _share([ok for d, ok in rec.transfers_out if rec.in_window(d)])


def front_door_within_1wd(rec: Recorder) -> float:
    """Share of front-door decisions made within 1 working day of the referral.

    Among front-door (MASH) decisions with decision day in the window, the share made on
    or before their due working day, ``pathway.front_door_due_wd`` working days after the
    referral. Decisions are made at the end of each working day (time 0.9), up to
    ``authority.mash_decisions_per_day`` times the share of MASH screeners who are in,
    red-rated referrals first, then amber, then green, oldest first within each. A
    referral still waiting at the end of the run (``FrontDoorStillWaiting``) counts as
    late on its due day if that day has passed, and is left out if it has not.
    """
    return _share([f[2] for f in rec.front_door if rec.in_window(f[1])])


def high_need_rated_low_share(rec: Recorder) -> float:
    """Share of children at high need whom the front door rated low priority (green).

    Among front-door decisions with decision day in the window on children whose latent
    need at the decision was at or above ``need.high_threshold``, the share rated
    ``green``. The rating is made on what the referral shows, a noisy view of need
    (``pathway.screening_accuracy``), so it rises as accuracy falls. Latent need is what
    nobody in the service sees: an audit that knew it would find these children. Seed
    001's comparator is of another denominator (8 of 57 audited cases had serious
    concerns and all had been rated low priority), so it gives the scale, not a target.
    Referrals still waiting at the end of the run are left out. NaN when no high-need
    child was decided on.
    """
    high = rec.standards.high_need
    decided = [f for f in rec.front_door if f[3] != STILL_WAITING and rec.in_window(f[1])]
    return _share([f[4] == "green" for f in decided if f[5] >= high])


def assessment_within_45wd(rec: Recorder) -> float:
    """Share of completed assessments completed within 45 WD of the referral.

    Among ``assessment`` episodes with completion day in the window, the share with
    ``floor(end_day) <= due_day``, where ``due_day`` is the due working day,
    ``pathway.assessment_due_wd`` working days after the referral, and ``end_day`` the
    time of completion: an assessment finished on its due day is on time. Assessments still open
    at the end of the run are not counted. Assessments made through a section 47 enquiry
    count too (see ``assessments_per_year``): they end when the enquiry does, usually
    well within 45 WD of the referral.
    """
    return _share(
        [
            math.floor(e["end_day"]) <= e["due_day"]  # finished on or before the due date
            for e in rec.episodes
            if e["kind"] == "assessment"
            and e["end_day"] is not None
            and rec.in_window(e["end_day"])
        ]
    )


def icpc_within_15wd(rec: Recorder) -> float:
    """Share of ICPCs held within 15 WD of the strategy discussion.

    Among ICPCs with conference day in the window, the share held on or before their due
    working day, ``pathway.icpc_due_wd`` working days after the strategy discussion (the
    published figure counts from the start of the section 47 enquiry, which in the model
    is the strategy discussion). The strategy discussion books the conference for the
    last day of that window with a free chair's slot (after it if the diary is full); it
    goes ahead then only if the enquiry ended at least ``pathway.icpc_prep_wd`` working
    days before (or without the report, ``pathway.conference_without_report_prob``) and
    the chair, family and professionals are available; otherwise it is postponed
    ``pathway.conference_rebook_wd`` working days on (``conference_postponed_share``).
    """
    return _share([ok for d, ok in rec.icpcs if rec.in_window(d)])


def core_group_within_10wd(rec: Recorder) -> float:
    """Share of first core groups held within 10 WD of the ICPC (by due date).

    Among first core groups with due day in the window, the share held on or before the
    due working day (the plan's start plus ``pathway.first_core_group_due_wd``). One
    record per plan, made at the weekly accounting of the week in which the core group
    is held or its due date passes, whichever comes first.

    Pre-populated plans have no first core group, and a plan that ends before its first
    core group falls due has no record. The core group of a case without a worker is
    missed.
    """
    return _share([ok for d, ok in rec.first_core_groups if rec.in_window(d)])


def rcpc_on_time(rec: Recorder) -> float:
    """Share of review conferences held by their due date (3 months, then 6).

    Among review conferences with conference day in the window, the share held on or
    before the first working day on or after the due date. The first review is due
    ``pathway.first_rcpc_due_months`` calendar months after the plan starts (the ICPC),
    later ones ``pathway.rcpc_interval_months`` after the previous review was held.

    A review is booked (when the plan starts, or at the previous review) for its due day
    or the nearest free day before it. It is late when it is postponed on the day: the
    chair, family or professionals unavailable
    (``pathway.conference_unavailable_prob``), or the worker's report not ready
    (``pathway.report_late_prob``, more often for a worker new to the case or under
    pressure) and the conference not held without it; it is rebooked
    ``pathway.conference_rebook_wd`` working days on. A review brought forward
    (``reviews_brought_forward_per_year``) is held early, so on time; the next review is
    then due six months after it. Reviews of pre-populated plans count (their first
    review is spread over one review cycle). Not a calibration target (FACTS.md lists it
    as not known), but the assumptions above are set so that it lands near the 94% of
    2014-15, the latest known national figure.
    """
    return _share([ok for d, ok in rec.rcpcs if rec.in_window(d)])


def conference_postponed_share(rec: Recorder) -> float:
    """Share of conferences (ICPC and review) that were postponed at least once.

    Among conferences held with conference day in the window, the share whose booked
    date was put off at least once before it was held (a ``ConferencePostponed`` record:
    the ICPC's enquiry or report not ready, the chair, family or professionals
    unavailable, a review's report not ready). A postponed conference is rebooked
    ``pathway.conference_rebook_wd`` working days on. Bookings released because no
    conference was needed (an enquiry ending without one) do not count.
    """
    return _share([postponed for d, _, postponed, _ in rec.conferences if rec.in_window(d)])


def conference_without_report_share(rec: Recorder) -> float:
    """Share of conferences (ICPC and review) held without the social worker's report.

    Among conferences held with conference day in the window, the share held although
    the worker's report was not ready (seed 002: a review with no social work report).
    A report not ready leads to this with probability
    ``pathway.conference_without_report_prob``, and to a postponement otherwise. A
    review's report is late with ``pathway.report_late_prob``, more often for a worker
    new to the case or under pressure; an ICPC's report is not ready when the enquiry
    ended less than ``pathway.icpc_prep_wd`` working days before it.
    """
    return _share([without for d, _, _, without in rec.conferences if rec.in_window(d)])


def reviews_brought_forward_per_year(rec: Recorder) -> float:
    """Review conferences brought forward per measured year.

    ``ReviewBroughtForward`` records with day in the window, divided by the measured
    years. A review is brought forward when high need is newly seen on a child on a CPP
    (with probability ``pathway.review_bring_forward_prob``) and the chairs have a free
    slot within ``pathway.review_bring_forward_wd`` working days before its booking; not
    when the plan's last conference was less than that long ago.
    """
    return _per_year(rec, rec.reviews_brought_forward)


def visits_on_time(rec: Recorder) -> float:
    """Share of due statutory visits (CPP and CiN) made by their due date.

    Among visits with due day in the window, the share made on or before the due working
    day. A visit falls due ``pathway.cpp_visit_interval_wd`` (CPP) or
    ``pathway.cin_visit_interval_wd`` (CiN) working days after the last visit or the
    plan's start. Each due date is recorded once, at the weekly accounting of the week it
    falls in: on time if that week's plan makes the visit by its due day, missed
    otherwise. A missed visit is not recorded again: the next due date is set only when
    a visit is made, so an overdue visit made in a later week is not a new due date (how
    long the child then waits shows in ``cpp_unseen_share``). Week by week
    (timeseries.csv) the due visits are counted in the week they are recorded.

    CPP and CiN visits are pooled. Visits are never made early; an overdue visit is made
    on the Monday of a later week. Cases without a worker miss their visits. A visit
    attempt that gets no access leaves the visit due. With ``policy.not_seen_list`` on, a CPP child
    whose visit is overdue is followed up each Monday: their worker makes the visit a
    priority, or the duty service visits on the first working day of the week if they
    have no worker or the worker is off all week; such a visit is late, but it ends the
    unseen days and sets the next due date. With a visit interval of less than a week
    at most one visit a week is made, so such visits are mostly late.
    """
    return _share([ok for d, ok, _ in rec.visits_due if rec.in_window(d)])


def cpp_visits_on_time(rec: Recorder) -> float:
    """Share of due statutory visits to children on a CPP made by their due date.

    ``visits_on_time`` restricted to CPP visits (due every
    ``pathway.cpp_visit_interval_wd`` working days): the same due dates, the same rule
    for on time. Pooling hides that CPP visits, which come before most other work in a
    worker's week, are kept far more often than CiN visits (issue 15).
    """
    return _share([ok for d, ok, kind in rec.visits_due if kind == "cpp" and rec.in_window(d)])


def cin_visits_on_time(rec: Recorder) -> float:
    """Share of due visits to children on a child in need plan made by their due date.

    ``visits_on_time`` restricted to CiN visits (due every
    ``pathway.cin_visit_interval_wd`` working days). CiN visits come after the CPP work
    and assessments in a worker's week, so they are the first to slip.
    """
    return _share([ok for d, ok, kind in rec.visits_due if kind == "cin" and rec.in_window(d)])


def cpp_unseen_share(rec: Recorder) -> float:
    """Share of CPP child-working-days on which the child was not seen within the standard.

    ``sum(cpp_unseen_days) / sum(cpp_days)`` over the weeks in the window. Each week, for
    every child on a CPP at the Monday accounting, ``cpp_days`` adds the working days of
    the week (from the plan's start if later) and ``cpp_unseen_days`` those working days
    *d* with ``d - last seen > pathway.cpp_visit_interval_wd`` (a visit made during the
    week counts from its day).

    The week is counted prospectively at Monday 00:00: a plan that starts mid-week is
    counted from the next Monday, and a plan that ends mid-week is counted for the whole
    week. Unseen days start the working day after a missed due date.
    """
    return _over_window(rec, "cpp_unseen_share")


def drift_share(rec: Recorder) -> float:
    """Share of plan-days in drift: no progress, or known high need and no action.

    ``(sum(drift_days) + sum(closed_plan_known_high_days)) / (sum(plan_days) +
    sum(closed_plan_known_high_days))`` over the weeks in the window. Each week, for
    every child on a CPP or CiN plan at the Monday accounting, ``plan_days`` adds the
    working days of the week and ``drift_days`` adds them too if the plan is in drift:

    - **no progress:** the plan has been open at least ``pathway.drift_no_progress_weeks``
      weekly accountings and the child's latent need is not lower than it was that many
      weeks ago, with no change of plan (legal planning counts as one); or
    - **known risk, no action:** the service has seen the child's need at or above
      ``need.high_threshold`` at every accounting for more than
      ``pathway.known_risk_action_weeks`` weeks and nothing has followed: a CiN plan not
      escalated to a strategy discussion. (On a CPP, itself the protective response,
      known high need with no progress is the first case.)

    A plan closed while the service knew the child's need was high is the last step of
    "known risk, no action": the expected days the child's need stays high after the
    closure (``closed_plan_known_high_days``, followed as in
    ``unseen_high_need_days_closed``) count as days in drift, in the numerator and the
    denominator, for up to 12 months after the closure, until a re-referral or the end of
    the run. So closing a plan early does not take its drift out of the measure.

    Visits alone are not progress: a child seen every week whose need does not fall is
    in drift (seeds 001 and 002). The measure of days since the last contact, which was
    ``drift_share`` until issue 15, is ``contact_gap_share``. Counted prospectively per
    week, like ``cpp_unseen_share``.
    """
    return _over_window(rec, "drift_share")


def contact_gap_share(rec: Recorder) -> float:
    """Share of plan-case working days more than a threshold after the last contact.

    ``sum(contact_gap_days) / sum(plan_days)`` over the weeks in the window: the
    working days *d* of CPP and CiN plans with ``d - last progress >
    pathway.drift_threshold_wd``. Progress here is any purposeful contact: a visit, a
    core group or a week's plan actions done by the worker, a complaint action, a
    conference or a CiN review; the plan's start counts. Conferences and CiN reviews
    happen whether or not the case has a worker, so they count even on an unallocated
    case (so does a duty visit under ``policy.not_seen_list``).

    Until issue 15 this was ``drift_share``. It measures contact, not change: a case
    visited every fortnight with nothing changing has no contact gap (``drift_share``
    counts it).
    """
    return _over_window(rec, "contact_gap_share")


def visits_child_seen_alone(rec: Recorder) -> float:
    """Share of visits made in which the child was seen alone.

    ``sum(visits_seen_alone) / sum(visits_made)`` over the weeks in the window: at each
    Monday accounting, every CPP or CiN case visited in the week (one visit a week at
    most counts) and, of those, the ones where a visit saw the child on their own (with
    ``pathway.seen_alone_prob``). A visit that does not see the child alone sees the
    child's need less often (``need.not_alone_detection_factor``).
    """
    return _over_window(rec, "visits_child_seen_alone")


def cpp_longest_visit_gap_wd(rec: Recorder) -> float:
    """Mean over child protection plans of the longest gap between visits (working days).

    For every CPP open at a weekly accounting in the window: the longest run of working
    days between the plan's start or a visit and the next visit, or, for the gap still
    going, the end of the week (counted at each weekly accounting, up to the plan's end
    or the end of the run). A gap that began before the window counts whole. The visit
    standard is ``pathway.cpp_visit_interval_wd`` working days (DESIGN.md section 8:
    longest gap between visits).
    """
    gaps = [gap for gap, in_window in rec.cpp_visit_gaps.values() if in_window]
    return float(np.mean(gaps)) if gaps else math.nan


def core_groups_on_time(rec: Recorder) -> float:
    """Share of later core groups (after the first) held by their due date.

    A CPP's next core group is due ``pathway.core_group_interval_wd`` working days after
    the last one held; it is recorded once, at the weekly accounting of the week it is
    held or its due date passes, whichever comes first, and is on time if held by the
    due date. Over due dates in the window. The first core group is
    ``core_group_within_10wd``.
    """
    return _share([ok for d, ok in rec.core_groups_due if rec.in_window(d)])


def cpp_duration_mean_days(rec: Recorder) -> float:
    """Mean length in days of child protection plans that ended in the window.

    From the plan's start (back-dated for plans open on day 0) to its end, over CPP
    episodes that ended in the measured window, whatever the reason (a review, care
    proceedings, a move, the 18th birthday). Plans still open at the end are not
    counted, so long plans weigh less in a short run. A model output: the published
    distribution of plan lengths is kept back as a check of the model's mechanisms
    (data/dfe/README.md) and nothing is set to it.
    """
    lengths = [
        e["end_day"] - e["start_day"]
        for e in rec.episodes
        if e["kind"] == "cpp" and e.get("end_day") is not None and rec.in_window(e["end_day"])
    ]
    return float(np.mean(lengths)) if lengths else math.nan


def unallocated_days_mean(rec: Recorder) -> float:
    """Mean calendar days a case waited for a worker (0 when allocated at once).

    Over waits that ended in the measured window and waits still going at the end
    (censored at the end day, so long waits are not left out).

    A wait starts when an assessment, section 47 enquiry or plan needs a worker and the
    case has none, or when the case's worker leaves; every allocation counts, including
    those made at once (a wait of 0). A case keeps its worker from stage to stage, so
    most cases are allocated once per referral. Waits still going at the end count from
    their start to the end day, whenever they started. Referrals at the front door do
    not need a worker.
    """
    waits = [d - r for r, d in rec.allocations if rec.in_window(d)]
    waits += [rec.end_day - r for r in rec.waiting_at_end]
    return float(np.mean(waits)) if waits else math.nan


def cases_unallocated_mean(rec: Recorder) -> float:
    """Mean number of open cases without a worker at the weekly snapshots.

    The mean over the weeks in the window of the stock ``unallocated`` at the Monday
    00:00 snapshot: cases whose assessment, section 47 enquiry or plan needs a worker and
    has none, including those whose worker left and that have not been allocated again.
    Referrals at the front door do not need a worker and are not counted.

    A count at the snapshots, not a wait: a case allocated within the week it started
    waiting may never be seen here (``unallocated_days_mean`` counts every wait). No
    published figure.
    """
    return _over_window(rec, "cases_unallocated_mean")


def _window_flow(rec: Recorder, key: str) -> float:
    """The sum of a weekly flow over the weeks in the window."""
    return float(sum(w.flows.get(key, 0.0) for w in _window_weeks(rec)))


def _per_open_child(rec: Recorder, *keys: str) -> float:
    n = len(rec.open_children)
    return sum(_window_flow(rec, key) for key in keys) / n if n else math.nan


def unseen_high_need_days_open(rec: Recorder) -> float:
    """Days at high need unknown to the service on open cases, per child.

    Numerator (``unseen_high_days``): 7 days for every week in the window in which, at
    the Monday accounting, a child's case is open and not under a section 47 enquiry
    or awaiting its ICPC (such a child is known to be at risk), their latent need is at
    least ``need.high_threshold`` and the need the service last saw is below it.
    Denominator: the distinct children with an open case (front door to CiN plan) at any
    weekly accounting in the window.

    The check is made after the week's visits are planned, so a visit later in the week
    that sees the need removes the whole week. A child referred for the first time has
    not been seen by anyone, so at high need they count as unseen from the front door
    until their assessment ends; a re-referred child keeps the need last seen on the
    earlier case.
    """
    return _per_open_child(rec, "unseen_high_days")


def unseen_high_need_days_closed(rec: Recorder) -> float:
    """Expected days at high need after closure, when nobody sees the child, per child.

    Numerator (``closed_unseen_high_days + closed_known_high_days``): for every case
    closed (in the run or, for families re-referred in it, in the years before) whose
    family stays in the area, the expected days in the window from the closure to a
    re-referral, 12 months later or the end of the run, whichever comes first, on which
    the child's latent need is at least
    ``need.high_threshold``. Need after closure follows the law the model draws a
    re-referred child's need from: what the service's work gained fades back towards
    the family's underlying need (``need.closed_fade_weeks``) with the weekly noise
    (metrics.closed_high_days). Expected days, not one draw, so the measure adds no
    random draws. Denominator as ``unseen_high_need_days_open``.

    A case closed too early (seed 003) shows here. When the service knew of the high
    need at closure (``closed_known_high_days``) the days count in
    ``known_risk_no_action_days`` too.
    """
    return _per_open_child(rec, "closed_unseen_high_days", "closed_known_high_days")


def unseen_risk_days_per_child(rec: Recorder) -> float:
    """Days at high need unknown to the service, open and closed cases, per child.

    ``unseen_high_need_days_open + unseen_high_need_days_closed``: the risk measure
    follows the child after closure, so a case closed early is not a case whose risk
    has gone. Children under a section 47 enquiry or awaiting their ICPC are known to
    be at risk and do not count. Denominator: the distinct children with an open case
    at any weekly accounting in the window. A model construct, with no published figure.
    """
    return _per_open_child(
        rec, "unseen_high_days", "closed_unseen_high_days", "closed_known_high_days"
    )


def known_risk_no_action_days(rec: Recorder) -> float:
    """Days of known high need with nothing following, per child.

    Numerator: the plan working days counted as "known risk, no action" in
    ``drift_share`` (``known_risk_days``: need seen to be high for more than
    ``pathway.known_risk_action_weeks`` weeks on a CiN plan not escalated or a CPP
    without legal planning) plus ``closed_known_high_days``, the expected days at high
    need after a case was closed while the service knew the child's need was high
    (followed as in ``unseen_high_need_days_closed``). Denominator as
    ``unseen_high_need_days_open``. Plan days are working days; days after closure are
    calendar days.
    """
    return _per_open_child(rec, "known_risk_days", "closed_known_high_days")


def outside_information_acted_on(rec: Recorder) -> float:
    """Share of information from outside the household that was acted on.

    Over ``OutsideInformation`` records with day in the window: reports about a child
    at high need the service had not seen, from an anonymous caller (or neighbour,
    another agency) or the child's non-resident parent (seeds 000 and 002), made at a
    weekly accounting while the case is open. Acted on with
    ``policy.act_on_outside_alerts_prob``: the service then sees the child's current
    need (a CiN case at high need is escalated); otherwise the information is recorded
    and nothing follows. An involved non-resident parent reports more often
    (``need.parent_alert_prob_per_week``, ``policy.invite_non_resident_parent_prob``).
    """
    return _share([acted for d, _, acted in rec.outside_information if rec.in_window(d)])


def caseload_mean(rec: Recorder) -> float:
    """Mean open cases per social worker at the weekly snapshots.

    The mean over the weeks in the window of the snapshot's mean caseload: allocated open
    cases per worker in post (permanent and agency, including workers serving notice and
    newly qualified workers).

    The published caseload counts cases per case-holding FTE and includes looked-after
    children, which the model does not have. Unallocated cases and referrals at the
    front door are held by nobody.
    """
    return _over_window(rec, "caseload_mean")


def turnover_rate(rec: Recorder) -> float:
    """Permanent leavers per year / mean permanent workers in post (CSWW definition).

    Permanent workers whose leaving day (the end of their notice,
    ``workforce.notice_weeks``) is in the window, per measured year, divided by the mean
    over the weeks in the window of ``permanent`` (posts with a permanent worker) at the
    snapshot. Agency workers are excluded.

    Week by week (timeseries.csv) leavers are counted in the week they leave, so the
    turnover over some weeks is ``sum(permanent_leavers) / sum(permanent)`` times the
    weeks in a year (365.25 / 7).
    """
    in_post = _stock_mean(rec, "permanent")
    leavers = sum(1 for d, kind in rec.leavers if kind == "permanent" and rec.in_window(d))
    return leavers / _measured_years(rec) / in_post if in_post else math.nan


def vacancy_rate(rec: Recorder) -> float:
    """Mean share of posts without a permanent worker (agency-covered posts are vacant).

    ``sum(vacant_posts) / sum(posts)`` over the snapshots in the window, where
    ``vacant_posts`` are the funded posts (``authority.social_workers``) without a
    permanent worker. A post covered by an agency worker is vacant; a post whose
    permanent worker is serving notice is filled.
    """
    return _over_window(rec, "vacancy_rate")


def manager_vacancy_rate(rec: Recorder) -> float:
    """Mean share of team manager posts with no manager in post.

    ``sum(manager_vacant) / sum(manager_posts)`` over the snapshots in the window: one
    post a team; a post covered by an acting manager or by the neighbouring team's
    stretched manager counts as vacant (managers.py). With ``workforce.dynamics`` off or
    ``workforce.manager_turnover`` 0 it is 0. No published figure: the turnover and time
    to fill behind it are assumptions.
    """
    return _over_window(rec, "manager_vacancy_rate")


def agency_share(rec: Recorder) -> float:
    """Mean share of agency workers among all workers in post.

    ``sum(agency) / sum(permanent + agency)`` over the snapshots in the window. The
    published figure is a share of FTE; the model's agency workers only cover vacancies
    (nationally 80.1% do).
    """
    weeks = _window_weeks(rec)
    workers = sum(w.stocks["permanent"] + w.stocks["agency"] for w in weeks)
    return sum(w.stocks["agency"] for w in weeks) / workers if workers else math.nan


def workers_per_child(rec: Recorder) -> float:
    """Distinct social workers a CPP child has in the year from the plan's start.

    Over CPP episodes starting in the measured window at least a year before the end:
    the worker holding the case at the start plus every worker allocated in that year.

    The worker at the start is the one of the child's last allocation at or before it,
    even if that worker has already left or held an earlier case of the child's. The
    year is counted whether or not the plan lasts that long, so allocations after the
    plan ended (a step-down to CiN, or a later re-referral) count too. With one measured
    year or less (e.g. ``run=quick``) no plan qualifies and the KPI is NaN. No published
    figure: seed 002 describes a child with six social workers.
    """
    counts = []
    for e in rec.episodes:
        start = e["start_day"]
        if e["kind"] != "cpp" or not rec.in_window(start) or start + 365.0 > rec.end_day:
            continue
        log = rec.worker_log.get(e["child_id"], [])
        before = [w for d, w in log if d <= start]
        during = {w for d, w in log if start < d < start + 365.0}
        counts.append(len(during | set(before[-1:])))
    return float(np.mean(counts)) if counts else math.nan


def _cpp_worker_changes(rec: Recorder, start: float, end: float, child: int) -> int:
    """Changes of worker of ``child`` on days in ``[start, end]``.

    An allocation to a worker other than the one of the child's previous allocation is a
    change, whatever its cause (a leaver, a move, a long absence, a hand-off between
    teams); the first allocation the child ever has is not.
    """
    changes = 0
    previous: int | None = None
    for day, worker in rec.worker_log.get(child, []):
        if start <= day <= end and previous is not None and worker != previous:
            changes += 1
        previous = worker
    return changes


def worker_changes_per_cpp(rec: Recorder) -> float:
    """Changes of social worker over a whole child protection plan, from every cause.

    Over CPP episodes that started after day 0 (not pre-populated) and ended in the
    measured window: the mean number of allocations during the plan (start and end
    days included) to a worker other than the child's previous one. Every cause counts:
    a worker leaving, moving team or going on long absence, an agency assignment
    ending, and under the split structure the hand-off to a long-term team as the plan
    starts. Plans still open at the end are left out, so long plans are somewhat
    under-represented. No published figure: seed 002 describes six social workers in
    three years.
    """
    counts = [
        _cpp_worker_changes(rec, e["start_day"], e["end_day"], e["child_id"])
        for e in rec.episodes
        if e["kind"] == "cpp"
        and not e["prepopulated"]
        and e["start_day"] > 0
        and e["end_day"] is not None
        and rec.in_window(e["end_day"])
    ]
    return float(np.mean(counts)) if counts else math.nan


def worker_changes_per_cpp_year(rec: Recorder) -> float:
    """Changes of social worker per year on a child protection plan, from every cause.

    Changes of worker (as in ``worker_changes_per_cpp``) on CPP days in the measured
    window, divided by the CPP child-years in the window (every CPP episode's days
    inside the window, open ones to the end of the run). A rate, so it does not depend
    on how long plans last: over a two-year plan a child meets about 1 + 2 x this many
    workers.
    """
    changes = 0
    days = 0.0
    for e in rec.episodes:
        if e["kind"] != "cpp":
            continue
        start = max(e["start_day"], rec.warmup_day)
        end = min(rec.end_day if e["end_day"] is None else e["end_day"], rec.end_day)
        if end <= start:
            continue
        days += end - start
        changes += _cpp_worker_changes(rec, start, end, e["child_id"])
    return changes / (days / DAYS_PER_YEAR) if days else math.nan


def team_caseload_spread(rec: Recorder) -> float:
    """How unequal caseloads are between teams: the coefficient of variation of team means.

    At each weekly snapshot, each team's mean caseload (cases held by its workers over
    its workers in post; teams with nobody in post are left out); the spread is their
    standard deviation over their mean. The mean over the weeks in the window. 0 when
    every team carries the same load; it rises with uneven patches
    (``workforce.team_demand_spread``) and with vacancies clustered in some teams. No
    published figure (FACTS.md gives the national spread of individual caseloads).
    """
    return _over_window(rec, "team_caseload_spread")


def handovers_per_case_year(rec: Recorder) -> float:
    """Cases moved to another worker, per open case-year (every cause since issue 14).

    Handovers counted in the weeks in the window, divided by the sum over the snapshots
    in the window of ``open_cases`` x 7 / 365.25. A handover (``CaseHandedOver``) is
    recorded for every case on a worker's caseload on the day the worker leaves
    (including an agency worker whose assignment ends when a permanent recruit or a
    colleague moving in arrives), moves to another team or starts a long absence, and
    under the split structure for every case that moves to a long-term team as its
    plan starts.

    The denominator counts all open cases, including referrals at the front door and
    unallocated cases. Handovers are a weekly flow: those between the warm-up day and the
    first Monday of the window are not counted, and those in the last days of the run
    after the last recorded week are added to that week.
    """
    weeks = _window_weeks(rec)
    case_years = sum(w.stocks["open_cases"] for w in weeks) * 7.0 / DAYS_PER_YEAR
    return _window_flow(rec, "handovers") / case_years if case_years else math.nan


def manager_reviews_on_time(rec: Recorder) -> float:
    """Share of four-weekly manager case reviews done by their due date.

    Among manager reviews with due day in the window, the share done in the week they
    fall due. Each week every team manager reviews the team's cases due that week or
    overdue, earliest first, as far as ``workforce.manager_review_hours_per_week`` (scaled
    by the week's working days and the team's manager hours factor, after complaint work)
    goes; a review that does not fit is recorded as late, once per due date, and stays
    due. While a team's manager post is vacant its reviews get an acting manager's or a
    stretched neighbour's hours, or none at all (managers.py).

    Reviews are due on every allocated open case (any stage), every
    ``workforce.manager_review_interval_wd`` working days from its allocation and then
    from the last review. The cases of
    a worker who left are not looked at until they are allocated again; a review that
    fell due meanwhile is then recorded as late. No published figure: seed 002 describes
    reviews promised every four weeks, then lapsed.
    """
    return _share([ok for d, ok in rec.manager_reviews_due if rec.in_window(d)])


def caseload_p90(rec: Recorder) -> float:
    """90th percentile of caseloads across workers, averaged over weekly snapshots.

    At each snapshot the 90th percentile (numpy, linear interpolation) of the workers'
    caseloads; the mean over the weeks in the window. The caseload cap
    (``workforce.caseload_cap``) bounds it.
    """
    return _over_window(rec, "caseload_p90")


def complaints_per_1000_referrals(rec: Recorder) -> float:
    """Complaints received per 1,000 referrals received in the window.

    1,000 x complaints with receipt day in the window / referrals with referral day in
    the window.
    """
    referrals = sum(1 for r in rec.referrals if rec.in_window(r[0]))
    received = sum(1 for d, _, _ in rec.complaints if rec.in_window(d))
    return 1000.0 * received / referrals if referrals else math.nan


def _stage_on_time(rec: Recorder, stage: int) -> float:
    return _share(
        [ok for _, s, _, d, ok, _ in rec.complaint_stages if s == stage and rec.in_window(d)]
    )


def stage1_on_time(rec: Recorder) -> float:
    """Share of stage 1 responses (both procedures) within their deadline.

    Among stage 1 responses with response day in the window, the share within the
    deadline of their procedure: 10 WD (20 if complex) for the statutory procedure, 10 WD
    for the corporate one.
    """
    return _stage_on_time(rec, 1)


def stage2_on_time(rec: Recorder) -> float:
    """Share of stage 2 responses (both procedures) within their deadline.

    Among stage 2 responses with response day in the window, the share within the
    deadline of their procedure: 25 WD (65 if complex) for the statutory procedure, 30 WD
    for the corporate one.
    """
    return _stage_on_time(rec, 2)


def stage3_on_time(rec: Recorder) -> float:
    """Share of stage 3 reviews with panel, report and response all within their limits.

    Among stage 3 reviews (statutory procedure only) answered in the window, the share
    whose panel met within 30 WD of the request, its report within 5 WD of the panel and
    the council's response within 15 WD of the report.
    """
    return _stage_on_time(rec, 3)


def _escalation(rec: Recorder, stage: int) -> float:
    ended = sum(
        1
        for p, s, _, d, _, _ in rec.complaint_stages
        if s == stage and rec.in_window(d) and p == "statutory"
    )
    if stage == 1:
        ended += sum(
            1
            for p, s, _, d, _, _ in rec.complaint_stages
            if s == 1 and rec.in_window(d) and p == "corporate"
        )
    requests = sum(
        1 for _, s, r, _, _, _ in rec.complaint_stages if s == stage + 1 and rec.in_window(r)
    )
    return requests / ended if ended else math.nan


def escalation_rate_1_2(rec: Recorder) -> float:
    """Stage 2 requests per stage 1 response (both procedures), in the window.

    Requests for stage 2 with request day in the window / stage 1 responses with
    response day in the window. A request is known once its stage 2 response is made, so
    requests still unanswered at the end of the run are not counted. A late response
    adds ``complaints.late_escalation_boost`` to the chance of escalating. A ratio of two
    flows in the window, like escalation_rate_2_3, so it can pass 1 where few are answered.
    """
    return _escalation(rec, 1)


def escalation_rate_2_3(rec: Recorder) -> float:
    """Stage 3 requests per statutory stage 2 response, in the window.

    Requests for a stage 3 review with request day in the window / statutory stage 2
    responses with response day in the window (the corporate procedure has two stages).
    Requests whose review has not ended by the end of the run are not counted.

    A ratio of two flows in the window, not the share of a cohort: in a steady state and a
    long window it is the share of responses escalated, but where few are answered (a
    small authority, one measured year) requests after responses made before the window
    can take it above 1 (the national run met 2 in 1).
    """
    return _escalation(rec, 2)


def ombudsman_cases_per_year(rec: Recorder) -> float:
    """Complaints the Ombudsman decided per measured year.

    Ombudsman decisions with decision day in the window, divided by the measured years.
    After the last local stage a complainant may go to the Ombudsman.
    """
    return _per_year(rec, [d for _, d, _, _ in rec.ombudsman])


def ombudsman_upheld_share(rec: Recorder) -> float:
    """Share of Ombudsman decisions finding fault.

    Among Ombudsman decisions with decision day in the window, the share finding fault.
    """
    return _share([up for _, d, up, _ in rec.ombudsman if rec.in_window(d)])


def complaint_days_to_close_mean(rec: Recorder) -> float:
    """Mean calendar days from receipt to the last step of a complaint.

    Over complaints closed in the measured window and complaints still open at the end
    (censored at the end day, so slow complaints are not left out).

    The last step is the last local response or the Ombudsman's decision. A complaint
    still open at the end counts from its receipt to the end day, whenever it was
    received.
    """
    days = [d - r for r, d in rec.complaints_closed if rec.in_window(d)]
    days += [rec.end_day - r for r in rec.complaints_open_at_end]
    return float(np.mean(days)) if days else math.nan


def remedy_gbp_per_year(rec: Recorder) -> float:
    """Remedies paid after Ombudsman decisions, pounds per measured year.

    The remedies of Ombudsman decisions with decision day in the window (finding fault:
    lognormal with median ``complaints.remedy_median_gbp``), divided by the measured
    years.
    """
    return sum(g for _, d, _, g in rec.ombudsman if rec.in_window(d)) / _measured_years(rec)


def complaint_actions_done_on_time(rec: Recorder) -> float:
    """Share of actions agreed in complaints done by their due date.

    Among actions with due day in the window, the share done by then. Upheld stages agree
    actions on the case. Each action is recorded once: when it is done, or at the weekly
    accounting of the week its due date passes, whichever comes first; an action on a
    case that closes first counts as not done. Tracked actions
    (``policy.track_complaint_actions``) are priority work in the week they fall due;
    untracked ones are done only in a week when the worker has hours left and remembers
    them (``complaints.untracked_action_weekly_prob``).
    """
    return _share([ok for d, ok in rec.complaint_actions if rec.in_window(d)])


def service_wait_days_mean(rec: Recorder) -> float:
    """Mean calendar days a family referred to a service waited for a place (0 if one was free).

    Over waits that ended in the measured window, with a place or, when the plan ended
    first, with the family leaving the list (censored there: it never had a place), and
    waits still going at the end (censored at the end day, whenever they started). A plan
    refers the family when it starts (``services.cpp_referral_prob``,
    ``cin_referral_prob``); a family stepping down from a CPP to a CiN plan keeps its
    referral. No published figure; seed 003 reports long waits for counselling.
    """
    waits = [d - r for r, d in rec.service_waits if rec.in_window(d)]
    waits += [rec.end_day - r for r in rec.service_waiting.values()]
    return float(np.mean(waits)) if waits else math.nan


def service_waiting_mean(rec: Recorder) -> float:
    """Mean number of families on the services' waiting lists at the weekly snapshots.

    The mean over the weeks in the window of the families referred to a service on or
    before the Monday 00:00 snapshot whose wait (for a place, or until the plan ended)
    had not ended by then; the parenting programme's and counselling's lists together.
    """
    weeks = _window_weeks(rec)
    if not weeks:
        return math.nan
    starts = np.sort([r for r, _ in rec.service_waits] + list(rec.service_waiting.values()))
    ends = np.sort([d for _, d in rec.service_waits])
    days = np.array([w.day for w in weeks], dtype=float)
    referred = np.searchsorted(starts, days, side="right")
    over = np.searchsorted(ends, days, side="right")
    return float(np.mean(referred - over))


# -- the registry ----------------------------------------------------------------------
_DOCSTRINGS: dict[str, str] = {}


def function_docstring(function: Callable[..., Any]) -> str:
    """The cleaned docstring of a function of this module ("" if it has none).

    Compiled with mypyc, functions keep no docstring: it is then read from this module's
    source, which is what the compiled module was built from (``sim._compiled`` falls
    back to plain Python when the two differ).
    """
    doc = function.__doc__
    if doc:
        return inspect.cleandoc(doc)
    if not _DOCSTRINGS:
        source = Path(__file__).with_name("metrics.py")
        if source.exists():
            for node in ast.parse(source.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.FunctionDef):
                    _DOCSTRINGS[node.name] = ast.get_docstring(node) or ""
    return _DOCSTRINGS.get(function.__name__, "")


@dataclass(frozen=True)
class KPI:
    """One KPI, defined once: its formula and how every output names and shows it.

    Attributes:
        name: The column name in kpis.csv and summary.csv.
        compute: The formula: a function of one replication's recorder (its docstring is
            the definition docs/kpis.md prints).
        label: A plain-English label, without the unit.
        unit: The unit of the value as computed ("share", "per year", "days", ...).
        scale: What figures and tables multiply the value by (100 for a share shown in %).
        display_unit: The unit after scaling ("%", "per year", ...).
        higher_is_better: True, False, or None where neither is better (a volume).
        headline: Shown in sweep comparisons, paired differences and the explorer.
        group: The section of docs/kpis.md the KPI is listed in.

    """

    name: str
    compute: Callable[[Recorder], float]
    label: str
    unit: str
    scale: float = 1.0
    display_unit: str = ""
    higher_is_better: bool | None = None
    headline: bool = False
    group: str = ""

    @property
    def definition(self) -> str:
        """The formula in words: the compute function's docstring, paragraphs kept."""
        return function_docstring(self.compute)

    @property
    def summary(self) -> str:
        """The definition's first line."""
        return self.definition.split("\n", 1)[0]

    @property
    def weekly(self) -> Weekly | None:
        """How the KPI is read week by week from timeseries.csv (None if it is not)."""
        return WEEKLY.get(self.name)

    @property
    def comparator(self) -> Target | None:
        """The published figure the KPI is compared with (``calibration.TARGETS``), if any."""
        return TARGETS.get(self.name)

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the KPI can take, which its intervals keep to (``sim.analysis``).

        [0, 1] for a share (unit "share"); [0, inf) for every other KPI here: counts,
        rates, days, means, and a share a year (turnover), a rate that can pass 100%.
        """
        return (0.0, 1.0) if self.unit == "share" else (0.0, math.inf)

    @property
    def difference_unit(self) -> str:
        """The unit of a difference between two scaled values (shares: percentage points)."""
        unit = self.display_unit
        return "percentage points" + unit[1:] if unit.startswith("%") else unit

    def axis_label(self) -> str:
        """``label (display unit)`` for a figure's axis."""
        return f"{self.label} ({self.display_unit})" if self.display_unit else self.label

    def show(self, value: float, digits: int = 3) -> str:
        """``value`` scaled, to ``digits`` significant figures, with its display unit.

        For example ``85.3%``, ``15.9% a year``, ``4,140 per year`` or ``n/a`` for NaN.
        """
        if math.isnan(value):
            return "n/a"
        scaled = value * self.scale
        text = f"{scaled:,.0f}" if abs(scaled) >= 10**digits else f"{scaled:.{digits}g}"
        unit = self.display_unit
        if not unit:
            return text
        return text + unit if unit.startswith("%") else f"{text} {unit}"


def _kpi(
    compute: Callable[[Recorder], float],
    label: str,
    unit: str,
    better: bool | None = None,
    headline: bool = False,
    group: str = "",
) -> KPI:
    """A KPI; shares are shown in % (scale 100), everything else in its own unit.

    A unit "share" or "share ..." (e.g. "share a year") is shown as "%" or "% ...".
    """
    share = unit == "share" or unit.startswith("share ")
    return KPI(
        name=compute.__name__,
        compute=compute,
        label=label,
        unit=unit,
        scale=100.0 if share else 1.0,
        display_unit="%" + unit[len("share") :] if share else unit,
        higher_is_better=better,
        headline=headline,
        group=group,
    )


FLOW = "Flow"
DELAY = "Delay"
VISITS = "Missed visits"
DRIFT = "Drift"
OUTCOMES = "Outcomes"
WORKFORCE = "Workforce"
CHURN = "Churn"
COMPLAINTS = "Complaints"
SERVICES = "Services"

KPIS: dict[str, KPI] = {
    k.name: k
    for k in (
        _kpi(referrals_per_year, "Referrals received", "per year", group=FLOW),
        _kpi(assessments_per_year, "Assessments completed", "per year", group=FLOW),
        _kpi(s47_per_year, "Section 47 enquiries started", "per year", group=FLOW),
        _kpi(icpc_per_year, "Initial child protection conferences", "per year", group=FLOW),
        _kpi(cpp_starts_per_year, "Child protection plans started", "per year", group=FLOW),
        _kpi(cpp_open_mean, "Children on a child protection plan", "children", group=FLOW),
        _kpi(cin_open_mean, "Children on a child in need plan", "children", group=FLOW),
        _kpi(cpp_duration_mean_days, "Length of CPPs that ended", "days", group=FLOW),
        _kpi(rereferral_12m_rate, "Re-referrals within 12 months", "share", False, group=FLOW),
        _kpi(transfers_out_per_year, "Cases transferred out", "per year", group=FLOW),
        _kpi(
            cpp_subsequent_share,
            "CPP starts that are a second or later plan",
            "share",
            False,
            group=FLOW,
        ),
        _kpi(
            front_door_within_1wd,
            "Front-door decisions within 1 working day",
            "share",
            True,
            group=DELAY,
        ),
        _kpi(
            assessment_within_45wd,
            "Assessments within 45 working days",
            "share",
            True,
            group=DELAY,
        ),
        _kpi(icpc_within_15wd, "ICPCs within 15 working days", "share", True, group=DELAY),
        _kpi(
            core_group_within_10wd,
            "First core groups within 10 working days",
            "share",
            True,
            group=DELAY,
        ),
        _kpi(rcpc_on_time, "Review conferences on time", "share", True, group=DELAY),
        _kpi(core_groups_on_time, "Later core groups on time", "share", True, group=DELAY),
        _kpi(
            transfer_notified_on_time,
            "Transfers out notified on time",
            "share",
            True,
            group=DELAY,
        ),
        _kpi(
            conference_postponed_share,
            "Conferences postponed at least once",
            "share",
            False,
            group=DELAY,
        ),
        _kpi(
            conference_without_report_share,
            "Conferences held without the worker's report",
            "share",
            False,
            group=DELAY,
        ),
        _kpi(
            reviews_brought_forward_per_year,
            "Review conferences brought forward",
            "per year",
            group=FLOW,
        ),
        _kpi(visits_on_time, "Due visits made on time", "share", True, headline=True, group=VISITS),
        _kpi(cpp_visits_on_time, "Due CPP visits made on time", "share", True, group=VISITS),
        _kpi(cin_visits_on_time, "Due CiN visits made on time", "share", True, group=VISITS),
        _kpi(
            visits_child_seen_alone,
            "Visits that saw the child alone",
            "share",
            True,
            group=VISITS,
        ),
        _kpi(
            cpp_longest_visit_gap_wd,
            "Longest gap between visits on a CPP",
            "working days",
            False,
            group=VISITS,
        ),
        _kpi(
            cpp_unseen_share,
            "CPP child-days unseen beyond the visit standard",
            "share",
            False,
            headline=True,
            group=VISITS,
        ),
        _kpi(drift_share, "Plan-days in drift", "share", False, headline=True, group=DRIFT),
        _kpi(
            contact_gap_share,
            "Plan-days long after the last contact",
            "share",
            False,
            group=DRIFT,
        ),
        _kpi(
            known_risk_no_action_days,
            "Known high-need days with no action, per child",
            "days per child",
            False,
            group=DRIFT,
        ),
        _kpi(unallocated_days_mean, "Days a case waits for a worker", "days", False, group=DELAY),
        _kpi(cases_unallocated_mean, "Open cases without a worker", "cases", False, group=DELAY),
        _kpi(
            unseen_risk_days_per_child,
            "Unseen high-need days per child (open and closed cases)",
            "days per child",
            False,
            headline=True,
            group=OUTCOMES,
        ),
        _kpi(
            unseen_high_need_days_open,
            "Unseen high-need days per child, open cases",
            "days per child",
            False,
            group=OUTCOMES,
        ),
        _kpi(
            unseen_high_need_days_closed,
            "Unseen high-need days per child, after closure",
            "days per child",
            False,
            group=OUTCOMES,
        ),
        _kpi(
            outside_information_acted_on,
            "Information from outside the household acted on",
            "share",
            True,
            group=OUTCOMES,
        ),
        _kpi(caseload_mean, "Mean caseload", "cases per worker", False, group=WORKFORCE),
        _kpi(
            turnover_rate,
            "Social worker turnover",
            "share a year",
            False,
            headline=True,
            group=WORKFORCE,
        ),
        _kpi(vacancy_rate, "Vacancy rate", "share", False, group=WORKFORCE),
        _kpi(agency_share, "Agency workers", "share", False, group=WORKFORCE),
        _kpi(
            manager_vacancy_rate,
            "Team manager posts without a manager",
            "share",
            False,
            group=WORKFORCE,
        ),
        _kpi(
            workers_per_child,
            "Social workers per CPP child in a year",
            "workers per child",
            False,
            headline=True,
            group=CHURN,
        ),
        _kpi(
            worker_changes_per_cpp,
            "Changes of social worker over a CPP",
            "changes per plan",
            False,
            group=CHURN,
        ),
        _kpi(
            worker_changes_per_cpp_year,
            "Changes of social worker per CPP year",
            "changes per child-year",
            False,
            group=CHURN,
        ),
        _kpi(
            team_caseload_spread,
            "Spread of caseloads between teams",
            "coefficient of variation",
            False,
            group=WORKFORCE,
        ),
        _kpi(
            handovers_per_case_year,
            "Handovers per case-year",
            "per case-year",
            False,
            group=CHURN,
        ),
        _kpi(manager_reviews_on_time, "Manager reviews on time", "share", True, group=CHURN),
        _kpi(caseload_p90, "90th percentile caseload", "cases per worker", False, group=WORKFORCE),
        _kpi(
            complaints_per_1000_referrals,
            "Complaints per 1,000 referrals",
            "per 1,000 referrals",
            False,
            headline=True,
            group=COMPLAINTS,
        ),
        _kpi(
            stage1_on_time,
            "Stage 1 complaint responses on time",
            "share",
            True,
            group=COMPLAINTS,
        ),
        _kpi(
            stage2_on_time,
            "Stage 2 complaint responses on time",
            "share",
            True,
            group=COMPLAINTS,
        ),
        _kpi(stage3_on_time, "Stage 3 reviews on time", "share", True, group=COMPLAINTS),
        _kpi(
            escalation_rate_1_2,
            "Stage 2 requests per stage 1 response",
            "per response",
            False,
            group=COMPLAINTS,
        ),
        _kpi(
            escalation_rate_2_3,
            "Stage 3 requests per stage 2 response",
            "per response",
            False,
            group=COMPLAINTS,
        ),
        _kpi(ombudsman_cases_per_year, "Ombudsman decisions", "per year", False, group=COMPLAINTS),
        _kpi(
            ombudsman_upheld_share,
            "Ombudsman decisions finding fault",
            "share",
            False,
            group=COMPLAINTS,
        ),
        _kpi(
            complaint_days_to_close_mean,
            "Days to close a complaint",
            "days",
            False,
            group=COMPLAINTS,
        ),
        _kpi(remedy_gbp_per_year, "Ombudsman remedies paid", "£ per year", False, group=COMPLAINTS),
        _kpi(
            complaint_actions_done_on_time,
            "Complaint actions done on time",
            "share",
            True,
            group=COMPLAINTS,
        ),
        _kpi(service_wait_days_mean, "Days waited for a service", "days", False, group=SERVICES),
        _kpi(
            service_waiting_mean,
            "Families waiting for a service",
            "families",
            False,
            group=SERVICES,
        ),
        _kpi(
            high_need_rated_low_share,
            "High-need children rated low priority at the front door",
            "share",
            False,
            group=OUTCOMES,
        ),
    )
}
"""Every KPI, in the order of kpis.csv's columns."""

HEADLINE_KPIS: tuple[str, ...] = tuple(name for name, k in KPIS.items() if k.headline)
"""The KPIs sweeps compare and the explorer shows first."""


def compute_kpis(rec: Recorder) -> dict[str, float]:
    """Every KPI of one replication."""
    return {name: kpi.compute(rec) for name, kpi in KPIS.items()}
