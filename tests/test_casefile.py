"""Chronologies practitioners accept (issue 19 item 4): pen picture, the child seen in
enquiries, leaving dates, attendance, CiN reviews, supervision decisions and names."""

from __future__ import annotations

import csv
import dataclasses
import re
from datetime import date

import pytest

from sim import events as ev
from sim.case_events import CaseEvent
from sim.caselog import CaseLog
from sim.metrics import compute_kpis
from sim.processes.exits import age_years
from sim.runner import Run, run_one
from sim.teaching import story
from sim.teaching.audit import audit
from sim.teaching.casefile import (
    ILLUSTRATIVE_NOTE,
    case_file,
    named,
    numbered,
    pen_picture,
    person_name,
)
from sim.teaching.chronology import chronology

D0 = date(2024, 1, 8)


@pytest.fixture(scope="module")
def logged(small_config) -> Run:
    return run_one(small_config(scale=0.2, years=2.0, warmup=0.5), 0, case_log=True)


def _entries(run: Run, event: str) -> list[tuple[int, float, str, str]]:
    log = run.case_log
    return [
        (cid, day, worker, detail)
        for cid in log.children()
        for day, name, worker, detail in log.entries[cid]
        if name == event
    ]


# -- 1. the pen picture ----------------------------------------------------------------------
def test_the_pen_picture_gives_the_models_age_and_household(logged: Run) -> None:
    log, model = logged.case_log, logged.model
    seen_apart = seen_together = 0
    referred = [c for c in log.children() if any(e[1] == "referral" for e in log.entries[c])]
    assert set(referred) <= set(log.facts), "every referred child has a pen picture's facts"
    for cid in referred[:400]:
        facts = log.facts[cid]
        child = model.children[cid]
        assert facts.age_years == pytest.approx(age_years(child, facts.first_day))
        picture = pen_picture(log, cid, 7, chronology(log, logged.cal, cid), None)
        apart = "lives elsewhere" in picture.household
        assert apart == child.non_resident_parent, (cid, picture.household)
        seen_apart += apart
        seen_together += not apart
    assert seen_apart
    assert seen_together


def test_the_pen_picture_is_fixed_by_seed_and_child_and_opens_the_story(logged, tmp_path):
    log, cal = logged.case_log, logged.cal
    cid = story.pick_child(logged)
    a = case_file(log, cal, cid, 7).picture
    assert case_file(log, cal, cid, 7).picture == a, "same seed and child, same picture"
    others = {case_file(log, cal, c, 7).picture.pseudonym for c in log.children()[:50]}
    assert len(others) > 5, "children get different pseudonyms"
    events = chronology(log, cal, cid)
    if not any(e.event == "cpp_start" for e in events):
        assert a.category.startswith("no child protection plan")
    else:
        assert a.category in {"neglect", "emotional abuse", "physical abuse", "sexual abuse"} | {
            "multiple categories"
        }
    paths = story.write_story(logged, cid, tmp_path, "baseline")
    text = paths["markdown"].read_text()
    head = text[: text.index("## Chronology")]
    picture = case_file(log, cal, cid, logged.cfg.run.seed).picture
    assert "## Pen picture" in head
    for line in picture.lines():
        assert line in head
    assert ILLUSTRATIVE_NOTE in head
    assert text.index("## Pen picture") < text.index("| date | event |")


# -- 2. the child seen in enquiries and assessments ------------------------------------------
def test_every_completed_enquiry_and_assessment_sees_the_child(logged: Run) -> None:
    log = logged.case_log
    checked = 0
    for cid in log.children():
        rows = log.entries[cid]
        for day, name, _, detail in rows:
            own_assessment = name == "assessment_end" and not detail.startswith("made through")
            if (name == "s47_end" or own_assessment) and day >= 0:
                stage = "section 47 enquiry" if name == "s47_end" else "assessment"
                seen = [
                    d
                    for dd, n, _, d in rows
                    if n == "child_seen" and dd == day and f"during the {stage}" in d
                ]
                assert seen, (cid, day, name)
                checked += 1
    assert checked > 20


def test_every_child_seen_line_says_whether_alone(logged: Run) -> None:
    for event in ("visit", "child_seen"):
        rows = _entries(logged, event)
        assert rows
        for _, _, _, detail in rows:
            assert ("child seen alone" in detail) != ("child not seen alone" in detail), detail
    alone = [d for _, _, _, d in _entries(logged, "child_seen") if "child seen alone" in d]
    assert 0 < len(alone) < len(_entries(logged, "child_seen"))


def test_seeing_the_child_in_an_enquiry_moves_no_result_and_is_not_a_visit(small_config):
    cfg = small_config(scale=0.15, years=1.5, warmup=0.5)
    never = dataclasses.replace(
        cfg, pathway=dataclasses.replace(cfg.pathway, enquiry_seen_alone_prob=0.0)
    )
    always = dataclasses.replace(
        cfg, pathway=dataclasses.replace(cfg.pathway, enquiry_seen_alone_prob=1.0)
    )
    a, b = run_one(never, 0, case_log=True), run_one(always, 0, case_log=True)
    kpis_a, kpis_b = compute_kpis(a.rec), compute_kpis(b.rec)
    assert {k: repr(v) for k, v in kpis_a.items()} == {k: repr(v) for k, v in kpis_b.items()}
    assert ev.ChildSeenInEnquiry not in a.rec.handlers(), "not counted by any KPI"
    seen_a = _entries(a, "child_seen")
    assert seen_a
    assert all("not seen alone" in d for *_, d in seen_a)
    assert all("child seen alone" in d for *_, d in _entries(b, "child_seen"))


def test_the_audit_does_not_count_a_child_seen_in_an_enquiry_as_a_visit() -> None:
    def e(days: int, name: str, detail: str = "") -> CaseEvent:
        return CaseEvent(date.fromordinal(D0.toordinal() + days), name, "SW1", detail)

    events = [e(0, "cpp_start"), e(14, "child_seen", "seen during the section 47 enquiry")]
    events += [e(40, "visit"), e(60, "cpp_end")]
    gaps = [f for f in audit(events, {"cpp_visit_interval_wd": 10}) if f.kind == "visit_gap"]
    assert gaps
    assert gaps[0].working_days is not None
    assert gaps[0].working_days > 20


# -- 3. leaving dates and unallocated spells -------------------------------------------------
def _log() -> CaseLog:
    return CaseLog(handover_hours=3.0)


def _feed(log: CaseLog, *records: object) -> None:
    handlers = log.handlers()
    for record in records:
        handlers[type(record)](record)


def test_a_leaver_is_dated_and_named_then_the_wait_for_a_new_worker() -> None:
    log = _log()
    _feed(
        log,
        ev.WorkerAllocated(0, 10.0, 5, 10.0, False, False),
        ev.WorkerLeft(5, 40.0, "permanent", "resigned"),
        ev.CaseHandedOver(0, 40.0, "left"),
        ev.WorkerAllocated(0, 52.0, 8, 40.0, True, False),
    )
    rows = log.entries[0]
    assert [(r[1], r[2]) for r in rows] == [
        ("worker_change", "SW5"),
        ("worker_leaves", "SW5"),
        ("worker_change", "SW8"),
    ]
    assert rows[1][0] == 40.0
    assert rows[1][3] == "leaves the authority; the case waits for a new worker"
    assert "after 12 days without a worker (unallocated)" in rows[2][3]
    assert "3 hours to read the file" in rows[2][3]
    coded = [CaseEvent(D0, name, worker, detail) for _, name, worker, detail in rows]
    leaves = named(coded)[1]
    assert (
        leaves.detail
        == f"{person_name('SW5')} leaves the authority; the case waits for a new worker"
    )


@pytest.mark.parametrize(
    ("records", "text"),
    [
        ((ev.WorkerLeft(5, 40.0, "agency", "resigned"),), "ends their agency assignment;"),
        ((ev.WorkerLeft(5, 40.0, "agency", "replaced"),), "a permanent worker takes the post"),
        ((ev.WorkerAway(5, 40.0, 200.0),), "starts a long absence (back day 200)"),
    ],
)
def test_why_the_worker_went(records, text) -> None:
    log = _log()
    reason = "absence" if isinstance(records[0], ev.WorkerAway) else "left"
    _feed(log, ev.WorkerAllocated(0, 10.0, 5, 10.0, False, False), *records)
    _feed(log, ev.CaseHandedOver(0, 40.0, reason))
    assert text in log.entries[0][-1][3]


def test_in_a_run_each_leaver_is_the_childs_worker_and_a_new_one_follows(logged: Run) -> None:
    log = logged.case_log
    leavers = 0
    for cid in log.children():
        holder = None
        pending = False
        for _, name, worker, detail in log.entries[cid]:
            if name == "worker_leaves":
                assert worker == holder, (cid, worker, holder)
                pending = True
                leavers += 1
            elif name == "worker_change":
                assert pending == detail.startswith("handover"), (cid, detail)
                holder, pending = worker, False
            elif name in {"closure", "care", "transfer_out"}:
                pending = False  # a case that closes while it waits needs no new worker
    assert leavers > 10


# -- 4. meeting attendance -------------------------------------------------------------------
def test_meetings_say_who_was_there() -> None:
    log = _log()
    _feed(
        log,
        ev.Referred(0, 0.0, None, False, age_years=9.0, non_resident_parent=True),
        ev.ConferenceWithoutReport(0, "icpc", 30.0, 5),
        ev.ConferenceHeld(0, "icpc", 30.0, 5, True, "cpp"),
        ev.CoreGroupHeld(0, 40.0, 5),
        ev.Referred(
            0, 300.0, 0.0, True, age_years=9.8, non_resident_parent=True, parent_involved=True
        ),  # fmt: skip
        ev.ConferenceHeld(0, "rcpc", 330.0, 5, True, "continue"),
    )
    icpc, core, rcpc = (r for r in log.entries[0] if r[1] in {"icpc", "core_group", "rcpc"})
    assert "the parent who lives apart is not invited" in icpc[3]
    assert "the parent who lives apart is invited" in rcpc[3]
    coded = [CaseEvent(D0, r[1], r[2], r[3]) for r in log.entries[0]]
    picture = pen_picture(log, 0, 7, coded, D0)
    out = {e.event: e.detail for e in named(coded, picture)}
    assert f"{picture.chair} (independent chair)" in out["icpc"]
    assert "(social worker, no report)" in out["icpc"]
    assert "(social worker, report submitted)" in out["rcpc"]
    assert f"{picture.parent_apart} (lives apart)" in out["rcpc"]
    assert f"{picture.parent_apart} (lives apart)" not in out["icpc"]
    assert "independent chair" not in out["core_group"]
    for text in out["icpc"], out["core_group"], out["rcpc"]:
        assert "agencies (illustrative): school" in text
        for parent in picture.resident_parents:
            assert parent in text.split("present: ")[1]
    assert "police" in out["icpc"]
    assert "police" not in out["rcpc"]


# -- 5. child in need reviews ----------------------------------------------------------------
def test_cin_reviews_that_continue_the_plan_are_recorded_on_time(logged: Run) -> None:
    log, cal = logged.case_log, logged.cal
    interval = logged.cfg.pathway.cin_review_interval_wd
    reviews = 0
    for cid in log.children():
        previous = None
        for day, name, _, detail in log.entries[cid]:
            if name in {"cin_start", "cin_end"}:
                previous = day if name == "cin_start" and day >= 0 else None
            elif name == "cin_review":
                assert detail.startswith("child in need review: plan continues")
                if previous is not None:
                    wd = cal.working_days_between(previous, day)
                    assert wd == interval, (cid, previous, day)
                previous = day
                reviews += 1
    assert reviews > 20


# -- 6. supervision decisions ----------------------------------------------------------------
def test_a_manager_review_says_what_it_found_and_decided() -> None:
    log = CaseLog(drift_threshold_wd=20)
    _feed(
        log,
        ev.ManagerChanged(2, 0.0, "in_post", 4),
        ev.ManagerReviewed(0, 10.0, 2, contact_gap=True),
        ev.ManagerChanged(2, 20.0, "acting"),
        ev.ManagerReviewed(0, 30.0, 2, visit_overdue=True),
        ev.ManagerReviewed(0, 50.0, 2),
    )
    first, second, third = log.entries[0]
    assert first[2] == "TM4"
    assert second[2] == "ATM3"
    assert "no purposeful contact with the family for over 20 working days" in first[3]
    assert "decision: the child's visit and plan work come first" in first[3]
    assert "the statutory visit is overdue" in second[3]
    assert "decision" in second[3]
    assert "no new direction" in third[3]
    assert person_name("TM4").endswith("(team manager)")
    assert person_name("ATM3") == "Acting team manager, team 3"


def test_review_decisions_in_a_run_follow_what_the_model_did(small_config) -> None:
    cfg = small_config(scale=0.15, years=1.5, warmup=0.5)
    model_run = run_one(cfg, 0, case_log=True)
    flagged = 0
    for _, _, worker, detail in _entries(model_run, "manager_review"):
        assert re.fullmatch(r"TM\d+|ATM\d+", worker), worker
        found = "no purposeful contact" in detail or "visit is overdue" in detail
        assert found == ("decision:" in detail)
        flagged += found
    assert flagged > 0


# -- 7. names instead of codes ---------------------------------------------------------------
def test_names_are_distinct_per_worker_and_role() -> None:
    workers = {person_name(f"SW{i}") for i in range(3000)}
    managers = {person_name(f"TM{i}") for i in range(300)}
    assert len(workers) == 3000
    assert len(managers) == 300
    strip = {n.split(" (")[0] for n in workers}
    assert not strip & {n.split(" (")[0] for n in managers}
    assert person_name("duty") == "Duty social worker"
    assert person_name("Ms Jones") == "Ms Jones", "a real chronology's names stay"
    assert person_name("SW0") == "Sam Patel (social worker)"


def test_the_story_files_name_people_and_the_audit_still_counts_workers(logged, tmp_path):
    cid = story.pick_child(logged)
    paths = story.write_story(logged, cid, tmp_path, "baseline")
    text = paths["markdown"].read_text()
    assert not re.search(r"\b(SW|TM|ATM)\d+\b", text), "names, not codes"
    with paths["csv"].open() as handle:
        rows = list(csv.DictReader(handle))
    coded = chronology(logged.case_log, logged.cal, cid)
    codes = {e.worker for e in coded if e.event == "worker_change"}
    names = {r["worker"] for r in rows if r["event"] == "worker_change"}
    assert len(names) == len(codes) >= 2
    assert names == {person_name(c) for c in codes}
    finding = next(f for f in audit(case_file(logged.case_log, logged.cal, cid, 7).events)
                   if f.kind == "worker_changes")  # fmt: skip
    assert finding.message.startswith(f"{len(codes)} social workers")


def test_the_timeline_numbers_social_workers_in_the_order_met() -> None:
    events = [
        CaseEvent(D0, "worker_change", "Sam Patel (social worker)"),
        CaseEvent(D0, "manager_review", "Ruth Adeyemi (team manager)"),
        CaseEvent(D0, "worker_change", "Grace Begum (social worker)"),
        CaseEvent(D0, "visit", "Sam Patel (social worker)"),
    ]
    assert [e.worker for e in numbered(events)] == ["1", "Ruth Adeyemi (team manager)", "2", "1"]
