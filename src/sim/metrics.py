"""The recorder (``on_*`` hooks the processes call) and every KPI definition.

Processes only report what happened; nothing outside this module computes a KPI. Each
KPI is a function of the recorded events, counted only after the warm-up (events whose
day falls in the measured window ``[warmup_day, end_day)``), and is documented with its
formula in docs/kpis.md. Times are simulation days; ``_wd`` values are working-day indices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DAYS_PER_YEAR = 365.25


@dataclass
class WeekRecord:
    """Stocks at the start of a week and flows and day-counts during it."""

    day: int
    stocks: dict[str, float]
    flows: dict[str, float] = field(default_factory=dict)


@dataclass
class Recorder:
    """Collects events from one replication.

    Args:
        warmup_day: First day of the measured window.
        end_day: Day the run ends (exclusive).

    """

    warmup_day: float
    end_day: float
    referrals: list[tuple[float, int, bool, bool]] = field(default_factory=list)
    front_door: list[tuple[float, float, bool, str]] = field(default_factory=list)
    episodes: list[dict[str, Any]] = field(default_factory=list)
    icpcs: list[tuple[float, bool]] = field(default_factory=list)
    rcpcs: list[tuple[float, bool]] = field(default_factory=list)
    visits_due: list[tuple[float, bool, str]] = field(default_factory=list)
    first_core_groups: list[tuple[float, bool]] = field(default_factory=list)
    allocations: list[tuple[float, float]] = field(default_factory=list)
    closures: list[tuple[float, float]] = field(default_factory=list)
    leavers: list[tuple[float, str]] = field(default_factory=list)
    handovers: list[float] = field(default_factory=list)
    manager_reviews_due: list[tuple[float, bool]] = field(default_factory=list)
    worker_log: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    complaints: list[tuple[float, str, str]] = field(default_factory=list)
    complaint_stages: list[tuple[str, int, float, float, bool, bool]] = field(default_factory=list)
    ombudsman: list[tuple[float, float, bool, float]] = field(default_factory=list)
    complaints_closed: list[tuple[float, float]] = field(default_factory=list)
    complaint_actions: list[tuple[float, bool]] = field(default_factory=list)
    weeks: list[WeekRecord] = field(default_factory=list)
    unseen_risk_days: float = 0.0
    open_children: set[int] = field(default_factory=set)
    _open_episodes: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    _week: WeekRecord | None = None

    def in_window(self, day: float) -> bool:
        """Whether ``day`` is in the measured window."""
        return self.warmup_day <= day < self.end_day

    # -- hooks: the pathway -------------------------------------------------------------
    def on_referral(self, day: float, child_id: int, previous_day: float | None) -> None:
        """A referral arrives (``previous_day``: the child's last referral, if any).

        Records ``(day, child_id, within_12m, first)``.
        """
        within_12m = previous_day is not None and day - previous_day <= 365.0
        self.referrals.append((day, child_id, within_12m, previous_day is None))
        self._count("referrals")

    def on_front_door(self, referral_day: float, day: float, on_time: bool, outcome: str) -> None:
        """The front door decides on a referral."""
        self.front_door.append((referral_day, day, on_time, outcome))

    def on_episode_start(
        self, child_id: int, kind: str, day: float, due_day: float | None = None
    ) -> None:
        """An assessment, section 47, CPP or CiN episode starts."""
        episode = {
            "child_id": child_id,
            "kind": kind,
            "start_day": day,
            "end_day": None,
            "due_day": due_day,
            "outcome": "",
        }
        self._open_episodes[(child_id, kind)] = episode
        self.episodes.append(episode)
        self._count(f"{kind}_started")

    def on_episode_end(self, child_id: int, kind: str, day: float, outcome: str) -> None:
        """An episode ends with ``outcome``."""
        episode = self._open_episodes.pop((child_id, kind))
        episode["end_day"] = day
        episode["outcome"] = outcome
        self._count(f"{kind}_ended")

    def on_icpc(self, day: float, on_time: bool) -> None:
        """An initial child protection conference is held."""
        self.icpcs.append((day, on_time))
        self._count("icpc_held")

    def on_rcpc(self, day: float, on_time: bool) -> None:
        """A review child protection conference is held."""
        self.rcpcs.append((day, on_time))

    def on_visit_due(self, due_day: float, on_time: bool, kind: str) -> None:
        """A statutory visit fell due; ``on_time`` says whether it was made by then."""
        self.visits_due.append((due_day, on_time, kind))
        self._count("visits_due")
        if on_time:
            self._count("visits_on_time")

    def on_first_core_group_due(self, due_day: float, on_time: bool) -> None:
        """The first core group of a CPP fell due."""
        self.first_core_groups.append((due_day, on_time))

    def on_allocated(self, child_id: int, worker_id: int, requested_day: float, day: float) -> None:
        """A case waiting for a worker got one (``requested_day`` = when it started waiting)."""
        self.allocations.append((requested_day, day))
        self.worker_log.setdefault(child_id, []).append((day, worker_id))

    def on_hire(self, day: float, kind: str) -> None:
        """A worker (permanent or agency) started."""
        self._count(f"{kind}_starters")

    def on_leaver(self, day: float, kind: str) -> None:
        """A worker (permanent or agency) left."""
        self.leavers.append((day, kind))
        self._count(f"{kind}_leavers")

    def on_handover(self, day: float, child_id: int) -> None:
        """A leaver's case had to move to another worker."""
        self.handovers.append(day)
        self._count("handovers")

    def on_no_access(self, wd: int) -> None:
        """A visit got no access: the family did not let the worker in."""
        self._count("no_access_visits")

    def on_complaint(self, day: float, child_id: int, procedure: str, complainant: str) -> None:
        """A complaint is received (stage 1 of its procedure starts)."""
        self.complaints.append((day, procedure, complainant))
        self._count("complaints")

    def on_complaint_stage(
        self,
        procedure: str,
        stage: int,
        request_day: float,
        day: float,
        on_time: bool,
        upheld: bool,
    ) -> None:
        """A complaint stage ends with the council's response on ``day``."""
        self.complaint_stages.append((procedure, stage, request_day, day, on_time, upheld))

    def on_ombudsman(
        self, referred_day: float, day: float, upheld: bool, remedy_gbp: float
    ) -> None:
        """The Ombudsman decides a complaint referred on ``referred_day``."""
        self.ombudsman.append((referred_day, day, upheld, remedy_gbp))

    def on_complaint_closed(self, received_day: float, day: float) -> None:
        """A complaint's last step (local or Ombudsman) is over."""
        self.complaints_closed.append((received_day, day))

    def on_complaint_action(self, due_day: float, on_time: bool) -> None:
        """An action agreed in a complaint fell due; ``on_time``: done by then."""
        self.complaint_actions.append((due_day, on_time))

    def on_manager_review_due(self, due_day: float, on_time: bool) -> None:
        """A four-weekly manager case review fell due; ``on_time``: done by then."""
        self.manager_reviews_due.append((due_day, on_time))
        self._count("manager_reviews_due")
        if not on_time:
            self._count("manager_reviews_skipped")

    def on_closure(self, day: float, need: float) -> None:
        """A case closes with the child's latent need at that moment."""
        self.closures.append((day, need))

    # -- hooks: the working week --------------------------------------------------------
    def on_week_start(self, day: int, stocks: dict[str, float]) -> None:
        """A working week starts with these stocks."""
        self._week = WeekRecord(day=day, stocks=stocks)
        self.weeks.append(self._week)

    def on_week_days(self, **day_counts: float) -> None:
        """Add child-day counts measured during the current week (e.g. drift days)."""
        for key, value in day_counts.items():
            self._count(key, value)

    def on_unseen_risk(self, child_id: int, days: float, day: float) -> None:
        """A child spent ``days`` at high need without the service knowing."""
        if self.in_window(day):
            self.unseen_risk_days += days

    def on_open_cases_week(self, day: float, child_ids: list[int]) -> None:
        """These children had an open case during the week starting ``day``."""
        if self.in_window(day):
            self.open_children.update(child_ids)

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
    """Mean calendar days a case waited for a worker (0 when allocated at once)."""
    waits = [d - r for r, d in rec.allocations if rec.in_window(d)]
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
    """Mean calendar days from receipt to the last step of complaints closed in the window."""
    days = [d - r for r, d in rec.complaints_closed if rec.in_window(d)]
    return float(np.mean(days)) if days else math.nan


def remedy_gbp_per_year(rec: Recorder) -> float:
    """Remedies paid after Ombudsman decisions, pounds per measured year."""
    return sum(g for _, d, _, g in rec.ombudsman if rec.in_window(d)) / _measured_years(rec)


def complaint_actions_done_on_time(rec: Recorder) -> float:
    """Share of actions agreed in complaints done by their due date."""
    return _share([ok for d, ok in rec.complaint_actions if rec.in_window(d)])


KPIS: dict[str, Callable[[Recorder], float]] = {
    f.__name__: f
    for f in (
        referrals_per_year,
        assessments_per_year,
        s47_per_year,
        icpc_per_year,
        cpp_starts_per_year,
        cpp_open_mean,
        cin_open_mean,
        rereferral_12m_rate,
        front_door_within_1wd,
        assessment_within_45wd,
        icpc_within_15wd,
        core_group_within_10wd,
        rcpc_on_time,
        visits_on_time,
        cpp_unseen_share,
        drift_share,
        unallocated_days_mean,
        unseen_risk_days_per_child,
        caseload_mean,
        turnover_rate,
        vacancy_rate,
        agency_share,
        workers_per_child,
        handovers_per_case_year,
        manager_reviews_on_time,
        caseload_p90,
        complaints_per_1000_referrals,
        stage1_on_time,
        stage2_on_time,
        stage3_on_time,
        escalation_rate_1_2,
        escalation_rate_2_3,
        ombudsman_cases_per_year,
        ombudsman_upheld_share,
        complaint_days_to_close_mean,
        remedy_gbp_per_year,
        complaint_actions_done_on_time,
    )
}


def compute_kpis(rec: Recorder) -> dict[str, float]:
    """Every KPI of one replication."""
    return {name: fn(rec) for name, fn in KPIS.items()}
