"""The national run: every authority of the table, each against its own published figures.

``python -m sim -m experiment=national`` (conf/experiment/national.yaml, written from the
packaged table by ``python -m sim.data.build``) runs one job per authority. When the sweep
ends, :class:`NationalSummaryCallback` (which the experiment puts in place of the sweep
summary's callback) writes into the sweep folder:

- ``authorities.csv``: a row per authority and KPI (:data:`COLUMNS`): the simulated mean
  with its 95% interval and the authority's own published figure (calibration.targets_for;
  empty for the headline KPIs, which have none);
- ``national_totals.csv``: the five flows summed over the authorities against England's
  published totals (and against the sum of the same authorities' own figures);
- ``national_<kpi>.png``: simulated against published, one point per authority;
- ``national.json``: which authorities finished and which did not;
- ``sweep_summary.csv`` and ``report.html``: the sweep's table, and a page with the
  shares of authorities within tolerance, the median errors, the totals, the figures and
  the authorities outside with the reasons known.

The bars and paired differences of an ordinary sweep are not drawn: 153 bars compare
nothing. ``python -m sim.national SWEEP_DIR`` writes the same from a folder, for a sweep
that stopped part-way (a job that failed ends Hydra's sweep before its callback; a
cluster's time limit). A sweep whose authorities did not all finish is *partial*: every
output says so, the missing authorities keep their rows with the simulated columns empty,
and the totals cover the finished ones only.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import html
import json
import math
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.arguments import OneLineParser
from sim.authorities import ATTRIBUTION, Authority, authorities, find
from sim.calibration import OWN_FIGURES, TARGETS
from sim.config import ConfigError
from sim.localise import ENGLAND, authority_settings
from sim.metrics import HEADLINE_KPIS, KPIS
from sim.plots import published_figure, save
from sim.report import html_figure, html_page
from sim.results import OutputError, write_csv
from sim.sweeps import FolderError, Job, find_jobs, summary_rows
from sim.userfiles import read_text, staged

COLUMNS: Final = ("la_code", "la_name", "kpi", "simulated", "ci_low", "ci_high", "published")
"""authorities.csv's columns; the KPIs in their own units (shares as fractions)."""

FLOWS: Final = (
    "referrals_per_year",
    "s47_per_year",
    "icpc_per_year",
    "cpp_starts_per_year",
    "cpp_open_mean",
)
"""The flows (and the stock of children on a plan) that must land within 20%."""
WORKFORCE: Final = ("turnover_rate", "vacancy_rate", "agency_share")
"""The workforce rates that must land within 3 points."""
COMPARED: Final = tuple(OWN_FIGURES)
"""KPIs with a published figure per authority (calibration.OWN_FIGURES). Children in need
at 31 March is not among them: the model's ``cin_open_mean`` counts children on a child in
need plan only, not every open episode (docs/kpis.md)."""
KPI_ORDER: Final = COMPARED + tuple(k for k in HEADLINE_KPIS if k not in COMPARED)
"""authorities.csv's KPIs: the compared ones, then the headline KPIs (published empty)."""

FLOW_TOLERANCE: Final = 0.20
FLOW_SHARE: Final = 0.95
FLOW_MEDIAN: Final = 0.10
WORKFORCE_POINTS: Final = 0.03
WORKFORCE_SHARE: Final = 0.90
"""Issue 16's must-holds: flows within 20% for 95% of authorities with a median absolute
error of at most 10%; workforce rates within 3 points for 90%."""

TOTAL_COLUMNS: Final = (
    "kpi",
    "authorities",
    "expected",
    "simulated",
    "ci_low",
    "ci_high",
    "published_sum",
    "gap_to_published",
    "england",
    "gap_to_england",
    "note",
)

ENGLAND_FTE_PER_REFERRAL: Final = ENGLAND["social_workers_fte"] / ENGLAND["referrals"]
"""England's case-holding FTE per referral (21,105.4 / 632,830 = 0.033)."""
HEAVY_CASELOAD: Final = 1.15
"""A simulated caseload more than this times the published one holds more overload than
the published turnover does: the pressure feedback raises turnover, and vacancy with it
(docs/authorities.md, "The settled start and the steady-turnover rule")."""
SMALL_COUNT: Final = 50
"""A published count below this is a few cases a year: chance alone moves it a lot."""
FEW_POSTS: Final = 30
"""Case-holding FTE below this: a rate from a handful of leavers or vacancies."""


@dataclass
class National:
    """A national sweep read from its folder: the authorities expected and those finished."""

    folder: Path
    expected: list[Authority]
    """The authorities the sweep was to run, in the table's order."""
    jobs: dict[str, Job]
    """Each finished authority's job, by la_code."""
    why: dict[str, str] = field(default_factory=dict)
    """Why each authority not finished is not (by la_code)."""
    expected_from: str = "multirun.yaml"

    @property
    def missing(self) -> list[Authority]:
        """The expected authorities with no finished job."""
        return [a for a in self.expected if a.la_code not in self.jobs]

    @property
    def complete(self) -> bool:
        """Whether every expected authority finished."""
        return not self.missing

    def status(self) -> str:
        """``complete: 153 of 153 authorities`` or ``PARTIAL: 150 of 153 authorities ...``."""
        done, of = len(self.expected) - len(self.missing), len(self.expected)
        if self.complete:
            return f"complete: {done} of {of} authorities finished"
        return f"PARTIAL: {done} of {of} authorities finished; not finished: " + ", ".join(
            f"{a.la_name} ({self.why.get(a.la_code, 'no job folder')})" for a in self.missing
        )


def _sweep_text(override: str) -> list[str]:
    """The values of one ``authority=...`` override (a sweep or a single value)."""
    try:
        parsed = OverridesParser.create().parse_overrides([override])[0]
        if parsed.is_sweep_override():
            return [str(v) for v in parsed.sweep_string_iterator()]
        return [str(parsed.value())]
    except HydraException:
        raise FolderError(f"cannot read the sweep's authorities from '{override[:60]}'") from None


def _table_authority(name: str) -> Authority | None:
    """The table's authority of that key (None for a preset such as ``average``)."""
    try:
        a = find(name)
    except ConfigError:
        return None
    return a if a.key == name else None


def expected_authorities(folder: Path) -> list[Authority] | None:
    """The table authorities a sweep was to run, from its multirun.yaml (None without it).

    Hydra's basic sweeper runs the command line's ``authority=...`` if given, else the
    experiment's ``hydra.sweeper.params.authority``; a sweep that sweeps no authority ran
    the one its configuration names.
    """
    path = folder / "multirun.yaml"
    if not path.is_file():
        return None
    try:
        cfg = yaml.safe_load(read_text(path, error=FolderError))
    except yaml.YAMLError:
        raise FolderError(f"{path}: not valid YAML") from None
    hydra = cfg.get("hydra", {}) if isinstance(cfg, dict) else {}
    params = (hydra.get("sweeper") or {}).get("params") or {}
    text = f"authority={params['authority']}" if "authority" in params else None
    for item in (hydra.get("overrides") or {}).get("task") or []:
        if str(item).partition("=")[0].lstrip("+~") == "authority":
            text = str(item)
    if text is None:
        name = str(((cfg or {}).get("authority") or {}).get("name", ""))
        values = [name]
    else:
        values = _sweep_text(text)
    found = [_table_authority(v) for v in values]
    return [a for a in found if a is not None]


def _load_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(read_text(path, error=FolderError), Loader=loader)  # noqa: S506
    except yaml.YAMLError:
        raise FolderError(f"{path}: not valid YAML") from None


def job_authority(path: Path) -> Authority | None:
    """The table authority a run folder ran (its config.yaml), or None for a preset."""
    config = path / "config.yaml"
    if not config.is_file():
        return None
    node = _load_yaml(config)
    code = str(((node or {}).get("authority") or {}).get("la_code") or "")
    return find(code) if code else None


def _folder_authority(path: Path) -> Authority | None:
    """The table authority of an unfinished job folder: its config, else its overrides."""
    a = job_authority(path)
    if a is not None:
        return a
    overrides = path / ".hydra" / "overrides.yaml"
    items = _load_yaml(overrides) if overrides.is_file() else []
    for item in items if isinstance(items, list) else []:
        key, _, value = str(item).partition("=")
        if key.lstrip("+~") == "authority":
            return _table_authority(value)
    return None


def read_national(folder: Path) -> National:
    """A national sweep's finished authorities, and those expected that did not finish.

    Raises:
        FolderError: no finished run in the folder, none of a table authority, or a
            broken file (sweeps.find_jobs), in one line.

    """
    found = find_jobs([folder])
    jobs: dict[str, Job] = {}
    for job in found.jobs:
        a = job_authority(job.path)
        if a is not None:
            jobs[a.la_code] = job
    if not jobs:
        raise FolderError(f"{folder}: no run of a table authority (authority=<key>)")
    why: dict[str, str] = {}
    started: list[Authority] = []
    for path, reason in found.unfinished.items():
        a = _folder_authority(path)
        if a is not None and a.la_code not in jobs:
            why[a.la_code] = reason
            started.append(a)
    expected = expected_authorities(folder)
    expected_from = "multirun.yaml"
    if expected is None:
        codes = set(jobs) | {a.la_code for a in started}
        expected = [a for a in authorities() if a.la_code in codes]
        expected_from = "the job folders (no multirun.yaml)"
    codes = {a.la_code for a in expected} | set(jobs)  # a job run beside the list counts too
    expected = [a for a in authorities() if a.la_code in codes]
    return National(folder, expected, jobs, why, expected_from)


def _published(a: Authority, kpi: str) -> float | None:
    """The authority's own published figure of ``kpi`` in the KPI's units (None: none).

    The table's figure as published (fallbacks included), a rate in % as a share; a 0 is
    a published figure too (a run's calibration table leaves it out: no relative gap).
    """
    if kpi not in OWN_FIGURES:
        return None
    figure, scale = OWN_FIGURES[kpi]
    return a.figure(figure).value * scale


def authority_rows(national: National) -> list[dict[str, Any]]:
    """authorities.csv: a row per expected authority and KPI (simulated empty if unfinished)."""
    rows = []
    for a in national.expected:
        job = national.jobs.get(a.la_code)
        for kpi in KPI_ORDER:
            stats = job.summary.get(kpi) if job is not None else None
            published = _published(a, kpi)
            rows.append(
                {
                    "la_code": a.la_code,
                    "la_name": a.la_name,
                    "kpi": kpi,
                    "simulated": "" if stats is None else stats["mean"],
                    "ci_low": "" if stats is None else stats["ci_low"],
                    "ci_high": "" if stats is None else stats["ci_high"],
                    "published": "" if published is None else published,
                }
            )
    return rows


def relative(kpi: str) -> bool:
    """Whether ``kpi`` is compared by its relative gap (the flows) or its absolute one."""
    return kpi in FLOWS or TARGETS[kpi].relative


def tolerance(kpi: str) -> float:
    """The tolerance a national run checks ``kpi`` with (must-holds, else the target's)."""
    if kpi in FLOWS:
        return FLOW_TOLERANCE
    if kpi in WORKFORCE:
        return WORKFORCE_POINTS
    return TARGETS[kpi].tolerance


@dataclass(frozen=True)
class Comparison:
    """One authority's simulated KPI against its published figure."""

    authority: Authority
    kpi: str
    simulated: float
    ci_low: float
    ci_high: float
    published: float
    caseload: float = math.nan
    """The run's mean caseload (``caseload_mean``), for the reasons of a workforce rate."""

    @property
    def gap(self) -> float:
        """Relative for a flow, in the KPI's units (shares as fractions) otherwise.

        NaN where there is none: the run gives no value (a rate with no posts to count),
        or a flow's published figure is 0 (no relative gap).
        """
        if relative(self.kpi):
            return self.simulated / self.published - 1.0 if self.published else math.nan
        return self.simulated - self.published

    @property
    def within(self) -> bool:
        """Within the tolerance: flows 20%, workforce 3 points, others their target's."""
        return math.isfinite(self.gap) and abs(self.gap) <= tolerance(self.kpi)

    @property
    def comparable(self) -> bool:
        """False for a flow published as 0: it has no relative gap and is left out."""
        return not (relative(self.kpi) and self.published == 0)


def comparisons(national: National, kpi: str) -> list[Comparison]:
    """Every finished authority with a published figure of ``kpi`` (simulated NaN kept)."""
    out = []
    nothing = {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan}
    for a in national.expected:
        job = national.jobs.get(a.la_code)
        published = _published(a, kpi)
        if job is None or published is None:
            continue
        s = job.summary.get(kpi, nothing)
        caseload = job.summary.get("caseload_mean", nothing)["mean"]
        out.append(Comparison(a, kpi, s["mean"], s["ci_low"], s["ci_high"], published, caseload))
    return out


@dataclass(frozen=True)
class Check:
    """One KPI across the authorities: how many are within tolerance, the median error."""

    kpi: str
    compared: int
    """Finished authorities with a published figure, less flows published as 0."""
    within: int
    median_error: float
    """The median absolute gap over those with one: relative for a flow, in the KPI's
    units otherwise."""
    outside: list[Comparison]
    """Those compared and not within, the largest gap first (no simulated value last)."""
    left_out: list[Comparison] = field(default_factory=list)
    """Flows published as 0 (no relative gap)."""

    @property
    def share(self) -> float:
        """The share of the compared authorities within tolerance."""
        return self.within / self.compared if self.compared else math.nan

    def holds(self) -> bool | None:
        """Whether the must-hold is met (None: the KPI has none)."""
        if self.kpi in FLOWS:
            return self.share >= FLOW_SHARE and self.median_error <= FLOW_MEDIAN
        if self.kpi in WORKFORCE:
            return self.share >= WORKFORCE_SHARE
        return None


def check(national: National, kpi: str) -> Check:
    """The share within tolerance and the median absolute error of ``kpi``.

    An authority whose run gives no value counts as outside; a flow published as 0 is
    left out (listed in ``left_out``).
    """
    every = comparisons(national, kpi)
    found = [c for c in every if c.comparable]
    gaps = [abs(c.gap) for c in found if math.isfinite(c.gap)]
    median = statistics.median(gaps) if gaps else math.nan
    outside = sorted(
        (c for c in found if not c.within),
        key=lambda c: -abs(c.gap) if math.isfinite(c.gap) else math.inf,
    )
    left_out = [c for c in every if not c.comparable]
    return Check(kpi, len(found), len(found) - len(outside), median, outside, left_out)


def reasons(c: Comparison) -> str:
    """What is known to put an authority outside: fallbacks, small numbers, few posts.

    Read from the table and the run, not a diagnosis: a published figure that is a
    fallback, few cases, few case-holding posts per referral against England's (many, for
    the workforce KPIs: light caseloads), a simulated caseload well above the published
    one (the workforce KPIs), few posts, a derived parameter at the end of
    its range or lowered to fit a decision, and a run whose interval still holds the
    published figure.
    """
    a = c.authority
    said = [] if math.isfinite(c.simulated) else ["the run gives no value (nothing to count)"]
    figure = OWN_FIGURES[c.kpi][0]
    fig = a.figure(figure)
    if fig.source != "own":
        said.append(f"published {figure} is a fallback ({fig.source} {fig.year})")
    if c.kpi in FLOWS and fig.value < SMALL_COUNT:
        said.append(f"few cases ({fig.value:g} a year or at 31 March): chance moves them a lot")
    fte = a.figure("social_workers_fte").value
    per_referral = fte / max(1.0, a.figure("referrals").value)
    ratio = per_referral / ENGLAND_FTE_PER_REFERRAL
    if ratio < 0.75:
        said.append(
            f"few posts per referral ({1000 * per_referral:.1f} case-holding FTE per 1,000 "
            f"referrals; England {1000 * ENGLAND_FTE_PER_REFERRAL:.1f})"
        )
    elif ratio > 1.5 and c.kpi not in FLOWS:
        said.append(
            f"many posts per referral ({1000 * per_referral:.1f} FTE per 1,000 referrals; "
            f"England {1000 * ENGLAND_FTE_PER_REFERRAL:.1f}): light caseloads"
        )
    published_caseload = a.figure("caseload").value
    if c.kpi in WORKFORCE and published_caseload > 0:
        heavy = c.caseload / published_caseload
        if heavy > HEAVY_CASELOAD:
            said.append(
                f"simulated caseload {c.caseload:.1f} against {published_caseload:g} "
                f"published ({heavy - 1:+.0%}): more overload than the published rate holds"
            )
    if c.kpi in WORKFORCE and fte < FEW_POSTS:
        said.append(f"few posts ({fte:g} FTE): a rate from a handful of leavers or vacancies")
    settings = authority_settings(a)
    clipped = [s.key for s in settings if "clipped" in s.derived]
    if clipped:
        said.append("a derived parameter hit its limit: " + ", ".join(clipped))
    lowered = [s.key for s in settings if "lowered to" in s.derived]
    if lowered:
        said.append("lowered so a decision's outcomes sum to 1: " + ", ".join(lowered))
    if c.ci_low <= c.published <= c.ci_high:
        said.append("the published figure is inside the run's 95% interval: more replications")
    return "; ".join(said) or "none known"


def total_rows(national: National) -> list[dict[str, Any]]:
    """The flows summed over the finished authorities, against England's totals.

    The interval of a sum adds the jobs' half-widths in quadrature (independent runs).
    ``published_sum`` sums the same authorities' own figures (the table's, fallbacks
    included), which is what a partial sweep or a handful of authorities compares with.
    """
    done = [a for a in national.expected if a.la_code in national.jobs]
    everyone = len(national.expected) == len(authorities()) and national.complete
    rows = []
    for kpi in FLOWS:
        figure = OWN_FIGURES[kpi][0]
        stats = [national.jobs[a.la_code].summary.get(kpi) for a in done]
        means = [s["mean"] for s in stats if s is not None]
        halves = [(s["ci_high"] - s["ci_low"]) / 2 for s in stats if s is not None]
        total = math.fsum(means)
        half = math.sqrt(math.fsum(h * h for h in halves if math.isfinite(h)))
        published = math.fsum(a.figure(figure).value for a in done)
        england = ENGLAND[figure]
        if everyone:
            note = ""
        elif national.complete:
            note = (
                f"{len(done)} of the table's {len(authorities())} authorities: compare with "
                "published_sum, not England's"
            )
        else:
            note = (
                f"PARTIAL: {len(done)} of {len(national.expected)} authorities finished; "
                "compare with published_sum"
            )
        rows.append(
            {
                "kpi": kpi,
                "authorities": len(means),
                "expected": len(national.expected),
                "simulated": total,
                "ci_low": max(0.0, total - half),
                "ci_high": total + half,
                "published_sum": published,
                "gap_to_published": total / published - 1.0 if published else math.nan,
                "england": england,
                "gap_to_england": total / england - 1.0,
                "note": note,
            }
        )
    return rows


def kpi_figure(national: National, kpi: str) -> Any:
    """Simulated against published for ``kpi``: one point per authority, outliers named.

    Authorities whose run gives no value, and flows published as 0, cannot be drawn; the
    title counts them.
    """
    k = KPIS[kpi]
    s = k.scale
    compared = [c for c in comparisons(national, kpi) if c.comparable]
    drawn = [c for c in compared if math.isfinite(c.simulated)]
    points = [
        {
            "name": c.authority.la_name,
            "published": c.published * s,
            "simulated": c.simulated * s,
            "ci_low": c.ci_low * s,
            "ci_high": c.ci_high * s,
            "outside": not c.within,
        }
        for c in drawn
    ]
    is_relative = relative(kpi)
    absolute = is_relative or TARGETS[kpi].absolute_units
    width = tolerance(kpi) if absolute else tolerance(kpi) * s
    partial = "" if national.complete else f"; PARTIAL: {len(national.jobs)} finished"
    outside = sum(not c.within for c in compared)
    undrawn = len(compared) - len(drawn)
    title = (
        f"{k.label}: simulated against each authority's own published figure\n"
        f"{len(compared)} authorities, {outside} outside the tolerance"
        + (f" ({undrawn} with no simulated value, not drawn)" if undrawn else "")
        + partial
    )
    return published_figure(
        points, k.label, k.display_unit, kpi in FLOWS, (is_relative, width), title
    )


def _pct(x: float) -> str:
    return "" if not math.isfinite(x) else f"{100 * x:.1f}%"


def _show(kpi: str, x: float) -> str:
    return KPIS[kpi].show(x) if math.isfinite(x) else ""


def check_table(checks: Sequence[Check]) -> list[tuple[str, ...]]:
    """The must-hold table as rows of text (for the console and the report)."""
    rows = [
        (
            "KPI",
            "compared",
            "within",
            "share within",
            "median abs. error",
            "required",
            "holds",
        )
    ]
    for c in checks:
        if c.kpi in FLOWS:
            required = "±20% for 95%, median ≤ 10%"
            median = _pct(c.median_error)
        elif c.kpi in WORKFORCE:
            required = "±3 points for 90%"
            median = f"{100 * c.median_error:.1f} points"
        else:
            required = f"(not a must-hold; ±{TARGETS[c.kpi].tolerance_text().lstrip('±')})"
            median = (
                _show(c.kpi, c.median_error)
                if TARGETS[c.kpi].absolute_units
                else (f"{100 * c.median_error:.1f} points")
            )
        holds = c.holds()
        rows.append(
            (
                c.kpi,
                str(c.compared),
                str(c.within),
                _pct(c.share),
                median,
                required,
                "" if holds is None else ("yes" if holds else "NO"),
            )
        )
    return rows


def format_checks(national: National, checks: Sequence[Check], totals: list[dict[str, Any]]) -> str:
    """The console summary: status, must-hold table, totals against England."""
    table = check_table(checks)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [national.status(), ""]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in table]
    lines += ["", f"{'flow':<22}{'simulated sum':>15}{'England':>12}{'gap':>9}  note"]
    for t in totals:
        lines.append(
            f"{t['kpi']:<22}{t['simulated']:>15,.0f}{t['england']:>12,.0f}"
            f"{100 * t['gap_to_england']:>8.1f}%  {t['note']}".rstrip()
        )
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in r) + "</tr>" for r in rows[1:]
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _totals_table(totals: list[dict[str, Any]]) -> str:
    rows = [
        (
            "flow",
            "authorities",
            "simulated sum (95% interval)",
            "their published sum",
            "gap",
            "England",
            "gap to England",
            "note",
        )
    ]
    for t in totals:
        rows.append(
            (
                KPIS[t["kpi"]].label,
                f"{t['authorities']} of {t['expected']}",
                f"{t['simulated']:,.0f} [{t['ci_low']:,.0f}, {t['ci_high']:,.0f}]",
                f"{t['published_sum']:,.0f}",
                _pct(t["gap_to_published"]),
                f"{t['england']:,.0f}",
                _pct(t["gap_to_england"]),
                t["note"],
            )
        )
    return _table(rows)


def _outside_table(checks: Sequence[Check]) -> str:
    rows = [("authority", "KPI", "published", "simulated (95% interval)", "gap", "reason known")]
    for c in checks:
        for o in c.outside:
            k = KPIS[o.kpi]
            unit = "points" if k.display_unit.startswith("%") else k.display_unit
            gap = _pct(o.gap) if relative(o.kpi) else f"{o.gap * k.scale:+.1f} {unit}"
            rows.append(
                (
                    o.authority.la_name,
                    k.label,
                    k.show(o.published),
                    f"{k.show(o.simulated)} [{k.show(o.ci_low)}, {k.show(o.ci_high)}]",
                    gap,
                    reasons(o),
                )
            )
    return _table(rows) if len(rows) > 1 else "<p>None.</p>"


def write_report(
    folder: Path,
    national: National,
    checks: Sequence[Check],
    totals: list[dict[str, Any]],
    captions: Mapping[str, str],
    name: str,
) -> Path:
    """report.html: status, must-holds, totals, figures and the authorities outside."""
    partial = not national.complete
    title = f"cpsim national run: {name}" + (" (PARTIAL)" if partial else "")
    reps = sorted(
        {
            int(j.summary["referrals_per_year"]["n"])
            for j in national.jobs.values()
            if "referrals_per_year" in j.summary
        }
    )
    body = [f"<h1>{html.escape(title)}</h1>"]
    if partial:
        body.append(
            '<p style="border:2px solid #d62728;padding:0.6em"><strong>'
            f"{html.escape(national.status())}.</strong> The shares, medians and sums below "
            "cover the finished authorities only; the missing ones keep their rows in "
            "authorities.csv with the simulated columns empty. Run the same command again "
            "with this folder (hydra.sweep.dir=...) to finish them, or rebuild these outputs "
            "with python -m sim.national.</p>"
        )
    body.append(
        f"<p>{len(national.jobs)} authorities run ({national.status().split(';')[0]}; "
        f"the authorities expected read from {html.escape(national.expected_from)}), "
        f"{', '.join(map(str, reps))} replications each. Each authority's run is compared "
        "with its own published figures (DfE, the packaged table; counts as published, not "
        "scaled; rates as shares shown in %). Flows and the children on a plan must be within "
        "20% for 95% of authorities with a median absolute error of at most 10%; turnover, "
        "vacancy and agency rates within 3 points for 90%. A figure that is a fallback (an "
        "earlier year, the region's) counts as published and is named among the reasons.</p>"
    )
    body += ["<h2>Within tolerance</h2>", _table(check_table(checks))]
    left_out = [f"{c.authority.la_name} ({KPIS[c.kpi].label})" for k in checks for c in k.left_out]
    if left_out:
        body.append(
            "<p>Left out of the shares and medians (published 0, so no relative gap): "
            f"{html.escape(', '.join(left_out))}.</p>"
        )
    body += [
        "<h2>All authorities against England</h2>",
        "<p>The flows summed over the authorities run, with a 95% interval that adds the "
        "jobs' half-widths in quadrature, against England's published totals (FACTS.md "
        "CIN25) and the sum of the same authorities' own published figures. Children on a "
        "plan are the simulated mean over the year against the count at 31 March.</p>",
        _totals_table(totals),
        "<h2>Figures</h2>",
    ]
    for file, caption in captions.items():
        if (folder / file).exists():
            body.append(html_figure(folder / file, caption))
    body += [
        "<h2>Authorities outside the tolerance</h2>",
        "<p>Largest gap first. Reasons are what the table shows, not a diagnosis: a "
        "published figure that is a fallback, few cases, few or many case-holding posts per "
        "referral against England's, a derived parameter at the end of its range.</p>",
        _outside_table(checks),
    ]
    if partial:
        rows = [("authority", "code", "why")]
        rows += [
            (a.la_name, a.la_code, national.why.get(a.la_code, "no job folder"))
            for a in national.missing
        ]
        body += ["<h2>Not finished</h2>", _table(rows)]
    body.append(f"<p>{html.escape(ATTRIBUTION)}</p>")
    path = folder / "report.html"
    path.write_text(html_page(title, body))
    return path


def _caption(national: National, kpi: str, c: Check) -> str:
    k = KPIS[kpi]
    what = "log axes; " if kpi in FLOWS else ""
    return (
        f"{k.label} ({k.display_unit}): one point per authority, simulated mean (vertical bar: "
        f"95% interval) against the authority's own published figure; {what}black line "
        f"simulated = published, dashed lines the tolerance. {c.within} of {c.compared} "
        f"within ({_pct(c.share)}); red points are outside, the farthest named."
    )


def write_national_outputs(folder: Path, out: Path | None = None) -> National:
    """Write every national output of the sweep in ``folder`` into ``out`` (default: it).

    All files are staged and moved into place together (sim.userfiles).

    Raises:
        FolderError: as :func:`read_national`.
        OutputError: ``out`` cannot be written.

    """
    national = read_national(folder)
    out = folder if out is None else out
    checks = [check(national, kpi) for kpi in COMPARED]
    totals = total_rows(national)
    with staged(out) as staging:
        write_csv(staging / "sweep_summary.csv", summary_rows(list(national.jobs.values())))
        write_csv(staging / "authorities.csv", authority_rows(national), COLUMNS)
        write_csv(staging / "national_totals.csv", totals, TOTAL_COLUMNS)
        captions = {}
        for c in checks:
            if c.compared:
                file = f"national_{c.kpi}.png"
                save(kpi_figure(national, c.kpi), staging / file)
                captions[file] = _caption(national, c.kpi, c)
        status = {
            "complete": national.complete,
            "expected": len(national.expected),
            "finished": len(national.jobs),
            "expected_from": national.expected_from,
            "not_finished": {
                a.key: national.why.get(a.la_code, "no job folder") for a in national.missing
            },
        }
        (staging / "national.json").write_text(json.dumps(status, indent=2) + "\n")
        write_report(staging, national, checks, totals, captions, out.absolute().name)
    return national


class NationalSummaryCallback(Callback):
    """Hydra callback of experiment=national: the national outputs when the sweep ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write authorities.csv, the totals, figures and report into the sweep folder."""
        folder = Path(config.hydra.sweep.dir)
        try:
            national = write_national_outputs(folder)
        except (ConfigError, OutputError) as exc:
            print(f"National summary not written: {exc}", file=sys.stderr)
            return
        if not national.complete:
            print(f"National summary: {national.status()}", file=sys.stderr)
        print(f"National summary: {folder / 'report.html'}")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.national SWEEP_DIR [--out DIR]``: the national outputs from a folder."""
    parser = OneLineParser(
        prog="python -m sim.national",
        description="Write a national run's authorities.csv, totals, figures and report "
        "from its sweep folder (finished or not).",
    )
    parser.add_argument("folder", type=Path, help="the sweep folder of experiment=national")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: it)")
    args = parser.parse_args(argv)
    try:
        national = write_national_outputs(args.folder, args.out)
    except (ConfigError, OutputError) as exc:
        message = " ".join(str(exc).split())
        print(f"python -m sim.national: error: {message}", file=sys.stderr)
        return 2
    checks = [check(national, kpi) for kpi in COMPARED]
    print(format_checks(national, checks, total_rows(national)))
    print(f"\nOutputs: {args.out or args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
