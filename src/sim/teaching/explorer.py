"""``python -m sim.explorer``: an interactive page for people who do not program.

Runs a grid of staffing levels by social-worker turnover rates (five replications each)
and writes one self-contained HTML file (``<out>/drift_explorer.html``, ``--out`` a folder
as in every cpsim command): two sliders set the funded social work posts (a share of the
authority's) and the base turnover rate; the page shows the KPIs that resulted (the
turnover and caseload that resulted beside what was set), missed visits by plan type and
drift week by week, and one child's chronology in that system. The child is the same
family in every cell (same random streams); the page says how its story differs between
cells and why. All results are precomputed and embedded: the page needs no server and no
network, and can be emailed or put on a shared drive.

Both levers bind in the range shown: every step of each slider moves at least one headline
KPI beyond its 95% interval in some cell (:func:`inert_steps`; the command warns if one
does not). Further arguments are Hydra overrides applied to every cell (e.g.
``run.years=3``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from sim import composition
from sim.analysis import MIN_REPLICATIONS, rough_intervals_note, summarize, too_few
from sim.arguments import OneLineParser
from sim.case_events import CaseEvent
from sim.config import Config, ConfigError, validate
from sim.metrics import HEADLINE_KPIS, KPIS, weekly_series
from sim.report import resulted_label
from sim.results import ReplicationResult
from sim.runner import Job, Run, run_many, run_one
from sim.teaching.casefile import case_file
from sim.teaching.chronology import EVENT_LABELS
from sim.teaching.story import (
    compose_config,
    findings_and_gaps,
    pick_child,
    record_end,
    record_start,
)
from sim.userfiles import check_writable, write_text

STAFFING = (0.8, 0.9, 1.0, 1.1)
"""Funded posts as a share of the authority's (``authority.social_workers``): a fifth fewer
to a tenth more. Every step moves visits and drift beyond their intervals (docs/teaching.md)."""
TURNOVERS = (0.04, 0.087, 0.174)
"""Base leaving hazards a year: about half the default, the default (calibrated to 15.9% a
year resulting) and lambeth_2020's 0.174 (about a third resulting at full staffing, near the
highest rates authorities record). Steps half as large move the KPIs by about their
intervals only, so a slider step would not show a difference a room can trust."""
PAGE_KPIS = (
    "cpp_visits_on_time",
    "cin_visits_on_time",
    "drift_share",
    "cpp_unseen_share",
    "workers_per_child",
    "unallocated_days_mean",
    "turnover_rate",
    "caseload_mean",
)
"""The KPIs the page shows as cards, in order; labels, units and directions from ``metrics.KPIS``."""
CHECKED_KPIS = tuple(dict.fromkeys((*HEADLINE_KPIS, *PAGE_KPIS)))
"""The KPIs summarised for every cell: the cards and the headline KPIs (:func:`inert_steps`)."""
SERIES = {
    "missed_cpp": ("cpp_visits_on_time", True, "CPP visits missed"),
    "missed_cin": ("cin_visits_on_time", True, "CiN visits missed"),
    "drift": ("drift_share", False, "Plan-days in drift"),
}
"""The chart's weekly series: the KPI, whether it is drawn as its complement, the label."""
SMOOTH_WEEKS = 4
DEFAULT_REPLICATIONS = MIN_REPLICATIONS
"""Replications per cell: the fewest whose 95% intervals the page shows (analysis.too_few)."""
PAGE_NAME = "drift_explorer.html"
SLIDERS = {
    "staffing": ("authority.social_workers", "Funded social work posts set", "funded posts set"),
    "turnover": ("workforce.turnover_base", "Base turnover rate set", "base rate set"),
}
"""The page's sliders: the parameter each sets, the slider's label, and the words a card
uses for the setting beside what resulted (:func:`cell_config`)."""
DECIMALS = {"workers_per_child": 2}
"""Cards shown with more than one decimal: a tenth of a worker per child is a large step."""
RESULTED_BY = {"turnover_rate": "turnover", "caseload_mean": "staffing"}
"""Cards that show what resulted from a slider's setting, with the setting beside them."""
UNALLOCATED_NOTE = (
    "Waiting for a social worker: a new case waits when every worker in the family's team "
    "is at the caseload cap or their posts are vacant, and a case waits again when its "
    "worker leaves, moves team or goes on long absence. Fewer posts and more leavers make "
    "the wait longer; the duty service covers urgent visits meanwhile."
)
SAME_CHILD_NOTE = (
    "The same family in every system: the same referral, the same events in the family's "
    "life, drawn from the same random numbers. What differs is the system's response: who "
    "is free to take the case, when visits happen, what a visit sees, and so when the plan "
    "changes or ends. After the first different decision the two stories can part widely; "
    "the table shows how this child fared in each system."
)


def posts_key(share: float) -> str:
    """How a staffing share appears in a cell's key (6 significant figures)."""
    return f"{share:g}"


def turnover_key(turnover: float) -> str:
    """How a turnover rate appears in a cell's key (6 significant figures)."""
    return f"{turnover:g}"


@dataclass(frozen=True)
class Cell:
    """One precomputed system: a staffing share and a base turnover rate."""

    staffing: float
    turnover: float

    @property
    def key(self) -> str:
        """The cell's key in the page's data."""
        return f"{posts_key(self.staffing)}|{turnover_key(self.turnover)}"


def funded_posts(base: Config, staffing: float) -> int:
    """The funded posts at a staffing share of ``base``'s (at least one)."""
    return max(1, round(base.authority.social_workers * staffing))


def cell_config(base: Config, cell: Cell) -> Config:
    """``base`` with the cell's funded posts and base turnover rate."""
    authority = replace(base.authority, social_workers=funded_posts(base, cell.staffing))
    workforce = replace(base.workforce, turnover_base=cell.turnover)
    return validate(replace(base, authority=authority, workforce=workforce))


def _cell_output(run: Run, child_id: int | None) -> tuple[ReplicationResult, Any]:
    """What the page keeps of a cell's replication: its result, and the child's story.

    Runs in the worker process (sim.runner), so the model never crosses processes.
    """
    story = None
    if child_id is not None and run.case_log is not None and child_id in run.case_log.entries:
        case = case_file(run.case_log, run.cal, child_id, run.cfg.run.seed)
        story = _story_json(case.events, run.cfg, record_end(run), record_start(run))
        story["picture"] = case.header()
    return run.result, story


def _story_json(events: list[CaseEvent], cfg: Config, end: date, start: date) -> dict[str, Any]:
    findings, visit_gaps, review_gaps = findings_and_gaps(events, cfg, end, start)
    return {
        "events": [
            {
                "date": e.date.isoformat(),
                "event": e.event,
                "label": EVENT_LABELS[e.event],
                "worker": e.worker,
                "detail": e.detail,
            }
            for e in events
        ],
        "visit_gaps": [[g.start.isoformat(), g.end.isoformat()] for g in visit_gaps],
        "findings": [f.message for f in findings],
        "workers": len({e.worker for e in events if e.event == "worker_change"}),
        "visits": sum(e.event == "visit" for e in events),
        "no_access": sum(e.event == "no_access" for e in events),
    }


def _weekly(results: list, kpi: str, miss: bool = False) -> dict[str, list]:
    """A KPI week by week (display unit), smoothed; mean, low and high over replications.

    ``miss``: the complement of a share (missed visits rather than visits on time).
    """
    scale = KPIS[kpi].scale
    series = []
    for r in results:
        values = weekly_series(kpi, r.timeseries, SMOOTH_WEEKS, centred=True)
        series.append(scale * (1 - values) if miss else scale * values)
    stacked = np.vstack(series)
    with np.errstate(all="ignore"):
        return {
            "mean": np.round(np.nanmean(stacked, axis=0), 2).tolist(),
            "low": np.round(np.nanmin(stacked, axis=0), 2).tolist(),
            "high": np.round(np.nanmax(stacked, axis=0), 2).tolist(),
        }


def _check_grid(staffing: Sequence[float], turnovers: Sequence[float], replications: int) -> None:
    """Refuse a grid the page cannot show, in one line naming the option."""
    if replications < 1:
        raise ConfigError(f"--replications: {replications}; allowed: >= 1")
    for flag, values, key in (
        ("--staffing", staffing, posts_key),
        ("--turnovers", turnovers, turnover_key),
    ):
        keys = [key(v) for v in values]
        if not values or len(set(keys)) < len(keys):
            raise ConfigError(
                f"{flag}: {list(values)}; allowed: values distinct to 6 significant figures"
            )


def build_data(
    base: Config,
    staffing: Sequence[float] = STAFFING,
    turnovers: Sequence[float] = TURNOVERS,
    replications: int = DEFAULT_REPLICATIONS,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run every cell and return the page's data (JSON-ready)."""
    _check_grid(staffing, turnovers, replications)
    cells = [Cell(p, t) for p in staffing for t in turnovers]
    reference = min(
        cells,
        key=lambda c: (abs(c.staffing - 1.0), abs(c.turnover - base.workforce.turnover_base)),
    )
    child_id = pick_child(run_one(cell_config(base, reference), 0, case_log=True))
    keys = [(cell, r) for cell in cells for r in range(replications)]
    # replication 0 of each cell logs its cases, for the child's story in that system
    jobs = [Job(cell_config(base, cell), r, case_log=r == 0) for cell, r in keys]
    keep = partial(_cell_output, child_id=child_id)
    runs = run_many(jobs, keep, n_jobs or 0, progress, desc="explorer: cells x replications")
    outputs = dict(zip(keys, runs, strict=True))
    intervals = not too_few(replications)
    data: dict[str, Any] = {
        "sliders": {
            "staffing": {
                "label": SLIDERS["staffing"][1],
                "keys": [posts_key(p) for p in staffing],
                "ticks": [f"{funded_posts(base, p)} ({p:.0%})" for p in staffing],
                "index": list(staffing).index(reference.staffing),
            },
            "turnover": {
                "label": SLIDERS["turnover"][1],
                "keys": [turnover_key(t) for t in turnovers],
                "ticks": [f"{100 * t:.4g}% a year" for t in turnovers],
                "index": list(turnovers).index(reference.turnover),
            },
        },
        "staffing": list(staffing),
        "turnovers": list(turnovers),
        "posts": [funded_posts(base, p) for p in staffing],
        "reference": reference.key,
        "smooth_weeks": SMOOTH_WEEKS,
        "drift_no_progress_weeks": base.pathway.drift_no_progress_weeks,
        "known_risk_action_weeks": base.pathway.known_risk_action_weeks,
        "caseload_cap": base.workforce.caseload_cap,
        "cpp_visit_interval_wd": base.pathway.cpp_visit_interval_wd,
        "cin_visit_interval_wd": base.pathway.cin_visit_interval_wd,
        "child_id": child_id,
        "replications": replications,
        "intervals": intervals,
        "seed": base.run.seed,
        "years": base.run.years,
        "authority": base.authority.name,
        "kpis": {k: _card_meta(k) for k in PAGE_KPIS},
        "rough_note": "" if intervals else _no_intervals_note(replications),
        "unallocated_note": UNALLOCATED_NOTE,
        "same_child_note": SAME_CHILD_NOTE,
        "series_labels": {key: label for key, (_, _, label) in SERIES.items()},
        "cells": {},
    }
    for cell in cells:
        results = [outputs[cell, r][0] for r in range(replications)]
        summary = summarize([r.kpis for r in results], list(CHECKED_KPIS))
        data["cells"][cell.key] = {
            "kpis": {
                str(row["kpi"]): [display_value(row, k) for k in ("mean", "ci_low", "ci_high")]
                for row in summary
            },
            "weeks": [row["week_start"] for row in results[0].timeseries],
            "measured": [row["measured"] for row in results[0].timeseries],
            **{key: _weekly(results, kpi, miss) for key, (kpi, miss, _) in SERIES.items()},
            "story": outputs[cell, 0][1],
        }
    data["inert"] = inert_steps(data) if intervals else []
    return data


def _card_meta(kpi: str) -> dict[str, Any]:
    """A card's label, units and direction, and the slider that sets what it resulted from."""
    slider = RESULTED_BY.get(kpi)
    return {
        "label": resulted_label(KPIS[kpi]) if slider else KPIS[kpi].label,
        "unit": KPIS[kpi].display_unit,
        "difference_unit": KPIS[kpi].difference_unit,
        "higher_is_better": KPIS[kpi].higher_is_better,
        "decimals": DECIMALS.get(kpi, 1),
        "set": {"slider": slider, "words": SLIDERS[slider][2]} if slider else None,
    }


def _no_intervals_note(replications: int) -> str:
    """Why the page shows no intervals, and how to get them."""
    return (
        f"{rough_intervals_note(replications)} This page therefore shows no intervals: "
        f"re-make it with --replications {MIN_REPLICATIONS} or more."
    )


def inert_steps(data: dict[str, Any]) -> list[str]:
    """The slider steps that move no headline KPI beyond its interval in any cell.

    A step (two neighbouring values of one slider) binds when, for some value of the other
    slider, some headline KPI's 95% intervals in the two cells do not overlap. The KPI that
    merely reports a slider's own setting as it resulted (the turnover that resulted for the
    turnover slider) does not count for that slider. Returns one sentence per inert step;
    empty when every lever binds.
    """
    names = {"staffing": data["staffing"], "turnover": data["turnovers"]}
    keys = {name: data["sliders"][name]["keys"] for name in names}
    inert = []
    for name, other in (("staffing", "turnover"), ("turnover", "staffing")):
        own = {k for k, slider in RESULTED_BY.items() if slider == name}
        checked = [k for k in HEADLINE_KPIS if k not in own]
        for i in range(len(keys[name]) - 1):
            if not any(
                _apart(data, _key(name, keys[name][i], o), _key(name, keys[name][i + 1], o), k)
                for o in keys[other]
                for k in checked
            ):
                inert.append(
                    f"{data['sliders'][name]['label']}: the step from "
                    f"{data['sliders'][name]['ticks'][i]} to {data['sliders'][name]['ticks'][i + 1]} "
                    "moves no headline KPI beyond its 95% interval in any cell"
                )
    return inert


def _key(slider: str, value_key: str, other_key: str) -> str:
    """The cell key for ``slider`` at ``value_key`` and the other slider at ``other_key``."""
    return f"{value_key}|{other_key}" if slider == "staffing" else f"{other_key}|{value_key}"


def _apart(data: dict[str, Any], a: str, b: str, kpi: str) -> bool:
    """Whether ``kpi``'s 95% intervals in cells ``a`` and ``b`` do not overlap.

    False when either cell is not in ``data`` (a partial grid, e.g. the cells along each
    slider that sim.teaching.facts runs).
    """
    if a not in data["cells"] or b not in data["cells"]:
        return False
    low_a, high_a = data["cells"][a]["kpis"][kpi][1:]
    low_b, high_b = data["cells"][b]["kpis"][kpi][1:]
    if any(v is None or np.isnan(v) for v in (low_a, high_a, low_b, high_b)):
        return False
    return high_a < low_b or high_b < low_a


def display_value(row: dict, key: str) -> float:
    """A summary value in its KPI's display unit (shares in %), to two decimals (the page shows one)."""
    value = float(row[key])
    if np.isnan(value):
        return value
    return round(KPIS[str(row["kpi"])].scale * value, 2)


def write_page(data: dict[str, Any], path: Path) -> Path:
    """Write the self-contained page; a half-written page is never left in place.

    Raises:
        OutputError: the page cannot be written there (one line naming it).

    """
    payload = json.dumps(_without_nan(data), separators=(",", ":"), allow_nan=False)
    page = TEMPLATE.replace("/*DATA*/null", payload.replace("</", "<\\/"))
    return write_text(path, page)


def _without_nan(value: Any) -> Any:
    """``value`` with NaN (e.g. an interval from one replication) as None, JSON's null."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nan(v) for v in value]
    return value


def _numbers(flag: str, text: str, kind: type, low: float, high: float) -> list:
    """Parse a comma-separated list of numbers in [low, high], or raise a one-line error."""
    try:
        values = [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{flag}: {text!r} is not a comma-separated list of numbers") from None
    bad = [v for v in values if not low <= v <= high]
    if not values or bad:
        raise ConfigError(f"{flag}: {bad or text!r} out of range; allowed: {low:g} to {high:g}")
    return sorted(set(values))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(
        prog="python -m sim.explorer", description=__doc__.splitlines()[0].split(": ", 1)[1]
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for every cell")
    parser.add_argument("--scenario", default="baseline", help="scenario the grid starts from")
    parser.add_argument(
        "--replications",
        type=int,
        default=DEFAULT_REPLICATIONS,
        help=f"replications per cell (intervals are shown from {MIN_REPLICATIONS})",
    )
    parser.add_argument(
        "--staffing",
        default=",".join(f"{p:g}" for p in STAFFING),
        help="funded posts as shares of the authority's, comma-separated (0.8 = a fifth fewer)",
    )
    parser.add_argument(
        "--turnovers",
        default=",".join(f"{t:g}" for t in TURNOVERS),
        help="base turnover rates a year (0-1), comma-separated",
    )
    parser.add_argument("--n-jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results") / "explorer",
        help=f"folder for the page ({PAGE_NAME}); made if missing",
    )
    args = parser.parse_args(argv)
    try:
        composition.refuse_ignored(
            args.overrides,
            "the explorer",
            {
                "run.replications": "use --replications",
                "run.n_jobs": "use --n-jobs",
                "authority.social_workers": "the grid sets it: use --staffing",
                "workforce.turnover_base": "the grid sets it: use --turnovers",
            },
            "--out FOLDER",
        )
        staffing = _numbers("--staffing", args.staffing, float, 0.05, 5.0)
        turnovers = _numbers("--turnovers", args.turnovers, float, 0.0, 1.0)
        base = compose_config(args.scenario, args.overrides)
        check_writable(args.out)  # before the cells are run, not after
        data = build_data(base, staffing, turnovers, args.replications, args.n_jobs)
        page = write_page(data, args.out / PAGE_NAME)
    except ConfigError as exc:
        print(f"sim.explorer: error: {exc}", file=sys.stderr)
        return 2
    for sentence in data["inert"]:
        print(f"sim.explorer: warning: {sentence}", file=sys.stderr)
    print(page)
    return 0


TEMPLATE = (Path(__file__).with_name("explorer_page.html")).read_text(encoding="utf-8")

if __name__ == "__main__":
    sys.exit(main())
