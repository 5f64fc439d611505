"""The timeline figures of issue 19: the need lane, handovers and the two-systems figures."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta

import matplotlib.dates as mdates
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim import composition
from sim.case_events import CaseEvent
from sim.config import SCHEMA_FIELDS
from sim.needtrace import NeedWeek
from sim.runner import run_one
from sim.teaching import settings, story
from sim.teaching.timeline import (
    PROJECTION_DPI,
    PROJECTION_LANES,
    PROJECTION_PT,
    SLIDE_PT,
    Span,
    System,
    Tally,
    drift_spans,
    handovers,
    projection_figure,
    timeline_figure,
    two_systems_figure,
)

D0 = date(2024, 1, 8)  # a Monday


def ev(days: int, event: str, worker: str = "", detail: str = "") -> CaseEvent:
    return CaseEvent(D0 + timedelta(days=days), event, worker, detail)


LEFT = "handover: the previous worker left"


def churned_story(handovers_every: int = 12, count: int = 8) -> list[CaseEvent]:
    """A CiN plan whose worker changes every ``handovers_every`` days: crowded labels."""
    events = [ev(0, "referral"), ev(0, "worker_change", "SW1", "allocated"), ev(3, "cin_start")]
    for k in range(count):
        day = 20 + handovers_every * k
        events.append(ev(day, "worker_change", f"SW{k + 2}", LEFT))
        events.append(ev(day + 4 + k, "visit", f"SW{k + 2}"))
    events.append(ev(400, "closure"))
    return events


def visible_texts(fig: Figure) -> list[Text]:
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return [t for t in texts if t.figure is not None]


# -- the need trace: what the lane draws is what drift_share counts -------------------


@pytest.fixture(scope="module")
def traced(small_config):
    return run_one(small_config(scale=0.2, years=1.5, warmup=0.5), 0, need_trace=True)


def test_the_traced_drift_days_are_the_recorders_week_by_week(traced) -> None:
    recorded = [w.flows.get("drift_days", 0.0) for w in traced.rec.weeks]
    assert traced.need_trace.drift_days_by_week() == recorded
    assert sum(recorded) > 0, "the run has drift to compare"


def test_following_one_child_traces_it_as_following_all_does(traced, small_config) -> None:
    trace = traced.need_trace
    child = max(trace.children(), key=lambda c: sum(w.drift_days for w in trace.of(c)))
    alone = run_one(
        small_config(scale=0.2, years=1.5, warmup=0.5), 0, need_trace=True, follow={child}
    )
    assert alone.need_trace.children() == [child]
    assert alone.need_trace.of(child) == trace.of(child)
    assert sum(w.drift_days for w in trace.of(child)) > 0


def test_tracing_need_changes_nothing(traced, small_config) -> None:
    plain = run_one(small_config(scale=0.2, years=1.5, warmup=0.5), 0)
    assert plain.need_trace is None
    assert [w.flows for w in plain.rec.weeks] == [w.flows for w in traced.rec.weeks]

    def same(kpis: dict) -> dict:  # NaN (a KPI with nothing to measure) equals NaN here
        return {k: None if v != v else v for k, v in kpis.items()}

    assert same(plain.result.kpis) == same(traced.result.kpis)


def test_the_need_panel_shades_exactly_the_traced_drift_weeks(traced) -> None:
    trace = traced.need_trace
    child = max(trace.children(), key=lambda c: sum(w.drift_days > 0 for w in trace.of(c)))
    weeks = trace.of(child)
    fig = timeline_figure([ev(0, "referral")], "c", weeks[-1].end, need=weeks, high_need=1.0)
    need_ax = fig.axes[1]
    shaded = [p for p in need_ax.patches if p.get_gid() == "drift"]
    days = sum(round(p.get_width()) for p in shaded)
    assert days == 7 * sum(w.drift_days > 0 for w in weeks)
    assert [t.get_text() for t in need_ax.get_yticklabels()] == ["high need"]


def test_drift_spans_join_consecutive_weeks() -> None:
    def week(k: int, drift: int) -> NeedWeek:
        return NeedWeek(D0 + timedelta(weeks=k), 1.2, None, True, drift)

    weeks = [week(0, 5), week(1, 5), week(2, 0), week(3, 2), week(5, 5)]
    assert drift_spans(weeks) == [
        Span(D0, D0 + timedelta(weeks=2)),
        Span(D0 + timedelta(weeks=3), D0 + timedelta(weeks=4)),
        Span(D0 + timedelta(weeks=5), D0 + timedelta(weeks=6)),
    ]


# -- handovers ------------------------------------------------------------------------


def test_a_handover_waits_from_the_day_the_worker_went_to_the_next_visit() -> None:
    events = [
        ev(0, "worker_change", "SW1", "allocated"),
        ev(10, "visit", "SW1"),
        ev(40, "worker_change", "SW2", f"{LEFT}; after 14 days without a worker"),
        ev(50, "visit", "SW2"),
        ev(60, "worker_change", "SW3", "allocated"),  # not a handover
        ev(70, "worker_change", "SW4", LEFT),
        ev(80, "closure"),
        ev(90, "visit", "SW4"),  # after the case closed
    ]
    found = handovers(events)
    assert [(h.left, h.days, h.label) for h in found] == [
        (D0 + timedelta(days=26), 24, "24 days"),
        (D0 + timedelta(days=70), None, "no visit"),
    ]


# -- the two-systems figures ----------------------------------------------------------


def systems() -> tuple[System, System]:
    lambeth = composition.compose_config(["scenario=lambeth_2020"])
    improvement = composition.compose_config(["scenario=improvement"])
    lines_a, lines_b = settings.setting_lines(lambeth, improvement)
    a = System(
        "lambeth_2020",
        churned_story(),
        [Span(D0 + timedelta(days=30), D0 + timedelta(days=80))],
        [],
        Tally(workers=9, weeks_unseen=34, lapsed_reviews=5),
        lines_a,
    )
    b = System(
        "improvement",
        churned_story(handovers_every=150, count=2),
        [],
        [],
        Tally(workers=3, weeks_unseen=2, lapsed_reviews=0),
        lines_b,
    )
    return a, b


def gap_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_text().endswith(("days", "no visit"))]


def no_overlaps(fig: Figure) -> None:
    """No two texts of an axes overlap, and no text runs off the figure."""
    fig.draw_without_rendering()
    for text in visible_texts(fig):
        box = text.get_window_extent()
        assert box.x0 >= 0, text.get_text()
        assert box.x1 <= fig.bbox.width, text.get_text()
    for ax in fig.axes:
        boxes = [(t.get_text(), t.get_window_extent()) for t in ax.texts if t.get_visible()]
        for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), f"{ta!r} overlaps {tb!r}"


def test_the_two_systems_figure_makes_the_point() -> None:
    a, b = systems()
    fig = two_systems_figure(7, a, b, D0 + timedelta(days=420))
    title = fig.get_suptitle()
    assert title.startswith("Child 7 in two systems: 9 social workers against 3")
    assert "34 weeks unseen against 2" in title
    assert "5 lapsed manager reviews against 0" in title
    top, bottom = fig.axes
    assert top.get_title(loc="left").startswith("lambeth_2020: 9 social workers, 34 weeks")
    assert bottom.get_title(loc="left").startswith("improvement: 3 social workers")
    # one gap label per handover, in each panel
    assert gap_labels(top) == [h.label for h in handovers(a.events)]
    assert len(gap_labels(top)) == 8
    assert len(gap_labels(bottom)) == 2
    # the settings that differ, under each panel, with their values
    assert "base staff turnover 17% a year" in top.get_xlabel().replace("\n", " ")
    assert "unlike improvement" in top.get_xlabel()
    assert "weekly list of children not seen: yes" in bottom.get_xlabel().replace("\n", " ")
    # a short legend; no lane for complaints nobody made
    assert len(fig.legends[0].get_texts()) <= 10
    assert "Complaints" not in [t.get_text() for t in top.get_yticklabels()]
    # slide-sized, no text under 11 pt, labels apart
    assert tuple(fig.get_size_inches()) == pytest.approx((13.33, 7.5))
    assert min(t.get_fontsize() for t in visible_texts(fig)) >= SLIDE_PT
    no_overlaps(fig)


def test_crowded_handover_labels_do_not_overlap() -> None:
    a, b = systems()
    crowded = System(a.label, churned_story(handovers_every=4, count=10), [], [], a.tally)
    fig = two_systems_figure(7, crowded, b, D0 + timedelta(days=420))
    assert len(gap_labels(fig.axes[0])) == 10
    no_overlaps(fig)


def test_the_projection_has_three_lanes_and_large_type() -> None:
    a, b = systems()
    fig = projection_figure(7, a, b, D0 + timedelta(days=420))
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_yticklabels()] == list(reversed(PROJECTION_LANES))
    size = fig.get_size_inches() * PROJECTION_DPI
    assert tuple(round(x) for x in size) == (1920, 1080)
    assert min(t.get_fontsize() for t in visible_texts(fig)) >= PROJECTION_PT
    assert len(gap_labels(fig.axes[0])) == 8
    no_overlaps(fig)
    box = fig.legends[0].get_window_extent()
    assert box.x0 >= 0, "the legend fits the width"
    assert box.x1 <= fig.bbox.width, "the legend fits the width"


def test_the_tally_reads_the_audit() -> None:
    events = churned_story(count=3)
    cfg = composition.compose_config([])
    findings = story.findings_and_gaps(events, cfg)[0]
    t = story.tally(events, findings)
    assert t.workers == 4
    beyond = [
        f.working_days - int(f.standard.split()[0]) for f in findings if f.kind == "visit_gap"
    ]
    assert beyond, "the story has visit gaps past the standard"
    assert t.weeks_unseen == round(sum(beyond) / 5)
    assert t.lapsed_reviews == sum(f.kind == "lapsed_manager_review" for f in findings)


# -- the settings that differ ---------------------------------------------------------


def test_the_settings_that_differ_between_lambeth_and_improvement() -> None:
    a = composition.compose_config(["scenario=lambeth_2020"])
    b = composition.compose_config(["scenario=improvement"])
    keys = [f.key for f in settings.differences(a, b)]
    assert "workforce.turnover_base" in keys, "the turnover difference is shown, not hidden"
    assert "scenario_name" not in keys
    assert all(not k.startswith("run.") for k in keys)
    lines_a, lines_b = settings.setting_lines(a, b)
    assert len(lines_a) == len(lines_b) == len(keys)
    assert "base staff turnover 17% a year" in lines_a
    assert "weekly list of children not seen: no" in lines_a
    assert "weekly list of children not seen: yes" in lines_b
    assert "manager time for case reviews 16 hours a week" in lines_b
    assert settings.differences(a, a) == []


def test_every_plain_word_names_a_key_of_the_schema() -> None:
    keys = {f.key for f in SCHEMA_FIELDS}
    assert set(settings.WORDS) <= keys
    assert set(settings.VALUE_WORDS) <= keys


def test_a_setting_without_plain_words_is_named_by_its_key() -> None:
    (field,) = [f for f in SCHEMA_FIELDS if f.key == "pathway.cpp_visit_interval_wd"]
    cfg = composition.compose_config(["pathway.cpp_visit_interval_wd=15"])
    assert settings.describe(field, cfg) == "cpp visit interval wd 15 working days"


def test_need_weeks_from_the_trace_are_dated_mondays(traced) -> None:
    trace = traced.need_trace
    weeks = trace.of(trace.children()[0])
    assert all(w.start.weekday() == 0 for w in weeks)
    assert all(w.seen is None or not math.isinf(w.seen) for w in weeks)
    assert mdates.date2num(weeks[0].end) - mdates.date2num(weeks[0].start) == 7
