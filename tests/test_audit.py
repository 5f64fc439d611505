"""The case audit: the seed 002 and 004 examples, exact synthetic cases, errors, the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from sim.case_events import EVENT_TYPES, CaseEvent
from sim.config import ComplaintsConfig, Config, PathwayConfig, WorkforceConfig
from sim.teaching.audit import (
    DEFAULT_STANDARDS,
    EXAMPLES,
    FINDING_KINDS,
    STANDARDS,
    Chronology,
    ChronologyError,
    Window,
    audit,
    event_types_markdown,
    load_chronology,
    load_example,
    main,
    standards_from_config,
    standards_markdown,
    summary_table,
)
from sim.teaching.chronology import chronology

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def ev(day: str, name: str, detail: str = "", worker: str = "") -> CaseEvent:
    return CaseEvent(date.fromisoformat(day), name, worker, detail)


def of_kind(findings, kind):
    return [f for f in findings if f.kind == kind]


def cited(finding) -> list[tuple[str, str]]:
    return [(c.event, c.when) for c in finding.events]


@pytest.fixture(scope="module")
def lambeth():
    chron = load_example("lambeth")
    return chron, audit(chron)


@pytest.fixture(scope="module")
def barnet():
    chron = load_example("barnet")
    return chron, audit(chron)


# -- standards ----------------------------------------------------------------------------
def test_default_standards_are_read_off_the_config_dataclasses():
    schemas = {"pathway": PathwayConfig(), "workforce": WorkforceConfig()}
    schemas["complaints"] = ComplaintsConfig()
    for key, standard in STANDARDS.items():
        assert DEFAULT_STANDARDS[key] == getattr(schemas[standard.group], key)
    assert standards_from_config(Config()) == DEFAULT_STANDARDS
    names = {f.name for f in fields(PathwayConfig)}
    assert {"icpc_due_wd", "cpp_visit_interval_wd", "cin_visit_interval_wd"} <= names


def test_a_scenario_is_audited_by_its_own_standards():
    cfg = Config()
    cfg.pathway.cpp_visit_interval_wd = 20
    events = [ev("2023-09-04", "cpp_start"), ev("2023-10-02", "visit"), ev("2023-10-03", "cpp_end")]
    assert of_kind(audit(events), "visit_gap")
    assert not of_kind(audit(events, standards_from_config(cfg)), "visit_gap")


# -- the Lambeth example (seed 002): the must-hold -----------------------------------------
def test_lambeth_flags_the_late_icpc_in_2020_with_its_events(lambeth):
    chron, findings = lambeth
    late = [f for f in of_kind(findings, "late_icpc") if f.sure]
    assert len(late) == 1
    (f,) = late
    assert cited(f) == [("s47_start", "2020-03"), ("icpc", "2020-05")]
    assert f.working_days > 15
    rows = {e.row: e for e in chron.entries}
    for c in f.events:  # the citations point at those rows of the file
        assert rows[c.row].name == c.event
        assert rows[c.row].date == c.date
    assert "2020-05" in f.message
    assert "standard 15" in f.message


def test_lambeth_flags_the_months_of_2020_without_a_visit(lambeth):
    _, findings = lambeth
    months = of_kind(findings, "month_without_visit")
    names = [re.search(r"No visit in (\w+ \d{4})", f.message).group(1) for f in months]
    assert names == ["January 2020", "March 2020", "April 2020", "June 2020", "July 2020"]
    for f in months:
        assert f.sure
        plan = [c for c in f.events if c.event in ("cin_start", "cpp_start")]
        assert plan, "each month cites the plan it falls in"
        assert len(f.events) >= 2
    april = months[2]
    assert [c.event for c in april.events].count("no_access") == 2
    gaps = of_kind(findings, "visit_gap")
    cpp_gap = [f for f in gaps if f.message.startswith("CPP")]
    assert len(cpp_gap) == 1
    assert cpp_gap[0].sure
    assert cited(cpp_gap[0]) == [("visit", "2020-05")]
    assert "2020-07-31" in cpp_gap[0].message


def test_lambeth_flags_the_lapsed_four_weekly_manager_reviews(lambeth):
    _, findings = lambeth
    lapses = of_kind(findings, "lapsed_manager_review")
    assert [cited(f) for f in lapses] == [
        [("manager_review", "early 2020-11"), ("manager_review", "mid 2021-01")],
        [("manager_review", "mid 2021-01"), ("manager_review", "mid 2021-03")],
        [("manager_review", "mid 2021-03"), ("manager_review", "late 2021-08")],
    ]
    assert all(f.sure and f.working_days > 20 for f in lapses)
    assert lapses[-1].working_days > 100  # "none for a further five months"


def test_lambeth_flags_the_six_social_workers(lambeth):
    _, findings = lambeth
    (f,) = of_kind(findings, "worker_changes")
    assert f.message.startswith("6 social workers (SW1, SW2, SW3, SW4, SW5, SW6)")
    assert [c.event for c in f.events] == ["worker_change"] * 6


def test_lambeth_flags_the_late_transfer_to_the_new_authority(lambeth):
    _, findings = lambeth
    notified, conference = of_kind(findings, "late_transfer")
    assert cited(notified) == [("family_moved", "2020-01"), ("transfer_notified", "2021-05")]
    assert notified.sure
    assert notified.working_days > 300  # "nothing was done ... until May 2021"
    assert notified.standard == "10 WD"
    assert cited(conference) == [
        ("transfer_notified", "2021-05"),
        ("transfer_out", "early 2022-05"),
    ]
    assert conference.sure
    assert conference.standard == "15 WD"
    assert "no transfer-in conference is recorded" in conference.message


@pytest.mark.parametrize(("notified", "late"), [("2024-05-20", False), ("2024-05-21", True)])
def test_notifying_the_new_authority_10_working_days_after_the_move_is_on_time(notified, late):
    # Fri 3 May 2024, Mon 6 May a bank holiday: the 10th working day after is Mon 20 May
    events = [
        ev("2024-04-02", "cpp_start"),
        ev("2024-05-03", "family_moved"),
        ev(notified, "transfer_out"),
    ]
    found = of_kind(audit(events, {"cpp_visit_interval_wd": 100}), "late_transfer")
    assert bool(found) is late


@pytest.mark.parametrize(("held", "late"), [("2024-05-24", False), ("2024-05-28", True)])
def test_a_transfer_in_conference_is_due_15_working_days_after_the_notification(held, late):
    events = [ev("2024-05-02", "transfer_in"), ev(held, "transfer_in_conference")]
    assert bool(of_kind(audit(events), "late_transfer")) is late


def test_a_move_never_notified_is_found_when_the_record_runs_past_the_due_date():
    events = [
        ev("2024-03-01", "cin_start"),
        ev("2024-03-04", "family_moved"),
        ev("2024-06-28", "cin_end"),
    ]
    (f,) = of_kind(audit(events, {"cin_visit_interval_wd": 100}), "late_transfer")
    assert "not notified" in f.message
    assert f.sure


def test_lambeth_report_puts_the_document_beside_the_audit(lambeth):
    chron, findings = lambeth
    text = main_output(["--example", "lambeth"])
    assert "## What the audit found" in text
    assert "## What the document found, beside what the audit found" in text
    assert "core_group_gap: not checked" in text  # no core group dates in the decision
    assert "not measured by the audit" in text  # the late case transfer
    assert summary_table(findings) in text
    assert chron.standards == {"cpp_visit_interval_wd": 10, "manager_review_interval_wd": 20}


def test_example_files_cite_a_paragraph_for_every_event():
    for name in EXAMPLES:
        chron = load_example(name)
        for e in chron.entries:
            assert re.search(r"para|decision date", e.event.source), (name, e.row)
        for note in chron.context:
            assert "para" in note.source


def _plain(text: str) -> str:
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u2013", "-")
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the repo")
@pytest.mark.parametrize(("name", "seed"), [("lambeth", "002_*.txt"), ("barnet", "004_*.txt")])
def test_document_findings_quote_the_decision_word_for_word(name, seed):
    text = _plain(next(SEEDS.glob(seed)).read_text())
    for df in load_example(name).document_findings:
        assert _plain(df.quote) in text, df.quote


# -- the Barnet example (seed 004) --------------------------------------------------------
def test_barnet_uses_the_documents_own_standards(barnet):
    chron, _ = barnet
    assert chron.standards == {
        "corporate_stage1_wd": 10,
        "corporate_stage2_wd": 30,
        "cpp_visit_interval_wd": 10,  # "visits to the family every two weeks"
    }
    text = main_output(["--example", "barnet"])
    assert re.search(r"\| cpp_visit_interval_wd \| 10 \|.*\| this file \|", text)


def test_barnet_two_stage_complaint_out_of_time_over_about_ten_months(barnet):
    _, findings = barnet
    assert [f.kind for f in findings] == ["complaint_stage_late", "complaint_stage_late"]
    stage1, stage2 = findings
    assert "stage 1 (corporate procedure)" in stage1.message
    assert "none recorded" in stage1.message
    assert stage1.sure
    assert stage1.standard == "10 WD"
    assert "stage 2 (corporate procedure)" in stage2.message
    assert stage2.standard == "30 WD"
    assert stage2.working_days > 6 * 30
    assert "10 months after the complaint was received" in stage2.message
    assert not stage2.sure  # no stage 2 request date: the complainant's own time may count


# -- synthetic chronologies: each finding exactly predictable -------------------------------
def test_icpc_15_working_days_is_on_time_16_is_late_across_bank_holidays():
    # Thu 2 May 2024; Mon 6 May and Mon 27 May are bank holidays: day 15 is Fri 24 May
    on_time = [ev("2024-05-02", "strategy_discussion"), ev("2024-05-24", "icpc")]
    late = [ev("2024-05-02", "strategy_discussion"), ev("2024-05-28", "icpc")]
    assert not audit(on_time, {"icpc_due_wd": 15})
    (f,) = audit(late, {"icpc_due_wd": 15})
    assert f.kind == "late_icpc"
    assert f.working_days == 16
    assert f.sure
    assert cited(f) == [("strategy_discussion", "2024-05-02"), ("icpc", "2024-05-28")]


def test_icpc_counts_from_the_strategy_discussion_not_the_s47_start():
    events = [
        ev("2024-05-02", "strategy_discussion"),
        ev("2024-05-09", "s47_start"),
        ev("2024-05-28", "icpc"),
    ]
    (f,) = audit(events, {"icpc_due_wd": 15})
    assert f.working_days == 16
    assert [c.event for c in f.events] == ["strategy_discussion", "s47_start", "icpc"]


def test_front_door_decision_one_working_day_across_a_bank_holiday():
    ok = [ev("2024-05-03", "referral"), ev("2024-05-07", "front_door_decision")]
    late = [ev("2024-05-03", "referral"), ev("2024-05-08", "front_door_decision")]
    assert not audit(ok, {"front_door_due_wd": 1})
    (f,) = audit(late, {"front_door_due_wd": 1})
    assert f.kind == "late_front_door_decision"
    assert f.working_days == 2


def test_referral_never_decided_is_flagged_but_one_that_moved_on_is_not():
    moved_on = [ev("2024-05-03", "referral"), ev("2024-05-20", "cpp_start")]
    assert not audit(moved_on, {"front_door_due_wd": 1})
    undecided = [ev("2024-05-03", "referral"), ev("2024-06-03", "ombudsman_complaint")]
    (f,) = audit(undecided, {"front_door_due_wd": 1})
    assert "No front-door decision" in f.message
    assert "2024-05-07" in f.message


def test_assessment_45_working_days_from_the_referral():
    base = [ev("2023-09-04", "referral"), ev("2023-09-05", "assessment_start")]
    assert not audit([*base, ev("2023-11-06", "assessment_end")], {"assessment_due_wd": 45})
    (f,) = audit([*base, ev("2023-11-07", "assessment_end")], {"assessment_due_wd": 45})
    assert f.kind == "late_assessment"
    assert f.working_days == 46
    assert [c.event for c in f.events] == ["referral", "assessment_start", "assessment_end"]


def test_cpp_visit_gap_beyond_ten_working_days_cites_the_attempts():
    events = [
        ev("2023-09-04", "cpp_start"),
        ev("2023-09-18", "visit"),  # 10 WD: on time
        ev("2023-09-28", "no_access"),
        ev("2023-10-03", "visit"),  # 11 WD after the last
        ev("2023-10-10", "cpp_end"),
    ]
    findings = audit(events, {"cpp_visit_interval_wd": 10})
    (f,) = of_kind(findings, "visit_gap")
    assert f.working_days == 11
    assert cited(f) == [
        ("visit", "2023-09-18"),
        ("no_access", "2023-09-28"),
        ("visit", "2023-10-03"),
    ]
    assert "1 attempted visit without seeing the child" in f.message
    assert not of_kind(findings, "month_without_visit")


def test_cin_months_without_a_visit_and_the_gap_around_them():
    events = [
        ev("2023-01-03", "cin_start"),
        ev("2023-01-20", "visit"),
        ev("2023-04-20", "visit"),
        ev("2023-05-10", "visit"),  # 1 and 8 May 2023 were bank holidays
        ev("2023-05-31", "cin_end"),
    ]
    findings = audit(events, {"cin_visit_interval_wd": 20})
    months = of_kind(findings, "month_without_visit")
    assert [f.message.split(" while")[0] for f in months] == [
        "No visit in February 2023",
        "No visit in March 2023",
    ]
    assert cited(months[0]) == [
        ("cin_start", "2023-01-03"),
        ("visit", "2023-01-20"),
        ("visit", "2023-04-20"),
    ]
    (gap,) = of_kind(findings, "visit_gap")
    assert cited(gap) == [("visit", "2023-01-20"), ("visit", "2023-04-20")]


def test_manager_review_lapse_over_twenty_working_days():
    events = [
        ev("2023-09-04", "worker_change", worker="SW1"),
        ev("2023-10-02", "manager_review"),  # 20 WD
        ev("2023-10-31", "manager_review"),  # 21 WD
        ev("2023-11-10", "closure"),
    ]
    (f,) = audit(events, {"manager_review_interval_wd": 20})
    assert f.kind == "lapsed_manager_review"
    assert f.working_days == 21
    assert cited(f) == [("manager_review", "2023-10-02"), ("manager_review", "2023-10-31")]


def test_no_manager_review_is_due_while_the_case_is_closed():
    events = [
        ev("2023-09-04", "worker_change", worker="SW1"),
        ev("2023-09-20", "manager_review"),
        ev("2023-09-29", "closure"),
        ev("2024-03-01", "worker_change", worker="SW2"),
        ev("2024-03-20", "manager_review"),
    ]
    findings = audit(events, {"manager_review_interval_wd": 20})
    assert not of_kind(findings, "lapsed_manager_review")


def test_first_core_group_within_ten_working_days_of_the_plan():
    start = [ev("2023-09-04", "icpc"), ev("2023-09-04", "cpp_start")]
    end = [ev("2023-10-02", "cpp_end")]
    ok = audit([*start, ev("2023-09-18", "core_group"), *end], {"first_core_group_due_wd": 10})
    assert not of_kind(ok, "core_group_gap")
    late = audit([*start, ev("2023-09-19", "core_group"), *end], {"first_core_group_due_wd": 10})
    (f,) = of_kind(late, "core_group_gap")
    assert f.working_days == 11


def test_first_review_conference_within_three_months():
    start = [ev("2023-01-16", "icpc"), ev("2023-01-16", "cpp_start")]
    end = [ev("2023-05-01", "cpp_end")]
    assert not of_kind(audit([*start, ev("2023-04-16", "rcpc"), *end]), "late_rcpc")
    # due on Sunday 16 April: like the model (conference.review), the next working day
    assert not of_kind(audit([*start, ev("2023-04-17", "rcpc"), *end]), "late_rcpc")
    (f,) = of_kind(audit([*start, ev("2023-04-18", "rcpc"), *end]), "late_rcpc")
    assert "1 days after it was due (2023-04-17" in f.message
    assert cited(f) == [("icpc", "2023-01-16"), ("rcpc", "2023-04-18")]


@pytest.mark.parametrize(
    ("detail", "response", "late"),
    [
        ("statutory procedure", "2023-09-18", False),  # 10 WD
        ("statutory procedure", "2023-09-19", True),  # 11 WD
        ("statutory procedure; complex, extended", "2023-10-02", False),  # 20 WD
        ("statutory procedure; complex, extended", "2023-10-03", True),  # 21 WD
    ],
)
def test_statutory_stage1_ten_working_days_or_twenty_when_extended(detail, response, late):
    events = [ev("2023-09-04", "complaint", detail), ev(response, "stage1_response")]
    found = of_kind(audit(events), "complaint_stage_late")
    assert bool(found) == late


def test_corporate_complaint_stage2_thirty_working_days_from_the_request():
    base = [
        ev("2023-09-04", "complaint", "corporate procedure"),
        ev("2023-09-18", "stage1_response"),
        ev("2023-09-25", "stage2_request"),
    ]
    standards = {"corporate_stage1_wd": 10, "corporate_stage2_wd": 30}
    assert not audit([*base, ev("2023-11-06", "stage2_response")], standards)
    (f,) = audit([*base, ev("2023-11-07", "stage2_response")], standards)
    assert f.working_days == 31
    assert f.sure
    assert f.standard == "30 WD"


def test_complaint_never_answered_in_a_complete_record():
    events = [
        ev("2023-09-04", "complaint", "corporate procedure"),
        ev("2023-12-01", "ombudsman_complaint"),
    ]
    (f,) = audit(events, {"corporate_stage1_wd": 10})
    assert "none recorded" in f.message
    assert "2023-09-18" in f.message


def test_worker_changes_count_distinct_workers_and_list_each_change():
    events = [
        ev("2023-01-02", "worker_change", worker="SW1"),
        ev("2023-03-01", "worker_change", worker="SW2"),
        ev("2023-06-01", "worker_change", worker="SW1"),
    ]
    (f,) = of_kind(audit(events), "worker_changes")
    assert f.message == "2 social workers (SW1, SW2): 2 changes of worker"
    assert len(f.events) == 3
    assert not of_kind(audit(events[:1]), "worker_changes")


def test_month_only_dates_make_a_finding_sure_only_if_every_day_breaches():
    sure = [ev("2020-03-01", "s47_start", "[month]"), ev("2020-05-01", "icpc", "[month]")]
    unsure = [ev("2018-03-01", "s47_start", "[month]"), ev("2018-04-01", "icpc", "[month]")]
    (f,) = audit(sure, {"icpc_due_wd": 15})
    assert f.sure
    assert "at least 21 WD" in f.message
    (g,) = audit(unsure, {"icpc_due_wd": 15})
    assert not g.sure
    assert "within the standard" in g.message


def test_visit_checks_keep_to_the_complete_record():
    events = [
        ev("2023-01-03", "cin_start"),
        ev("2023-06-01", "visit"),
        ev("2023-06-15", "visit"),
        ev("2023-09-29", "cin_end"),
    ]
    everywhere = audit(events, {"cin_visit_interval_wd": 20})
    assert of_kind(everywhere, "visit_gap")
    assert of_kind(everywhere, "month_without_visit")
    chron = Chronology.from_events(
        events, complete_records={"visit": Window(date(2023, 6, 1), date(2023, 6, 30))}
    )
    assert not audit(chron, {"cin_visit_interval_wd": 20})


def test_every_event_type_is_read_and_unaudited_ones_are_tolerated(tmp_path):
    path = tmp_path / "all.csv"
    lines = ["date,event,worker,detail,source"]
    lines += [
        f"2023-0{1 + i // 10}-{10 + i % 10},{name},SW1,,test" for i, name in enumerate(EVENT_TYPES)
    ]
    path.write_text("\n".join(lines) + "\n")
    chron = load_chronology(path)
    assert {e.name for e in chron.entries} == set(EVENT_TYPES)
    assert {f.kind for f in audit(chron)} <= set(FINDING_KINDS)


def test_a_files_standards_override_the_defaults_and_the_caller_overrides_both(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "standards: {icpc_due_wd: 20}\n"
        "events:\n"
        "  - {date: 2024-05-02, event: strategy_discussion}\n"
        "  - {date: 2024-05-28, event: icpc}\n"
    )
    chron = load_chronology(path)
    assert not audit(chron)
    assert of_kind(audit(chron, {"icpc_due_wd": 15}), "late_icpc")


# -- errors: one plain line ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "bad.csv",
            "date,event\n2023-01-02,referal\n",
            r"bad\.csv row 1 \(line 2\): unknown event 'referal' \(known events: .*referral",
        ),
        (
            "bad.csv",
            "date,event\n2023-01-02,referral\n02/01/2023,visit\n",
            r"bad\.csv row 2 \(line 3\): bad date '02/01/2023' \(use YYYY-MM-DD\)",
        ),
        (
            "bad.csv",
            "date,event,who\n2023-01-02,referral,x\n",
            r"bad\.csv: unknown column 'who' \(columns: date, event, worker, detail, source\)",
        ),
        (
            "bad.yaml",
            "standards: {icpc_due: 15}\nevents: []\n",
            r"bad\.yaml standards: unknown standard 'icpc_due' \(standards: front_door_due_wd, .*icpc_due_wd",
        ),
        (
            "bad.yaml",
            "standards: {icpc_due_wd: fifteen}\nevents: []\n",
            r"standard icpc_due_wd must be a whole number of working days, got 'fifteen'",
        ),
        (
            "bad.yaml",
            "child: x\nevent: []\n",
            r"bad\.yaml: unknown key 'event' \(keys: events, child",
        ),
        (
            "bad.yaml",
            "events:\n  - {date: 2023-02-30, event: visit}\n",
            r"bad\.yaml event 1: bad date '2023-02-30'",
        ),
        (
            "bad.yaml",
            "events:\n  - {date: 2023-02-01, event: visit, detail: '[monht]'}\n",
            r"bad\.yaml event 1: bad date marker \[monht\] \(use \[month\], \[early\]",
        ),
        (
            "bad.yaml",
            "events:\n  - {date: 2023-02-12, event: visit, detail: '[early]'}\n",
            r"date 2023-02-12 is outside its marker \[early\] \(2023-02-01 to 2023-02-10\)",
        ),
        (
            "bad.yaml",
            "complete_records: {visits: {from: 2023-01-01, to: 2023-02-01}}\nevents: []\n",
            r"complete_records visits: unknown event 'visits'",
        ),
        (
            "bad.yaml",
            "document_findings: [{found: x, kinds: [late_icp]}]\nevents: []\n",
            r"unknown finding kind 'late_icp' \(kinds: late_front_door_decision",
        ),
        ("bad.txt", "x", r"bad\.txt: unknown file type '\.txt' \(use \.csv, \.yaml or \.yml\)"),
    ],
)
def test_bad_input_gives_one_plain_line(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ChronologyError) as info:
        load_chronology(path)
    message = str(info.value)
    assert "\n" not in message
    assert re.search(expected, message), message


def test_missing_file_gives_one_plain_line(tmp_path):
    with pytest.raises(ChronologyError, match=r"nowhere\.yaml: no such file$"):
        load_chronology(tmp_path / "nowhere.yaml")


# -- command line -------------------------------------------------------------------------
def main_output(argv) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_cli_writes_csv_findings_into_the_out_folder(tmp_path, capsys):
    folder = tmp_path / "out"
    assert main(["--example", "lambeth", "--format", "csv", "--out", str(folder)]) == 0
    out = folder / "audit.csv"
    text = out.read_text()
    assert text.startswith("kind,sure,working_days,standard,message,events\n")
    assert "late_icpc,True," in text
    assert f"wrote {out}" in capsys.readouterr().out


def test_cli_audits_a_file(tmp_path):
    path = tmp_path / "child.csv"
    path.write_text("date,event\n2024-05-02,strategy_discussion\n2024-05-28,icpc\n")
    text = main_output([str(path)])
    assert "| late_icpc | 1 | 1 |" in text


def test_cli_missing_file_exits_2_with_one_line(capsys, tmp_path):
    assert main([str(tmp_path / "nowhere.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nowhere.yaml: no such file" in err


@pytest.mark.parametrize("argv", [[], ["--example", "croydon"], ["x.csv", "--example", "lambeth"]])
def test_cli_usage_errors_exit_2_with_one_line(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "error:" in err


def test_cli_bad_file_exits_2_without_a_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,event\n2023-01-02,referal\n")
    result = subprocess.run(
        [sys.executable, "-m", "sim.audit", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert "bad.csv row 1 (line 2): unknown event 'referal'" in result.stderr


def test_cli_runs_the_lambeth_example_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "sim.audit", "--example", "lambeth"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("# Case audit: C, Lambeth")


# -- docs/audit.md matches the code -------------------------------------------------------
def test_docs_list_every_event_type_standard_and_finding_kind():
    text = (REPO / "docs" / "audit.md").read_text()
    for name in EVENT_TYPES:
        assert f"| {name} |" in text, name
    assert event_types_markdown() in text
    assert standards_markdown() in text
    for kind in FINDING_KINDS:
        assert f"`{kind}`" in text, kind


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docs_show_the_examples_current_findings(name):
    text = (REPO / "docs" / "audit.md").read_text()
    assert summary_table(audit(load_example(name))) in text, (
        f"docs/audit.md: the {name} summary table is out of date"
    )


@pytest.mark.parametrize(
    ("detail", "late"),
    [("plan already in place when the run starts", False), ("", True)],
)
def test_a_plan_already_in_place_is_timed_at_the_later_intervals(detail, late):
    # 15 WD to the first core group and 4 months to the first review: within the later
    # intervals (20 WD, 6 months) of a plan the record joins part-way, not a new plan's
    events = [
        ev("2023-09-04", "cpp_start", detail),
        ev("2023-09-25", "core_group"),
        ev("2023-10-23", "core_group"),
        ev("2023-11-20", "core_group"),
        ev("2023-12-18", "core_group"),
        ev("2024-01-15", "core_group"),
        ev("2024-01-15", "rcpc"),
        ev("2024-02-01", "cpp_end"),
    ]
    findings = audit(events)
    assert bool(of_kind(findings, "core_group_gap")) is late
    assert bool(of_kind(findings, "late_rcpc")) is late


@pytest.mark.parametrize(("second_visit", "breach"), [("2022-05-03", False), ("2022-05-04", True)])
def test_a_short_month_between_two_visits_on_time_is_not_a_breach(second_visit, breach):
    # April 2022 has 19 working days (Easter): 31 March to 3 May is 20 WD, on time
    events = [
        ev("2022-03-14", "cin_start"),
        ev("2022-03-31", "visit"),
        ev(second_visit, "visit"),
        ev("2022-05-20", "cin_end"),
    ]
    findings = audit(events)
    assert bool(of_kind(findings, "visit_gap")) is breach
    months = of_kind(findings, "month_without_visit")
    assert [f.message.split(" while")[0] for f in months] == (
        ["No visit in April 2022"] if breach else []
    )


def test_simulated_chronologies_report_no_breach_the_model_does_not(small_config):
    """Audited in bulk, a run's chronologies find what the model's own records find.

    The model counts a little more (a visit or review due after a plan ends mid-week,
    the first visit of a plan already in place), never less.
    """
    from sim.teaching.story import findings_and_gaps, record_end, record_start, run_logged

    model = run_logged(small_config(scale=0.2, years=2.0, warmup=0.5))
    rec = model.rec
    found: dict[str, int] = dict.fromkeys(FINDING_KINDS, 0)
    for child in model.case_log.children():
        events = chronology(model.case_log, model.cal, child)
        for f in findings_and_gaps(events, model.cfg, record_end(model), record_start(model))[0]:
            found[f.kind] += 1
    late = {
        "visit_gap": sum(not on_time for _, on_time, _ in rec.visits_due),
        "lapsed_manager_review": sum(not on_time for _, on_time in rec.manager_reviews_due),
        "late_rcpc": sum(not on_time for _, on_time in rec.rcpcs),
        "late_icpc": sum(not on_time for _, on_time in rec.icpcs),
        "late_front_door_decision": sum(not row[2] for row in rec.front_door),
    }
    for kind, n in late.items():
        assert found[kind] <= n, (kind, found[kind], n)
    for kind in ("visit_gap", "lapsed_manager_review"):
        assert found[kind] >= 0.8 * late[kind] > 50, (kind, found[kind], late[kind])
