"""``python -m sim.story``: one simulated child's story, told as a chronology and a timeline.

Runs one replication of a scenario with the case log on, picks a child (or takes
``--child``), and writes to ``--out`` (default ``results/stories/<scenario>-child<N>/``):

* ``chronology.md`` - the dated events as a table, then what a case audit finds;
* ``chronology.csv`` - the same events in the case-audit file format (docs/audit.md);
* ``timeline.png`` - the chronology drawn as a timeline, slide-sized, with the child's
  need beside what the service saw of it, and the weeks the plan was in drift;
* ``team_board.html`` and ``team_board.png`` - the manager's view: the board of the team
  holding the child, week by week (teaching/board.py).

With ``--versus SCENARIO`` the same child (same random streams) also lives through the
second scenario: ``two_systems.png`` draws both timelines one above the other, with each
system's tallies, each handover's wait for a visit and the settings that differ;
``two_systems_projection.png`` the same in three lanes and large type, for a projector
(1920 x 1080); ``versus/`` holds the second chronology.

With ``--decision-points`` (points chosen from the chronology) or ``--pause DATE,DATE``
it also writes ``decisions.html``: pause and predict at each point (teaching/decisions.py).

When no child is named, the story picks an illustrative one: a child re-referred after an
early closure, with the most changes of social worker (seed 002: six social workers).
Further arguments are Hydra overrides, e.g. ``workforce.turnover_base=0.3``.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from sim import composition
from sim.arguments import OneLineParser
from sim.case_events import CaseEvent
from sim.config import Config, ConfigError
from sim.plots import save
from sim.runner import Run, run_one
from sim.teaching import decisions
from sim.teaching.board import write_board
from sim.teaching.casefile import case_file, numbered
from sim.teaching.chronology import chronology, to_markdown, write_csv
from sim.teaching.settings import setting_lines
from sim.teaching.timeline import (
    PROJECTION_DPI,
    Span,
    System,
    Tally,
    is_handover,
    projection_figure,
    timeline_figure,
    two_systems_figure,
)
from sim.userfiles import check_writable, staged

EARLY_CLOSURE_DAYS = 120
"""A case closed within this many days of its referral counts as an early closure."""
REREFERRAL_WINDOW_DAYS = 365
"""A re-referral within this many days of a closure counts as the case coming back."""
STORIES = Path("results") / "stories"
"""Where stories go without ``--out``: one folder per scenario and child."""


@dataclass(frozen=True)
class StoryScore:
    """Why a child makes an illustrative story: higher is better, compared in order."""

    early_closure_rereferral: bool
    workers: int
    on_cpp: bool
    events: int


def score(events: Sequence[CaseEvent]) -> StoryScore:
    """How illustrative a chronology is (a re-referral after early closure, many workers)."""
    comeback = False
    referred: date | None = None
    closed_early: date | None = None
    for e in events:
        if e.event == "referral":
            if closed_early and (e.date - closed_early).days <= REREFERRAL_WINDOW_DAYS:
                comeback = True
            referred = e.date
        elif e.event == "closure" and referred is not None:
            early = (e.date - referred).days <= EARLY_CLOSURE_DAYS
            closed_early = e.date if early else None
    workers = {e.worker for e in events if e.event == "worker_change"}
    return StoryScore(
        early_closure_rereferral=comeback,
        workers=len(workers),
        on_cpp=any(e.event == "cpp_start" for e in events),
        events=len(events),
    )


def pick_child(model: Run) -> int:
    """The most illustrative child referred during the run (lowest id on ties)."""
    log, cal = model.log, model.cal
    candidates = [
        cid
        for cid in log.children()
        if log.entries[cid] and log.entries[cid][0][1] == "referral" and log.entries[cid][0][0] >= 0
    ]
    if not candidates:
        raise ConfigError("no child was referred during the run: run for longer (run.years)")

    def key(cid: int) -> tuple:
        s = score(chronology(log, cal, cid))
        return (s.early_closure_rereferral, s.workers, s.on_cpp, s.events, -cid)

    return max(candidates, key=key)


@dataclass(frozen=True)
class HandoverCost:
    """Days between visits to children on a CPP, with and without a handover in between."""

    with_handover: list[int]
    without: list[int]

    def summary(self) -> str:
        """One plain sentence for the console and the chronology's notes."""
        if not self.with_handover or not self.without:
            return "No handovers between visits to a child on a child protection plan in this run."
        w, o = np.array(self.with_handover), np.array(self.without)
        return (
            f"What a handover costs a child, across this run: a gap between visits to a child "
            f"on a child protection plan that spans a handover lasts {w.mean():.1f} days on "
            f"average and one in ten lasts {np.percentile(w, 90):.0f} days or more "
            f"({len(w)} gaps); without a handover {o.mean():.1f} days, and one in ten "
            f"{np.percentile(o, 90):.0f} or more ({len(o)} gaps)."
        )


def handover_cost(chronologies: Iterable[Sequence[CaseEvent]]) -> HandoverCost:
    """Split the gaps between CPP visits by whether the worker left in between.

    A gap runs from the plan's start or a visit to the next visit on the same plan; it
    spans a handover when a ``worker_change`` that is a handover (a previous worker left,
    moved team or went on long absence, or the case moved to the long-term team) falls in it.
    """
    with_handover: list[int] = []
    without: list[int] = []
    for events in chronologies:
        last: date | None = None
        handover = False
        for e in events:
            if e.event == "cpp_start":
                last, handover = e.date, False
            elif e.event in {"cpp_end", "closure", "care", "transfer_out"}:
                last = None
            elif last is not None and is_handover(e):
                handover = True
            elif last is not None and e.event == "visit":
                (with_handover if handover else without).append((e.date - last).days)
                last, handover = e.date, False
    return HandoverCost(with_handover, without)


def run_logged(
    cfg: Config, replication: int = 0, need_trace: bool = False, child: int | None = None
) -> Run:
    """Run one replication of ``cfg`` with every child's events and every team's boards logged.

    With ``need_trace`` it also keeps the need lane of ``child``'s timeline (of every
    child when None, so one can be picked after the run).
    """
    follow = None if child is None else {child}
    return run_one(
        cfg, replication, case_log=True, team_board=True, need_trace=need_trace, follow=follow
    )


def record_start(model: Run) -> date:
    """The first day the model records planned work: the run's first day (day 0).

    Plans in place on day 0 started before it (back-dated, demand.prepopulate), and their
    visits before the run are not in the record.
    """
    return model.cal.date_of(0)


def record_end(model: Run) -> date:
    """The last day the model's weekly plans cover.

    Visits, manager reviews and casework are planned a week at a time (casework.py); a
    run that ends part-way through a week plans nothing in that last part, so a
    chronology is complete only up to the end of the last planned week.
    """
    weeks = model.rec.weeks
    last = weeks[-1].day + 6 if weeks else 0
    return model.cal.date_of(min(last, model.end_day - 1))


def findings_and_gaps(
    events: Sequence[CaseEvent], cfg: Config, end: date | None = None, start: date | None = None
) -> tuple[list, list[Span], list[Span]]:
    """Audit a chronology; return the findings and the visit and review gaps to shade.

    ``end`` is the last day the record is complete to (:func:`record_end`): nothing due
    after it is looked for. ``start`` (:func:`record_start`) is the first day the record
    of a plan's work (visits, core groups, manager reviews, review conferences) is
    complete from: a plan in place on day 0 began before it, and what was done on it
    before the run is not in the record.
    """
    from sim.case_events import EVENT_TYPES
    from sim.teaching.audit.files import Chronology, Window
    from sim.teaching.audit.rules import GAP_RECORDS, audit
    from sim.teaching.audit.standards import standards_from_config

    chron = Chronology.from_events(events)
    if end is not None and events:
        first = min(e.date for e in events)
        window = Window(first, max(end, first))
        records = dict.fromkeys(EVENT_TYPES, window)
        if start is not None:
            planned_from = min(max(first, start), window.end)
            for event in (*GAP_RECORDS.values(), "rcpc"):
                records[event] = Window(planned_from, window.end)
        chron = Chronology.from_events(events, complete_records=records)
    findings = audit(chron, standards_from_config(cfg))
    visit_gaps: list[Span] = []
    review_gaps: list[Span] = []
    for f in findings:
        dates = [ref.date for ref in f.events]
        if not dates:
            continue
        span = Span(min(dates), max(dates))
        if f.kind == "visit_gap":
            visit_gaps.append(span)
        elif f.kind == "lapsed_manager_review":
            review_gaps.append(span)
    return findings, visit_gaps, review_gaps


def end_date(model: Run) -> date:
    """The last day of the run."""
    return model.cal.date_of(model.end_day)


def write_story(model: Run, child_id: int, out_dir: Path, label: str) -> dict[str, Path]:
    """Write one child's chronology (Markdown, CSV) and timeline to ``out_dir``.

    The chronology opens with the child's pen picture and names every worker
    (teaching/casefile.py); the timeline numbers the social workers in the order the
    child met them.
    """
    case = case_file(model.log, model.cal, child_id, model.cfg.run.seed)
    events = case.events
    findings, visit_gaps, review_gaps = findings_and_gaps(
        events, model.cfg, record_end(model), record_start(model)
    )
    s = score(events)
    title = f"Child {child_id} ({case.picture.pseudonym}) in the {label} scenario"
    notes = [
        f"Simulated by cpsim: seed {model.cfg.run.seed}, replication {model.model.replication}, "
        f"{model.cfg.authority.name} authority, run ending {end_date(model):%d %b %Y}.",
        f"{len(events)} events; {s.workers} social workers; "
        f"{sum(e.event == 'visit' for e in events)} visits; "
        f"{sum(e.event == 'referral' for e in events)} referrals.",
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": out_dir / "chronology.md",
        "csv": out_dir / "chronology.csv",
        "timeline": out_dir / "timeline.png",
    }
    paths["markdown"].write_text(to_markdown(events, title, notes, findings, case.header()))
    write_csv(events, paths["csv"])
    need = model.need_trace.of(child_id) if model.need_trace is not None else []
    fig = timeline_figure(
        numbered(case.coded),
        title,
        end_date(model),
        visit_gaps,
        review_gaps,
        need,
        model.cfg.need.high_threshold,
    )
    save(fig, paths["timeline"])
    return paths


def tally(events: Sequence[CaseEvent], findings: Sequence) -> Tally:
    """A story's tallies: its social workers, and what the audit finds of visits and reviews.

    Weeks unseen add up, over the audit's visit gaps, the working days each gap ran past
    its standard, in weeks of five working days (rounded).
    """
    beyond = sum(
        max(0, (f.working_days or 0) - int(f.standard.split()[0]))
        for f in findings
        if f.kind == "visit_gap"
    )
    return Tally(
        workers=score(events).workers,
        weeks_unseen=round(beyond / 5),
        lapsed_reviews=sum(f.kind == "lapsed_manager_review" for f in findings),
    )


def compose_config(scenario: str, overrides: Sequence[str]) -> Config:
    """Compose conf/ with ``scenario`` and ``overrides`` as the main command does.

    Raises:
        ConfigError: with one line naming the key and what is allowed, for bad input.

    """
    return composition.compose_config([f"scenario={scenario}", *overrides])


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(
        prog="python -m sim.story", description=__doc__.splitlines()[0].split(": ", 1)[1]
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. run.seed=7")
    parser.add_argument("--scenario", default="baseline", help="scenario (conf/scenario/)")
    parser.add_argument("--child", type=int, default=None, help="child id (default: pick one)")
    parser.add_argument("--versus", default=None, help="a second scenario for the same child")
    parser.add_argument("--replication", type=int, default=0, help="replication index")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument(
        "--decision-points",
        action="store_true",
        help="also write decisions.html (pause and predict)",
    )
    parser.add_argument(
        "--pause", type=decisions.parse_dates, default=None, help="decision points at these dates"
    )
    args = parser.parse_args(argv)
    try:
        if args.replication < 0:
            raise ConfigError(f"--replication: {args.replication} is negative; allowed: >= 0")
        composition.refuse_ignored(
            args.overrides,
            "the story",
            {
                "run.replications": "a story is one replication: choose it with --replication",
                "run.n_jobs": "a story runs one replication in one process",
            },
            "--out FOLDER",
        )
        cfg = compose_config(args.scenario, args.overrides)
        cfg_b = compose_config(args.versus, args.overrides) if args.versus else None
        check_writable(args.out or STORIES)  # before the run, not after
        print(
            f"Running {args.scenario} (one replication, {cfg.run.years:g} years)...",
            file=sys.stderr,
        )
        model = run_logged(cfg, args.replication, need_trace=True, child=args.child)
        child_id = pick_child(model) if args.child is None else args.child
        if child_id not in model.log.entries:
            raise ConfigError(
                f"--child: no child {child_id} in this run; allowed: 0 to {len(model.model.children) - 1}"
            )
        other = None
        if cfg_b is not None:
            print(f"Running {args.versus} for the same child...", file=sys.stderr)
            other = run_logged(cfg_b, args.replication, need_trace=True, child=child_id)
            _check_same_child(model, other, child_id, args)
        paused = _decisions(model, child_id, args) if args.decision_points or args.pause else None
        # every user error is found before anything is written; the files are written
        # to a staging folder and moved into place together (sim.userfiles.staged)
        out = args.out or STORIES / f"{args.scenario}-child{child_id}"
        with staged(out) as staging:
            paths = write_story(model, child_id, staging, args.scenario)
            paths.update(write_board(model, child_id, staging, args.scenario))
            if other is not None:
                paths.update(_versus(model, other, child_id, args, staging))
            if paused is not None:
                paths["decisions"] = paused.write(staging / "decisions.html")
        paths = {name: out / path.relative_to(staging) for name, path in paths.items()}
    except (ConfigError, OSError) as exc:
        message = " ".join(str(exc).splitlines())
        print(f"sim.story: error: {message}", file=sys.stderr)
        return 2
    cost = handover_cost(chronology(model.log, model.cal, c) for c in model.log.children())
    print(textwrap.fill(cost.summary(), width=100))
    print(f"Child {child_id}:")
    for name, path in paths.items():
        print(f"  {name:<12} {path}")
    return 0


def _decisions(model: Run, child_id: int, args: argparse.Namespace) -> decisions.Paused:
    """The child's story with its decision points (at ``--pause`` dates, else chosen).

    The events name people (teaching/casefile.py), as the chronology does.
    """
    events = case_file(model.log, model.cal, child_id, model.cfg.run.seed).events
    findings = findings_and_gaps(events, model.cfg, record_end(model), record_start(model))[0]
    title = f"Child {child_id} in the {args.scenario} scenario"
    return decisions.paused_story(events, findings, model.cfg, title, args.pause)


def _check_same_child(model: Run, other: Run, child_id: int, args: argparse.Namespace) -> None:
    """Raise a ConfigError unless ``child_id`` is the same child in both runs."""
    if child_id not in other.log.entries:
        raise ConfigError(f"--versus: child {child_id} is never referred under {args.versus}")
    a = chronology(model.log, model.cal, child_id)
    b = chronology(other.log, other.cal, child_id)
    first_a = next((e.date for e in a if e.event == "referral"), None)
    first_b = next((e.date for e in b if e.event == "referral"), None)
    if first_a != first_b:
        raise ConfigError(
            f"--versus: {args.scenario} and {args.versus} differ in demand, so child {child_id} "
            "is not the same child in both; compare scenarios with the same referrals"
        )


def _versus(
    model: Run, other: Run, child_id: int, args: argparse.Namespace, out: Path
) -> dict[str, Path]:
    paths = write_story(other, child_id, out / "versus", args.versus)
    a, b = two_systems(model, other, child_id, (args.scenario, args.versus))
    end = min(end_date(model), end_date(other))
    projection = projection_figure(child_id, a, b, end)
    return {
        "versus": paths["markdown"],
        "two_systems": save(two_systems_figure(child_id, a, b, end), out / "two_systems.png"),
        "projection": save(projection, out / "two_systems_projection.png", dpi=PROJECTION_DPI),
    }


def two_systems(
    model: Run, other: Run, child_id: int, labels: tuple[str, str]
) -> tuple[System, System]:
    """The child's story in each run, audited and tallied, with the settings that differ."""
    settings = setting_lines(model.cfg, other.cfg)
    systems = []
    for run, label, lines in zip((model, other), labels, settings, strict=True):
        events = chronology(run.log, run.cal, child_id)
        findings, visit_gaps, review_gaps = findings_and_gaps(
            events, run.cfg, record_end(run), record_start(run)
        )
        # social workers by number, in the order the child met them (as on the timelines
        # and in each chronology's list of who's who)
        shown = numbered(events)
        systems.append(
            System(label, shown, visit_gaps, review_gaps, tally(events, findings), lines)
        )
    return systems[0], systems[1]


if __name__ == "__main__":
    sys.exit(main())
