"""The story command: picking a child, parting points, the timeline figures and the CLI."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sim.case_events import CaseEvent
from sim.teaching import story
from sim.teaching.chronology import chronology
from sim.teaching.timeline import (
    UNALLOCATED,
    lanes_used,
    periods,
    timeline_figure,
    worker_spans,
)

D0 = date(2024, 1, 8)


def ev(days: int, event: str, worker: str = "", detail: str = "") -> CaseEvent:
    return CaseEvent(D0 + timedelta(days=days), event, worker, detail)


EARLY_COMEBACK = [
    ev(0, "referral"),
    ev(0, "worker_change", "SW1"),
    ev(30, "closure"),  # closed 30 days after referral: early
    ev(100, "referral"),  # back within a year
    ev(100, "worker_change", "SW2"),
    ev(140, "worker_change", "SW3"),
]


def test_score_finds_a_rereferral_after_early_closure() -> None:
    s = story.score(EARLY_COMEBACK)
    assert s.early_closure_rereferral
    assert s.workers == 3
    late_closure = [ev(0, "referral"), ev(200, "closure"), ev(300, "referral")]
    assert not story.score(late_closure).early_closure_rereferral
    long_gap = [ev(0, "referral"), ev(30, "closure"), ev(30 + 400, "referral")]
    assert not story.score(long_gap).early_closure_rereferral


def test_periods_and_worker_spans() -> None:
    events = [
        ev(0, "referral"),
        ev(0, "worker_change", "SW1"),
        ev(10, "cpp_start"),
        ev(50, "worker_change", "SW2"),
        ev(90, "cpp_end"),
        ev(90, "cin_start"),
        ev(120, "closure"),
    ]
    end = D0 + timedelta(days=400)
    cpp = periods(events, "cpp", end)
    assert [(p.start, p.end) for p in cpp] == [(D0 + timedelta(10), D0 + timedelta(90))]
    cin = periods(events, "cin", end)
    assert cin[0].end == D0 + timedelta(120), "closure ends an open plan"
    spans = worker_spans(events, end)
    assert [s.label for s in spans] == ["SW1", "SW2"]
    assert spans[1].end == D0 + timedelta(120)


def test_worker_spans_show_the_wait_for_a_new_worker() -> None:
    events = [
        ev(0, "referral"),
        ev(0, "worker_change", "SW1", "allocated"),
        ev(
            100,
            "worker_change",
            "SW2",
            "handover: the previous worker left; after 30 days without a worker",
        ),
    ]
    spans = worker_spans(events, D0 + timedelta(200))
    assert [(s.label, (s.start - D0).days, (s.end - D0).days) for s in spans] == [
        ("SW1", 0, 70),
        (UNALLOCATED, 70, 100),
        ("SW2", 100, 200),
    ]


def test_the_audit_of_a_story_stops_where_the_weekly_plans_stop(small_config) -> None:
    # visits every 10 WD, then nothing planned after the last full week of the run
    events = [ev(0, "cpp_start"), ev(14, "visit"), ev(28, "visit"), ev(50, "closure")]
    cfg = small_config()
    assert any(f.kind == "visit_gap" for f in story.findings_and_gaps(events, cfg)[0])
    end = D0 + timedelta(41)
    assert not any(f.kind == "visit_gap" for f in story.findings_and_gaps(events, cfg, end)[0])


def test_record_end_is_the_last_planned_week(small_model) -> None:
    last_monday = small_model.rec.weeks[-1].day
    end = story.record_end(small_model)
    assert end == small_model.cal.date_of(last_monday + 6)
    assert end.weekday() == 6
    assert small_model.cal.day_of(end) + 7 >= small_model.end_day


@pytest.fixture(scope="module")
def small_model(small_config):
    return story.run_logged(small_config(scale=0.2, years=2.0, warmup=0.5), need_trace=True)


def test_pick_child_prefers_the_illustrative(small_model) -> None:
    chosen = story.pick_child(small_model)
    log, cal = small_model.case_log, small_model.cal
    best = story.score(chronology(log, cal, chosen))
    for cid in log.children()[:300]:
        if log.entries[cid][0][1] != "referral" or log.entries[cid][0][0] < 0:
            continue
        other = story.score(chronology(log, cal, cid))
        assert (other.early_closure_rereferral, other.workers) <= (
            best.early_closure_rereferral,
            best.workers,
        )


def test_timeline_figure_content(small_model) -> None:
    cid = story.pick_child(small_model)
    events = chronology(small_model.case_log, small_model.cal, cid)
    fig = timeline_figure(events, f"Child {cid}", story.end_date(small_model))
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == list(reversed(lanes_used(events)))
    assert ax.get_title(loc="left") == f"Child {cid}"
    assert ax.get_xlabel() == "Date"
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Child protection plan" in legend_labels
    assert "Gap beyond the standard" in legend_labels
    assert "No allocated worker" in legend_labels
    # the legend fits the figure's width (it used to lose its first and last columns)
    fig.canvas.draw()
    box = fig.legends[0].get_window_extent()
    assert box.x0 >= 0
    assert box.x1 <= fig.bbox.width
    # slide-sized: 13.3 inches wide, text at least 11 pt
    assert fig.get_size_inches()[0] == pytest.approx(13.3)
    assert min(t.get_fontsize() for t in ax.get_yticklabels()) >= 11


def test_the_story_timeline_draws_the_childs_need(small_model) -> None:
    cid = story.pick_child(small_model)
    weeks = small_model.need_trace.of(cid)
    assert weeks, "the story run traces the picked child's need"
    events = chronology(small_model.case_log, small_model.cal, cid)
    fig = timeline_figure(events, "c", story.end_date(small_model), need=weeks)
    lanes, need = fig.axes
    assert need.get_shared_x_axes().joined(lanes, need)
    assert len(need.lines) >= 3, "need, seen need and the threshold"


def test_story_cli_writes_the_chronology_timeline_and_two_systems(tmp_path, capsys) -> None:
    out = tmp_path / "story"
    args = ["run.years=1", "run.warmup_years=0.25", "--versus", "high_turnover", "--out", str(out)]
    assert story.main(args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("What a handover costs a child")
    assert "\nChild " in printed
    names = ("chronology.md", "chronology.csv", "timeline.png", "two_systems.png")
    for name in (*names, "two_systems_projection.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "versus" / "chronology.md").read_text().startswith("# Child ")
    text = (out / "chronology.md").read_text()
    assert "| date | event | worker | detail |" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--child", "999999", "run.years=0.5", "run.warmup_years=0"], "--child: no child 999999"),
        (["workforce.turnover_base=-1"], "turnover_base"),
        (["no_such_group.key=1"], "unknown key"),
        (["--scenario", "nowhere"], "unknown scenario 'nowhere'"),
        (["--replication", "-1"], "--replication"),
        (["--versus", "nowhere", "run.years=0.5", "run.warmup_years=0"], "'nowhere'"),
    ],
)
def test_story_cli_user_errors_are_one_line(args, message, tmp_path, capsys) -> None:
    assert story.main([*args, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 or err[-1].startswith("sim.story: error:"), err
    assert err[-1].startswith("sim.story: error:")
    assert message in err[-1]
    assert not (tmp_path / "x").exists(), "no partial output on a user error"


def test_handover_cost_splits_cpp_visit_gaps_by_handover() -> None:
    events = [
        ev(0, "cpp_start"),
        ev(10, "visit", "SW1"),  # 10 days, no handover
        ev(12, "worker_change", "SW2", "handover: the previous worker left"),
        ev(40, "visit", "SW2"),  # 30 days, with a handover
        ev(50, "worker_change", "SW3", "allocated"),  # not a leaver: no handover
        ev(54, "visit", "SW3"),  # 14 days
        ev(60, "cpp_end"),
        ev(70, "visit", "SW3"),  # after the plan: not counted
    ]
    cost = story.handover_cost([events])
    assert cost.with_handover == [30]
    assert cost.without == [10, 14]
    assert "30.0 days on average" in cost.summary()
    assert "No handovers" in story.handover_cost([]).summary()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hydra.run.dir=/tmp/x"], "hydra.run.dir: the story ignores Hydra's settings; use --out"),
        (["run.replications=3"], "run.replications: the story ignores it; a story is one"),
    ],
)
def test_the_story_refuses_overrides_it_would_ignore(capsys, argv, message):
    """Issue 19: ``hydra.run.dir=...`` was accepted and ignored; now one line says so."""
    assert story.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
