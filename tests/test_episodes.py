"""Episodes as the DfE counts them: section 47 through an assessment, ICPC and CIN episodes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from sim import events as ev
from sim.calendar import england_bank_holidays
from sim.entities import State
from sim.metrics import Recorder, assessments_per_year
from sim.model import Model
from sim.results import ReplicationResult, replication_result

OBSERVED = (
    ev.Referred,
    ev.FrontDoorDecided,
    ev.EpisodeStarted,
    ev.EpisodeEnded,
    ev.ConferenceHeld,
    ev.Closed,
    ev.CameIntoCare,
    ev.TransferredIn,
)


class Observed:
    """A small run with every pathway record it emitted, its recorder and its tables."""

    def __init__(self, model: Model, rec: Recorder, records: list[object]) -> None:
        self.model = model
        self.rec = rec
        self.records = records
        start = date.fromisoformat(model.cfg.run.start_date)
        self.result: ReplicationResult = replication_result(rec, 0, start)

    def of(self, record_type: type, **fields: object) -> list:
        """The records of ``record_type`` whose fields have the given values."""
        return [
            r
            for r in self.records
            if type(r) is record_type and all(getattr(r, k) == v for k, v in fields.items())
        ]

    def cases(self) -> list[list]:
        """Each child's records split into cases: a referral and what follows it."""
        by_child: dict[int, list[list]] = defaultdict(list)
        for r in self.records:
            if isinstance(r, ev.Referred):
                by_child[r.child].append([r])
            elif by_child[r.child]:
                by_child[r.child][-1].append(r)
        return [case for cases in by_child.values() for case in cases]


@pytest.fixture(scope="module")
def observed(small_config) -> Observed:
    model = Model(small_config(scale=0.25, years=2.0, warmup=0.5), 0)
    rec = Recorder.attach(model)
    records: list[object] = []
    model.events.subscribe(dict.fromkeys(OBSERVED, records.append))
    model.run()
    rec.close()
    return Observed(model, rec, records)


def _kind(case: list, record_type: type, kind: str) -> list:
    return [r for r in case if type(r) is record_type and r.kind == kind]


def test_every_case_with_a_section_47_has_one_assessment(observed):
    """Every case referred in the run that reaches a section 47 has exactly one assessment."""
    cases = [c for c in observed.cases() if not c[0].before_run]
    with_s47 = [c for c in cases if _kind(c, ev.EpisodeStarted, "s47")]
    assert len(with_s47) > 200
    for case in with_s47:
        assert len(_kind(case, ev.EpisodeStarted, "assessment")) == 1, case[0]


def test_a_child_sent_to_a_strategy_discussion_is_assessed_through_the_enquiry(observed):
    """The assessment starts at the strategy discussion and ends with the enquiry."""
    cases = [
        c
        for c in observed.cases()
        if any(isinstance(r, ev.FrontDoorDecided) and r.outcome == "strategy" for r in c)
        and _kind(c, ev.EpisodeEnded, "s47")
    ]
    assert len(cases) > 100
    for case in cases:
        started, ended = (
            _kind(case, ev.EpisodeStarted, "assessment"),
            _kind(case, ev.EpisodeEnded, "assessment"),
        )
        s47_start, s47_end = (
            _kind(case, ev.EpisodeStarted, "s47")[0],
            _kind(case, ev.EpisodeEnded, "s47")[0],
        )
        assert [r.day for r in started] == [s47_start.day]
        assert [(r.day, r.outcome) for r in ended] == [(s47_end.day, f"s47_{s47_end.outcome}")]
        # due like every assessment: 45 working days after the referral
        cal, referral = observed.model.cal, case[0].day
        assert started[0].due_day == cal.day_of_wd(cal.due_wd(referral, 45))


def test_the_kpi_counts_assessments_made_through_an_enquiry(observed):
    rec = observed.rec
    through_s47 = [
        e
        for e in rec.episodes
        if e["kind"] == "assessment"
        and e["outcome"].startswith("s47_")
        and rec.in_window(e["end_day"])
    ]
    others = [
        e
        for e in rec.episodes
        if e["kind"] == "assessment"
        and e["end_day"] is not None
        and not e["outcome"].startswith("s47_")
        and rec.in_window(e["end_day"])
    ]
    years = (rec.end_day - rec.warmup_day) / 365.25
    assert through_s47
    assert assessments_per_year(rec) == pytest.approx((len(through_s47) + len(others)) / years)


def test_icpc_rows_match_the_conferences_one_for_one(observed):
    rows = [e for e in observed.rec.episodes if e["kind"] == "icpc" and not e["censored"]]
    held = observed.of(ev.ConferenceHeld, kind="icpc")
    assert len(held) > 50
    assert sorted((e["child_id"], e["end_day"], e["outcome"]) for e in rows) == sorted(
        (r.child, r.day, r.outcome) for r in held
    )
    # each runs from the strategy discussion of the enquiry before it, due with the ICPC
    s47 = defaultdict(list)
    for r in observed.of(ev.EpisodeStarted, kind="s47"):
        s47[r.child].append(r)
    for e in rows:
        start = [r for r in s47[e["child_id"]] if r.day <= e["end_day"]][-1]
        assert (e["start_day"], e["due_day"]) == (start.day, start.due_day)
    # an enquiry that decided on a conference not yet held leaves a censored row
    censored = [e for e in observed.rec.episodes if e["kind"] == "icpc" and e["censored"]]
    waiting = observed.model.by_state[State.AWAITING_ICPC]
    assert {e["child_id"] for e in censored} == waiting


def test_a_closed_case_has_one_cin_episode_from_referral_to_closure(observed):
    rows = defaultdict(list)
    for e in observed.rec.episodes:
        if e["kind"] == "cin_episode":
            rows[e["child_id"]].append(e)
    ends = observed.of(ev.Closed, before_run=False) + observed.of(ev.CameIntoCare)
    assert len(ends) > 500
    for case in observed.cases():
        end = [r for r in case if isinstance(r, ev.Closed | ev.CameIntoCare)]
        if not end:
            continue
        outcome = "care" if isinstance(end[0], ev.CameIntoCare) else "closed"
        matching = [e for e in rows[case[0].child] if e["start_day"] == case[0].day]
        assert [(e["end_day"], e["outcome"]) for e in matching] == [(end[0].day, outcome)]
    # one row per referral or plan moving here, and every case still open at the end is a
    # censored row
    arrivals = len(observed.of(ev.Referred)) + len(observed.of(ev.TransferredIn))
    assert sum(map(len, rows.values())) == arrivals
    censored = {e["child_id"] for r in rows.values() for e in r if e["censored"]}
    assert censored == set(observed.model.open_children)


def _working_days(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``, counted day by day."""
    holidays = set(england_bank_holidays(start.year, end.year))
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(1 for d in days if d.weekday() < 5 and d not in holidays)


def test_working_day_durations_agree_with_the_calendar(observed):
    """Each row's durations, recounted from its dates; an ICPC within 15 WD is on time."""
    last_day = observed.model.cal.date_of(observed.model.end_day - 1)
    rows = observed.result.episodes
    assert {row["kind"] for row in rows} == {
        "assessment",
        "s47",
        "icpc",
        "cpp",
        "cin",
        "cin_episode",
    }
    for row in rows[::7]:  # a seventh of the rows: counting day by day is slow
        start = date.fromisoformat(row["start_date"])
        end = date.fromisoformat(row["end_date"]) if row["end_date"] else last_day
        assert row["duration_days"] == (end - start).days
        assert row["duration_wd"] == _working_days(start, end), row
    icpcs = [row for row in rows if row["kind"] == "icpc" and row["end_date"]]
    for row in icpcs:
        assert (row["duration_wd"] <= 15) == (row["end_date"] <= row["due_date"])
    before_run = [r for r in rows if r["start_date"] < observed.model.cfg.run.start_date]
    assert before_run, "pre-populated cases were referred before the run"
