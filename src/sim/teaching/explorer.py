"""``python -m sim.explorer``: an interactive page for people who do not program.

Runs a grid of caseload caps by social-worker turnover rates (a few replications each)
and writes one self-contained HTML file (``results/explorer/drift_explorer.html``): two
sliders set the caseload cap and the base turnover rate; the page shows the KPIs that
resulted (the turnover and caseload that resulted beside the setting), missed visits
and drift week by week, and one child's chronology in that system. The child is the
same in every cell (same random streams), so moving a slider shows how the same child's
story changes. All results are precomputed and embedded: the page needs no server and no
network, and can be emailed or put on a shared drive.

Further arguments are Hydra overrides applied to every cell (e.g. ``run.years=3``).
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
from sim.analysis import rough_intervals_note, summarize, too_few
from sim.arguments import OneLineParser
from sim.case_events import CaseEvent
from sim.config import Config, ConfigError, validate
from sim.metrics import KPIS, weekly_series
from sim.report import SET_BESIDE, resulted_label
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
from sim.userfiles import check_file_writable, write_text

CAPS = (14, 18, 22, 26)
TURNOVERS = (0.10, 0.15, 0.25, 0.35)
PAGE_KPIS = (
    "visits_on_time",
    "drift_share",
    "cpp_unseen_share",
    "turnover_rate",
    "caseload_mean",
    "unallocated_days_mean",
)
"""The KPIs the page shows, in order; labels, units and directions from ``metrics.KPIS``."""
SMOOTH_WEEKS = 4
SLIDERS = {"cap": "workforce.caseload_cap", "turnover": "workforce.turnover_base"}
"""The page's sliders and the parameter each sets (:func:`cell_config`)."""


def set_beside(kpi: str) -> dict[str, str] | None:
    """Which slider sets the parameter a KPI shares its name with, and what it is called.

    For example turnover_rate: the turnover slider, "base rate set" (report.SET_BESIDE).
    None if no slider sets it.
    """
    key, words, _ = SET_BESIDE.get(kpi, ("", "", ""))
    slider = next((name for name, param in SLIDERS.items() if param == key), None)
    return {"slider": slider, "words": words} if slider else None


def turnover_key(turnover: float) -> str:
    """How a turnover rate appears in a cell's key (6 significant figures)."""
    return f"{turnover:g}"


@dataclass(frozen=True)
class Cell:
    """One precomputed system: a caseload cap and a turnover rate."""

    cap: int
    turnover: float

    @property
    def key(self) -> str:
        """The cell's key in the page's data."""
        return f"{self.cap}|{turnover_key(self.turnover)}"


def cell_config(base: Config, cell: Cell) -> Config:
    """``base`` with the cell's caseload cap and turnover."""
    workforce = replace(base.workforce, caseload_cap=cell.cap, turnover_base=cell.turnover)
    return validate(replace(base, workforce=workforce))


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
    return {
        "mean": np.round(stacked.mean(axis=0), 2).tolist(),
        "low": np.round(stacked.min(axis=0), 2).tolist(),
        "high": np.round(stacked.max(axis=0), 2).tolist(),
    }


def build_data(
    base: Config,
    caps: Sequence[int] = CAPS,
    turnovers: Sequence[float] = TURNOVERS,
    replications: int = 3,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run every cell and return the page's data (JSON-ready)."""
    if replications < 1:
        raise ConfigError(f"--replications: {replications}; allowed: >= 1")
    if not caps or len(set(caps)) < len(caps):
        raise ConfigError(f"--caps: {list(caps)}; allowed: distinct caseload caps")
    turnover_keys = [turnover_key(t) for t in turnovers]
    if not turnovers or len(set(turnover_keys)) < len(turnover_keys):
        raise ConfigError(
            f"--turnovers: {list(turnovers)}; allowed: rates distinct to 6 significant figures"
        )
    cells = [Cell(c, t) for c in caps for t in turnovers]
    reference = min(
        cells,
        key=lambda c: (
            abs(c.cap - base.workforce.caseload_cap),
            abs(c.turnover - base.workforce.turnover_base),
        ),
    )
    child_id = pick_child(run_one(cell_config(base, reference), 0, case_log=True))
    keys = [(cell, r) for cell in cells for r in range(replications)]
    # replication 0 of each cell logs its cases, for the child's story in that system
    jobs = [Job(cell_config(base, cell), r, case_log=r == 0) for cell, r in keys]
    keep = partial(_cell_output, child_id=child_id)
    runs = run_many(jobs, keep, n_jobs or 0, progress, desc="explorer: cells x replications")
    outputs = dict(zip(keys, runs, strict=True))
    data: dict[str, Any] = {
        "caps": list(caps),
        "turnovers": list(turnovers),
        "cap_keys": [str(c) for c in caps],
        "turnover_keys": turnover_keys,
        "reference": reference.key,
        "reference_index": [
            list(caps).index(reference.cap),
            list(turnovers).index(reference.turnover),
        ],
        "smooth_weeks": SMOOTH_WEEKS,
        "drift_threshold_wd": base.pathway.drift_threshold_wd,
        "drift_no_progress_weeks": base.pathway.drift_no_progress_weeks,
        "known_risk_action_weeks": base.pathway.known_risk_action_weeks,
        "child_id": child_id,
        "replications": replications,
        "seed": base.run.seed,
        "years": base.run.years,
        "authority": base.authority.name,
        "kpis": {
            k: {
                "label": resulted_label(KPIS[k]) if set_beside(k) else KPIS[k].label,
                "unit": KPIS[k].display_unit,
                "difference_unit": KPIS[k].difference_unit,
                "higher_is_better": KPIS[k].higher_is_better,
                "set": set_beside(k),
            }
            for k in PAGE_KPIS
        },
        "rough_note": rough_intervals_note(replications) if too_few(replications) else "",
        "series_labels": {
            "missed": "Statutory visits missed",  # visits_on_time's complement
            "drift": KPIS["drift_share"].label,
        },
        "cells": {},
    }
    for cell in cells:
        results = [outputs[cell, r][0] for r in range(replications)]
        measured = [row["measured"] for row in results[0].timeseries]
        summary = summarize([r.kpis for r in results], list(PAGE_KPIS))
        data["cells"][cell.key] = {
            "kpis": {
                str(row["kpi"]): [_shown(row, k) for k in ("mean", "ci_low", "ci_high")]
                for row in summary
            },
            "weeks": [row["week_start"] for row in results[0].timeseries],
            "measured": measured,
            "missed": _weekly(results, "visits_on_time", miss=True),
            "drift": _weekly(results, "drift_share"),
            "story": outputs[cell, 0][1],
        }
    return data


def _shown(row: dict, key: str) -> float:
    """A summary value in its KPI's display unit (shares in %), to one decimal."""
    value = float(row[key])
    if np.isnan(value):
        return value
    return round(KPIS[str(row["kpi"])].scale * value, 1)


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
    parser.add_argument("--replications", type=int, default=3, help="replications per cell")
    parser.add_argument(
        "--caps", default=",".join(map(str, CAPS)), help="caseload caps, comma-separated"
    )
    parser.add_argument(
        "--turnovers",
        default=",".join(f"{t:g}" for t in TURNOVERS),
        help="turnover rates a year (0-1), comma-separated",
    )
    parser.add_argument("--n-jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument(
        "--out", type=Path, default=Path("results") / "explorer" / "drift_explorer.html"
    )
    args = parser.parse_args(argv)
    try:
        composition.refuse_ignored(
            args.overrides,
            "the explorer",
            {
                "run.replications": "use --replications",
                "run.n_jobs": "use --n-jobs",
                "workforce.caseload_cap": "the grid sets it: use --caps",
                "workforce.turnover_base": "the grid sets it: use --turnovers",
            },
            "--out FILE",
        )
        caps = _numbers("--caps", args.caps, int, 1, 1000)
        turnovers = _numbers("--turnovers", args.turnovers, float, 0.0, 1.0)
        base = compose_config(args.scenario, args.overrides)
        check_file_writable(args.out)  # before the cells are run, not after
        data = build_data(base, caps, turnovers, args.replications, args.n_jobs)
        page = write_page(data, args.out)
    except ConfigError as exc:
        print(f"sim.explorer: error: {exc}", file=sys.stderr)
        return 2
    print(page)
    return 0


TEMPLATE = (Path(__file__).with_name("explorer_page.html")).read_text(encoding="utf-8")

if __name__ == "__main__":
    sys.exit(main())
