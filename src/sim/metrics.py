"""The recorder (a subscriber to the model's event stream) and every KPI definition.

Processes only emit records of what happened (events.py); nothing outside this module
computes a measure. Each
KPI is a function of the recorded events, counted only after the warm-up (events whose
day falls in the measured window ``[warmup_day, end_day)``), and is documented with its
formula in docs/kpis.md. Times are simulation days; ``_wd`` values are working-day indices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from sim import events as ev
from sim.entities import Child, State

if TYPE_CHECKING:
    from sim.config import Config
    from sim.model import Model

DAYS_PER_YEAR = 365.25
_CPP: Final = State.CPP
_CIN: Final = State.CIN


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
    days, CPP days unseen beyond the visit standard and unseen-risk days, in the same
    loop as the weekly accounting. Records still open at the end (episodes, waits for a
    worker, complaints) are kept and flagged as censored, not dropped.

    Args:
        warmup_day: First day of the measured window.
        end_day: Day the run ends (exclusive).
        standards: The thresholds the week's measures use (:class:`Standards`).

    """

    def __init__(self, warmup_day: float, end_day: float, standards: Standards) -> None:
        self.warmup_day = warmup_day
        self.end_day = end_day
        self.standards = standards
        self.referrals: list[tuple[float, int, bool, bool]] = []
        self.front_door: list[tuple[float, float, bool, str]] = []
        self.episodes: list[dict[str, Any]] = []
        self.icpcs: list[tuple[float, bool]] = []
        self.rcpcs: list[tuple[float, bool]] = []
        self.visits_due: list[tuple[float, bool, str]] = []
        self.first_core_groups: list[tuple[float, bool]] = []
        self.allocations: list[tuple[float, float]] = []
        self.waiting_at_end: list[float] = []
        self.closures: list[tuple[float, float]] = []
        self.leavers: list[tuple[float, str]] = []
        self.handovers: list[float] = []
        self.manager_reviews_due: list[tuple[float, bool]] = []
        self.worker_log: dict[int, list[tuple[float, int]]] = {}
        self.complaints: list[tuple[float, str, str]] = []
        self.complaint_stages: list[tuple[str, int, float, float, bool, bool]] = []
        self.ombudsman: list[tuple[float, float, bool, float]] = []
        self.complaints_closed: list[tuple[float, float]] = []
        self.complaints_open_at_end: list[float] = []
        self.complaint_actions: list[tuple[float, bool]] = []
        self.weeks: list[WeekRecord] = []
        self.unseen_risk_days = 0.0
        self.open_children: set[Child] = set()  # every child with an open case in the window
        self._open_episodes: dict[tuple[int, str], dict[str, Any]] = {}
        self._week: WeekRecord | None = None
        self._week_in_window = False

    @classmethod
    def attach(cls, model: Model) -> Recorder:
        """A recorder subscribed to ``model``'s events (before the model runs)."""
        rec = cls(model.warmup_day, model.end_day, Standards.from_config(model.cfg))
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
            ev.Closed: self._closed,
            ev.VisitNoAccess: self._no_access,
            ev.VisitFellDue: self._visit_due,
            ev.FirstCoreGroupFellDue: self._first_core_group_due,
            ev.ManagerReviewFellDue: self._manager_review_due,
            ev.WeekStarted: self._week_started,
            ev.WorkerStarted: self._worker_started,
            ev.WorkerLeft: self._worker_left,
            ev.CaseHandedOver: self._handed_over,
            ev.WorkerAllocated: self._allocated,
            ev.StillWaiting: self._still_waiting,
            ev.ComplaintReceived: self._complaint,
            ev.ComplaintStageAnswered: self._complaint_stage,
            ev.OmbudsmanDecided: self._ombudsman,
            ev.ComplaintClosed: self._complaint_closed,
            ev.ComplaintOpenAtEnd: self._complaint_open_at_end,
            ev.ComplaintActionFellDue: self._complaint_action,
        }

    def in_window(self, day: float) -> bool:
        """Whether ``day`` is in the measured window."""
        return self.warmup_day <= day < self.end_day

    # -- the pathway ----------------------------------------------------------------------
    def _referred(self, r: ev.Referred) -> None:
        """Records ``(day, child, within_12m, first)``; history before the run is not counted."""
        if r.before_run:
            return
        previous = r.previous_day
        within_12m = previous is not None and r.day - previous <= 365.0
        self.referrals.append((r.day, r.child, within_12m, previous is None))
        self._count("referrals")

    def _front_door(self, r: ev.FrontDoorDecided) -> None:
        self.front_door.append((r.referral_day, r.day, r.on_time, r.outcome))

    def _episode_started(self, r: ev.EpisodeStarted) -> None:
        episode = {
            "child_id": r.child,
            "kind": r.kind,
            "start_day": r.day,
            "end_day": None,
            "due_day": r.due_day,
            "outcome": "",
        }
        self._open_episodes[(r.child, r.kind)] = episode
        self.episodes.append(episode)
        self._count(f"{r.kind}_started")

    def _episode_ended(self, r: ev.EpisodeEnded) -> None:
        episode = self._open_episodes.pop((r.child, r.kind))
        episode["end_day"] = r.day
        episode["outcome"] = r.outcome
        self._count(f"{r.kind}_ended")

    def _conference(self, r: ev.ConferenceHeld) -> None:
        if r.kind == "icpc":
            self.icpcs.append((r.day, r.on_time))
            self._count("icpc_held")
        else:
            self.rcpcs.append((r.day, r.on_time))

    def _closed(self, r: ev.Closed) -> None:
        if not r.before_run:
            self.closures.append((r.day, r.need))

    # -- the working week -----------------------------------------------------------------
    def _no_access(self, r: ev.VisitNoAccess) -> None:
        self._count("no_access_visits")

    def _visit_due(self, r: ev.VisitFellDue) -> None:
        on_time = r.seen_day is not None and r.seen_day <= r.due_day
        self.visits_due.append((r.due_day, on_time, r.plan))
        self._count("visits_due")
        if on_time:
            self._count("visits_on_time")

    def _first_core_group_due(self, r: ev.FirstCoreGroupFellDue) -> None:
        held = r.held_day
        self.first_core_groups.append((r.due_day, held is not None and held <= r.due_day))

    def _manager_review_due(self, r: ev.ManagerReviewFellDue) -> None:
        self.manager_reviews_due.append((r.due_day, r.on_time))
        self._count("manager_reviews_due")
        if not r.on_time:
            self._count("manager_reviews_skipped")

    def _week_started(self, r: ev.WeekStarted) -> None:
        self._week = WeekRecord(day=int(r.day), stocks=dict(r.stocks))
        self._week_in_window = self.in_window(r.day)
        self.weeks.append(self._week)

    def measure_week(self, children: list[Child], w0: int, w1: int) -> None:
        """Measure the open cases' week (working days ``w0..w1``) before it is accounted.

        Unseen risk: a week at high need the service does not know of. Drift: plan days
        more than ``drift_threshold_wd`` working days after the last purposeful progress.
        CPP unseen days: plan days more than the visit interval after the child was last
        seen. A day counts from the plan's start (``plan_start_wd``) on. The totals go to
        the week's flows (timeseries.csv) and the KPIs read them from there.
        """
        s = self.standards
        high, limit, interval = s.high_need, s.drift_threshold_wd, s.cpp_visit_interval_wd
        in_window = self._week_in_window
        unseen_risk_weeks = plan_days = drift_days = cpp_days = cpp_unseen_days = 0
        for child in children:
            if child.need >= high and child.perceived_need < high:
                unseen_risk_weeks += 1
            state = child.state
            if state is not _CPP and state is not _CIN:
                continue
            a = max(w0, child.plan_start_wd)
            days = w1 - a + 1
            plan_days += days
            last_progress = child.last_progress_wd
            progress_wd = child.week_progress_wd
            # (no day is beyond a limit when the last events are recent: skip the sums)
            if w1 - last_progress > limit or (progress_wd is not None and w1 - progress_wd > limit):
                drift_days += days_beyond(last_progress, progress_wd, a, w1, limit)
            if state is _CPP:
                cpp_days += days
                last_seen = child.last_seen_wd
                visit_wd = child.week_visit_wd
                if w1 - last_seen > interval or (visit_wd is not None and w1 - visit_wd > interval):
                    cpp_unseen_days += days_beyond(last_seen, visit_wd, a, w1, interval)
        if in_window:
            self.unseen_risk_days += 7.0 * unseen_risk_weeks
            self.open_children.update(children)
        self._count("plan_days", plan_days)
        self._count("drift_days", drift_days)
        self._count("cpp_days", cpp_days)
        self._count("cpp_unseen_days", cpp_unseen_days)

    # -- the workforce --------------------------------------------------------------------
    def _worker_started(self, r: ev.WorkerStarted) -> None:
        self._count(f"{r.kind}_starters")

    def _worker_left(self, r: ev.WorkerLeft) -> None:
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

    def _count(self, key: str, value: float = 1.0) -> None:
        week = self._week
        if week is not None:
            flows = week.flows
            flows[key] = flows.get(key, 0.0) + value

    def close(self) -> None:
        """Mark episodes still open at the end as censored."""
        for episode in self._open_episodes.values():
            episode["censored"] = True
        for episode in self.episodes:
            episode.setdefault("censored", False)


@dataclass(frozen=True)
class Standards:
    """The thresholds the weekly measures use, read once from the configuration."""

    high_need: float
    drift_threshold_wd: int
    cpp_visit_interval_wd: int

    @classmethod
    def from_config(cls, cfg: Config) -> Standards:
        """The standards of ``cfg``."""
        return cls(
            high_need=cfg.need.high_threshold,
            drift_threshold_wd=cfg.pathway.drift_threshold_wd,
            cpp_visit_interval_wd=cfg.pathway.cpp_visit_interval_wd,
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


def _day_ratio(rec: Recorder, numerator: str, denominator: str) -> float:
    weeks = _window_weeks(rec)
    den = sum(w.flows.get(denominator, 0.0) for w in weeks)
    return sum(w.flows.get(numerator, 0.0) for w in weeks) / den if den else math.nan


def referrals_per_year(rec: Recorder) -> float:
    """Referrals (first and repeat) received per measured year."""
    return _per_year(rec, [r[0] for r in rec.referrals])


def assessments_per_year(rec: Recorder) -> float:
    """Assessments completed per measured year."""
    return _per_year(
        rec,
        [
            e["end_day"]
            for e in rec.episodes
            if e["kind"] == "assessment" and e["end_day"] is not None
        ],
    )


def s47_per_year(rec: Recorder) -> float:
    """Section 47 enquiries started per measured year."""
    return _per_year(rec, _episode_starts(rec, "s47"))


def icpc_per_year(rec: Recorder) -> float:
    """Initial child protection conferences held per measured year."""
    return _per_year(rec, [d for d, _ in rec.icpcs])


def cpp_starts_per_year(rec: Recorder) -> float:
    """Child protection plans started per measured year."""
    return _per_year(rec, _episode_starts(rec, "cpp"))


def cpp_open_mean(rec: Recorder) -> float:
    """Mean number of children on a CPP at the weekly snapshots."""
    return _stock_mean(rec, "cpp_open")


def cin_open_mean(rec: Recorder) -> float:
    """Mean number of children on a CiN plan at the weekly snapshots."""
    return _stock_mean(rec, "cin_open")


def rereferral_12m_rate(rec: Recorder) -> float:
    """Share of referrals of a child referred within the previous 12 months."""
    return _share([r[2] for r in rec.referrals if rec.in_window(r[0])])


def front_door_within_1wd(rec: Recorder) -> float:
    """Share of front-door decisions made within 1 working day of the referral."""
    return _share([f[2] for f in rec.front_door if rec.in_window(f[1])])


def assessment_within_45wd(rec: Recorder) -> float:
    """Share of completed assessments completed within 45 WD of the referral."""
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
    """Share of ICPCs held within 15 WD of the strategy discussion."""
    return _share([ok for d, ok in rec.icpcs if rec.in_window(d)])


def core_group_within_10wd(rec: Recorder) -> float:
    """Share of first core groups held within 10 WD of the ICPC (by due date)."""
    return _share([ok for d, ok in rec.first_core_groups if rec.in_window(d)])


def rcpc_on_time(rec: Recorder) -> float:
    """Share of review conferences held by their due date (3 months, then 6)."""
    return _share([ok for d, ok in rec.rcpcs if rec.in_window(d)])


def visits_on_time(rec: Recorder) -> float:
    """Share of due statutory visits (CPP and CiN) made by their due date."""
    return _share([ok for d, ok, _ in rec.visits_due if rec.in_window(d)])


def cpp_unseen_share(rec: Recorder) -> float:
    """Share of CPP child-working-days on which the child was not seen within the standard."""
    return _day_ratio(rec, "cpp_unseen_days", "cpp_days")


def drift_share(rec: Recorder) -> float:
    """Share of plan-case working days with no purposeful progress beyond the threshold."""
    return _day_ratio(rec, "drift_days", "plan_days")


def unallocated_days_mean(rec: Recorder) -> float:
    """Mean calendar days a case waited for a worker (0 when allocated at once).

    Over waits that ended in the measured window and waits still going at the end
    (censored at the end day, so long waits are not left out).
    """
    waits = [d - r for r, d in rec.allocations if rec.in_window(d)]
    waits += [rec.end_day - r for r in rec.waiting_at_end]
    return float(np.mean(waits)) if waits else math.nan


def unseen_risk_days_per_child(rec: Recorder) -> float:
    """Days at high need unknown to the service, per child with an open case."""
    n = len(rec.open_children)
    return rec.unseen_risk_days / n if n else math.nan


def caseload_mean(rec: Recorder) -> float:
    """Mean open cases per social worker at the weekly snapshots."""
    return _stock_mean(rec, "caseload_mean")


def _window_flow(rec: Recorder, key: str) -> float:
    return sum(w.flows.get(key, 0.0) for w in _window_weeks(rec))


def turnover_rate(rec: Recorder) -> float:
    """Permanent leavers per year / mean permanent workers in post (CSWW definition)."""
    in_post = _stock_mean(rec, "permanent")
    leavers = sum(1 for d, kind in rec.leavers if kind == "permanent" and rec.in_window(d))
    return leavers / _measured_years(rec) / in_post if in_post else math.nan


def vacancy_rate(rec: Recorder) -> float:
    """Mean share of posts without a permanent worker (agency-covered posts are vacant)."""
    weeks = _window_weeks(rec)
    posts = sum(w.stocks["posts"] for w in weeks)
    return sum(w.stocks["vacant_posts"] for w in weeks) / posts if posts else math.nan


def agency_share(rec: Recorder) -> float:
    """Mean share of agency workers among all workers in post."""
    weeks = _window_weeks(rec)
    workers = sum(w.stocks["permanent"] + w.stocks["agency"] for w in weeks)
    return sum(w.stocks["agency"] for w in weeks) / workers if workers else math.nan


def workers_per_child(rec: Recorder) -> float:
    """Distinct social workers a CPP child has in the year from the plan's start.

    Over CPP episodes starting in the measured window at least a year before the end:
    the worker holding the case at the start plus every worker allocated in that year.
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


def handovers_per_case_year(rec: Recorder) -> float:
    """Cases moved because their worker left, per open case-year."""
    weeks = _window_weeks(rec)
    case_years = sum(w.stocks["open_cases"] for w in weeks) * 7.0 / DAYS_PER_YEAR
    return _window_flow(rec, "handovers") / case_years if case_years else math.nan


def manager_reviews_on_time(rec: Recorder) -> float:
    """Share of four-weekly manager case reviews done by their due date."""
    return _share([ok for d, ok in rec.manager_reviews_due if rec.in_window(d)])


def caseload_p90(rec: Recorder) -> float:
    """90th percentile of caseloads across workers, averaged over weekly snapshots."""
    return _stock_mean(rec, "caseload_p90")


def complaints_per_1000_referrals(rec: Recorder) -> float:
    """Complaints received per 1,000 referrals received in the window."""
    referrals = sum(1 for r in rec.referrals if rec.in_window(r[0]))
    received = sum(1 for d, _, _ in rec.complaints if rec.in_window(d))
    return 1000.0 * received / referrals if referrals else math.nan


def _stage_on_time(rec: Recorder, stage: int) -> float:
    return _share(
        [ok for _, s, _, d, ok, _ in rec.complaint_stages if s == stage and rec.in_window(d)]
    )


def stage1_on_time(rec: Recorder) -> float:
    """Share of stage 1 responses (both procedures) within their deadline."""
    return _stage_on_time(rec, 1)


def stage2_on_time(rec: Recorder) -> float:
    """Share of stage 2 responses (both procedures) within their deadline."""
    return _stage_on_time(rec, 2)


def stage3_on_time(rec: Recorder) -> float:
    """Share of stage 3 reviews with panel, report and response all within their limits."""
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
    """Stage 2 requests per stage 1 response (both procedures), in the window."""
    return _escalation(rec, 1)


def escalation_rate_2_3(rec: Recorder) -> float:
    """Stage 3 requests per statutory stage 2 response, in the window."""
    return _escalation(rec, 2)


def ombudsman_cases_per_year(rec: Recorder) -> float:
    """Complaints the Ombudsman decided per measured year."""
    return _per_year(rec, [d for _, d, _, _ in rec.ombudsman])


def ombudsman_upheld_share(rec: Recorder) -> float:
    """Share of Ombudsman decisions finding fault."""
    return _share([up for _, d, up, _ in rec.ombudsman if rec.in_window(d)])


def complaint_days_to_close_mean(rec: Recorder) -> float:
    """Mean calendar days from receipt to the last step of a complaint.

    Over complaints closed in the measured window and complaints still open at the end
    (censored at the end day, so slow complaints are not left out).
    """
    days = [d - r for r, d in rec.complaints_closed if rec.in_window(d)]
    days += [rec.end_day - r for r in rec.complaints_open_at_end]
    return float(np.mean(days)) if days else math.nan


def remedy_gbp_per_year(rec: Recorder) -> float:
    """Remedies paid after Ombudsman decisions, pounds per measured year."""
    return sum(g for _, d, _, g in rec.ombudsman if rec.in_window(d)) / _measured_years(rec)


def complaint_actions_done_on_time(rec: Recorder) -> float:
    """Share of actions agreed in complaints done by their due date."""
    return _share([ok for d, ok in rec.complaint_actions if rec.in_window(d)])


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

    """

    name: str
    compute: Callable[[Recorder], float]
    label: str
    unit: str
    scale: float = 1.0
    display_unit: str = ""
    higher_is_better: bool | None = None
    headline: bool = False

    @property
    def definition(self) -> str:
        """The formula in words (the compute function's docstring)."""
        return " ".join((self.compute.__doc__ or "").split())

    @property
    def difference_unit(self) -> str:
        """The unit of a difference between two scaled values (shares: percentage points)."""
        return "percentage points" if self.display_unit == "%" else self.display_unit

    def axis_label(self) -> str:
        """``label (display unit)`` for a figure's axis."""
        return f"{self.label} ({self.display_unit})" if self.display_unit else self.label


def _kpi(
    compute: Callable[[Recorder], float],
    label: str,
    unit: str,
    better: bool | None = None,
    headline: bool = False,
) -> KPI:
    """A KPI; shares are shown in % (scale 100), everything else in its own unit."""
    share = unit == "share"
    return KPI(
        name=compute.__name__,
        compute=compute,
        label=label,
        unit=unit,
        scale=100.0 if share else 1.0,
        display_unit="%" if share else unit,
        higher_is_better=better,
        headline=headline,
    )


KPIS: dict[str, KPI] = {
    k.name: k
    for k in (
        _kpi(referrals_per_year, "Referrals received", "per year"),
        _kpi(assessments_per_year, "Assessments completed", "per year"),
        _kpi(s47_per_year, "Section 47 enquiries started", "per year"),
        _kpi(icpc_per_year, "Initial child protection conferences", "per year"),
        _kpi(cpp_starts_per_year, "Child protection plans started", "per year"),
        _kpi(cpp_open_mean, "Children on a child protection plan", "children"),
        _kpi(cin_open_mean, "Children on a child in need plan", "children"),
        _kpi(rereferral_12m_rate, "Re-referrals within 12 months", "share", False),
        _kpi(front_door_within_1wd, "Front-door decisions within 1 working day", "share", True),
        _kpi(assessment_within_45wd, "Assessments within 45 working days", "share", True),
        _kpi(icpc_within_15wd, "ICPCs within 15 working days", "share", True),
        _kpi(core_group_within_10wd, "First core groups within 10 working days", "share", True),
        _kpi(rcpc_on_time, "Review conferences on time", "share", True),
        _kpi(visits_on_time, "Due visits made on time", "share", True, headline=True),
        _kpi(
            cpp_unseen_share,
            "CPP child-days unseen beyond the visit standard",
            "share",
            False,
            headline=True,
        ),
        _kpi(drift_share, "Plan-days in drift", "share", False, headline=True),
        _kpi(unallocated_days_mean, "Days a case waits for a worker", "days", False),
        _kpi(
            unseen_risk_days_per_child,
            "Unseen-risk days per child",
            "days per child",
            False,
            headline=True,
        ),
        _kpi(caseload_mean, "Mean caseload", "cases per worker", False),
        _kpi(turnover_rate, "Social worker turnover", "share", False, headline=True),
        _kpi(vacancy_rate, "Vacancy rate", "share", False),
        _kpi(agency_share, "Agency workers", "share", False),
        _kpi(
            workers_per_child,
            "Social workers per CPP child in a year",
            "workers per child",
            False,
            headline=True,
        ),
        _kpi(handovers_per_case_year, "Handovers per case-year", "per case-year", False),
        _kpi(manager_reviews_on_time, "Manager reviews on time", "share", True),
        _kpi(caseload_p90, "90th percentile caseload", "cases per worker", False),
        _kpi(
            complaints_per_1000_referrals,
            "Complaints per 1,000 referrals",
            "per 1,000 referrals",
            False,
            headline=True,
        ),
        _kpi(stage1_on_time, "Stage 1 complaint responses on time", "share", True),
        _kpi(stage2_on_time, "Stage 2 complaint responses on time", "share", True),
        _kpi(stage3_on_time, "Stage 3 reviews on time", "share", True),
        _kpi(escalation_rate_1_2, "Complaints escalated from stage 1 to 2", "share", False),
        _kpi(escalation_rate_2_3, "Complaints escalated from stage 2 to 3", "share", False),
        _kpi(ombudsman_cases_per_year, "Ombudsman decisions", "per year", False),
        _kpi(ombudsman_upheld_share, "Ombudsman decisions finding fault", "share", False),
        _kpi(complaint_days_to_close_mean, "Days to close a complaint", "days", False),
        _kpi(remedy_gbp_per_year, "Ombudsman remedies paid", "£ per year", False),
        _kpi(complaint_actions_done_on_time, "Complaint actions done on time", "share", True),
    )
}
"""Every KPI, in the order of kpis.csv's columns."""

HEADLINE_KPIS: tuple[str, ...] = tuple(name for name, k in KPIS.items() if k.headline)
"""The KPIs sweeps compare and the explorer shows first."""


def compute_kpis(rec: Recorder) -> dict[str, float]:
    """Every KPI of one replication."""
    return {name: kpi.compute(rec) for name, kpi in KPIS.items()}
