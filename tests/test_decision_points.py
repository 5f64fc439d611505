"""Pause and predict: decision points chosen from a chronology, the page, the print, the CLI."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from sim.case_events import CaseEvent
from sim.teaching import decisions, story
from sim.teaching.audit import audit

D0 = date(2024, 1, 8)  # a Monday


def ev(days: int, event: str, worker: str = "", detail: str = "") -> CaseEvent:
    return CaseEvent(D0 + timedelta(days=days), event, worker, detail)


def no_access_then_closure(misses: int) -> list[CaseEvent]:
    """A child in need plan whose last ``misses`` visits found no one, then closed; back later."""
    events = [
        ev(0, "referral", detail="first referral"),
        ev(1, "front_door_decision", detail="rated medium priority (amber): to an assessment"),
        ev(1, "worker_change", "SW1", "allocated"),
        ev(1, "assessment_start", "SW1"),
        ev(30, "assessment_end", "SW1", "to a child in need plan"),
        ev(30, "cin_start", "SW1"),
        ev(44, "visit", "SW1", "announced; child seen alone"),
        ev(60, "worker_change", "SW2", "handover: the previous worker left"),
        ev(72, "visit", "SW2", "announced; child not seen alone"),
    ]
    day = 100
    for _ in range(misses):
        events.append(ev(day, "no_access", "SW2"))
        day += 14
    events += [
        ev(day, "manager_review", "TM1"),  # not a visit: does not break the run
        ev(day + 1, "cin_end", "SW2", "plan review: case to close"),
        ev(day + 1, "closure"),
        ev(day + 60, "referral", detail="re-referral"),
        ev(day + 61, "front_door_decision", detail="rated high priority (red): to a strategy"),
        ev(day + 62, "worker_change", "SW3", "allocated"),
    ]
    return events


def test_a_closure_after_a_run_of_no_access_visits_is_flagged_and_always_chosen() -> None:
    k = decisions.NO_ACCESS_RUN
    events = no_access_then_closure(k)
    closure = next(i for i, e in enumerate(events) if e.event == "closure")
    points = decisions.choose_points(events)
    flagged = [p for p in points if p.flag]
    assert [(p.index, p.kind) for p in flagged] == [(closure, "closure")]
    assert f"after {k} visits in a row found no one at home" in flagged[0].flag
    assert flagged[0].question.startswith("You are the team manager")
    assert "plan review: case to close" in flagged[0].question, "the proposal is quoted"
    # one fewer miss is not a pattern: the same closure is a point, but not flagged
    fewer = decisions.choose_points(no_access_then_closure(k - 1))
    assert not any(p.flag for p in fewer)
    assert any(p.kind == "closure" for p in fewer)


def test_automatic_points_cover_each_kind_in_order_and_are_deterministic() -> None:
    events = no_access_then_closure(decisions.NO_ACCESS_RUN)
    points = decisions.choose_points(events)
    assert points == decisions.choose_points(list(events)), "the same every time"
    assert decisions.MIN_POINTS <= len(points) <= decisions.MAX_POINTS
    assert [p.index for p in points] == sorted(p.index for p in points)
    assert {p.kind for p in points} == {"front_door", "handover", "no_access", "closure"}
    for a, b in zip(points, points[1:], strict=False):
        assert (b.date - a.date).days >= decisions.MIN_GAP_DAYS
    run = [p for p in points if p.kind == "no_access"][0]
    misses = [i for i, e in enumerate(events) if e.event == "no_access"]
    assert run.index == misses[decisions.NO_ACCESS_RUN - 1] + 1, "after the k-th miss"
    assert run.question.startswith("You are the team manager: 3 visits in a row")
    handover = [p for p in points if p.kind == "handover"][0]
    assert events[handover.index - 1].event == "worker_change"
    assert handover.question.startswith("You are the new social worker")
    # the reveal counts days from the pause (the handover), not from the next event
    lo, hi = decisions.reveal_bounds(points, points.index(handover), len(events))
    followed = decisions.what_followed(events, lo, hi, handover.date)
    assert "The child was next seen on 20 Mar 2024, 12 days on." in followed


def test_a_closure_that_follows_a_move_is_not_a_proposed_closure() -> None:
    moved = [
        ev(0, "referral"),
        ev(1, "worker_change", "SW1", "allocated"),
        ev(10, "cpp_start", "SW1"),
        ev(
            40,
            "cpp_end",
            "SW1",
            "the family has moved away: the plan transfers to the new authority",
        ),
        ev(40, "closure"),
        ev(90, "referral", detail="re-referral"),
    ]
    assert not [p for p in decisions.candidates(moved) if p.kind == "closure"]
    closed = [*moved[:3], ev(40, "cpp_end", "SW1", "plan ended: case to close"), *moved[4:]]
    assert [p.kind for p in decisions.candidates(closed) if p.index == 4] == ["closure"]


def test_a_lapsed_manager_review_pauses_the_day_after_the_review_fell_due() -> None:
    events = [
        ev(0, "referral"),
        ev(0, "worker_change", "SW1", "allocated"),
        ev(3, "manager_review", "TM1"),
        *(ev(d, "visit", "SW1") for d in range(10, 120, 14)),
        ev(120, "manager_review", "TM1"),
        ev(130, "visit", "SW1"),
    ]
    findings = [f for f in audit(events) if f.kind == "lapsed_manager_review"]
    assert findings, "the handmade case has a lapse for the audit to find"
    points = [p for p in decisions.candidates(events, findings, 20) if p.kind == "review"]
    assert len(points) == 1
    # 20 working days after Thursday 11 Jan 2024 is Thursday 8 Feb; overdue from the 9th
    assert points[0].date == date(2024, 2, 9)
    assert all(e.date < points[0].date for e in events[: points[0].index])
    assert events[points[0].index].date >= points[0].date
    assert "since 11 Jan 2024" in points[0].question


def test_chosen_dates_pause_at_the_start_of_the_day_and_keep_automatic_questions() -> None:
    events = no_access_then_closure(decisions.NO_ACCESS_RUN)
    third_miss = [e for e in events if e.event == "no_access"][decisions.NO_ACCESS_RUN - 1]
    dates = [third_miss.date + timedelta(days=1), D0 + timedelta(days=50), D0 + timedelta(days=1)]
    points = decisions.points_at(events, dates)
    assert [p.kind for p in points] == ["front_door", "chosen", "no_access"]
    assert [p.date for p in points] == sorted(dates)
    for p in points:
        assert all(e.date < p.date for e in events[: p.index])
        assert events[p.index].date >= p.date
    assert points[1].question.startswith("You are the team manager, reading the file")
    auto = {p.index: p.question for p in decisions.candidates(events)}
    assert points[2].question == auto[points[2].index]
    # two dates with nothing between them make one point
    assert len(decisions.points_at(events, [D0 + timedelta(days=2), D0 + timedelta(days=3)])) == 1


@pytest.mark.parametrize("day", [D0, D0 - timedelta(days=1), D0 + timedelta(days=1000)])
def test_a_chosen_date_outside_the_chronology_is_refused_in_one_line(day) -> None:
    events = no_access_then_closure(3)
    with pytest.raises(decisions.ConfigError, match="outside the chronology") as err:
        decisions.points_at(events, [day])
    assert "\n" not in str(err.value)


def _positions(page: str, pattern: str) -> list[int]:
    return [m.start() for m in re.finditer(pattern, page)]


def check_reading_order(page: str, events, points, prefix: str = "") -> None:
    """Every point's question, then its reveal; no revealed event before its question."""
    for n, p in enumerate(points, start=1):
        q = page.index(f'id="{prefix}question-{n}"')
        r = page.index(f'id="{prefix}reveal-{n}"')
        assert q < r, n
        if n < len(points):
            assert r < page.index(f'id="{prefix}question-{n + 1}"'), n
        assert html.escape(p.question, quote=True) in page[q:r]
        lo, hi = decisions.reveal_bounds(points, n - 1, len(events))
        assert lo < hi
        for i in range(lo, hi):  # each revealed event first shows after the question
            rows = _positions(page, f'data-i="{i}"')
            assert rows, (n, i)
            assert min(rows) > q, (n, i)
        note = html.escape(p.note, quote=True)
        assert note in page[r:], n
        assert note not in page[q:r], n


def test_the_page_holds_every_point_question_and_reveal_in_reading_order() -> None:
    events = no_access_then_closure(decisions.NO_ACCESS_RUN)
    points = decisions.choose_points(events)
    page = decisions.page_html(events, points, "Child 1")
    assert page.count('class="point"') == len(points)
    assert page.count('class="reveal-button"') == len(points)
    check_reading_order(page, events, points)
    flag = next(p.flag for p in points if p.flag)
    assert html.escape(flag, quote=True) in page
    assert "<script src" not in page, "offline: nothing fetched"
    assert "http" not in page, "offline: nothing fetched"


def test_the_print_section_puts_each_reveal_on_the_page_after_its_question() -> None:
    events = no_access_then_closure(decisions.NO_ACCESS_RUN)
    points = decisions.choose_points(events)
    section = decisions.print_section(events, points, "Pause and predict")
    assert section.startswith('<section id="decisions">')
    assert section.count("<section") == 1
    check_reading_order(section, events, points, prefix="print-")
    for n in range(1, len(points) + 1):
        tag = re.search(rf'<div class="reveal" id="print-reveal-{n}"[^>]*>', section).group(0)
        assert "break-before: page" in tag
    assert section.count("break-before: page") == 2 * len(points) - 1


def test_the_story_cli_writes_decision_points(tmp_path, capsys) -> None:
    out = tmp_path / "story"
    args = ["run.years=1", "run.warmup_years=0.25", "--decision-points", "--out", str(out)]
    assert story.main(args) == 0
    assert "decisions" in capsys.readouterr().out
    page = (out / "decisions.html").read_text()
    n = page.count('class="point"')
    assert 1 <= n <= decisions.MAX_POINTS
    for k in range(1, n + 1):
        assert page.index(f'id="question-{k}"') < page.index(f'id="reveal-{k}"')


def test_the_story_cli_refuses_a_pause_outside_the_chronology(tmp_path, capsys) -> None:
    out = tmp_path / "x"
    args = ["run.years=0.5", "run.warmup_years=0", "--pause", "2099-01-01", "--out", str(out)]
    assert story.main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("sim.story: error: --pause: 2099-01-01 is outside the chronology")
    assert "allowed: dates from" in err[-1]
    assert all("error" not in line for line in err[:-1]), "one line says what is wrong"
    assert not out.exists(), "no partial output on a user error"


def test_the_story_cli_refuses_a_pause_that_is_not_a_date(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        story.main(["--pause", "2021-13-01"])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("python -m sim.story: error: argument --pause: '2021-13-01'")


NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six"}


def test_the_teaching_notes_match_the_points_the_tool_makes() -> None:
    notes = Path(__file__).parents[1] / "docs" / "teaching.md"
    text = " ".join(notes.read_text().split())
    for kind in decisions.KINDS.values():
        assert " ".join(kind.note.split()) in text, kind.label
    k = NUMBER_WORDS[decisions.NO_ACCESS_RUN]
    assert f"include {k} or more in a row that found no one at home" in text
    assert f"never within {decisions.MIN_GAP_DAYS} days of one" in text
    assert f"up to {NUMBER_WORDS[decisions.MAX_POINTS]}" in text
