"""The rules: each check that reads a chronology against the standards and records findings.

``audit`` runs every check (late front-door decisions, assessments and conferences, late
transfers to another authority, visit gaps and months without a visit, core groups, manager reviews, changes of worker,
complaint stages) and returns the findings in ``FINDING_KINDS`` order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sim.calendar import WorkingCalendar
from sim.case_events import CaseEvent
from sim.teaching.audit.files import Chronology, Entry, Window, describe_dates, month_end
from sim.teaching.audit.findings import FINDING_KINDS, Citation, Finding
from sim.teaching.audit.standards import effective_standards


def _cite(entry: Entry) -> Citation:
    return Citation(entry.row, entry.date, entry.name, entry.when)


NOUNS = {
    "referral": "the referral",
    "front_door_decision": "the front-door decision",
    "assessment_start": "the assessment start",
    "assessment_end": "the assessment end",
    "strategy_discussion": "the strategy discussion",
    "s47_start": "the section 47 start",
    "s47_end": "the section 47 end",
    "icpc": "the ICPC",
    "rcpc": "the review conference",
    "cpp_start": "the CPP start",
    "cpp_end": "the CPP end",
    "cin_start": "the CiN plan start",
    "cin_end": "the CiN plan end",
    "visit": "the visit",
    "core_group": "the core group",
    "no_access": "the attempted visit",
    "worker_change": "the allocation",
    "manager_review": "the manager review",
    "complaint": "the complaint",
    "stage1_request": "the stage 1 request",
    "stage1_response": "the stage 1 response",
    "stage2_request": "the stage 2 request",
    "stage2_response": "the stage 2 response",
    "stage3_request": "the stage 3 request",
    "stage3_panel": "the stage 3 panel",
    "stage3_response": "the council's response to the panel",
    "closure": "the closure",
    "step_down": "the step-down",
    "family_moved": "the family's move",
    "transfer_notified": "the notification of the new authority",
    "transfer_out": "the transfer out",
    "transfer_in": "the notification of the transfer in",
    "transfer_in_conference": "the transfer-in conference",
    "care": "the child coming into care",
}


@dataclass(frozen=True)
class _Point:
    """An end of an interval: an event (with its date range) or a fixed date."""

    day: date
    lo: date
    hi: date
    label: str
    entry: Entry | None = None
    index: int = -1


CPP_ENDS = frozenset({"cpp_end", "closure", "transfer_out", "care", "step_down", "cpp_start"})
CIN_ENDS = frozenset(
    {"cin_end", "cpp_start", "closure", "transfer_out", "care", "step_down", "cin_start"}
)
CASE_OPENS = frozenset({"worker_change", "cin_start", "cpp_start"})
CASE_CLOSES = frozenset({"closure", "transfer_out", "care", "step_down"})
LATER_STEPS = frozenset(
    {
        "assessment_start",
        "strategy_discussion",
        "s47_start",
        "icpc",
        "cpp_start",
        "cin_start",
        "closure",
        "step_down",
        "transfer_out",
        "care",
    }
)
"""Pathway steps after a referral: one with no front-door decision before it is not timed."""
ONGOING_MARK = "already in place"
"""In a ``cpp_start`` or ``cin_start`` detail: the plan began before the record does.

The event then marks where the record of the plan starts, not the plan itself, so the
first review conference and core group are timed at the later intervals
(``rcpc_interval_months``, ``core_group_interval_wd``). The model's plans in place on
day 0 say so (processes/plans.py ONGOING_TEXT).
"""
VISIT_STANDARD = {"CPP": "cpp_visit_interval_wd", "CiN plan": "cin_visit_interval_wd"}
"""The visit standard of each kind of plan."""
GAP_RECORDS = {
    "visit_gap": "visit",
    "month_without_visit": "visit",
    "core_group_gap": "core_group",
    "lapsed_manager_review": "manager_review",
}
"""Checks that rest on something not happening, and the event type each needs in full."""


class _Auditor:
    """Runs every check over one chronology with one set of standards."""

    def __init__(self, chron: Chronology, standards: Mapping[str, int]) -> None:
        self.c = chron
        self.s = standards
        self.entries = chron.entries
        dates = [d for e in self.entries for d in (e.earliest, e.latest)]
        for w in (chron.complete_records or {}).values():
            dates += [w.start, w.end]
        lo, hi = min(dates), max(dates)
        self.cal = WorkingCalendar(lo - timedelta(days=7), (hi - lo).days + 14)
        self.start = min(e.date for e in self.entries)
        self.end = max(e.date for e in self.entries)
        self.findings: list[Finding] = []

    # -- helpers ------------------------------------------------------------------------
    def wd(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (negative if b < a)."""
        return self.cal.working_days_between(self.cal.day_of(a), self.cal.day_of(b))

    def due(self, a: date, working_days: int) -> date:
        return self.cal.due_date(a, working_days)

    def add_months(self, a: date, months: int) -> date:
        return self.cal.date_of(self.cal.add_months(self.cal.day_of(a), months))

    def months_due(self, a: date, months: int) -> date:
        """Due date ``months`` after ``a``: the first working day on or after that date."""
        wd = self.cal.wd_on_or_after(self.cal.day_of(self.add_months(a, months)))
        return self.cal.date_of(self.cal.day_of_wd(wd))

    def ongoing(self, index: int) -> bool:
        """Whether the plan starting at ``index`` began before the record (ONGOING_MARK)."""
        return ONGOING_MARK in self.entries[index].event.detail.lower()

    def window(self, event: str) -> Window | None:
        if self.c.complete_records is None:
            return Window(self.start, self.end)
        return self.c.complete_records.get(event)

    def point(self, index: int) -> _Point:
        e = self.entries[index]
        return _Point(
            e.date, e.earliest, e.latest, f"{NOUNS.get(e.name, e.name)} on {e.when}", e, index
        )

    @staticmethod
    def edge(day: date, label: str) -> _Point:
        return _Point(day, day, day, f"{label} ({day})")

    def indices(self, *names: str, lo: int = -1, hi: int | None = None) -> list[int]:
        top = len(self.entries) if hi is None else hi
        return [i for i in range(lo + 1, top) if self.entries[i].name in names]

    def add(
        self,
        kind: str,
        message: str,
        cites: Iterable[Entry | None],
        working_days: int | None = None,
        standard: str = "",
        sure: bool = True,
    ) -> None:
        seen: dict[int, Citation] = {}
        for e in cites:
            if e is not None:
                seen.setdefault(e.row, _cite(e))
        events = tuple(sorted(seen.values(), key=lambda c: (c.date, c.row)))
        self.findings.append(Finding(kind, message, events, working_days, standard, sure))

    def late(
        self,
        kind: str,
        what: str,
        a: _Point,
        b: _Point,
        allowed: int,
        extra: Iterable[Entry] = (),
        note: str = "",
        unsure: str = "",
    ) -> bool:
        """Record a finding when ``b`` is more than ``allowed`` working days after ``a``.

        ``note`` is added to the message; ``unsure`` too, and it makes the finding unsure
        whatever the dates (the interval itself is uncertain, e.g. a missing start).
        """
        n = self.wd(a.day, b.day)
        if n <= allowed:
            return False
        shortest = max(0, self.wd(a.hi, b.lo))
        sure = shortest > allowed and not unsure
        message = f"{what}: {n} working days from {a.label} to {b.label}, standard {allowed}"
        message += _dates_note(a, b, shortest, allowed) + note + unsure
        self.add(kind, message, [a.entry, b.entry, *extra], n, f"{allowed} WD", sure)
        return True

    def missing(
        self, kind: str, what: str, a: _Point, allowed: int, record: str, cites: Iterable[Entry]
    ) -> None:
        """Record a finding when nothing answered ``a`` within ``allowed`` WD of a full record."""
        win = self.window(record)
        if win is None or not (win.start <= a.day <= win.end):
            return
        due = self.due(a.day, allowed)
        if due >= win.end:
            return
        latest = self.due(a.hi, allowed)
        sure = latest < win.end
        message = (
            f"{what}: none recorded after {a.label}; due by {describe_dates(due, latest)} "
            f"({allowed} WD), and the file lists every {record} to {win.end}"
        )
        self.add(kind, message, [a.entry, *cites], None, f"{allowed} WD", sure)

    # -- checks -------------------------------------------------------------------------
    def front_door(self) -> None:
        allowed = self.s["front_door_due_wd"]
        pending: list[int] = []
        for i, e in enumerate(self.entries):
            if e.name == "referral":
                pending.append(i)
            elif e.name in LATER_STEPS:
                pending.clear()  # dealt with, though no front-door decision is recorded
            elif e.name == "front_door_decision" and pending:
                r = pending.pop(0)
                self.late(
                    "late_front_door_decision",
                    "Front-door decision late",
                    self.point(r),
                    self.point(i),
                    allowed,
                )
        for r in pending:
            self.missing(
                "late_front_door_decision",
                "No front-door decision",
                self.point(r),
                allowed,
                "front_door_decision",
                (),
            )

    def assessments(self) -> None:
        allowed = self.s["assessment_due_wd"]
        referral: int | None = None
        pending: list[tuple[int, int]] = []
        for i, e in enumerate(self.entries):
            if e.name == "referral":
                referral = i
            elif e.name == "assessment_start":
                pending.append((i, referral if referral is not None else i))
                referral = None
            elif e.name == "assessment_end" and pending:
                start, clock = pending.pop(0)
                self.late(
                    "late_assessment",
                    "Assessment late",
                    self.point(clock),
                    self.point(i),
                    allowed,
                    extra=[self.entries[start]],
                )
        for start, clock in pending:
            self.missing(
                "late_assessment",
                "Assessment not completed",
                self.point(clock),
                allowed,
                "assessment_end",
                [self.entries[start]],
            )

    def icpcs(self) -> None:
        allowed = self.s["icpc_due_wd"]
        strategy: int | None = None
        s47: int | None = None
        for i, e in enumerate(self.entries):
            if e.name == "strategy_discussion":
                strategy = i
            elif e.name == "s47_start":
                s47 = i
            elif e.name == "closure":
                strategy = s47 = None
            elif e.name == "icpc":
                if strategy is not None:
                    self.late(
                        "late_icpc",
                        "ICPC late",
                        self.point(strategy),
                        self.point(i),
                        allowed,
                        extra=[self.entries[s47]] if s47 is not None and s47 > strategy else [],
                    )
                elif s47 is not None:
                    self.late(
                        "late_icpc",
                        "ICPC late",
                        self.point(s47),
                        self.point(i),
                        allowed,
                        note="; no strategy discussion is recorded, so this counts from the "
                        "section 47 start (the discussion comes first: the true interval is longer)",
                    )
                strategy = s47 = None

    def transfers(self) -> None:
        """A family's move: the new authority told in time, its transfer-in conference held.

        The notification is the first ``transfer_notified`` after ``family_moved``, or the
        ``transfer_out`` when none is recorded (the model's chronologies: its plan ends on
        the notification). The conference is timed from a ``transfer_notified`` (sending
        side) or a ``transfer_in`` (receiving side) to the ``transfer_in_conference``, or,
        when none is recorded, to the ``transfer_out``: case responsibility passes at that
        conference (local procedures), so a later transfer means a later conference.
        """
        notify = self.s["transfer_notify_due_wd"]
        for i in self.indices("family_moved"):
            moved = self.point(i)
            notices = self.indices("transfer_notified", "transfer_out", lo=i)
            if not notices:
                self.missing(
                    "late_transfer",
                    "New authority not notified of the family's move",
                    moved,
                    notify,
                    "transfer_notified",
                    (),
                )
                continue
            n = notices[0]
            self.late(
                "late_transfer",
                "New authority notified late of the family's move",
                moved,
                self.point(n),
                notify,
            )
            if self.entries[n].name == "transfer_notified":
                self.transfer_conference(n)
        for i in self.indices("transfer_in"):
            self.transfer_conference(i)

    def transfer_conference(self, notified: int) -> None:
        """The transfer-in conference after the notification at ``notified``."""
        allowed = self.s["transfer_in_conference_due_wd"]
        start = self.point(notified)
        later = self.indices("transfer_in_conference", "transfer_out", lo=notified)
        if not later:
            self.missing(
                "late_transfer",
                "No transfer-in conference",
                start,
                allowed,
                "transfer_in_conference",
                (),
            )
            return
        end = self.entries[later[0]]
        note = ""
        if end.name == "transfer_out":
            note = (
                "; no transfer-in conference is recorded: counted to the transfer out, when "
                "case responsibility passed"
            )
        self.late(
            "late_transfer",
            "Transfer-in conference late",
            start,
            self.point(later[0]),
            allowed,
            note=note,
        )

    def plan_periods(self, start: str, ends: frozenset[str]) -> list[tuple[int, int | None]]:
        out = []
        for i in self.indices(start):
            stop = next(iter(self.indices(*ends, lo=i)), None)
            out.append((i, stop))
        return out

    def rcpcs(self) -> None:
        first, later = self.s["first_rcpc_due_months"], self.s["rcpc_interval_months"]
        previous = -1
        for i0, i1 in self.plan_periods("cpp_start", CPP_ENDS):
            icpcs = self.indices("icpc", lo=previous, hi=i0 + 1)
            previous = i0
            prev = self.point(icpcs[-1]) if icpcs else self.point(i0)
            months = later if not icpcs and self.ongoing(i0) else first
            win = self.window("rcpc")
            if win is not None and prev.day < win.start:
                # Reviews before the record of reviews starts are unknown (a plan in place
                # before a model run): time the next one from the record's start.
                prev = self.edge(win.start, "the start of the complete review record")
                months = later
            for r in self.indices("rcpc", lo=i0, hi=i1):
                cur = self.point(r)
                due = self.months_due(prev.day, months)
                if cur.day > due:
                    sure = cur.lo > self.months_due(prev.hi, months)
                    message = (
                        f"Review conference late: {cur.label}, {(cur.day - due).days} days after "
                        f"it was due ({due}, {months} months after {prev.label})"
                    )
                    if not sure:
                        message += "; the dates are approximate: it may have been on time"
                    self.add(
                        "late_rcpc",
                        message,
                        [prev.entry, cur.entry],
                        None,
                        f"{months} months",
                        sure,
                    )
                prev, months = cur, later
            end = self.point(i1) if i1 is not None else self.edge(self.end, "the end of the record")
            due = self.months_due(prev.day, months)
            if win is not None and win.start <= due < min(win.end, end.day):
                message = (
                    f"No review conference by {due} ({months} months after {prev.label}); "
                    f"the plan continued to {end.label}"
                )
                self.add("late_rcpc", message, [prev.entry, end.entry], None, f"{months} months")

    def gaps(
        self,
        kind: str,
        periods: Sequence[tuple[int, int | None, str]],
        anchor: str,
        first_allowed: int,
        allowed: int,
        between: tuple[str, ...] = (),
    ) -> None:
        """Gaps between ``anchor`` events within periods, against the standard."""
        win = self.window(GAP_RECORDS[kind])
        if win is None:
            return
        for i0, i1, label in periods:
            start = self.point(i0)
            end = self.point(i1) if i1 is not None else self.edge(self.end, "the end of the record")
            if end.day < win.start or start.day > win.end:
                continue
            if end.day > win.end:
                end = self.edge(win.end, f"the end of the complete {anchor} record")
            anchors = self.indices(anchor, lo=i0, hi=i1)
            first = first_allowed
            if start.day < win.start:
                prior = [a for a in anchors if self.entries[a].date < win.start]
                if prior:
                    start = self.point(prior[-1])
                else:
                    start = self.edge(win.start, f"the start of the complete {anchor} record")
                first = allowed
            inside = [a for a in anchors if start.day <= self.entries[a].date <= end.day]
            inside = [a for a in inside if a != start.index]
            seq = [start, *(self.point(a) for a in inside), end]
            for k, (a, b) in enumerate(zip(seq, seq[1:], strict=False)):
                limit = first if k == 0 else allowed
                extra = [
                    self.entries[j]
                    for j in self.indices(
                        *between, lo=max(a.index, i0), hi=b.index if b.index >= 0 else i1
                    )
                    if a.day <= self.entries[j].date <= b.day
                ]
                note = f"; {_attempts(len(extra))}" if extra else ""
                what = GAP_WHAT[kind].format(plan=label)
                n = self.wd(a.day, b.day)
                if n > limit:
                    shortest = max(0, self.wd(a.hi, b.lo))
                    message = (
                        f"{what} for {n} working days, from {a.label} to {b.label} "
                        f"(standard: every {limit} WD){note}"
                    ) + _dates_note(a, b, shortest, limit)
                    self.add(
                        kind,
                        message,
                        [a.entry, b.entry, *extra],
                        n,
                        f"{limit} WD",
                        shortest > limit,
                    )

    def visits(self) -> None:
        periods = [(i0, i1, "CPP") for i0, i1 in self.plan_periods("cpp_start", CPP_ENDS)] + [
            (i0, i1, "CiN plan") for i0, i1 in self.plan_periods("cin_start", CIN_ENDS)
        ]
        periods.sort()
        for i0, i1, label in periods:
            allowed = self.s[VISIT_STANDARD[label]]
            self.gaps("visit_gap", [(i0, i1, label)], "visit", allowed, allowed, ("no_access",))
        self.months_without_visit(periods)

    def months_without_visit(self, periods: Sequence[tuple[int, int | None, str]]) -> None:
        win = self.window("visit")
        if win is None:
            return
        visits = [self.entries[i] for i in self.indices("visit")]
        for i0, i1, label in periods:
            start = self.entries[i0]
            end = self.entries[i1] if i1 is not None else None
            lo = max(start.date, win.start)
            hi = min(end.date if end else self.end, win.end)
            lo_sure = max(start.latest, win.start)
            hi_sure = min(end.earliest if end else self.end, win.end)
            month = date(lo.year, lo.month, 1)
            if month < lo:
                month = month_end(month) + timedelta(days=1)
            while month_end(month) <= hi:
                m_end = month_end(month)
                if not any(month <= v.date <= m_end for v in visits):
                    sure = (
                        month >= lo_sure
                        and m_end <= hi_sure
                        and not any(v.earliest <= m_end and v.latest >= month for v in visits)
                    )
                    before = [v for v in visits if start.date <= v.date < month]
                    after = [
                        v for v in visits if v.date > m_end and (end is None or v.date <= end.date)
                    ]
                    # A month with fewer working days than the standard can pass between
                    # two visits on time (a CiN plan over Easter): not a breach.
                    gap_from = before[-1].date if before else lo
                    gap_to = min(after[0].date if after else hi, win.end)
                    allowed = self.s[VISIT_STANDARD[label]]
                    if self.wd(gap_from, gap_to) <= allowed:
                        month = m_end + timedelta(days=1)
                        continue
                    tried = [
                        self.entries[j]
                        for j in self.indices("no_access", lo=i0, hi=i1)
                        if month <= self.entries[j].date <= m_end
                    ]
                    last = f"last visit {before[-1].when}" if before else "no visit before it"
                    message = f"No visit in {month:%B %Y} while on a {label} ({last}"
                    message += f"; {_attempts(len(tried))})" if tried else ")"
                    if not sure:
                        message += "; the dates are approximate: a visit may fall in this month"
                    cites = [
                        start,
                        before[-1] if before else None,
                        *tried,
                        after[0] if after else (end if end and end.date <= win.end else None),
                    ]
                    self.add(
                        "month_without_visit", message, cites, None, "a visit every month", sure
                    )
                month = m_end + timedelta(days=1)

    def core_groups(self) -> None:
        later = self.s["core_group_interval_wd"]
        for i0, i1 in self.plan_periods("cpp_start", CPP_ENDS):
            first = later if self.ongoing(i0) else self.s["first_core_group_due_wd"]
            self.gaps("core_group_gap", [(i0, i1, "CPP")], "core_group", first, later)

    def manager_reviews(self) -> None:
        periods: list[tuple[int, int | None, str]] = []
        opened: int | None = None
        for i, e in enumerate(self.entries):
            if opened is None and e.name in CASE_OPENS:
                opened = i
            elif opened is not None and e.name in CASE_CLOSES:
                periods.append((opened, i, "open case"))
                opened = None
        if opened is not None:
            periods.append((opened, None, "open case"))
        allowed = self.s["manager_review_interval_wd"]
        self.gaps("lapsed_manager_review", periods, "manager_review", allowed, allowed)

    def workers(self) -> None:
        changes = [self.entries[i] for i in self.indices("worker_change")]
        names: list[str] = []
        for e in changes:
            name = e.event.worker or f"unnamed (row {e.row})"
            if name not in names:
                names.append(name)
        if len(names) < 2:
            return
        message = (
            f"{len(names)} social workers ({', '.join(names)}): "
            f"{len(changes) - 1} changes of worker"
        )
        self.add("worker_changes", message, changes, None, "", True)

    def complaints(self) -> None:
        starts = self.indices("complaint")
        for n, ci in enumerate(starts):
            stop = starts[n + 1] if n + 1 < len(starts) else len(self.entries)
            self.complaint(ci, stop)

    def complaint(self, ci: int, stop: int) -> None:
        s = self.s
        complaint = self.entries[ci]
        corporate = "corporate" in complaint.event.detail.lower()

        def first(name: str) -> int | None:
            return next(iter(self.indices(name, lo=ci, hi=stop)), None)

        def extended(i: int | None) -> bool:
            text = self.entries[i].event.detail.lower() if i is not None else ""
            return "extended" in text or "complex" in text

        ext = extended(ci)
        if corporate:
            stages = [(1, s["corporate_stage1_wd"]), (2, s["corporate_stage2_wd"])]
            procedure = "corporate procedure"
        else:
            ext1, ext2 = (
                ext or extended(first("stage1_request")),
                ext or extended(first("stage2_request")),
            )
            stages = [
                (1, s["stage1_max_wd"] if ext1 else s["stage1_due_wd"]),
                (2, s["stage2_max_wd"] if ext2 else s["stage2_due_wd"]),
                (3, s["stage3_panel_wd"]),
            ]
            procedure = "statutory children's procedure"
        prev: _Point | None = None
        received = self.point(ci)
        for stage, allowed in stages:
            req = first(f"stage{stage}_request")
            answer = "stage3_panel" if stage == 3 else f"stage{stage}_response"
            resp = first(answer)
            what = f"Complaint stage {stage} ({procedure}) out of time"
            if stage == 3:
                what = f"Complaint stage 3 panel ({procedure}) out of time"
            caveat = ""
            if req is not None:
                start = self.point(req)
            elif stage == 1:
                start = received
            elif resp is not None and prev is not None:
                start = prev
                caveat = (
                    f"; no stage {stage} request is recorded, so this counts from {prev.label} "
                    "and may include the complainant's own time before asking"
                )
            else:
                return
            if resp is not None:
                end = self.point(resp)
                months = round((end.day - received.day).days / 30.44)
                tail = f"; {months} months after the complaint was received" if stage > 1 else ""
                self.late(
                    "complaint_stage_late", what, start, end, allowed, [complaint], tail, caveat
                )
                prev = end
            else:
                self.missing("complaint_stage_late", what, start, allowed, answer, [complaint])
                due = self.due(start.day, allowed)
                latest = self.due(start.hi, allowed)
                label = f"the stage {stage} deadline ({describe_dates(due, latest)})"
                prev = _Point(due, due, latest, label)
        if not corporate:
            panel, resp = first("stage3_panel"), first("stage3_response")
            allowed = s["stage3_report_wd"] + s["stage3_response_wd"]
            if panel is not None and resp is not None:
                self.late(
                    "complaint_stage_late",
                    "Council's response to the stage 3 panel out of time",
                    self.point(panel),
                    self.point(resp),
                    allowed,
                    [complaint],
                )
            elif panel is not None:
                self.missing(
                    "complaint_stage_late",
                    "Council's response to the stage 3 panel out of time",
                    self.point(panel),
                    allowed,
                    "stage3_response",
                    [complaint],
                )

    def run(self) -> list[Finding]:
        self.front_door()
        self.assessments()
        self.icpcs()
        self.rcpcs()
        self.transfers()
        self.visits()
        self.core_groups()
        self.manager_reviews()
        self.workers()
        self.complaints()
        order = {k: n for n, k in enumerate(FINDING_KINDS)}
        return sorted(self.findings, key=lambda f: order[f.kind])  # stable: dates in order


GAP_WHAT = {
    "visit_gap": "{plan}: child not seen",
    "core_group_gap": "{plan}: no core group",
    "lapsed_manager_review": "No manager review",
}


def _attempts(n: int) -> str:
    return f"{n} attempted visit{'s' if n != 1 else ''} without seeing the child"


def _dates_note(a: _Point, b: _Point, shortest: int, allowed: int) -> str:
    if a.lo == a.hi and b.lo == b.hi:
        return ""
    if shortest > allowed:
        return f" (late whatever the exact days: at least {shortest} WD)"
    return f" (dates approximate: on the most favourable days {shortest} WD, within the standard)"


def audit(
    chronology: Chronology | Sequence[CaseEvent], standards: Mapping[str, int] | None = None
) -> list[Finding]:
    """Every breach in a chronology, grouped by kind (FINDING_KINDS order), oldest first.

    Args:
        chronology: A loaded chronology, or a list of events (e.g. a simulated child's).
        standards: Values overriding the model defaults and the file's own standards.

    """
    chron = chronology if isinstance(chronology, Chronology) else Chronology.from_events(chronology)
    if not chron.entries:
        return []
    return _Auditor(chron, effective_standards(chron, standards)).run()


def skipped_checks(chron: Chronology) -> dict[str, str]:
    """Checks not made because the file does not list the events they need in full."""
    if chron.complete_records is None:
        return {}
    return {
        kind: f"the file does not list every {record} event (complete_records)"
        for kind, record in GAP_RECORDS.items()
        if record not in chron.complete_records
    }
