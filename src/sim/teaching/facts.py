"""The numbers docs/teaching.md quotes, computed by the tools the workshop uses.

Every number the facilitator's notes state about the model is written there as
``19.7<!-- fact:handover_gap_with_mean -->``: the number, then an HTML comment (invisible
when the Markdown is shown) naming a fact of :data:`FACTS`. :func:`compute` regenerates
every fact the way the workshop's tools produce it (the story command's handover summary,
the explorer's cells, the Part 4 scenario pairs), and tests/test_teaching_notes.py fails
when a quoted number and the tool disagree by more than the fact's stated tolerance.

``python -m sim.teaching.facts`` prints every fact beside what docs/teaching.md quotes,
for updating the notes after a change to the model.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.analysis import summarize
from sim.config import Config
from sim.runner import Job, run_many, run_one
from sim.teaching import explorer
from sim.teaching.chronology import chronology
from sim.teaching.story import compose_config, handover_cost

REPLICATIONS = explorer.DEFAULT_REPLICATIONS
"""Replications behind every replicated fact: as many as the explorer page runs."""
STORY_SCENARIO = "lambeth_2020"
PART4 = {
    "lambeth": "lambeth_2020",
    "fixes": "lambeth_2020_fixes",
    "stable": "lambeth_2020_stable_staff",
}
"""Part 4's systems: the Lambeth-like one, with the practice fixes only, with turnover only."""
PART4_KPIS = (
    "cpp_unseen_share",
    "manager_reviews_on_time",
    "drift_share",
    "workers_per_child",
    "turnover_rate",
)
STAFFING_KPIS = ("drift_share", "cpp_visits_on_time", "cin_visits_on_time", "caseload_mean")
TURNOVER_KPIS = ("turnover_rate", "workers_per_child", "drift_share")
NOTES = Path(__file__).resolve().parents[3] / "docs" / "teaching.md"
QUOTE = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)\s*<!-- fact:([a-z0-9_]+) -->")
"""A quoted fact in the notes: the number, then ``<!-- fact:NAME -->``."""


@dataclass(frozen=True)
class Tolerance:
    """How far a quoted number may be from the tool's before the notes must change."""

    amount: float
    why: str


SHARE = Tolerance(
    2.0,
    "percentage points: about the half-width of a 95% interval from five replications; "
    "a smaller move is within what the notes already say is noise",
)
DAYS = Tolerance(1.5, "days: a gap's mean over hundreds of gaps in one run, quoted to 0.1")
WORKERS = Tolerance(0.1, "workers a child has: the interval's half-width at five replications")
CASELOAD = Tolerance(0.8, "cases: the interval's half-width at five replications")
TURNOVER = Tolerance(5.0, "percentage points: turnover varies most between replications")


def _tolerance(name: str) -> Tolerance:
    """A fact's tolerance, from its name's ending (the KPI or measure it quotes)."""
    if name.startswith("handover_gap"):
        return DAYS
    if "workers_per_child" in name:
        return WORKERS
    if "caseload" in name:
        return CASELOAD
    if "turnover_rate" in name:
        return TURNOVER
    return SHARE


def story_facts(scenario: str = STORY_SCENARIO, overrides: Sequence[str] = ()) -> dict[str, float]:
    """Part 2: what a handover costs, as ``python -m sim.story --scenario ...`` prints it."""
    cfg = compose_config(scenario, list(overrides))
    run = run_one(cfg, 0, case_log=True)
    cost = handover_cost(chronology(run.log, run.cal, c) for c in run.log.children())
    w, o = np.array(cost.with_handover), np.array(cost.without)
    return {
        "handover_gap_with_mean": round(float(w.mean()), 1),
        "handover_gap_with_p90": float(np.percentile(w, 90)),
        "handover_gap_without_mean": round(float(o.mean()), 1),
        "handover_gap_without_p90": float(np.percentile(o, 90)),
    }


def _cell_means(
    base: Config, cells: Sequence[explorer.Cell], kpis: Sequence[str], replications: int, n_jobs
) -> dict[str, dict[str, list[float]]]:
    """Each cell's KPIs as the explorer's cards show them: [mean, ci_low, ci_high]."""
    jobs = [Job(explorer.cell_config(base, c), r) for c in cells for r in range(replications)]
    results = run_many(jobs, n_jobs=n_jobs or 0, desc="teaching facts: explorer cells")
    out = {}
    for i, cell in enumerate(cells):
        rows = summarize([r.kpis for r in results[i * replications : (i + 1) * replications]], kpis)
        out[cell.key] = {
            str(row["kpi"]): [explorer.display_value(row, k) for k in ("mean", "ci_low", "ci_high")]
            for row in rows
        }
    return out


def explorer_cross(
    base: Config, replications: int = REPLICATIONS, n_jobs: int | None = None
) -> dict:
    """The explorer's cells along both sliders through the reference system.

    Every staffing level at the default turnover, and every turnover at full staffing:
    each slider step has a cell here, so :func:`explorer.inert_steps` on it checks every
    step. The cells are the page's own (same configurations, same replications).
    """
    turnover0 = base.workforce.turnover_base
    cells = [explorer.Cell(p, turnover0) for p in explorer.STAFFING]
    cells += [explorer.Cell(1.0, t) for t in explorer.TURNOVERS if t != turnover0]
    kpis = tuple(dict.fromkeys((*explorer.CHECKED_KPIS, *STAFFING_KPIS, *TURNOVER_KPIS)))
    means = _cell_means(base, cells, kpis, replications, n_jobs)
    sliders = {
        "staffing": [explorer.posts_key(p) for p in explorer.STAFFING],
        "turnover": [explorer.turnover_key(t) for t in explorer.TURNOVERS],
    }
    return {
        "staffing": list(explorer.STAFFING),
        "turnovers": list(explorer.TURNOVERS),
        "sliders": {
            name: {"keys": keys, "ticks": keys, "label": explorer.SLIDERS[name][1]}
            for name, keys in sliders.items()
        },
        "cells": {key: {"kpis": kpis_} for key, kpis_ in means.items()},
    }


def cross_facts(cross: Mapping) -> dict[str, float]:
    """Part 3: the explorer's cards along each slider (means, display units)."""
    facts = {}
    turnover0 = explorer.turnover_key(explorer.TURNOVERS[1])
    for p in explorer.STAFFING:
        cell = cross["cells"][f"{explorer.posts_key(p)}|{turnover0}"]["kpis"]
        for kpi in STAFFING_KPIS:
            facts[f"posts{round(100 * p)}_{kpi}"] = cell[kpi][0]
    for t in explorer.TURNOVERS:
        cell = cross["cells"][f"1|{explorer.turnover_key(t)}"]["kpis"]
        for kpi in TURNOVER_KPIS:
            facts[f"turnover{100 * t:g}_{kpi}".replace(".", "_")] = cell[kpi][0]
    return facts


def part4_facts(
    replications: int = REPLICATIONS, n_jobs: int | None = None, overrides: Sequence[str] = ()
) -> dict[str, float]:
    """Part 4: the three Lambeth-like systems' KPIs (means over the replications)."""
    configs = {name: compose_config(scenario, list(overrides)) for name, scenario in PART4.items()}
    jobs = [Job(cfg, r) for cfg in configs.values() for r in range(replications)]
    results = run_many(jobs, n_jobs=n_jobs or 0, desc="teaching facts: Part 4 systems")
    facts = {}
    for i, name in enumerate(configs):
        rows = summarize(
            [r.kpis for r in results[i * replications : (i + 1) * replications]], PART4_KPIS
        )
        for row in rows:
            kpi = str(row["kpi"])
            facts[f"{name}_{kpi}"] = explorer.display_value(row, "mean")
    return facts


def compute(
    replications: int = REPLICATIONS, n_jobs: int | None = None, overrides: Sequence[str] = ()
) -> dict:
    """Every fact, and the explorer cross behind Part 3 (for the lever check).

    ``overrides`` (Hydra overrides for every run) are for showing that the notes' test
    catches a change to the model; the notes quote the default configuration.
    """
    base = compose_config("baseline", list(overrides))
    cross = explorer_cross(base, replications, n_jobs)
    facts = {
        **story_facts(STORY_SCENARIO, overrides),
        **cross_facts(cross),
        **part4_facts(replications, n_jobs, overrides),
    }
    return {"facts": facts, "cross": cross}


def quoted(text: str) -> list[tuple[str, float]]:
    """Every quoted fact in ``text``: (name, number), in reading order."""
    return [(name, float(number.replace(",", ""))) for number, name in QUOTE.findall(text)]


def disagreements(facts: Mapping[str, float], text: str) -> list[str]:
    """Where the notes and the tool disagree beyond a fact's tolerance; one line each.

    Also lists a quoted name the tool does not compute (a typo in the notes).
    """
    problems = []
    for name, number in quoted(text):
        if name not in facts:
            problems.append(f"{name}: quoted as {number:g} but no such fact is computed")
            continue
        tolerance = _tolerance(name)
        if not abs(number - facts[name]) <= tolerance.amount:  # NaN disagrees too
            problems.append(
                f"{name}: the notes say {number:g}, the tool gives {facts[name]:g} "
                f"(tolerance {tolerance.amount:g} {tolerance.why.split(':')[0]})"
            )
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Print every fact beside what docs/teaching.md quotes (and where they disagree).

    Arguments are Hydra overrides applied to every run (to see a change's effect).
    """
    computed = compute(overrides=list(sys.argv[1:] if argv is None else argv))["facts"]
    text = NOTES.read_text(encoding="utf-8")
    quotes = dict(quoted(text))
    print(f"{'fact':<42} {'tool':>8} {'notes':>8}  tolerance")
    for name, value in computed.items():
        note = quotes.get(name)
        shown = "-" if note is None else f"{note:g}"
        print(f"{name:<42} {value:>8g} {shown:>8}  {_tolerance(name).amount:g}")
    problems = disagreements(computed, text)
    for line in problems:
        print(f"disagrees: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
